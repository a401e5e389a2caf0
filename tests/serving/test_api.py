"""The serving API's contract: keys, limits, clear errors with request ids, unknown and cold users."""

from __future__ import annotations

import stat

import duckdb
import pytest

from serving.schemas import MAX_BATCH, MAX_ID_LENGTH, MAX_K
from tests.serving.conftest import SECOND_KEY

pytestmark = pytest.mark.slow


def test_health_and_ready_need_no_key_and_name_the_champions(client, app_settings):
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready")
    body = ready.json()
    assert ready.status_code == 200 and body["ready"] and body["missing"] == []
    assert body["models"]["purchase_propensity"] >= 1 and body["models"]["churn"] >= 1
    assert body["online_store"] == {"type": "sqlite", "reachable": True}
    with duckdb.connect(str(app_settings.paths.warehouse), read_only=True) as con:
        newest = con.execute("select max(feature_timestamp) from user_features_daily").fetchone()[0]
    assert body["newest_feature_timestamp"].startswith(f"{newest:%Y-%m-%dT%H:%M}") and body["feature_age_seconds"] > 0


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "wrong"}, {"X-API-Key": ""}, {"X-API-Key": SECOND_KEY[:-1]}])
def test_a_missing_or_wrong_key_gets_401_without_saying_which(client, headers):
    for response in (client.post("/score", json={"user_ids": ["u000001"]}, headers=headers),
                     client.get("/users/u000001/recommendations", headers=headers),
                     client.get("/products/p00001/also-bought", headers=headers)):
        assert response.status_code == 401
        assert response.json()["error"] == "missing or invalid API key"
        assert response.json()["request_id"] == response.headers["x-request-id"]


def test_every_configured_key_is_accepted(client, batch_scores):
    user = batch_scores["user_id"].iloc[0]
    for key in ("serving-test-key", SECOND_KEY):
        assert client.post("/score", json={"user_ids": [user]}, headers={"X-API-Key": key}).status_code == 200


def test_without_configured_keys_a_key_file_is_created_once_owner_only(tmp_path, capsys):
    from serving.app import api_keys
    from shoplens.settings import Settings

    settings = Settings(data_dir=tmp_path)
    first = api_keys(settings)
    printed = capsys.readouterr().out
    assert first[0] in printed and str(settings.paths.api_key_file) in printed
    assert stat.S_IMODE(settings.paths.api_key_file.stat().st_mode) == 0o600
    assert api_keys(settings) == first and capsys.readouterr().out == ""  # printed once


@pytest.mark.parametrize("body, field", [
    ({"user_ids": []}, "body.user_ids"),
    ({"user_ids": ["u" * (MAX_ID_LENGTH + 1)]}, "body.user_ids.0"),
    ({"user_ids": ["ok", "bad\nid"]}, "body.user_ids.1"),
    ({"user_ids": ["\x00"]}, "body.user_ids.0"),
    ({"user_ids": [""]}, "body.user_ids.0"),
    ({"user_ids": [7]}, "body.user_ids.0"),
    ({"user_ids": [f"u{i}" for i in range(MAX_BATCH + 1)]}, "body.user_ids"),
    ({"users": ["u000001"]}, "body.user_ids"),
    ({"user_ids": ["u000001"], "extra": 1}, "body.extra"),
])
def test_bad_score_requests_get_422_naming_the_field(client, auth, body, field):
    response = client.post("/score", json=body, headers=auth)
    assert response.status_code == 422
    error = response.json()
    assert field in [d["field"] for d in error["detail"]] and field in error["error"]
    assert error["request_id"] == response.headers["x-request-id"] and "Traceback" not in response.text


@pytest.mark.parametrize("k", [0, MAX_K + 1, -1, "ten"])
def test_k_outside_1_to_100_gets_422(client, auth, k):
    for response in (client.get(f"/users/u000001/recommendations?k={k}", headers=auth),
                     client.get(f"/products/p00001/also-bought?k={k}", headers=auth),
                     client.post("/recommendations", json={"user_ids": ["u000001"], "k": k}, headers=auth)):
        assert response.status_code == 422 and "k" in response.json()["error"]


def test_ids_in_paths_are_checked_too(client, auth):
    too_long = client.get(f"/users/{'x' * (MAX_ID_LENGTH + 1)}/recommendations", headers=auth)
    control = client.get("/products/p%01x/also-bought", headers=auth)
    assert too_long.status_code == control.status_code == 422
    assert "path.user_id" in too_long.json()["error"] and "path.product_id" in control.json()["error"]


def test_a_body_over_the_limit_is_refused_with_413_declared_or_streamed(client, auth):
    from serving.guard import MAX_BODY_BYTES

    big = b'{"user_ids": ["' + b"u" * MAX_BODY_BYTES + b'"]}'
    declared = client.post("/score", content=big, headers={**auth, "content-type": "application/json"})
    streamed = client.post("/score", content=iter([big[:1000], big[1000:]]), headers={**auth, "content-type": "application/json"})
    for response in (declared, streamed):
        assert response.status_code == 413 and response.json()["request_id"] == response.headers["x-request-id"]


def test_malformed_json_gets_422_not_500(client, auth):
    response = client.post("/score", content=b'{"user_ids": [', headers={**auth, "content-type": "application/json"})
    assert response.status_code == 422 and "Traceback" not in response.text


def test_unknown_users_are_flagged_beside_the_known_ones(client, auth, batch_scores):
    known = batch_scores["user_id"].iloc[0]
    response = client.post("/score", json={"user_ids": ["nobody-at-all", known]}, headers=auth)
    scores = response.json()["scores"]
    assert [s["user_id"] for s in scores] == ["nobody-at-all", known]  # ids as given, in order
    assert scores[0]["known"] is False and scores[0]["purchase_propensity"] is None and scores[0]["feature_timestamp"] is None
    assert scores[1]["known"] is True and 0 <= scores[1]["purchase_propensity"] <= 1 and 1 <= scores[1]["propensity_decile"] <= 10
    assert scores[1]["segment_name"] and scores[1]["model_versions"] == response.json()["model_versions"]


def test_cold_users_get_the_popularity_list_and_active_ones_their_own(client, auth, app_settings):
    with duckdb.connect(str(app_settings.paths.warehouse), read_only=True) as con:
        user, own = con.execute("select user_id, list(product_id order by rank) from recommendations group by 1 "
                                "having bool_or(source <> 'popularity') order by 1 limit 1").fetchone()
    cold = client.get("/users/somebody-new/recommendations?k=5", headers=auth).json()
    warm = client.get(f"/users/{user}/recommendations?k=3", headers=auth).json()
    assert cold["cold"] is True and len(cold["items"]) == 5 and {i["source"] for i in cold["items"]} == {"popularity"}
    assert [i["rank"] for i in cold["items"]] == [1, 2, 3, 4, 5]
    assert warm["cold"] is False and len(warm["items"]) == 3 and warm["model_version"] >= 1
    assert [i["product_id"] for i in warm["items"]] == own[:3]  # the batch asset's list for the same champion
    batch = client.post("/recommendations", json={"user_ids": [user, "somebody-new"], "k": 2}, headers=auth).json()
    assert [(r["user_id"], r["cold"], len(r["items"])) for r in batch["recommendations"]] == [(user, False, 2), ("somebody-new", True, 2)]


def test_also_bought_lists_a_products_partners_by_lift(client, auth, app_settings):
    with duckdb.connect(str(app_settings.paths.warehouse), read_only=True) as con:
        product, partners = con.execute("select product_id, list(partner_product_id order by rank) "
                                        "from frequently_bought_together group by 1 order by count(*) desc limit 1").fetchone()
    known = client.get(f"/products/{product}/also-bought?k=100", headers=auth).json()
    unknown = client.get("/products/no-such-product/also-bought", headers=auth).json()
    assert known["known"] and [p["product_id"] for p in known["also_bought"]] == partners
    assert [p["lift"] for p in known["also_bought"]] == sorted((p["lift"] for p in known["also_bought"]), reverse=True)
    assert unknown == {"product_id": "no-such-product", "known": False, "also_bought": []}


def test_the_openapi_page_documents_every_endpoint_and_the_key(client):
    schema = client.get("/openapi.json").json()
    assert {"/health", "/ready", "/score", "/users/{user_id}/recommendations", "/recommendations",
            "/products/{product_id}/also-bought"} <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["APIKeyHeader"]["name"] == "X-API-Key"
    assert client.get("/docs").status_code == 200

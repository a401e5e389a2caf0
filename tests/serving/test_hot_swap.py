"""A promotion while requests run: the new version is loaded in the background and swapped in whole."""

from __future__ import annotations

import threading
import time

import pytest

from tests.serving.conftest import KEY

pytestmark = pytest.mark.slow


def test_moving_the_champion_alias_swaps_versions_with_no_failed_request(client, batch_scores, app_settings):
    from ml.tracking import client as mlflow_client
    from ml.tracking import configure

    configure(app_settings)
    registry = mlflow_client(app_settings)
    old = registry.get_model_version_by_alias("purchase_propensity", "champion")
    users = batch_scores["user_id"].head(20).tolist()
    seen, failures, stop = [], [], threading.Event()

    def hammer():
        while not stop.is_set():
            response = client.post("/score", json={"user_ids": users}, headers={"X-API-Key": KEY})
            if response.status_code != 200:
                failures.append(response.status_code)
                continue
            body = response.json()
            versions = {s["model_versions"]["purchase_propensity"] for s in body["scores"]}
            seen.append((body["model_versions"]["purchase_propensity"], versions))

    thread = threading.Thread(target=hammer)
    thread.start()
    new = registry.create_model_version("purchase_propensity", source=old.source, run_id=old.run_id, tags=old.tags)
    try:
        time.sleep(1.0)
        registry.set_registered_model_alias("purchase_propensity", "champion", new.version)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (not seen or seen[-1][0] != int(new.version)):
            time.sleep(0.1)
        time.sleep(0.5)
    finally:
        stop.set()
        thread.join()
        registry.set_registered_model_alias("purchase_propensity", "champion", old.version)
        registry.delete_model_version("purchase_propensity", new.version)
    order = [version for version, _ in seen]
    assert failures == [] and len(seen) > 10
    assert order[0] == int(old.version) and order[-1] == int(new.version)
    assert order == sorted(order)  # switched once, never back
    assert all(inside == {version} for version, inside in seen)  # one version throughout each response
    assert client.get("/ready").json()["models"]["purchase_propensity"] in (int(old.version), int(new.version))

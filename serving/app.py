"""The ShopLens serving API: scores, recommendations and also-bought lists from the champions and the online store.

`shoplens serve` runs it under uvicorn (`serving.app:create_app`, a factory reading the settings
from the environment). Everything but /health and /ready needs an X-API-Key.
"""

from __future__ import annotations

import hmac
import logging
import math
import time
import warnings
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import orjson
from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import APIKeyHeader
from starlette.exceptions import HTTPException as StarletteHTTPException

from ml.catalogue import RECOMMENDER_MODEL, TRAINING_SETS
from ml.feature_store import OnlineReader, has_registry, online_store_kind, open_store
from serving.champions import ChampionWatcher
from serving.guard import RequestGuard
from serving.schemas import (
    ID_PATTERN,
    MAX_ID_LENGTH,
    MAX_K,
    AlsoBoughtResponse,
    Ready,
    RecommendationsRequest,
    RecommendationsResponse,
    ScoresResponse,
    UserRecommendationsResponse,
    UsersRequest,
)
from serving.scoring import CLV_COLUMNS, USER_SERVICES, score_columns
from shoplens.ingest.sql import pseudonym_of
from shoplens.keys import kept_secret
from shoplens.settings import Settings

REQUIRED = tuple(TRAINING_SETS)  # without these champions the service is not ready
NUMBERS = [spec.score_column for spec in TRAINING_SETS.values()] + CLV_COLUMNS  # of a UserScore
INTEGERS = ["propensity_decile", "segment_id"]
log = logging.getLogger("shoplens.serving")


class Service:
    """What the endpoints share: the online reader, the champion watcher, the API keys and the id pseudonymisation."""

    def __init__(self, settings: Settings) -> None:
        if not has_registry(settings):
            raise RuntimeError(f"no Feast registry for {settings.data_dir}: run `shoplens demo` or `shoplens run` first")
        self.settings = settings
        self.store = open_store(settings)
        self.reader = OnlineReader(self.store, USER_SERVICES, "user_id")
        self.watcher = ChampionWatcher(settings, settings.model_poll_seconds)
        self.keys = [key.encode() for key in api_keys(settings)]
        self.pseudonym_key = pseudonymise_key(settings)
        self._freshness: tuple[float, datetime | None, str | None] | None = None

    def lookup_ids(self, user_ids: list[str]) -> list[str]:
        """The ids the warehouse holds for the caller's: the same keyed hash as ingest on pseudonymised sources."""
        return [pseudonym_of(u, self.pseudonym_key) for u in user_ids] if self.pseudonym_key else list(user_ids)

    def authorised(self, key: str | None) -> bool:
        given, match = (key or "").encode(), False
        for known in self.keys:  # every key compared, each in constant time
            match |= hmac.compare_digest(given, known)
        return match

    def freshness(self) -> tuple[datetime | None, str | None]:
        """(newest feature timestamp, error) of the online store, looked up at most once per poll interval."""
        now = time.monotonic()
        if self._freshness is None or now - self._freshness[0] > self.settings.model_poll_seconds:
            try:
                self._freshness = (now, self.reader.newest_timestamp(), None)
            except Exception as error:  # unreachable store: not ready, say why
                self._freshness = (now, None, f"{type(error).__name__}: {error}")
        return self._freshness[1:]


def api_keys(settings: Settings) -> list[str]:
    """SHOPLENS_API_KEYS, else the data directory's key file, created (and printed, once) on the first start."""
    if settings.api_keys:
        return list(settings.api_keys)
    key, created = kept_secret(settings.paths.api_key_file)
    if created:
        print(f"generated the API key {key} in {settings.paths.api_key_file} (mode 0600): send it as X-API-Key", flush=True)
    return [key]


def pseudonymise_key(settings: Settings) -> str | None:
    """The keyed-hash key when the landed ids are pseudonyms; None when they are the shop's own."""
    if not settings.paths.pseudonymised_marker.exists():
        return None
    if settings.pseudonymise_key:
        return settings.pseudonymise_key
    if not settings.paths.key_file.exists():
        raise RuntimeError(f"the ids are pseudonymised but neither SHOPLENS_PSEUDONYMISE_KEY nor {settings.paths.key_file} "
                           "holds the key")
    return settings.paths.key_file.read_text().strip()


api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="a key of SHOPLENS_API_KEYS or data/api.key")


def service(request: Request) -> Service:
    return request.app.state.service


def require_key(request: Request, key: str | None = Security(api_key_header)) -> None:
    if not service(request).authorised(key):
        raise HTTPException(401, "missing or invalid API key", headers={"WWW-Authenticate": "ApiKey"})


def _error(request: Request, status: int, error: str, **extra) -> JSONResponse:
    request_id = getattr(request.state, "request_id", None)
    log.warning(f"request {request_id} {request.method} {request.url.path}: {status} {error}")
    return JSONResponse({"error": error, **extra, "request_id": request_id}, status_code=status,
                        headers={"WWW-Authenticate": "ApiKey"} if status == 401 else None)


def _number(value) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def _json(body: dict) -> Response:
    """A body built to its response model already: serialized by orjson, without FastAPI validating it again
    (most of a small request's cost otherwise; the tests check the shape)."""
    return Response(orjson.dumps(body), media_type="application/json")


def _integer(value) -> int | None:
    return None if value is None or math.isnan(value) else int(value)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        warnings.filterwarnings("ignore", message="sqlglot")  # ibis, under Feast, warns of its own dependency
        if not log.handlers:  # uvicorn configures its own loggers only
            handler = logging.StreamHandler()
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
            log.addHandler(handler)
            log.setLevel(logging.INFO)
        app.state.service = Service(settings)
        app.state.service.watcher.start()
        log.info(f"serving champions {app.state.service.watcher.current.versions}")
        yield
        app.state.service.watcher.stop()

    app = FastAPI(title="ShopLens", version="1", lifespan=lifespan,
                  description="Scores, segments and recommendations of a shop's users, from the MLflow champions and "
                              "the Feast online store. Send the API key as `X-API-Key`.")
    app.add_middleware(RequestGuard)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException):
        return _error(request, error.status_code, str(error.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError):
        detail = [{"field": ".".join(str(part) for part in e["loc"]), "message": e["msg"]} for e in error.errors()]
        return _error(request, 422, "invalid request: " + "; ".join(f"{d['field']}: {d['message']}" for d in detail[:5]),
                      detail=detail)

    @app.exception_handler(Exception)
    async def failed(request: Request, error: Exception):
        log.error(f"request {getattr(request.state, 'request_id', None)} failed", exc_info=error)
        return _error(request, 500, "internal error: the request id finds it in the server's log")

    protected = [Depends(require_key)]

    @app.get("/health", tags=["status"])
    def health() -> dict:
        """Liveness: the process answers (no model, store or warehouse touched)."""
        return {"status": "ok"}

    @app.get("/ready", tags=["status"], response_model=Ready, responses={503: {"model": Ready}})
    def ready(request: Request):
        """Readiness: the champions loaded with their versions, the online store reachable, the features' freshness."""
        svc = service(request)
        versions = svc.watcher.current.versions
        newest, store_error = svc.freshness()
        missing = [m for m in REQUIRED if versions.get(m) is None]
        body = Ready(
            ready=not missing and store_error is None, models=versions, missing=missing,
            online_store={"type": online_store_kind(svc.store), "reachable": store_error is None,
                          **({"error": store_error} if store_error else {})},
            newest_feature_timestamp=newest,
            feature_age_seconds=(datetime.now(UTC) - newest).total_seconds() if newest else None,
        )
        return JSONResponse(body.model_dump(mode="json"), status_code=200 if body.ready else 503)

    @app.post("/score", tags=["scores"], response_model=ScoresResponse, dependencies=protected)
    def score(request: Request, body: UsersRequest):
        """Purchase propensity, churn risk, propensity decile, segment and (customers) lifetime value per user, from
        the online features. Users the online store does not know come back with `known: false` and no scores."""
        svc = service(request)
        champions = svc.watcher.current
        scored = score_columns(svc.reader, champions, svc.lookup_ids(body.user_ids))
        versions = champions.versions
        rows = []
        for i, user_id in enumerate(body.user_ids):
            stamp = scored["feature_timestamp"][i]
            rows.append({
                "user_id": user_id, "known": bool(scored["known"][i]),
                **{column: _number(scored[column][i]) if column in scored else None for column in NUMBERS},
                **{column: _integer(scored[column][i]) if column in scored else None for column in INTEGERS},
                "segment_name": scored["segment_name"][i] if "segment_name" in scored else None,
                "feature_timestamp": None if math.isnan(stamp) else datetime.fromtimestamp(stamp, UTC),
                "model_versions": versions,
            })
        return _json({"scores": rows, "model_versions": versions})

    def _ranked(request: Request):
        champions = service(request).watcher.current
        if champions.ranked is None:
            raise HTTPException(503, "no recommender champion yet: materialize the recommender assets first")
        return champions

    @app.get("/users/{user_id}/recommendations", tags=["recommendations"], response_model=UserRecommendationsResponse,
             dependencies=protected)
    def user_recommendations(request: Request,
                             user_id: str = Path(min_length=1, max_length=MAX_ID_LENGTH, pattern=ID_PATTERN),
                             k: int = Query(10, ge=1, le=MAX_K)):
        """The recommender champion's top k for one user; cold users get the popularity list (`cold: true`)."""
        champions = _ranked(request)
        items, cold = champions.ranked.top(service(request).lookup_ids([user_id])[0], k)
        return {"user_id": user_id, "cold": cold, "items": items, "model_version": champions.versions[RECOMMENDER_MODEL]}

    @app.post("/recommendations", tags=["recommendations"], response_model=RecommendationsResponse, dependencies=protected)
    def recommendations(request: Request, body: RecommendationsRequest):
        """The top k of each user of a batch."""
        champions = _ranked(request)
        lists = []
        for user_id, lookup in zip(body.user_ids, service(request).lookup_ids(body.user_ids)):
            items, cold = champions.ranked.top(lookup, body.k)
            lists.append({"user_id": user_id, "cold": cold, "items": items})
        return _json({"recommendations": lists, "model_version": champions.versions[RECOMMENDER_MODEL]})

    @app.get("/products/{product_id}/also-bought", tags=["recommendations"], response_model=AlsoBoughtResponse,
             dependencies=protected)
    def also_bought(request: Request,
                    product_id: str = Path(min_length=1, max_length=MAX_ID_LENGTH, pattern=ID_PATTERN),
                    k: int = Query(10, ge=1, le=MAX_K)):
        """Products bought in the same orders as this one, by lift (the `frequently_bought_together` table)."""
        partners = service(request).watcher.current.also_bought.get(product_id)
        return {"product_id": product_id, "known": partners is not None, "also_bought": (partners or [])[:k]}

    return app

"""The champions the API answers with: loaded by version, swapped whole when an alias moves.

A `Champions` is immutable: a request takes the current one once and uses it throughout, so
every answer names the versions that made it, and a promotion never mixes two versions in one.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from ml.catalogue import CLV_MODEL, RECOMMENDER_MODEL, SEGMENTS_MODEL, TRAINING_SETS
from ml.tracking import CHAMPION, bound_client, load_version, version_by_alias
from shoplens.settings import Settings

MODELS = (*TRAINING_SETS, SEGMENTS_MODEL, CLV_MODEL, RECOMMENDER_MODEL)
PROPENSITY = "purchase_propensity"
UNWRAP = {SEGMENTS_MODEL: "segmenter", CLV_MODEL: "model", RECOMMENDER_MODEL: "recommender"}  # the pyfunc's attribute
log = logging.getLogger("shoplens.serving")


class RankedLists:
    """Each user's ranked list from the recommender champion, indexed once; unknown users get its popularity list."""

    def __init__(self, recommender) -> None:
        lists = recommender.lists.sort_values(["user_id", "rank"], kind="stable").reset_index(drop=True)
        self._positions = lists.groupby("user_id", sort=False).indices
        self._products = lists["product_id"].astype(str).to_numpy()
        self._scores = lists["score"].astype(float).to_numpy()
        self._sources = lists["source"].astype(str).to_numpy()
        popular = recommender.popular
        self._popular = [{"rank": int(r), "product_id": str(p), "score": float(s), "source": "popularity"}
                         for r, p, s in zip(popular["rank"], popular["product_id"], popular["score"])]

    def top(self, user_id: str, k: int) -> tuple[list[dict], bool]:
        """(the user's first k items, cold): cold users (new, inactive or unknown) get the popularity list."""
        positions = self._positions.get(user_id)
        if positions is None:
            return self._popular[:k], True
        return [{"rank": rank, "product_id": self._products[i], "score": float(self._scores[i]), "source": self._sources[i]}
                for rank, i in enumerate(positions[:k], start=1)], False


@dataclass(frozen=True)
class Champions:
    """The loaded champion of each model (None: the model has none yet) and what the warehouse holds beside them."""

    versions: dict[str, int | None]
    models: dict[str, Any]
    batch_propensities: np.ndarray | None = None  # `user_scores`' propensities, when made by the same version
    ranked: RankedLists | None = None
    also_bought: dict[str, list[dict]] = field(default_factory=dict)

    def model(self, name: str):
        return self.models.get(name)


def champion_versions(settings: Settings) -> dict[str, int | None]:
    """Each model's champion version, asked without touching MLflow's global URIs (the watcher's thread calls it)."""
    mlc = bound_client(settings)
    return {name: version_by_alias(name, CHAMPION, settings, mlc) for name in MODELS}


def load_champions(settings: Settings, versions: dict[str, int | None], previous: Champions | None = None) -> Champions:
    """The champions of `versions`, reusing what `previous` already loaded of the same version."""
    models = {}
    for name, version in versions.items():
        if version is None:
            continue
        same = previous is not None and previous.versions.get(name) == version
        models[name] = previous.models[name] if same else _native(name, load_version(name, version, settings))
    recommender = models.get(RECOMMENDER_MODEL)
    same_recommender = previous is not None and previous.versions.get(RECOMMENDER_MODEL) == versions[RECOMMENDER_MODEL]
    ranked = previous.ranked if same_recommender and previous.ranked else (RankedLists(recommender) if recommender else None)
    propensities, pairs = _warehouse_tables(settings, versions[PROPENSITY])
    return Champions(dict(versions), models, propensities, ranked, pairs)


def _native(name: str, model):
    """What serving calls: the segmenter, CLV model and recommender unwrapped; the XGBoost classifiers on one thread
    (a request's few rows gain nothing from more, and each server thread would keep an OpenMP team spinning)."""
    if name in UNWRAP:
        return getattr(model, UNWRAP[name])
    return model.set_params(n_jobs=1)


def _warehouse_tables(settings: Settings, propensity_version: int | None) -> tuple[np.ndarray | None, dict[str, list[dict]]]:
    """The batch propensities (only when made by the same version: the population of the deciles) and the
    frequently-bought-together lists; neither when the warehouse cannot be read now (a run holds it)."""
    try:
        with duckdb.connect(str(settings.paths.warehouse), read_only=True) as con:
            tables = {t for (t,) in con.execute("select table_name from information_schema.tables").fetchall()}
            propensities = None
            if "user_scores" in tables and propensity_version is not None:
                propensities = con.execute("select purchase_propensity from user_scores where purchase_propensity_version = ?",
                                           [propensity_version]).fetchnumpy()["purchase_propensity"]
                propensities = propensities if len(propensities) else None
            pairs = con.execute(
                "select product_id, rank, partner_product_id, n_orders_together, confidence, lift "
                "from frequently_bought_together order by product_id, rank").df() if "frequently_bought_together" in tables else None
    except duckdb.IOException as error:
        log.warning(f"warehouse not readable now ({error}): no propensity deciles or also-bought lists until the next load")
        return None, {}
    return propensities, _pairs_by_product(pairs)


def _pairs_by_product(pairs: pd.DataFrame | None) -> dict[str, list[dict]]:
    if pairs is None or pairs.empty:
        return {}
    pairs = pairs.assign(product_id=pairs["product_id"].astype(str), partner_product_id=pairs["partner_product_id"].astype(str))
    return {product: [{"rank": int(r.rank), "product_id": r.partner_product_id, "n_orders_together": int(r.n_orders_together),
                       "confidence": float(r.confidence), "lift": float(r.lift)} for r in rows.itertuples(index=False)]
            for product, rows in pairs.groupby("product_id", sort=False)}


class ChampionWatcher:
    """Holds the current Champions and polls the registry: a moved alias is loaded in the background, then swapped in."""

    def __init__(self, settings: Settings, poll_seconds: float) -> None:
        self.settings, self.poll_seconds = settings, poll_seconds
        self.current = load_champions(settings, champion_versions(settings))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="champion-watcher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def refresh(self) -> bool:
        """Load and swap in the champions when any alias moved; True when it swapped."""
        versions = champion_versions(self.settings)
        if versions == self.current.versions:
            return False
        loaded = load_champions(self.settings, versions, self.current)
        moved = {n: f"{self.current.versions[n]} -> {v}" for n, v in versions.items() if self.current.versions[n] != v}
        self.current = loaded  # one reference assignment: requests see the old set or the new one, never a mix
        log.info(f"champions swapped: {moved}")
        return True

    def _run(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            try:
                self.refresh()
            except Exception:  # the registry may be briefly unreachable: keep serving the loaded champions
                log.exception("champion poll failed; serving the loaded versions")

"""Training and honest evaluation of the two-stage recommender.

Weekly label cutoffs split the data in time: the ranker learns on the earlier cutoffs'
next-7-day purchases, stops early on the second-to-last cutoff and is tested on the last
one, beside every generator alone (the baselines) and, on simulated data, the oracle. Both
protocols are evaluated; the shipped one is `params.protocol`.
"""

from __future__ import annotations

import hashlib
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ml.recommend import metrics as m
from ml.recommend.config import PROTOCOLS, RecommenderParams
from ml.recommend.model import Recommender, fingerprint
from ml.recommend.oracle import oracle_lists
from ml.recommend.ranking import Cutoff, candidate_rows, fit_ranker, generator_features, prepare, top_k, vocabularies

MIN_CUTOFFS = 3  # train, validation, test
# cutoffs prepared side by side: BPR fits on one thread and releases the GIL, so two fits overlap;
# every fit is seeded and single-threaded or thread-count independent, so the results do not change
PREPARE_THREADS = 2


class CannotRank(ValueError):
    """The data cannot train the ranker (no purchases, too few cutoffs): the reason, not a crash."""


def list_metrics(lists: np.ndarray, relevant: list[np.ndarray], popularity: np.ndarray) -> dict[str, float]:
    """The metrics of one method's lists (rows: the test cutoff's buyers), under the stable names the
    MLflow runs log; coverage and novelty are of those same lists."""
    return {
        "recall_at_20": m.recall_at_k(lists, relevant, 20),
        "ndcg_at_10": m.ndcg_at_k(lists, relevant, 10),
        "precision_at_10": m.precision_at_k(lists, relevant, 10),
        "map_at_10": m.map_at_k(lists, relevant, 10),
        "hit_rate_at_20": m.hit_rate_at_k(lists, relevant, 20),
        "coverage": m.coverage(lists, len(popularity), 20),
        "novelty": m.novelty(lists, popularity, 20),
    }


@dataclass
class Training:
    """The trained recommender, its test metrics (shipped protocol unprefixed, both protocols
    prefixed), the side-by-side comparison and what took how long."""

    recommender: Recommender
    metrics: dict[str, float]
    comparison: pd.DataFrame  # protocol, method, recall_at_20, ndcg_at_10, ...
    fit_seconds: dict[str, float]
    test_cutoff: pd.Timestamp | None
    notes: list[str] = field(default_factory=list)


def _evaluate(cuts: list[Cutoff], protocol: str, params: RecommenderParams, features: list[str], truth):
    """Fit the protocol's ranker on all cuts but the last two, stop early on the second-to-last,
    test on the last: (ranker, rows of the comparison table)."""
    frames, found = [], None
    for index, cut in enumerate(cuts):
        frame, found = candidate_rows(cut, protocol, params, cut.buyers(protocol))
        frames.append(frame.assign(cutoff=index))
    train, valid, test = pd.concat(frames[:-2]), frames[-2], frames[-1]
    try:
        ranker = fit_ranker(train, valid, features, params)
    except ValueError as reason:
        raise CannotRank(f"{protocol}: {reason}") from None
    cut = cuts[-1]
    buyers = cut.buyers(protocol)
    relevant = cut.relevant(protocol, buyers)
    popularity = np.asarray(cut.history.purchases().sum(axis=0)).ravel()
    lists, _ = top_k(test, ranker.predict(test[features]) if len(test) else np.empty(0), buyers, params.k)
    rows = [{"protocol": protocol, "method": "ranker", **list_metrics(lists, relevant, popularity)}]
    for name, candidates in found.items():
        rows.append({"protocol": protocol, "method": name,
                     **list_metrics(candidates.items[:, : params.k], relevant, popularity)})
    if truth is not None:
        rows.append({"protocol": protocol, "method": "oracle",
                     **list_metrics(oracle_lists(truth, cut, protocol, params.k, buyers), relevant, popularity)})
    return ranker, rows


def _metrics(comparison: pd.DataFrame, shipped: str) -> dict[str, float]:
    """Stable MLflow names: the shipped protocol's unprefixed, every protocol's as `<protocol>_...`."""
    out = {}
    for protocol, table in comparison.groupby("protocol"):
        by_method = table.set_index("method")
        names = [protocol + "_"] + ([""] if protocol == shipped else [])
        for prefix in names:
            for metric, value in by_method.loc["ranker"].items():
                if metric != "protocol":
                    out[f"{prefix}{metric}"] = value
            for method in by_method.index.difference(["ranker"]):
                for metric in ("recall_at_20", "ndcg_at_10"):
                    out[f"{prefix}{method}_{metric}"] = by_method.loc[method, metric]
            if "oracle" in by_method.index:
                out[f"{prefix}oracle_recall_ratio"] = by_method.loc["ranker", "recall_at_20"] / by_method.loc["oracle", "recall_at_20"]
            singles = by_method.index.difference(["ranker", "oracle"])
            out[f"{prefix}best_single_recall_at_20"] = by_method.loc[singles, "recall_at_20"].max()
    return out


def popularity_only(events, products, params: RecommenderParams, reason: str) -> Training:
    """A recommender that shows everyone the popular products, and why it is no more."""
    users, items = vocabularies(events, products)
    as_of = next_midnight(events)
    cut = prepare(events, as_of, users, items, products, params.popularity_only())
    fallback = Recommender(params, None, [], pd.DataFrame(), pd.DataFrame(), as_of, items, reason)
    lists, popular = fallback.lists_at(cut)
    fallback.lists, fallback.popular = lists, popular
    return Training(fallback, {}, pd.DataFrame(), cut.fit_seconds, None, [reason])


def next_midnight(events: pd.DataFrame) -> pd.Timestamp:
    """The cutoff after the data: midnight after its last event."""
    return pd.Timestamp(events["event_time"].max()).normalize() + pd.Timedelta(days=1)


def train_recommender(events: pd.DataFrame, products: pd.DataFrame, cutoffs: list[pd.Timestamp],
                      params: RecommenderParams, truth: pd.DataFrame | None = None) -> Training:
    """Evaluate on the last cutoffs, then make the shipped protocol's lists at the end of the data.

    Falls back to popularity (with the reason) when there are no purchases, fewer than
    MIN_CUTOFFS cutoffs, or no week in which a user bought a proposed item.
    """
    if events.empty:
        raise CannotRank("the source has no events")
    if not (events["event_type"] == "purchase").any():
        return popularity_only(events, products, params, "the source has no purchases: popularity by interactions")
    if len(cutoffs) < MIN_CUTOFFS:
        return popularity_only(events, products, params, f"{len(cutoffs)} weekly cutoffs with a full next week; "
                               f"the ranker needs {MIN_CUTOFFS} (train, validation, test)")
    users, items = vocabularies(events, products)
    features = generator_features(params)
    chosen = cutoffs[-(params.train_cutoffs + 2):]
    as_of = next_midnight(events)
    with ThreadPoolExecutor(PREPARE_THREADS) as pool:
        *cuts, final = pool.map(lambda c: prepare(events, c, users, items, products, params), [*chosen, as_of])
    rankers, rows = {}, []
    try:
        for protocol in PROTOCOLS:
            rankers[protocol], found = _evaluate(cuts, protocol, params, features, truth)
            rows += found
    except CannotRank as reason:
        return popularity_only(events, products, params, f"{reason}: popularity instead")
    comparison = pd.DataFrame(rows)
    fit_seconds = {f"fit_seconds_{name}": s for name, s in cuts[-1].fit_seconds.items()}
    start = time.perf_counter()
    shipped = Recommender(params, rankers[params.protocol], features, pd.DataFrame(), pd.DataFrame(), as_of, items,
                          fitted_on=fingerprint(events, products))
    shipped.lists, shipped.popular = shipped.lists_at(final)
    fit_seconds["fit_seconds_final_lists"] = time.perf_counter() - start
    return Training(shipped, _metrics(comparison, params.protocol), comparison, fit_seconds, chosen[-1])


def holdout_metrics(recommender: Recommender, events: pd.DataFrame, products: pd.DataFrame,
                    cutoff: pd.Timestamp) -> dict[str, float]:
    """A recommender's recipe refitted on the events before `cutoff` and scored on the week after:
    the shape the promotion gate compares (`recall_at_20`, NaN count, the holdout's fingerprint)."""
    users, items = vocabularies(events, products)
    params = recommender.params
    cut = prepare(events, cutoff, users, items, products, params if recommender.ranker else params.popularity_only())
    buyers = cut.buyers(params.protocol)
    lists, _ = recommender.lists_at(cut, buyers)
    matrix = np.full((len(buyers), params.k), -1, dtype=np.int64)
    row = np.searchsorted(buyers, users.get_indexer(lists["user_id"]))
    matrix[row, lists["rank"].to_numpy() - 1] = items.get_indexer(lists["product_id"])
    return {
        "recall_at_20": m.recall_at_k(matrix, cut.relevant(params.protocol, buyers), 20),
        "nan_predictions": int(np.isnan(lists["score"].to_numpy(np.float64)).sum()),
        "holdout_fingerprint": f"{cutoff:%Y-%m-%d}:{hashlib.sha256(cut.next_week.tobytes()).hexdigest()[:12]}",
    }

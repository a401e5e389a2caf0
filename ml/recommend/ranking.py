"""One cutoff of the two-stage recommender: generators fitted on the history, their candidates
merged and described, the XGBoost ranker's top-k lists."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ml.recommend.config import RecommenderParams, make_generators
from ml.recommend.features import Catalogue, add_history_features, candidate_features, label, merge_candidates
from ml.recommend.generators import Candidates, Generator
from ml.recommend.history import History

WEEK = pd.Timedelta(days=7)
CHUNK_USERS = 20_000  # users ranked at once: the candidate rows of a chunk fit in memory at any scale


@dataclass
class Cutoff:
    """What is known at `cutoff` (the fitted generators, who is active) and what happens in the week after."""

    history: History
    catalogue: Catalogue
    population: np.ndarray  # user indices with an event in the `active_days` before the cutoff
    next_week: np.ndarray  # sorted keys user * n_items + item of the purchases in [cutoff, cutoff + 7 d)
    generators: dict[str, Generator]
    fit_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def cutoff(self) -> pd.Timestamp:
        return self.history.cutoff

    def targets(self, protocol: str) -> np.ndarray:
        """Sorted keys of next week's purchases that count under `protocol` (discovery: never bought before)."""
        if protocol != "discovery":
            return self.next_week
        seen = self.history.purchases().tocoo()
        return np.setdiff1d(self.next_week, seen.row.astype(np.int64) * self.history.n_items + seen.col)

    def buyers(self, protocol: str) -> np.ndarray:
        """The population users with a target next week: the users every metric is about."""
        return np.intersect1d(self.population, np.unique(self.targets(protocol) // self.history.n_items))

    def relevant(self, protocol: str, users: np.ndarray) -> list[np.ndarray]:
        """Per user (sorted indices), the target items of next week."""
        keys, n_items = self.targets(protocol), self.history.n_items
        bounds = np.searchsorted(keys // n_items, np.stack([users, users + 1]))
        return [keys[a:b] % n_items for a, b in bounds.T]

    def exclude(self, protocol: str):
        """The matrix of items generators must not propose under `protocol` (None: nothing excluded)."""
        return self.history.purchases() if protocol == "discovery" else None

    def candidates(self, protocol: str, n: int, users: np.ndarray) -> dict[str, Candidates]:
        exclude = self.exclude(protocol)
        return {name: g.recommend(users, n, exclude) for name, g in self.generators.items()}


def vocabularies(events: pd.DataFrame, products: pd.DataFrame) -> tuple[pd.Index, pd.Index]:
    """The user ids of the events and the product ids of the catalogue and the events, sorted."""
    users = pd.Index(np.sort(events["user_id"].unique()))
    items = pd.Index(np.union1d(products["product_id"].to_numpy(), events["product_id"].unique()))
    return users, items


def prepare(events: pd.DataFrame, cutoff: pd.Timestamp, users: pd.Index, items: pd.Index, products: pd.DataFrame,
            params: RecommenderParams) -> Cutoff:
    """Fit every generator on the events before `cutoff`; the week after (if in `events`) is the target."""
    history = History.from_events(events, cutoff, users=users, items=items)
    active = np.asarray(history.age_days <= params.active_days)
    population = np.unique(history.user[active]).astype(np.int64)
    after = events[(events["event_time"] >= cutoff) & (events["event_time"] < cutoff + WEEK)
                   & (events["event_type"] == "purchase")]
    u, i = users.get_indexer(after["user_id"]), items.get_indexer(after["product_id"])
    known = (u >= 0) & (i >= 0)
    next_week = np.unique(u[known].astype(np.int64) * len(items) + i[known])
    generators, seconds = {}, {}
    for name, generator in make_generators(params).items():
        start = time.perf_counter()
        generators[name] = generator.fit(history)
        seconds[name] = time.perf_counter() - start
    return Cutoff(history, Catalogue.of(items, products), population, next_week, generators, seconds)


def candidate_rows(cut: Cutoff, protocol: str, params: RecommenderParams,
                   users: np.ndarray) -> tuple[pd.DataFrame, dict[str, Candidates]]:
    """The ranker's rows for `users` at the cutoff (features and `label`), and each generator's own candidates."""
    found = cut.candidates(protocol, params.candidates_per_generator, users)
    frame = merge_candidates(found, users, cut.history.n_items)
    frame = add_history_features(frame, cut.history, cut.catalogue)
    frame["label"] = label(frame, cut.next_week, cut.history.n_items)
    return frame, found


def fit_ranker(train: pd.DataFrame, valid: pd.DataFrame, features: list[str], params: RecommenderParams):
    """XGBoost learning to rank on the groups (cutoff, user) that hold a purchase; early stopping on `valid`."""
    import xgboost as xgb

    def groups(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame[frame.groupby(["cutoff", "user"])["label"].transform("max") > 0]
        return frame.sort_values(["cutoff", "user"], kind="stable")

    def qid(frame: pd.DataFrame) -> np.ndarray:
        return frame.groupby(["cutoff", "user"], sort=False).ngroup().to_numpy()

    train, valid = groups(train), groups(valid)
    if train.empty or valid.empty:
        raise ValueError("no user bought a proposed item in the training or the validation week")
    ranker = xgb.XGBRanker(**params.ranker_xgb(), random_state=params.seed)
    ranker.fit(train[features], train["label"], qid=qid(train),
               eval_set=[(valid[features], valid["label"])], eval_qid=[qid(valid)], verbose=False)
    return ranker


def top_k(frame: pd.DataFrame, scores: np.ndarray, users: np.ndarray, k: int) -> tuple[np.ndarray, pd.DataFrame]:
    """Each user's k best rows by score: an item matrix aligned with `users` (-1 padding) and the rows kept."""
    ranked = frame.assign(score=scores).sort_values(["user", "score", "item"], ascending=[True, False, True], kind="stable")
    ranked = ranked[ranked.groupby("user").cumcount() < k].assign(rank=lambda d: d.groupby("user").cumcount() + 1)
    lists = np.full((len(users), k), -1, dtype=np.int64)
    row = np.searchsorted(users, ranked["user"].to_numpy())
    lists[row, ranked["rank"].to_numpy() - 1] = ranked["item"].to_numpy()
    return lists, ranked


def ranked(cut: Cutoff, protocol: str, ranker, features: list[str], params: RecommenderParams,
           users: np.ndarray) -> pd.DataFrame:
    """The ranker's top-k rows (user, item, score, rank, source...) for `users`, a chunk of users at a time."""
    kept = []
    for start in range(0, len(users), CHUNK_USERS):
        chunk = users[start:start + CHUNK_USERS]
        frame, _ = candidate_rows(cut, protocol, params, chunk)
        kept.append(top_k(frame, ranker.predict(frame[features]) if len(frame) else np.empty(0), chunk, params.k)[1])
    return pd.concat(kept, ignore_index=True) if kept else pd.DataFrame(columns=["user", "item", "score", "rank", "source"])


def generator_features(params: RecommenderParams) -> list[str]:
    return candidate_features(list(make_generators(params)))

"""K-means segments of users, k chosen by silhouette, with segment ids that survive refits.

Features are transformed before clustering: the heavy-tailed ones (HEAVY_TAILED: recency_days, frequency,
monetary, tenure_days, session_minutes) are clipped at 0 and log1p'd, then every feature is standardised by
this fit's mean and standard deviation (a constant feature gets scale 1, so it is 0 everywhere and plays no
part). Centroids live in that standardised space.

Ids: a first fit numbers its segments 0..k-1 by descending size (0 is the biggest; equal sizes by centroid).
A refit with `previous` maps the previous centroids to raw units (its own inverse transform) and into this
fit's space, and pairs old and new centroids by linear_sum_assignment on Euclidean distance: first as many
pairs within max_match_distance as possible, then the least total distance. A paired new segment keeps the
old id and name ("matched"); unpaired ones get ids no earlier fit used (Segmenter.fresh_id on), biggest
first ("new"), and a name by the rule; old ids left unpaired are retired and never come back.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

from ml.params import param
from ml.segments.features import SEGMENT_FEATURES
from ml.segments.naming import name_segments

HEAVY_TAILED = frozenset({"recency_days", "frequency", "monetary", "tenure_days", "session_minutes"})


@dataclass(frozen=True)
class SegmentParams:
    """K-means segments: the range of k, the seeds, and how new centroids are matched to the previous fit's."""

    k_min: int = param(3, "Fewest segments tried (at least 2: silhouette needs two clusters)")
    k_max: int = param(8, "Most segments tried (capped at users - 1)")
    seed: int = param(42, "Seed of k-means and of the silhouette sample")
    n_init: int = param(10, "K-means restarts per k; the lowest-inertia run is kept")
    silhouette_sample: int = param(10_000, "Silhouette is computed on a seeded sample of at most this many users")
    max_match_distance: float = param(
        1.5, "Standardised distance beyond which a new centroid is not the continuation of a previous one (a new segment)"
    )

    def __post_init__(self) -> None:
        if not 2 <= self.k_min <= self.k_max:
            raise ValueError(f"need 2 <= k_min <= k_max, got k_min={self.k_min}, k_max={self.k_max}")


class TooFewUsers(ValueError):
    """Fewer users (or distinct feature rows) than segmenting into k_min segments needs."""


def _values(raw: pd.DataFrame, features: tuple[str, ...]) -> np.ndarray:
    """The feature columns as floats, heavy-tailed ones clipped at 0 and log1p'd."""
    values = raw[list(features)].to_numpy(dtype=float)
    if np.isnan(values).any():
        raise ValueError("segment features contain NaN: impute them first (see ml.segments.features)")
    heavy = _heavy(features)
    values[:, heavy] = np.log1p(np.clip(values[:, heavy], 0, None))
    return values


def _heavy(features: tuple[str, ...]) -> np.ndarray:
    return np.array([f in HEAVY_TAILED for f in features], dtype=bool)


@dataclass
class Segmenter:
    """A fitted segmentation: the transform, the centroids in its standardised units, and their ids and names."""

    features: tuple[str, ...]
    mean: np.ndarray  # per feature, of the values after the log1p of the heavy-tailed ones
    scale: np.ndarray
    centroids: np.ndarray  # (k, d) in standardised units of this fit
    segment_ids: list[int]
    names: list[str]
    as_of: date | None
    next_id: int = 0  # no fit of this lineage used an id from here on

    @property
    def fresh_id(self) -> int:
        """The first id a new segment of the next fit may take."""
        return max(self.next_id, max(self.segment_ids, default=-1) + 1)

    def transform(self, raw: pd.DataFrame) -> np.ndarray:
        """Raw feature columns -> standardised units (n, d)."""
        return (_values(raw, self.features) - self.mean) / self.scale

    def mean_of(self, feature: str) -> float:
        """The fit population's mean of a feature that is not heavy-tailed, in raw units (the imputed value of
        `load_segment_features`, for users lacking it)."""
        if feature in HEAVY_TAILED:
            raise ValueError(f"{feature} is fit on log1p: its mean is not in raw units")
        return float(self.mean[self.features.index(feature)])

    def inverse(self, z: np.ndarray) -> np.ndarray:
        """Standardised units -> raw units (n, d)."""
        values = z * self.scale + self.mean
        heavy = _heavy(self.features)
        values[:, heavy] = np.expm1(values[:, heavy])
        return values

    def assign(self, features: pd.DataFrame) -> pd.DataFrame:
        """user_id, segment_id, segment_name: each user's nearest centroid."""
        z = self.transform(features)
        nearest = cdist(z, self.centroids, "sqeuclidean").argmin(axis=1)
        return pd.DataFrame(
            {
                "user_id": features["user_id"].to_numpy(),
                "segment_id": np.asarray(self.segment_ids, dtype=np.int64)[nearest],
                "segment_name": np.asarray(self.names, dtype=object)[nearest],
            }
        )

    def centroid_table(self) -> pd.DataFrame:
        """segment_id, segment_name and each feature's centroid in raw units."""
        table = pd.DataFrame(self.inverse(self.centroids), columns=list(self.features))
        table.insert(0, "segment_name", self.names)
        table.insert(0, "segment_id", self.segment_ids)
        return table


@dataclass
class SegmentFit:
    segmenter: Segmenter
    k: int
    silhouette: float
    silhouette_by_k: dict[int, float]
    matching: pd.DataFrame  # per new segment: segment_id, segment_name, previous_segment_id (Int64), distance, status
    retired: list[int]  # previous ids no new segment matched


def _best_kmeans(z: np.ndarray, params: SegmentParams) -> tuple[KMeans, dict[int, float]]:
    """K-means for every k tried; the one with the highest silhouette (the smallest k on ties)."""
    n_distinct = len(np.unique(z, axis=0))
    if len(z) <= params.k_min or n_distinct < params.k_min:
        raise TooFewUsers(
            f"{len(z)} users with {n_distinct} distinct feature rows: k_min={params.k_min} segments need at least "
            f"{params.k_min + 1} users and {params.k_min} distinct rows"
        )
    sample = params.silhouette_sample if len(z) > params.silhouette_sample else None
    fits, scores = {}, {}
    for k in range(params.k_min, min(params.k_max, len(z) - 1, n_distinct) + 1):
        fits[k] = KMeans(n_clusters=k, n_init=params.n_init, random_state=params.seed).fit(z)
        scores[k] = float(silhouette_score(z, fits[k].labels_, sample_size=sample, random_state=params.seed))
    best = max(scores, key=lambda k: (scores[k], -k))
    return fits[best], scores


def _match(centroids: np.ndarray, previous: np.ndarray, max_distance: float) -> dict[int, tuple[int, float]]:
    """new row -> (previous row, distance): the most pairs within max_distance, then the least total distance."""
    distance = cdist(centroids, previous)
    within = distance <= max_distance
    # A cost above any sum of admissible distances makes one more admissible pair worth more than any saving in distance.
    cost = np.where(within, distance, distance[within].sum() + 1.0)
    rows, cols = linear_sum_assignment(cost)
    return {int(r): (int(c), float(distance[r, c])) for r, c in zip(rows, cols) if within[r, c]}


def _matching(centroids: np.ndarray, z_previous: np.ndarray | None, previous_ids: list[int], first_fresh: int,
              max_distance: float) -> pd.DataFrame:
    """segment_id, previous_segment_id, distance, status per centroid row (rows in size order)."""
    pairs = {} if z_previous is None else _match(centroids, z_previous, max_distance)
    fresh = itertools.count(first_fresh)
    rows = []
    for row in range(len(centroids)):
        if row in pairs:
            prev_row, d = pairs[row]
            rows.append((previous_ids[prev_row], previous_ids[prev_row], d, "matched"))
        else:
            rows.append((next(fresh), None, np.nan, "new"))
    table = pd.DataFrame(rows, columns=["segment_id", "previous_segment_id", "distance", "status"])
    table["previous_segment_id"] = table["previous_segment_id"].astype("Int64")
    table["distance"] = table["distance"].astype(float)
    return table


def _names(centroids: pd.DataFrame, previous_ids: pd.Series, previous: Segmenter | None) -> list[str]:
    """A matched segment keeps its previous name (its customers are the same kind); the others are named by
    the rule (ml.segments.naming), suffixed " 2", " 3", ... where a kept name has it."""
    by_rule = name_segments(centroids)
    if previous is None:
        return by_rule
    old = dict(zip(previous.segment_ids, previous.names))
    kept = [None if pd.isna(p) else old[int(p)] for p in previous_ids]
    taken, names = {n for n in kept if n}, []
    for name, rule in zip(kept, by_rule):
        if name is None:
            candidates = itertools.chain([rule], (f"{rule} {k}" for k in itertools.count(2)))
            name = next(n for n in candidates if n not in taken)
            taken.add(name)
        names.append(name)
    return names


def fit_segments(features: pd.DataFrame, params: SegmentParams, previous: Segmenter | None = None, as_of: date | None = None) -> SegmentFit:
    """Segment the users of `features` (user_id + SEGMENT_FEATURES in raw units, no NaN; other columns are
    ignored) into k-means clusters, k in [k_min, k_max] by the highest silhouette; ids continue `previous`."""
    if features["user_id"].duplicated().any():
        raise ValueError("features must hold one row per user_id")
    names = SEGMENT_FEATURES
    if previous is not None and previous.features != names:
        raise ValueError(f"previous segmenter was fitted on {previous.features}, not on {names}")
    logged = _values(features, names)
    mean, scale = logged.mean(axis=0), logged.std(axis=0)
    scale = np.where(scale > 1e-12, scale, 1.0)
    z = (logged - mean) / scale
    kmeans, scores = _best_kmeans(z, params)

    centroids, sizes = kmeans.cluster_centers_, np.bincount(kmeans.labels_, minlength=len(kmeans.cluster_centers_))
    # Size, then the centroid itself, so the order does not depend on k-means' label numbering.
    centroids = centroids[sorted(range(len(centroids)), key=lambda i: (-sizes[i], *centroids[i]))]
    z_previous = None
    if previous is not None:
        z_previous = (_values(pd.DataFrame(previous.inverse(previous.centroids), columns=list(names)), names) - mean) / scale
    first_fresh = previous.fresh_id if previous else 0
    matching = _matching(centroids, z_previous, previous.segment_ids if previous else [], first_fresh,
                         params.max_match_distance)

    by_id = np.argsort(matching["segment_id"].to_numpy(), kind="stable")
    centroids, matching = centroids[by_id], matching.iloc[by_id].reset_index(drop=True)
    segment_names = _names(pd.DataFrame(centroids, columns=list(names)), matching["previous_segment_id"], previous)
    matching.insert(1, "segment_name", segment_names)
    ids = matching["segment_id"].astype(int).tolist()
    segmenter = Segmenter(names, mean, scale, centroids, ids, segment_names, as_of, max([*ids, first_fresh - 1]) + 1)
    retired = sorted(set(previous.segment_ids) - set(ids)) if previous else []
    return SegmentFit(segmenter, len(ids), scores[len(ids)], scores, matching, retired)

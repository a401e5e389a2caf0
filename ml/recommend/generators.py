"""Candidate generators of the two-stage recommender: each fits on a History and proposes its top-n items per user.

Every generator scores chunks of users into a dense users x items array in which -inf means "not a candidate"
(an item the method has no evidence for, or an excluded one); the shared `recommend` keeps the n best.
Apart from popularity, a user without the interactions a method learns from gets no candidates (all -1).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar, Protocol

import numpy as np
import pandas as pd
from implicit.als import AlternatingLeastSquares
from implicit.bpr import BayesianPersonalizedRanking
from implicit.nearest_neighbours import all_pairs_knn, bm25_weight
from scipy import sparse
from scipy.sparse import csr_matrix
from threadpoolctl import threadpool_limits

from ml.params import param
from ml.recommend.history import History

CHUNK_CELLS = 2**22  # dense scores per chunk of users (float64: 32 MB), so memory stays flat in the number of users
NUM_THREADS = 2


@dataclass(frozen=True, eq=False)
class Candidates:
    """Top-n items per requested user: items (n_users, n) int32 with -1 padding, scores float32 (nan where padded), higher = better."""

    items: np.ndarray
    scores: np.ndarray


class Generator(Protocol):
    name: str  # one of: popularity, buyagain, personal_frequency, als, bpr, itemknn, copurchase

    def fit(self, history: History) -> Generator: ...

    def recommend(self, users: np.ndarray, n: int, exclude: csr_matrix | None = None) -> Candidates:
        """Top-n for user indices `users`; nonzero entries of `exclude` (users x items) are never returned."""


@dataclass(frozen=True)
class PopularityParams:
    window_days: float = param(14.0, "Days before the cutoff whose purchases (or, without any, interactions) count")


@dataclass(frozen=True)
class BuyAgainParams:
    half_life_days: float = param(30.0, "Days for the weight of a user's last purchase of an item to halve")


@dataclass(frozen=True)
class PersonalFrequencyParams:
    group_size: int = param(7, "Consecutive baskets per group (TIFU-KNN m)")
    within_group_decay: float = param(0.9, "Decay per basket within a group, newest weighs 1 (TIFU-KNN r_b)")
    group_decay: float = param(0.7, "Decay per group, newest weighs 1 (TIFU-KNN r_g)")
    n_neighbours: int = param(100, "Nearest other users (cosine > 0 on the vectors) whose mean vector is blended in")
    alpha: float = param(0.7, "Weight of the user's own vector; 1 - alpha goes to the neighbours' mean")


@dataclass(frozen=True)
class ALSParams:
    factors: int = param(64, "Latent factors")
    regularization: float = param(0.05, "L2 regularisation of the factors")
    alpha: float = param(10.0, "Confidence scale: implicit fits on alpha * confidence")
    iterations: int = param(15, "ALS sweeps")
    bm25: bool = param(False, "Weight the confidence matrix with BM25 (items as documents) before fitting")
    bm25_k1: float = param(100.0, "BM25 K1 (term saturation)")
    bm25_b: float = param(0.8, "BM25 B (length normalisation)")
    random_state: int = param(0, "Seed of the initial factors")
    num_threads: int = param(NUM_THREADS, "Threads for fitting (results do not depend on it)")


@dataclass(frozen=True)
class BPRParams:
    factors: int = param(64, "Latent factors (implicit adds one item-bias factor)")
    learning_rate: float = param(0.01, "SGD step size")
    regularization: float = param(0.01, "L2 regularisation of the factors")
    iterations: int = param(100, "Epochs of sampled (user, positive, negative) triples")
    random_state: int = param(0, "Seed of the factors and the sampling")
    # implicit's BPR is Hogwild SGD: with more than one thread two fits on the same data differ.
    num_threads: int = param(1, "Threads for fitting; above 1 results are not reproducible")


@dataclass(frozen=True)
class ItemKNNParams:
    k: int = param(50, "Most similar other items kept per item")


@dataclass(frozen=True)
class CoPurchaseParams:
    min_support: int = param(2, "Least number of baskets two items must share to be associated")
    measure: str = param("confidence", "Association score: 'confidence' P(j | i) or 'lift' P(j | i) / P(j)")

    def __post_init__(self) -> None:
        if self.measure not in ("confidence", "lift"):
            raise ValueError(f"copurchase measure must be 'confidence' or 'lift', not {self.measure!r}")


def _top_n(scores: np.ndarray, n: int) -> Candidates:
    """The n best columns per row by score, then item index (of items tied for the n-th place an arbitrary but
    deterministic one is kept); -inf entries become -1 / nan padding."""
    rows, width = scores.shape
    k = min(n, width)
    if k == 0:
        idx = np.empty((rows, 0), dtype=np.int64)
    elif k < width:
        idx = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    else:
        idx = np.broadcast_to(np.arange(width), (rows, width))
    top = np.take_along_axis(scores, idx, axis=1)
    order = np.lexsort((idx, -top), axis=1)
    idx, top = np.take_along_axis(idx, order, axis=1), np.take_along_axis(top, order, axis=1)
    found = np.isfinite(top)
    items = np.full((rows, n), -1, dtype=np.int32)
    best = np.full((rows, n), np.nan, dtype=np.float32)
    items[:, :k] = np.where(found, idx, -1)
    best[:, :k] = np.where(found, top, np.nan)
    return Candidates(items, best)


def _dense(scores: np.ndarray | sparse.spmatrix, n_items: int) -> np.ndarray:
    """Scores as a dense float64 array (a dense one as is: `_score` returns fresh arrays); a sparse matrix's missing entries become -inf."""
    if not sparse.issparse(scores):
        return np.asarray(scores, dtype=np.float64)
    coo = scores.tocoo()
    out = np.full((coo.shape[0], n_items), -np.inf)
    out[coo.row, coo.col] = coo.data
    return out


class _Generator:
    """Shared recommend; subclasses fit, record the vocabulary sizes and score a chunk of users in `_score`."""

    name: ClassVar[str]
    Params: ClassVar[type]

    def __init__(self, params=None):
        self.params = params if params is not None else self.Params()
        self._n_users = self._n_items = None

    def _sizes(self, history: History) -> None:
        self._n_users, self._n_items = history.n_users, history.n_items

    def _score(self, users: np.ndarray) -> np.ndarray | sparse.spmatrix:
        raise NotImplementedError

    def recommend(self, users: np.ndarray, n: int, exclude: csr_matrix | None = None) -> Candidates:
        """Top-n for user indices `users`; nonzero entries of `exclude` (users x items) are never returned."""
        if self._n_items is None:
            raise RuntimeError(f"{self.name}: recommend before fit")
        if exclude is not None and exclude.shape != (self._n_users, self._n_items):
            raise ValueError(f"{self.name}: exclude has shape {exclude.shape}, not {(self._n_users, self._n_items)}")
        users = np.asarray(users, dtype=np.int64)
        n_chunks = max(1, -(-len(users) * max(self._n_items, 1) // CHUNK_CELLS))
        parts = [self._recommend_chunk(chunk, n, exclude) for chunk in np.array_split(users, n_chunks)]
        return Candidates(np.vstack([p.items for p in parts]), np.vstack([p.scores for p in parts]))

    def _recommend_chunk(self, users: np.ndarray, n: int, exclude: csr_matrix | None) -> Candidates:
        scores = _dense(self._score(users), self._n_items)
        if exclude is not None:
            rows, cols = exclude[users].nonzero()
            scores[rows, cols] = -np.inf
        return _top_n(scores, n)


class PopularityGenerator(_Generator):
    """Items by purchase lines in the last `window_days` (interaction confidence if the window has no purchase; none if it is empty)."""

    name = "popularity"
    Params = PopularityParams

    def fit(self, history: History) -> PopularityGenerator:
        self._sizes(history)
        recent = history.age_days <= self.params.window_days
        purchases = recent & history.is_purchase
        counts = np.bincount(history.item[purchases], minlength=history.n_items).astype(np.float64)
        if not counts.any():
            counts = np.maximum(np.bincount(history.item[recent], history.event_weights()[recent], minlength=history.n_items), 0.0)
        self._popularity = np.where(counts > 0, counts, -np.inf)
        return self

    def _score(self, users: np.ndarray) -> np.ndarray:
        return np.tile(self._popularity, (len(users), 1))


class BuyAgainGenerator(_Generator):
    """The user's own purchased items, scored purchase_count * 0.5 ** (days_since_last_purchase / half_life_days)."""

    name = "buyagain"
    Params = BuyAgainParams

    def fit(self, history: History) -> BuyAgainGenerator:
        self._sizes(history)
        stats = history.purchase_stats()
        score = stats["purchase_count"] * 0.5 ** (stats["days_since_last_purchase"] / self.params.half_life_days)
        self._scores = csr_matrix((score, (stats["user"], stats["item"])), shape=(history.n_users, history.n_items))
        return self

    def _score(self, users: np.ndarray) -> csr_matrix:
        return self._scores[users]


def _basket_weights(baskets: pd.DataFrame, params: PersonalFrequencyParams) -> pd.Series:
    """TIFU-KNN weight of each distinct basket (index: basket number).

    A user's baskets, newest first, fall into groups of `group_size`; the basket at position p of group g
    (both counted from 0 at the newest) weighs r_b ** p / |group| * r_g ** g / n_groups, so the user's
    vector is the decayed mean over groups of the decayed mean of the group's multi-hot baskets.
    """
    b = baskets.drop_duplicates("basket").sort_values(["user", "age_days", "basket"])
    rank = b.groupby("user").cumcount().to_numpy()
    group, position = rank // params.group_size, rank % params.group_size
    frame = pd.DataFrame({"user": b["user"].to_numpy(), "group": group})
    group_len = frame.groupby(["user", "group"])["group"].transform("size").to_numpy()
    n_groups = frame.groupby("user")["group"].transform("max").to_numpy() + 1
    weight = params.within_group_decay**position / group_len * params.group_decay**group / n_groups
    return pd.Series(weight, index=b["basket"].to_numpy())


def _row_normalised(matrix: csr_matrix) -> csr_matrix:
    """Rows scaled to unit L2 norm (empty rows stay empty)."""
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    return (sparse.diags(np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)) @ matrix).tocsr()


def _without_diagonal(matrix: csr_matrix) -> csr_matrix:
    out = (matrix - sparse.diags(matrix.diagonal())).tocsr()
    out.eliminate_zeros()
    return out


def _top_k_per_row(matrix: csr_matrix, k: int) -> csr_matrix:
    """The k largest stored entries of each row (ties: the first stored)."""
    coo = matrix.tocoo()
    order = np.lexsort((-coo.data, coo.row))
    row, col, data = coo.row[order], coo.col[order], coo.data[order]
    keep = np.arange(len(row)) - np.searchsorted(row, row) < k
    return csr_matrix((data[keep], (row[keep], col[keep])), shape=matrix.shape)


def _cosine_neighbours(matrix: csr_matrix, k: int) -> csr_matrix:
    """columns x columns: cosine similarity of each column to its k most similar other columns (those > 0 only)."""
    unit_columns = _row_normalised(matrix.T.tocsr()).T.tocsr()
    # implicit's C++ all-pairs kNN; asking for k + 1 leaves k after dropping the column itself
    similar = all_pairs_knn(unit_columns, k + 1, show_progress=False, num_threads=NUM_THREADS).tocsr()
    return _top_k_per_row(_without_diagonal(similar), k)


class PersonalFrequencyGenerator(_Generator):
    """TIFU-KNN (Hu et al., SIGIR 2020): alpha * own decayed item frequencies + (1 - alpha) * mean of k nearest users'."""

    name = "personal_frequency"
    Params = PersonalFrequencyParams

    def fit(self, history: History) -> PersonalFrequencyGenerator:
        self._sizes(history)
        baskets = history.baskets()
        weight = baskets["basket"].map(_basket_weights(baskets, self.params)).to_numpy()
        self._vectors = csr_matrix((weight, (baskets["user"], baskets["item"])), shape=(history.n_users, history.n_items))
        neighbours = _cosine_neighbours(self._vectors.T.tocsr(), self.params.n_neighbours)
        counts = np.diff(neighbours.indptr)
        neighbours.data = 1.0 / np.repeat(counts, counts)
        self._neighbour_weights = neighbours
        return self

    def _score(self, users: np.ndarray) -> csr_matrix:
        alpha = self.params.alpha
        return alpha * self._vectors[users] + (1 - alpha) * (self._neighbour_weights[users] @ self._vectors)


class _FactorGenerator(_Generator):
    """Matrix factorisation from implicit on the confidence matrix; users without interactions get nothing."""

    Model: ClassVar[type]  # the implicit model, built from the params' fields but `weighting`
    weighting: ClassVar[tuple[str, ...]] = ()  # params fields that weight the matrix, not the model

    def _model(self):
        kwargs = {k: v for k, v in dataclasses.asdict(self.params).items() if k not in self.weighting}
        return type(self).Model(**kwargs, use_gpu=False)  # implicit's models are factory functions: not bound

    def _weighted(self, confidence: csr_matrix) -> csr_matrix:
        return confidence

    def fit(self, history: History) -> _FactorGenerator:
        self._sizes(history)
        confidence = history.confidence()
        self._active = np.diff(confidence.indptr) > 0
        self._fitted = None
        if confidence.nnz:
            # implicit's own threads do the work; a multi-threaded BLAS inside them slows fitting badly
            # (implicit warns about it when the model is built, so that happens inside the limit too)
            with threadpool_limits(1, "blas"):
                self._fitted = self._model()
                self._fitted.fit(self._weighted(confidence).astype(np.float32), show_progress=False)
        return self

    def _score(self, users: np.ndarray) -> np.ndarray:
        if self._fitted is None:
            return np.full((len(users), self._n_items), -np.inf)
        with threadpool_limits(1, "blas"):
            scores = (self._fitted.user_factors[users] @ self._fitted.item_factors.T).astype(np.float64)
        scores[~self._active[users]] = -np.inf
        return scores


class ALSGenerator(_FactorGenerator):
    """implicit's AlternatingLeastSquares (Hu, Koren, Volinsky 2008) on alpha * confidence, optionally BM25-weighted."""

    name = "als"
    Params = ALSParams
    Model = AlternatingLeastSquares
    weighting = ("bm25", "bm25_k1", "bm25_b")

    def _weighted(self, confidence: csr_matrix) -> csr_matrix:
        if not self.params.bm25:
            return confidence
        # as in implicit's examples: items are the documents, users the terms
        return bm25_weight(confidence.T, K1=self.params.bm25_k1, B=self.params.bm25_b).T.tocsr()


class BPRGenerator(_FactorGenerator):
    """implicit's BayesianPersonalizedRanking; positives are the nonzero confidences (implicit ignores their size)."""

    name = "bpr"
    Params = BPRParams
    Model = BayesianPersonalizedRanking


class ItemKNNGenerator(_Generator):
    """Item-item cosine kNN on the confidence matrix: score(u, j) = sum_i confidence(u, i) * cos(i, j) over i's k neighbours."""

    name = "itemknn"
    Params = ItemKNNParams

    def fit(self, history: History) -> ItemKNNGenerator:
        self._sizes(history)
        self._confidence = history.confidence()
        self._similarity = _cosine_neighbours(self._confidence, self.params.k)
        return self

    def _score(self, users: np.ndarray) -> csr_matrix:
        return self._confidence[users] @ self._similarity


def _association(baskets: pd.DataFrame, n_items: int, params: CoPurchaseParams) -> csr_matrix:
    """items x items score of j given i over baskets, for pairs sharing at least min_support baskets."""
    basket, _ = pd.factorize(baskets["basket"])
    incidence = csr_matrix((np.ones(len(basket)), (basket, baskets["item"])), shape=(basket.max(initial=-1) + 1, n_items))
    together = _without_diagonal((incidence.T @ incidence).tocsr())
    together.data[together.data < params.min_support] = 0
    together.eliminate_zeros()
    support = np.asarray(incidence.sum(axis=0)).ravel()
    inverse = np.divide(1.0, support, out=np.zeros_like(support), where=support > 0)
    confidence = sparse.diags(inverse) @ together
    if params.measure == "lift":
        return (confidence @ sparse.diags(inverse * incidence.shape[0])).tocsr()
    return confidence.tocsr()


class CoPurchaseGenerator(_Generator):
    """Also bought: score(u, j) = sum over items i the user bought of the association of j with i in shared baskets."""

    name = "copurchase"
    Params = CoPurchaseParams

    def fit(self, history: History) -> CoPurchaseGenerator:
        self._sizes(history)
        self._bought = (history.purchases() > 0).astype(np.float64)
        self._rules = _association(history.baskets(), history.n_items, self.params)
        return self

    def _score(self, users: np.ndarray) -> csr_matrix:
        return self._bought[users] @ self._rules

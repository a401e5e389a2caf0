"""The shipped recommender: a recipe (generators' and ranker's settings, the fitted ranker) and the
lists it made for every active user when it was trained."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml.recommend.config import RecommenderParams
from ml.recommend.ranking import Cutoff, prepare, ranked, vocabularies

LIST_COLUMNS = ["user_id", "rank", "product_id", "score", "source"]


def fingerprint(events: pd.DataFrame, products: pd.DataFrame) -> str:
    """A digest of the rows a recommender's lists are made from: equal digests, equal lists."""
    digest = hashlib.sha256()
    for frame in (events, products):
        digest.update(",".join(frame.columns).encode())
        digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


@dataclass
class Recommender:
    """Ranked product lists per user; `ranker` None means popularity only (`fallback_reason` says why)."""

    params: RecommenderParams
    ranker: object | None
    features: list[str]
    lists: pd.DataFrame  # LIST_COLUMNS, k rows per active user at `as_of`
    popular: pd.DataFrame  # rank, product_id, score: what cold and unknown users get
    as_of: pd.Timestamp  # the cutoff the lists were made at (midnight after the data)
    known_products: pd.Index  # the item vocabulary: product ids outside it are ignored in requests
    fallback_reason: str | None = None
    fitted_on: str | None = None  # fingerprint() of the events and products the lists were made from

    def lists_at(self, cut: Cutoff, users: np.ndarray | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(lists, popular) for `users` (default: the cut's population), ranked by this recipe."""
        history, k = cut.history, self.params.k
        users = cut.population if users is None else users
        popular_items = cut.generators["popularity"].recommend(np.zeros(1, np.int64), k).items[0]
        popular_items = popular_items[popular_items >= 0]
        popular = pd.DataFrame({"rank": np.arange(1, len(popular_items) + 1),
                                "product_id": history.items[popular_items],
                                "score": 1.0 / np.arange(1, len(popular_items) + 1)})
        if self.ranker is None:
            lists = pd.DataFrame({"user_id": history.users[np.repeat(users, len(popular))],
                                  "rank": np.tile(popular["rank"], len(users)),
                                  "product_id": np.tile(popular["product_id"], len(users)),
                                  "score": np.tile(popular["score"], len(users)), "source": "popularity"})
            return lists, popular
        rows = ranked(cut, self.params.protocol, self.ranker, self.features, self.params, users)
        lists = pd.DataFrame({"user_id": history.users[rows["user"].to_numpy()], "rank": rows["rank"].to_numpy(),
                              "product_id": history.items[rows["item"].to_numpy()], "score": rows["score"].to_numpy(),
                              "source": rows["source"].to_numpy()})
        return lists, popular

    def refreshed(self, events: pd.DataFrame, products: pd.DataFrame, as_of: pd.Timestamp) -> Recommender:
        """This recipe's lists for the users active at `as_of`, its generators refitted on the events before it;
        itself when its lists were made at `as_of` from these very events and products (a refit would repeat them)."""
        digest = fingerprint(events, products)
        if self.as_of == as_of and self.fitted_on == digest:
            return self
        users, items = vocabularies(events, products)
        params = self.params if self.ranker is not None else self.params.popularity_only()
        lists, popular = self.lists_at(prepare(events, as_of, users, items, products, params))
        return Recommender(self.params, self.ranker, self.features, lists, popular, as_of, items, self.fallback_reason,
                           digest)

    def recommend(self, user_ids, k: int | None = None, basket=None) -> pd.DataFrame:
        """The top-k of each user id (LIST_COLUMNS + `cold`): users the lists do not know (new or
        inactive) get the popularity list, flagged cold. Products in `basket` (per user, ids) are left
        out; ids the model does not know are ignored and listed in `ignored_product_ids`."""
        k = k or self.params.k
        users = pd.Series(list(user_ids), dtype="string", name="user_id")
        baskets = [set(b) if isinstance(b, list | tuple | set | np.ndarray) else set()  # None / NaN: no basket
                   for b in (basket if basket is not None else [None] * len(users))]
        parts = []
        lists = self.lists.groupby("user_id", sort=False)
        for user, in_basket in zip(users, baskets):
            cold = user not in lists.groups
            rows = (self.popular.assign(source="popularity") if cold else lists.get_group(user)).copy()
            rows = rows[~rows["product_id"].isin(in_basket)].head(k)
            ignored = ",".join(sorted(str(p) for p in in_basket if p not in self.known_products))
            parts.append(rows.assign(user_id=user, rank=np.arange(1, len(rows) + 1), cold=cold, ignored_product_ids=ignored))
        columns = [*LIST_COLUMNS, "cold", "ignored_product_ids"]
        if not parts:
            return pd.DataFrame(columns=columns)
        return pd.concat(parts, ignore_index=True)[columns]

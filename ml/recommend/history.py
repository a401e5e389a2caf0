"""Point-in-time interaction history: events before a cutoff as index arrays over user and item vocabularies."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix

EVENT_WEIGHTS = {"view": 1.0, "cart": 3.0, "purchase": 5.0, "remove_from_cart": 0.0}  # implicit confidence per event
PURCHASE = "purchase"
DAY = pd.Timedelta(days=1)


def _naive_utc(times: pd.Series) -> pd.Series:
    """Times as naive UTC (tz-aware times converted, naive ones taken as UTC already)."""
    times = pd.to_datetime(times)
    return times.dt.tz_convert("UTC").dt.tz_localize(None) if times.dt.tz is not None else times


def _naive_utc_timestamp(ts) -> pd.Timestamp:
    """One time as naive UTC."""
    ts = pd.Timestamp(ts)
    return ts.tz_convert("UTC").tz_localize(None) if ts.tz is not None else ts


def _vocabulary(ids: pd.Series, given: pd.Index | None) -> pd.Index:
    """The given vocabulary, or the sorted distinct ids seen."""
    return pd.Index(given) if given is not None else pd.Index(pd.unique(ids)).sort_values()


def _basket_numbers(event_type: np.ndarray, order_key: np.ndarray) -> np.ndarray:
    """Order number per purchase line, -1 for other events; a purchase without an order key is a basket of its own."""
    is_purchase = event_type == PURCHASE
    codes, _ = pd.factorize(order_key[is_purchase])
    missing = codes < 0
    codes[missing] = codes.max(initial=-1) + 1 + np.arange(missing.sum())
    basket = np.full(len(event_type), -1, dtype=np.int64)
    basket[is_purchase] = codes
    return basket


@dataclass(frozen=True, eq=False)
class History:
    """Events strictly before `cutoff`, as index arrays over fixed user and item vocabularies."""

    cutoff: pd.Timestamp  # naive UTC
    users: pd.Index  # user ids; position = user index
    items: pd.Index  # product ids; position = item index
    user: np.ndarray  # int32, one per event
    item: np.ndarray  # int32
    event_type: np.ndarray  # str, EVENT_WEIGHTS keys (other types, e.g. cancel, weigh nothing)
    age_days: np.ndarray  # float64, (cutoff - event_time) in days, > 0
    quantity: np.ndarray  # float64
    basket: np.ndarray  # int64 basket (order) number for purchases, -1 for other events

    @classmethod
    def from_events(cls, events: pd.DataFrame, cutoff, users: pd.Index | None = None, items: pd.Index | None = None) -> History:
        """History of `events` (user_id, product_id, event_type, event_time, quantity, order_key) before `cutoff`.

        Keeps rows with event_time < cutoff; users/items default to those seen in the kept rows (sorted);
        rows whose user or item is outside given vocabularies are dropped.
        """
        cutoff = _naive_utc_timestamp(cutoff)
        events = events.reset_index(drop=True)
        times = _naive_utc(events["event_time"])
        before = (times < cutoff).to_numpy()
        users = _vocabulary(events.loc[before, "user_id"], users)
        items = _vocabulary(events.loc[before, "product_id"], items)
        user = users.get_indexer(events["user_id"])
        item = items.get_indexer(events["product_id"])
        keep = before & (user >= 0) & (item >= 0)
        event_type = events["event_type"].to_numpy(dtype=object)[keep]
        return cls(
            cutoff=cutoff,
            users=users,
            items=items,
            user=user[keep].astype(np.int32),
            item=item[keep].astype(np.int32),
            event_type=event_type,
            age_days=((cutoff - times[keep]) / DAY).to_numpy(dtype=np.float64),
            quantity=events["quantity"].to_numpy(dtype=np.float64)[keep],
            basket=_basket_numbers(event_type, events["order_key"].to_numpy(dtype=object)[keep]),
        )

    @property
    def n_users(self) -> int:
        return len(self.users)

    @property
    def n_items(self) -> int:
        return len(self.items)

    @property
    def is_purchase(self) -> np.ndarray:
        return self.event_type == PURCHASE

    def event_weights(self) -> np.ndarray:
        """EVENT_WEIGHTS of each event (0 for types it does not list)."""
        return pd.Series(self.event_type, dtype=object).map(EVENT_WEIGHTS).fillna(0.0).to_numpy(dtype=np.float64)

    def _matrix(self, mask: np.ndarray, values: np.ndarray) -> csr_matrix:
        """users x items sum of `values` over the events in `mask`."""
        return csr_matrix((values, (self.user[mask], self.item[mask])), shape=(self.n_users, self.n_items))

    def purchases(self) -> csr_matrix:
        """users x items purchase counts (order lines)."""
        return self._matrix(self.is_purchase, np.ones(self.is_purchase.sum()))

    def confidence(self) -> csr_matrix:
        """users x items sum of EVENT_WEIGHTS, floored at 0; no explicit zeros are stored."""
        matrix = self._matrix(np.ones(len(self.user), dtype=bool), self.event_weights())
        matrix.data = np.maximum(matrix.data, 0.0)
        matrix.eliminate_zeros()
        return matrix

    def purchase_stats(self) -> pd.DataFrame:
        """One row per purchased (user, item): purchase_count (order lines) and days_since_last_purchase."""
        mask = self.is_purchase
        lines = pd.DataFrame({"user": self.user[mask], "item": self.item[mask], "age_days": self.age_days[mask]})
        stats = lines.groupby(["user", "item"], sort=True)["age_days"].agg(purchase_count="size", days_since_last_purchase="min")
        return stats.reset_index()

    def baskets(self) -> pd.DataFrame:
        """One row per (user, basket, item) purchased; age_days is the basket's age (its newest line)."""
        mask = self.is_purchase
        lines = pd.DataFrame(
            {"user": self.user[mask], "basket": self.basket[mask], "item": self.item[mask], "age_days": self.age_days[mask]}
        )
        lines["age_days"] = lines.groupby("basket")["age_days"].transform("min")
        return lines.drop_duplicates(["user", "basket", "item"]).reset_index(drop=True)

"""Tiny event frames for the recommender: rows are (user, product, event_type, days before the cutoff, order_key)."""

import numpy as np
import pandas as pd
import pytest

from ml.recommend.history import History

CUTOFF = pd.Timestamp("2024-03-01")


def events_frame(rows) -> pd.DataFrame:
    """An events frame from (user, product, event_type, days_before_cutoff, order_key or None) rows."""
    users, products, types, days, orders = zip(*rows, strict=True) if rows else ((),) * 5
    return pd.DataFrame(
        {
            "user_id": pd.Series(users, dtype=object),
            "product_id": pd.Series(products, dtype=object),
            "event_type": pd.Series(types, dtype=object),
            "event_time": CUTOFF - pd.to_timedelta(pd.Series(days, dtype=float), unit="D"),
            "quantity": 1,
            "order_key": pd.Series(orders, dtype=object),
        }
    )


@pytest.fixture
def make_events():
    return events_frame


@pytest.fixture
def make_history():
    def make(rows, users=None, items=None) -> History:
        return History.from_events(events_frame(rows), CUTOFF, users=users, items=items)

    return make


@pytest.fixture(scope="session")
def blocks() -> History:
    """Two planted groups: users a00..a14 buy 4 of items A0..A7, users b00..b14 4 of B0..B7, in two baskets of two."""
    rng = np.random.default_rng(0)
    rows = [
        (f"{group}{u:02d}", f"{group.upper()}{i}", "purchase", float(d // 2), f"{group}{u:02d}-{d // 2}")
        for group in "ab"
        for u in range(15)
        for d, i in enumerate(rng.choice(8, size=4, replace=False), start=1)
    ]
    return History.from_events(events_frame(rows), CUTOFF)

"""A small planted shop for the recommender's behavioural tests: every user shops in one home
category and replenishes one staple of it on a fixed cycle."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

START = pd.Timestamp("2024-01-01")


@dataclass(frozen=True)
class PlantedShop:
    events: pd.DataFrame  # user_id, product_id, event_type, event_time, quantity, order_key, price
    products: pd.DataFrame  # product_id, category, price
    home: dict[str, str]  # user -> category
    staple: dict[str, tuple[str, int]]  # user -> (product, cycle days)

    def cutoffs(self) -> list[pd.Timestamp]:
        """Weekly cutoffs from the 8th day whose next 7 days lie in the data."""
        end = self.events["event_time"].max().normalize() + pd.Timedelta(days=1)
        return list(pd.date_range(START + pd.Timedelta(days=7), end - pd.Timedelta(days=7), freq="7D"))


def planted_shop(users: int = 240, categories: int = 6, per_category: int = 20, days: int = 56, seed: int = 0) -> PlantedShop:
    rng = np.random.default_rng(seed)
    n_items = categories * per_category
    product_ids = [f"p{i:03d}" for i in range(n_items)]
    category = np.arange(n_items) // per_category
    price = np.round(np.exp(rng.normal(3, 0.5, n_items)), 2)
    within = 1.0 / np.arange(1, per_category + 1) ** 1.1
    within /= within.sum()
    rows, home, staple = [], {}, {}
    for u in range(users):
        user = f"u{u:04d}"
        cat = u % categories
        home[user] = f"c{cat}"
        item = cat * per_category + rng.integers(0, per_category)
        cycle = int(rng.integers(6, 9))
        staple[user] = (product_ids[item], cycle)
        for day in range(int(rng.integers(0, cycle)), days, cycle):
            t = START + pd.Timedelta(days=day, hours=int(rng.integers(8, 22)))
            rows += [(user, item, "view", t, f"o{u}-{day}"), (user, item, "purchase", t + pd.Timedelta(minutes=2), f"o{u}-{day}")]
        for day in np.flatnonzero(rng.random(days) < 0.15):
            t = START + pd.Timedelta(days=int(day), hours=int(rng.integers(8, 22)))
            viewed = cat * per_category + rng.choice(per_category, size=3, p=within)
            rows += [(user, int(i), "view", t + pd.Timedelta(minutes=k), None) for k, i in enumerate(viewed)]
            if rng.random() < 0.3:
                rows.append((user, int(viewed[0]), "purchase", t + pd.Timedelta(minutes=5), f"r{u}-{day}"))
    frame = pd.DataFrame(rows, columns=["user_id", "item", "event_type", "event_time", "order_key"])
    frame["product_id"] = np.asarray(product_ids)[frame["item"]]
    frame["price"] = price[frame["item"]]
    frame["quantity"] = 1
    events = frame.sort_values(["event_time", "user_id"], kind="stable")[
        ["user_id", "product_id", "event_type", "event_time", "quantity", "order_key", "price"]].reset_index(drop=True)
    products = pd.DataFrame({"product_id": product_ids, "category": [f"c{c}" for c in category], "price": price})
    return PlantedShop(events, products, home, staple)

"""Frequently bought together: per product, its partners from `co_purchase_pairs`, ranked by lift."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd


@dataclass(frozen=True)
class PairThresholds:
    """What a pair must reach to be shown (support and confidence as in co_purchase_pairs)."""

    min_orders: int = 2  # orders holding both products
    min_support: float = 0.0  # share of all orders holding both
    min_confidence: float = 0.05  # share of the product's orders that also hold the partner
    min_lift: float = 1.0  # confidence over the partner's share of orders: > 1 means more than chance
    top_n: int = 10  # partners kept per product


def write_frequently_bought_together(warehouse: Path, thresholds: PairThresholds) -> pd.DataFrame:
    """Replace the `frequently_bought_together` table (product_id, rank, partner_product_id,
    n_orders_together, support, confidence, lift) and return it."""
    t = thresholds
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            """
            create or replace table frequently_bought_together as
            select product_a as product_id,
                   row_number() over (partition by product_a order by lift desc, confidence desc, product_b) as rank,
                   product_b as partner_product_id, n_orders_together, support, confidence, lift
            from co_purchase_pairs
            where n_orders_together >= ? and support >= ? and confidence >= ? and lift >= ?
            qualify rank <= ?
            order by product_id, rank
            """,
            [t.min_orders, t.min_support, t.min_confidence, t.min_lift, t.top_n],
        )
        return con.execute("select * from frequently_bought_together order by product_id, rank").df()

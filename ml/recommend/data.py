"""What the recommender reads from the warehouse: human events, the product catalogue, the label cutoffs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

EVENT_COLUMNS = ["user_id", "product_id", "event_type", "event_time", "quantity", "order_key", "price"]


def load_events(warehouse: Path, until: date | None = None) -> pd.DataFrame:
    """Events up to the end of `until` (all when None), cancellations and excluded sessions (bots) left out."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            """
            select e.user_id, e.product_id, e.event_type, e.event_time, e.units as quantity, e.order_key, e.price
            from int_events_sessionized as e
            left join excluded_sessions as x on e.session_key = x.session_key
            where e.event_type <> 'cancel' and x.session_key is null
              and (?::date is null or e.event_date <= ?)
            order by e.event_time, e.user_id, e.product_id
            """,
            [until, until],
        ).df()


def load_products(warehouse: Path) -> pd.DataFrame:
    """product_id, category and list price (null where the source has none) of every product."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select product_id, category, price from dim_products order by product_id").df()


def label_cutoffs(warehouse: Path, until: date | None = None) -> list[pd.Timestamp]:
    """The weekly cutoffs of the `labels` mart whose next 7 days are fully observed (and end by `until`)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select distinct cutoff_date from labels where purchased_next_7d is not null "
            "and (?::date is null or cutoff_date + 7 <= ?::date + 1) order by 1",
            [until, until],
        ).fetchall()
    return [pd.Timestamp(day) for (day,) in rows]


def write_recommendations(warehouse: Path, lists: pd.DataFrame, model_version: int | None) -> None:
    """Replace the `recommendations` table (user_id, product_id, rank, score, source, model_version)."""
    with duckdb.connect(str(warehouse)) as con:
        con.register("lists", lists)
        con.execute(
            "create or replace table recommendations as select user_id::varchar as user_id, product_id::varchar as product_id, "
            "rank::integer as rank, score::double as score, source::varchar as source, ?::integer as model_version "
            "from lists order by user_id, rank",
            [model_version],
        )


def recommendation_summary(warehouse: Path) -> dict[str, float]:
    """Of the `recommendations` table: users, coverage (share of the catalogue recommended) and
    cold_user_share (users whose whole list is the popularity list)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        users, covered, cold, catalogue = con.execute(
            """
            select count(distinct user_id), count(distinct product_id),
                   count(distinct user_id) filter (where user_id not in
                       (select user_id from recommendations where source <> 'popularity')),
                   (select count(*) from dim_products)
            from recommendations
            """
        ).fetchone()
    return {"users": users, "coverage": covered / catalogue if catalogue else 0.0,
            "cold_user_share": cold / users if users else 0.0}

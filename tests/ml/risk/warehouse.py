"""A small warehouse with the two dbt tables the risk features read, built from canonical events that carry session ids
(the simulator's, REES46's), as dbt's `int_events_sessionized` and `fct_sessions` would hold them."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

EVENT_COLUMNS = ["event_id", "event_time", "user_id", "session_id", "event_type", "product_id", "price", "quantity", "order_id"]


def build_warehouse(path: Path, events: pd.DataFrame, labels: pd.DataFrame | None = None) -> Path:
    """Write int_events_sessionized and fct_sessions for `events` (EVENT_COLUMNS) and optional session labels
    (session_id, is_bot) into a new DuckDB file at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if labels is None:
        labels = pd.DataFrame({"session_id": pd.Series(dtype=str), "is_bot": pd.Series(dtype=bool)})
    with duckdb.connect(str(path)) as con:
        con.register("raw_events", events[EVENT_COLUMNS])
        con.register("raw_labels", labels[["session_id", "is_bot"]])
        con.execute("""
            create table int_events_sessionized as
            select event_id, event_time, cast(event_time as date) as event_date, user_id, session_id,
                   session_id as session_key, min(event_time) over (partition by session_id) as session_start,
                   event_type, product_id, price, coalesce(quantity, 1) as units,
                   case when event_type = 'purchase' then price * coalesce(quantity, 1) else 0 end as purchase_amount,
                   order_id, case when event_type = 'purchase' then coalesce(order_id, session_id) end as order_key
            from raw_events
        """)
        con.execute("""
            create table fct_sessions as
            select s.*, cast(s.session_start as date) as session_start_date,
                   date_diff('second', s.session_start, s.session_end) / 60.0 as duration_minutes,
                   s.viewed and s.purchased as converted, l.is_bot
            from (
                select session_key, min(user_id) as user_id, min(session_id) as session_id,
                       min(event_time) as session_start, max(event_time) as session_end, count(*) as n_events,
                       count(distinct product_id) as n_products, bool_or(event_type = 'view') as viewed,
                       bool_or(event_type = 'cart') as carted, bool_or(event_type = 'purchase') as purchased,
                       coalesce(sum(purchase_amount) filter (where event_type = 'purchase'), 0) as revenue
                from int_events_sessionized
                group by session_key
            ) as s
            left join raw_labels as l on s.session_id = l.session_id
        """)
    return path


def simulated_warehouse(sim_dir: Path, path: Path) -> Path:
    """The warehouse of a simulate() output directory, with its session labels."""
    events = pd.read_parquet(sim_dir / "events", columns=EVENT_COLUMNS)
    return build_warehouse(path, events, pd.read_parquet(sim_dir / "session_labels.parquet"))

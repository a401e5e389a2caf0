"""What a built dbt model looks like: row count, and a markdown summary for selected marts."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb

from orchestration.markdown import table

SUMMARY_SQL = {
    "funnel_daily": (
        "funnel_last_14_days",
        """
        select cast(session_date as varchar) as day, n_sessions as sessions, view_to_cart_rate,
               cart_to_purchase_rate, view_to_purchase_rate, cart_abandonment_rate
        from funnel_daily order by session_date desc limit 14
        """,
    ),
    "excluded_sessions": (
        "excluded_by_reason",
        """
        select case when labelled_bot and flagged then 'labelled bot, also flagged' when labelled_bot then 'labelled bot'
                    else 'flagged by suspicious_sessions' end as why, count(*) as sessions
        from excluded_sessions group by all order by sessions desc
        """,
    ),
    "dim_users": ("segments", "select segment, count(*) as users from dim_users group by all order by users desc"),
    "labels": (
        "label_rates",
        """
        select cast(cutoff_date as varchar) as cutoff, count(*) as users,
               avg(purchased_next_7d::int) as purchase_rate, avg(churned_next_30d::int) as churn_rate
        from labels group by all order by cutoff
        """,
    ),
}


def describe(warehouse: Path, model: str) -> dict:
    """Row count of a table model (views are not scanned) and its summary, read-only."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        kind = con.execute(
            "select table_type from information_schema.tables where table_name = ?", [model]
        ).fetchone()
        if not kind or kind[0] != "BASE TABLE":
            return {}
        metadata = {"dagster/row_count": dg.MetadataValue.int(con.execute(f"select count(*) from {model}").fetchone()[0])}
        if model in SUMMARY_SQL:
            label, sql = SUMMARY_SQL[model]
            cursor = con.execute(sql)
            metadata[label] = dg.MetadataValue.md(table([d[0] for d in cursor.description], cursor.fetchall()))
    return metadata

"""Write the canonical tables of the landing db from the validated rows.

Products and users present in the source are merged with what the events say (a product
or user seen only in events still gets a row; NULL fields are filled from the events:
last seen price/category/brand, first event time, last seen country). User ids are
pseudonymised here, consistently across events, users and reviews.
"""

from __future__ import annotations

import duckdb

from shoplens.ingest.sql import ident, pseudonym
from shoplens.schema import QUARANTINE, TABLES

OPTIONAL_TABLES = ("products", "users", "reviews", "session_labels")


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> set[str]:
    return {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()}


def create_quarantine(con: duckdb.DuckDBPyConnection) -> None:
    cols = ", ".join(f"{ident(c)} {t}" for c, t in QUARANTINE.items())
    con.execute(f"CREATE OR REPLACE TABLE quarantine ({cols})")


def _user(expr: str, key: str | None) -> str:
    return pseudonym(expr, key) if key else expr


def _last(column: str, have: set[str], order: str = "event_time") -> str:
    if column not in have:
        return f"NULL AS {column}"
    return f"max_by({column}, {order}) FILTER ({column} IS NOT NULL) AS {column}"


def _merged(table: str, key: str, derived: str, has_source: bool) -> str:
    """Source rows first, then fill NULLs (and missing keys) from the derived rows."""
    cols = list(TABLES[table])
    if not has_source:
        return f"SELECT {', '.join('d.' + c for c in cols)} FROM ({derived}) d"
    picks = ", ".join(f"coalesce(s.{c}, d.{c}) AS {c}" for c in cols)
    return (
        f"SELECT {picks} FROM _work.valid_{table} s "
        f"FULL OUTER JOIN ({derived}) d ON s.{key} = d.{key}"
    )


def write_tables(con: duckdb.DuckDBPyConnection, present: set[str], key: str | None) -> None:
    """events, products, users, reviews, session_labels with exactly the schema's columns."""
    have = _columns(con, "_work.valid_events")
    events = ", ".join(
        f"{_user(c, key)} AS {c}" if c == "user_id" else ident(c) for c in TABLES["events"]
    )
    con.execute(
        f"CREATE OR REPLACE TABLE events AS SELECT {events}, CAST(event_time AS DATE) AS event_date "
        f"FROM _work.valid_events ORDER BY event_time, event_id"
    )
    derived_products = (
        f"SELECT product_id, {_last('category', have)}, {_last('brand', have)}, {_last('price', have)} "
        f"FROM _work.valid_events GROUP BY product_id"
    )
    derived_users = (
        f"SELECT user_id, min(event_time) AS first_seen, {_last('country', have)}, "
        f"NULL AS signup_channel FROM _work.valid_events GROUP BY user_id"
    )
    merged = {
        "products": _merged("products", "product_id", derived_products, "products" in present),
        "users": _merged("users", "user_id", derived_users, "users" in present),
    }
    for table in OPTIONAL_TABLES:
        cols = TABLES[table]
        select = ", ".join(
            f"CAST({_user(c, key) if c == 'user_id' else c} AS {t}) AS {c}" for c, t in cols.items()
        )
        if table in merged:
            body = merged[table]
        elif table in present:
            body = f"SELECT * FROM _work.valid_{table}"
        else:
            body = None
        if body is None:
            defs = ", ".join(f"{ident(c)} {t}" for c, t in cols.items())
            con.execute(f"CREATE OR REPLACE TABLE {table} ({defs})")
        else:
            first = next(iter(cols))
            con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT {select} FROM ({body}) ORDER BY {first}")

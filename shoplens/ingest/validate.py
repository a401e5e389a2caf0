"""All row checks, in one place, shared by every format.

A format stages each canonical table as a relation with `_file`, `_row` (the source row),
the canonical columns (times already parsed to TIMESTAMP, NULL when unparseable; the rest
as text), optionally `_reject` (a reason the format found, e.g. an item whose order is
missing) and extra columns used to derive products/users (category, brand, country).
`validate` types the columns, applies the rules in order and keeps the FIRST failing
rule's reason; rows that pass every rule are then checked for duplicate keys (the first
occurrence in file/row order is kept). Good rows land in `_work.valid_<table>`, the rest
in `quarantine`.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from shoplens.ingest.reader import Reader
from shoplens.ingest.sql import ident, lit
from shoplens.schema import EVENT_TYPES, TABLES

KEYS = {
    "events": "event_id",
    "products": "product_id",
    "users": "user_id",
    "reviews": "review_id",
    "session_labels": "session_id",
}
_UNPARSEABLE = {"DOUBLE": "unparseable number", "INTEGER": "unparseable number", "BOOLEAN": "unparseable boolean"}


def _missing(column: str) -> str:
    return f"({column} IS NULL OR trim({column}) = '')"


def rules(table: str, now: datetime) -> list[tuple[str, str, str]]:
    """(column, reason, SQL condition that is true for a bad row), in order of precedence."""
    future = f"TIMESTAMP {lit(now.strftime('%Y-%m-%d %H:%M:%S.%f'))}"
    types = ", ".join(lit(t) for t in EVENT_TYPES)
    key = KEYS[table]
    checks: list[tuple[str, str, str]] = []
    if table == "events":
        checks += [
            ("event_time", "unparseable time", "event_time IS NULL"),
            ("event_time", "time in the future", f"event_time > {future}"),
            ("user_id", "null user id", _missing("user_id")),
            ("event_type", "unknown event type", f"event_type IS NULL OR event_type NOT IN ({types})"),
            ("product_id", "null product id", _missing("product_id")),
        ]
    elif table == "reviews":
        checks += [
            ("review_time", "unparseable time", "review_time IS NULL"),
            ("review_time", "time in the future", f"review_time > {future}"),
            ("user_id", "null user id", _missing("user_id")),
        ]
    if table != "events":
        checks.append((key, f"null {key.replace('_', ' ')}", _missing(key)))
    for column, ctype in TABLES[table].items():
        if ctype in _UNPARSEABLE:
            raw = ident(f"{column}__raw")
            checks.append((column, _UNPARSEABLE[ctype], f"{column} IS NULL AND {_missing(raw)} = false"))
    if table == "events":
        checks.append(("price", "negative price on a purchase", "event_type IN ('purchase', 'cancel') AND price < 0"))
        # marts sum units per order: a purchase line taking units back is a cancellation mislabelled
        checks.append(("quantity", "non-positive quantity on a purchase or cancellation",
                       "event_type IN ('purchase', 'cancel') AND quantity <= 0"))
    if table == "reviews":
        checks.append(("rating", "rating out of range", "rating IS NULL OR rating NOT BETWEEN 1 AND 5"))
    return checks


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]


def _typed(con: duckdb.DuckDBPyConnection, table: str, staged: str) -> tuple[str, list[str]]:
    """SELECT list typing the staged columns; also returns the extra columns kept."""
    have = _columns(con, staged)
    parts = ["_file", "CAST(_row AS BIGINT) AS _row"]
    parts.append("CAST(_reject AS VARCHAR) AS _reject" if "_reject" in have else "NULL::VARCHAR AS _reject")
    for column, ctype in TABLES[table].items():
        col = ident(column)
        if column not in have:
            parts.append(f"CAST(NULL AS {ctype}) AS {col}")
            if ctype in _UNPARSEABLE:
                parts.append(f"NULL::VARCHAR AS {ident(column + '__raw')}")
        elif ctype == "VARCHAR":
            parts.append(f"CAST({col} AS VARCHAR) AS {col}")
        elif ctype == "TIMESTAMP":
            parts.append(f"TRY_CAST({col} AS TIMESTAMP) AS {col}")
        else:
            parts.append(f"TRY_CAST({col} AS {ctype}) AS {col}")
            parts.append(f"CAST({col} AS VARCHAR) AS {ident(column + '__raw')}")
    extras = [c for c in have if c not in TABLES[table] and not c.startswith("_")]
    parts += [ident(c) for c in extras]
    return ", ".join(parts), extras


def validate(
    con: duckdb.DuckDBPyConnection, reader: Reader, table: str, staged: str, now: datetime
) -> None:
    """Split the staged relation into `_work.valid_<table>` and quarantine rows."""
    select, extras = _typed(con, table, staged)
    checks = rules(table, now)
    reason = " ".join(f"WHEN {cond} THEN {lit(r)}" for _, r, cond in checks)
    column = " ".join(f"WHEN {cond} THEN {lit(c)}" for c, _, cond in checks)
    key = KEYS[table]
    duplicate = f"duplicate {key.replace('_', ' ')}"
    checked = f"_work.checked_{table}"
    con.execute(
        f"""
        CREATE TABLE {checked} AS
        WITH typed AS (SELECT {select} FROM {staged}),
        first_failure AS (
            SELECT *,
                CASE WHEN _reject IS NOT NULL THEN _reject {reason} END AS _first,
                CASE WHEN _reject IS NOT NULL THEN NULL {column} END AS _first_column
            FROM typed
        ),
        ranked AS (
            SELECT *, (_file, _row) > min((_file, _row)) OVER (PARTITION BY {key}, _first IS NULL) AS _later
            FROM first_failure
        )
        SELECT * EXCLUDE (_later, _first, _first_column),
            coalesce(_first, CASE WHEN _later THEN {lit(duplicate)} END) AS _reason,
            CASE WHEN _first IS NULL AND _later THEN {lit(key)} ELSE _first_column END AS _column
        FROM ranked
        """
    )
    keep = ", ".join(ident(c) for c in [*TABLES[table], *extras])
    con.execute(f"CREATE TABLE _work.valid_{table} AS SELECT {keep} FROM {checked} WHERE _reason IS NULL")
    bad = f"_work.bad_{table}"
    con.execute(f"CREATE TABLE {bad} AS SELECT _file, _row, _column, _reason FROM {checked} WHERE _reason IS NOT NULL")
    con.execute(
        f"""
        INSERT INTO quarantine
        SELECT {lit(table)}, b._file, b._row, b._column, b._reason, r.raw_record
        FROM {bad} b LEFT JOIN ({reader.raw_records(bad)}) r ON b._file = r._file AND b._row = r._row
        """
    )
    con.execute(f"DROP TABLE {checked}")

"""Write the landed tables as parquet files (DuckDB COPY) in the raw data directory."""

from __future__ import annotations

import os
from pathlib import Path

from shoplens.ingest.landing import connect
from shoplens.ingest.sql import ident, lit
from shoplens.ingest.writer import OPTIONAL_TABLES
from shoplens.schema import QUARANTINE, TABLES


def _copy(con, query: str, target: Path) -> int:
    """COPY a query to `target` atomically (write aside, then rename); returns its rows."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    con.execute(f"COPY ({query}) TO {lit(str(partial))} (FORMAT parquet)")
    os.replace(partial, target)
    return con.execute(f"SELECT count(*) FROM read_parquet({lit(str(target))})").fetchone()[0]


def _select(columns: dict[str, str]) -> str:
    return ", ".join(f"CAST({ident(c)} AS {t}) AS {ident(c)}" for c, t in columns.items())


def export_event_days(landing_db: Path, raw_dir: Path, days: list[str]) -> dict[str, int]:
    """raw_dir/events/event_date=D/events.parquet for each day D (overwritten); rows per day."""
    counts = {}
    with connect(Path(landing_db), read_only=True) as con:
        for day in days:
            target = Path(raw_dir) / "events" / f"event_date={day}" / "events.parquet"
            query = (
                f"SELECT {_select(TABLES['events'])} FROM events "
                f"WHERE event_date = DATE {lit(day)} ORDER BY event_time, event_id"
            )
            counts[day] = _copy(con, query, target)
    return counts


def export_tables(landing_db: Path, raw_dir: Path) -> dict[str, int]:
    """raw_dir/{products,users,reviews,session_labels,quarantine}.parquet, always written."""
    counts = {}
    schemas = {**{t: TABLES[t] for t in OPTIONAL_TABLES}, "quarantine": QUARANTINE}
    with connect(Path(landing_db), read_only=True) as con:
        for table, columns in schemas.items():
            query = f"SELECT {_select(columns)} FROM {table}"
            if table == "quarantine":
                query += " ORDER BY table_name, source_file, row_number"
            counts[table] = _copy(con, query, Path(raw_dir) / f"{table}.parquet")
    return counts

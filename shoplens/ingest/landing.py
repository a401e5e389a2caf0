"""The public entry points: land a source into a DuckDB file, report what happened."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from shoplens.ingest.formats import FORMATS
from shoplens.ingest.reader import Reader
from shoplens.ingest.sources import Source
from shoplens.ingest.validate import validate
from shoplens.ingest.writer import OPTIONAL_TABLES, create_quarantine, write_tables
from shoplens.schema import TABLES

MEMORY_LIMIT = "2GB"  # Settings.landing_memory_limit
# A day with fewer events than this share of the median day, before or after every busier day,
# is a sparse head or tail (a stray timestamp, a session past the last midnight). dbt's labels
# start and end their cutoffs at the same dense bounds (var `sparse_day_share`).
SPARSE_DAY_SHARE = 0.05
KINDS = {"view events": "view", "cart events": "cart", "purchase events": "purchase"}


@dataclass(frozen=True)
class LandingReport:
    source: str
    rows: dict[str, int]  # rows per landed table, quarantine included
    quarantine_by_reason: dict[str, int]
    event_days: list[str]  # sorted 'YYYY-MM-DD'
    min_event_time: datetime | None
    max_event_time: datetime | None
    absent_tables: list[str]  # optional tables the source did not have (products/users are derived)
    input_rows: dict[str, int]  # data rows read per source file (malformed lines included)
    sparse_days: dict[str, int]  # the sparse head and tail: day -> events
    lacks: list[str]  # kinds of data the source holds none of (view events, prices, reviews...)


def connect(landing_db: Path, *, read_only: bool = False, memory_limit: str = MEMORY_LIMIT) -> duckdb.DuckDBPyConnection:
    """A connection that spills to a temp folder beside the db instead of running out of memory."""
    landing_db = Path(landing_db)
    temp = landing_db.parent / f"{landing_db.name}.tmp"
    config = {"memory_limit": memory_limit}
    if not read_only:
        temp.mkdir(parents=True, exist_ok=True)
        config["temp_directory"] = str(temp)
    con = duckdb.connect(str(landing_db), read_only=read_only, config=config)
    con.execute("SET enable_progress_bar = false")
    if "icu" in {r[0] for r in con.execute(
        "SELECT extension_name FROM duckdb_extensions() WHERE loaded"
    ).fetchall()}:  # without ICU, TIMESTAMPTZ casts are UTC already
        con.execute("SET TimeZone = 'UTC'")
    return con


def _utc_naive(moment: datetime | None) -> datetime:
    moment = moment or datetime.now(UTC)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _fresh(landing_db: Path) -> None:
    landing_db.parent.mkdir(parents=True, exist_ok=True)
    for path in (landing_db, landing_db.with_name(landing_db.name + ".wal")):
        path.unlink(missing_ok=True)


def land(
    src: Source,
    landing_db: Path,
    *,
    pseudonymise_key: str | None = None,
    now: datetime | None = None,
    memory_limit: str = MEMORY_LIMIT,
) -> LandingReport:
    """Read and validate the whole source into `landing_db`, replacing its previous contents."""
    landing_db = Path(landing_db)
    now = _utc_naive(now)
    _fresh(landing_db)
    with connect(landing_db, memory_limit=memory_limit) as con:
        con.execute("CREATE SCHEMA _work")
        create_quarantine(con)
        reader = Reader(con, src.format, pseudonymise_key, src.encoding)
        staged = FORMATS[src.format](reader, src)
        for table, sql in staged.items():
            con.execute(f"CREATE VIEW _work.stg_{table} AS {sql}")
            validate(con, reader, table, f"_work.stg_{table}", now)
        write_tables(con, set(staged), pseudonymise_key)
        con.execute("DROP SCHEMA _work CASCADE")
        report = _report(con, str(src), reader.input_rows, [t for t in OPTIONAL_TABLES if t not in staged])
        con.execute("CHECKPOINT")
    return report


def sparse_days(counts: dict[str, int], share: float = SPARSE_DAY_SHARE) -> dict[str, int]:
    """The days before the first and after the last day with at least `share` x the median day's events."""
    if not counts:
        return {}
    values = sorted(counts.values())
    floor = share * values[len(values) // 2]
    dense = [day for day, n in sorted(counts.items()) if n >= floor]
    return {day: n for day, n in counts.items() if day < dense[0] or day > dense[-1]}


def _lacks(con: duckdb.DuckDBPyConnection, rows: dict[str, int]) -> list[str]:
    types = {t for (t,) in con.execute("SELECT DISTINCT event_type FROM events").fetchall()}
    lacks = [kind for kind, t in KINDS.items() if t not in types]
    if rows["events"] and con.execute("SELECT count(price) FROM events").fetchone()[0] == 0:
        lacks.append("prices")
    return lacks + ["reviews"] * (rows["reviews"] == 0)


def _report(con: duckdb.DuckDBPyConnection, source: str, input_rows: dict[str, int], absent: list[str]) -> LandingReport:
    rows = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in [*TABLES, "quarantine"]}
    reasons = dict(con.execute("SELECT reason, count(*) FROM quarantine GROUP BY ALL ORDER BY ALL").fetchall())
    counts = {d.isoformat(): n for d, n in con.execute("SELECT event_date, count(*) FROM events GROUP BY 1 ORDER BY 1").fetchall()}
    lo, hi = con.execute("SELECT min(event_time), max(event_time) FROM events").fetchone()
    return LandingReport(source, rows, reasons, sorted(counts), lo, hi, absent, dict(input_rows),
                         sparse_days(counts), _lacks(con, rows))

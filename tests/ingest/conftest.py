"""Small source files in each real format, written by the tests into tmp_path.

Helpers reach the tests as fixtures (the suite runs with --import-mode=importlib, so test
modules do not import each other or this file).
"""

from __future__ import annotations

import csv
import gzip
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"

REES46_HEADER = [
    "event_time", "event_type", "product_id", "category_id", "category_code",
    "brand", "price", "user_id", "user_session",
]  # fmt: skip
REES46_ROWS = [
    ["2019-10-01 00:00:00 UTC", "view", "p1", "11", "electronics.phone", "acme", "10.50", "u1", "s1"],
    ["2019-10-01 00:01:00 UTC", "cart", "p1", "11", "electronics.phone", "acme", "10.50", "u1", "s1"],
    ["2019-10-01 00:02:00 UTC", "purchase", "p1", "11", "electronics.phone", "acme", "11.00", "u1", "s1"],
    ["2019-10-02 09:00:00 UTC", "view", "p2", "22", "", "", "5", "u2", "s2"],
    ["2019-10-02 09:05:00 UTC", "remove_from_cart", "p2", "22", "", "", "5", "u2", "s2"],
]


class Files:
    """Writers for small source files and a read-only query helper."""

    now = datetime(2024, 1, 1)
    rees46_header = REES46_HEADER
    rees46_rows = REES46_ROWS

    def __init__(self, root: Path) -> None:
        self.root = root

    def csv(self, name: str, header: list[str], rows: list[list[str]]) -> Path:
        """A CSV under tmp_path (gzip-compressed when the name ends in .gz)."""
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "wt", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows(rows)
        return path

    def parquet(self, name: str, header: list[str], rows: list[list[str]]) -> Path:
        """The same rows as a parquet file of text columns."""
        staging = self.csv(name + ".staging.csv", header, rows)
        path = self.root / name
        with duckdb.connect() as con:
            con.execute(
                f"COPY (SELECT * FROM read_csv('{staging}', all_varchar=true, header=true)) "
                f"TO '{path}' (FORMAT parquet)"
            )
        staging.unlink()
        return path

    def rees46(self, name: str = "rees46/events.csv", rows: list[list[str]] | None = None) -> Path:
        rows = REES46_ROWS if rows is None else rows
        if name.endswith(".parquet"):
            return self.parquet(name, REES46_HEADER, rows)
        return self.csv(name, REES46_HEADER, rows)

    @staticmethod
    def query(db: Path, sql: str) -> list[tuple]:
        with duckdb.connect(str(db), read_only=True) as con:
            return con.execute(sql).fetchall()

    @staticmethod
    def quarantine(db: Path) -> list[tuple]:
        """(table, file name, row, column, reason) sorted by row."""
        rows = Files.query(
            db, "SELECT table_name, source_file, row_number, column_name, reason FROM quarantine "
            "ORDER BY source_file, row_number"
        )
        return [(t, Path(f).name, r, c, why) for t, f, r, c, why in rows]


@pytest.fixture
def files(tmp_path: Path) -> Files:
    return Files(tmp_path)


@pytest.fixture
def landing_db(tmp_path: Path) -> Path:
    return tmp_path / "landing" / "landing.duckdb"


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data slices not found at {SHARED_DATA} (only in the ShopLens workspace)")
    return SHARED_DATA

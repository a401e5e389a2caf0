"""Writing a frame to the warehouse as a table of its own (the name is ours, never input)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd


def replace_table(warehouse: Path, name: str, frame: pd.DataFrame) -> None:
    """Create or replace table `name` with the rows of `frame`, in one transaction."""
    if not name.isidentifier():
        raise ValueError(f"not a table name: {name!r}")
    with duckdb.connect(str(warehouse)) as con:
        con.register("frame", frame)
        con.execute(f"create or replace table {name} as select * from frame")


def read_table(warehouse: Path, name: str) -> pd.DataFrame | None:
    """All rows of table `name`; None when the warehouse has no such table."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        exists = con.execute("select count(*) from information_schema.tables where table_name = ?", [name]).fetchone()[0]
        return con.execute(f"select * from {name}").df() if exists else None

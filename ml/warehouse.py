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


def replace_typed_table(warehouse: Path, name: str, frame: pd.DataFrame, columns: dict[str, str]) -> None:
    """Create or replace table `name` with `columns` (name -> DuckDB type) of `frame`, cast: the same
    schema whether `frame` has rows or none (a table dbt or Feast reads must not change shape)."""
    if not name.isidentifier() or not all(c.isidentifier() for c in columns):
        raise ValueError(f"not a table or column name: {name!r}, {list(columns)}")
    rows = frame.reindex(columns=list(columns))
    with duckdb.connect(str(warehouse)) as con:
        con.register("frame", rows)
        casts = ", ".join(f"{column}::{kind} as {column}" for column, kind in columns.items())
        con.execute(f"create or replace table {name} as select {casts} from frame")


def read_table(warehouse: Path, name: str) -> pd.DataFrame | None:
    """All rows of table `name`; None when the warehouse has no such table."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        exists = con.execute("select count(*) from information_schema.tables where table_name = ?", [name]).fetchone()[0]
        return con.execute(f"select * from {name}").df() if exists else None

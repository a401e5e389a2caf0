"""The canonical layout (docs/schema.md): events file or directory, optional other tables."""

from __future__ import annotations

from shoplens.ingest.reader import FileSpec, Reader
from shoplens.ingest.sources import Source, SourceError, named_files
from shoplens.ingest.sql import ident, parse_time, row_hash
from shoplens.schema import NULLABLE, TABLES


def spec(table: str) -> FileSpec:
    columns = tuple(TABLES[table])
    user = ("user_id",) if "user_id" in columns else ()
    return FileSpec(
        required=tuple(c for c in columns if c not in NULLABLE[table]),
        optional=tuple(c for c in columns if c in NULLABLE[table]),
        user_columns=user,
    )


def _select(table: str, relation: str) -> str:
    parts = ["_file", "_row"]
    for column, ctype in TABLES[table].items():
        if ctype == "TIMESTAMP":
            parts.append(f"{parse_time(ident(column))} AS {ident(column)}")
        elif table == "events" and column == "event_id":
            others = [c for c in TABLES["events"] if c != "event_id"]
            parts.append(f"coalesce(CAST(event_id AS VARCHAR), {row_hash(others)}) AS event_id")
        else:
            parts.append(ident(column))
    return f"SELECT {', '.join(parts)} FROM {relation}"


def stage(reader: Reader, source: Source) -> dict[str, str]:
    if not source.path.is_dir():
        raise SourceError(f"canonical: {source.path} is not a directory (expected DIR/events..., see docs/schema.md)")
    staged = {}
    for table in TABLES:
        files = named_files(source.path, table, "canonical", required=table == "events")
        if files:
            staged[table] = _select(table, reader.read(files, table, spec(table)))
    return staged

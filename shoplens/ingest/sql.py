"""Small SQL-building helpers shared by the readers, formats, validation and writer."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping


def lit(value: str) -> str:
    """A SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def ident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def as_text(expr: str) -> str:
    return f"CAST({expr} AS VARCHAR)"


def parse_time(expr: str, *formats: str) -> str:
    """A naive-UTC TIMESTAMP from text (or a timestamp), NULL when unparseable.

    The source's own `formats` (strptime patterns) are tried first, then any ISO-8601 form
    (with or without an offset, converted to UTC; the connection's TimeZone is UTC).
    """
    text = as_text(expr)
    generic = f"TRY_CAST(TRY_CAST({text} AS TIMESTAMPTZ) AS TIMESTAMP)"
    if not formats:
        return generic
    patterns = "[" + ", ".join(lit(f) for f in formats) + "]"
    return f"COALESCE(TRY_STRPTIME({text}, {patterns}), {generic})"


def epoch_ms_time(expr: str) -> str:
    """A TIMESTAMP from epoch milliseconds given as text; NULL when not a plausible number."""
    ms = f"TRY_CAST({as_text(expr)} AS BIGINT)"
    return f"CASE WHEN {ms} BETWEEN 0 AND 4102444800000 THEN epoch_ms({ms}) END"


def row_hash(columns: Iterable[str]) -> str:
    """A deterministic id from a row's fields (column names): identical rows, identical ids."""
    values = ", ".join(as_text(ident(c)) for c in columns)
    return f"md5(CAST(json_array({values}) AS VARCHAR))"


def map_values(expr: str, mapping: Mapping[str, str]) -> str:
    """Map source codes to canonical ones; anything unmapped becomes NULL."""
    whens = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in mapping.items())
    return f"CASE {as_text(expr)} {whens} END"


def pseudonym(expr: str, key: str) -> str:
    """Keyed hash of an id: first 20 hex chars of sha256(key || '|' || id); NULL stays NULL."""
    return f"substr(sha256({lit(key)} || '|' || {as_text(expr)}), 1, 20)"


def pseudonym_of(value: str, key: str) -> str:
    """`pseudonym` in Python, for one id (what the serving API applies to the ids it is asked)."""
    return hashlib.sha256(f"{key}|{value}".encode()).hexdigest()[:20]

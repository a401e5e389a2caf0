"""Read source files into DuckDB as text relations with their file and 1-based row number.

Every file becomes one relation `_work.f<n>` with `_file`, `_row` and the columns its
`FileSpec` knows (renamed to their logical names; unknown columns are never read, so
e.g. email or address columns cannot leave ingest). Malformed CSV lines go straight to
the quarantine table through DuckDB's `store_rejects`; the row numbers of the good rows
are corrected for the rejected lines in between.
"""

from __future__ import annotations

import csv
import gzip
import io
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from shoplens.ingest.sources import ENCODINGS, SourceError
from shoplens.ingest.sql import ident, lit, pseudonym

Column = str | tuple[str, ...]  # a logical name, or (logical name, accepted alternative headers...)

CSV_OPTIONS = "header=true, auto_detect=false, delim=',', quote='\"', escape='\"'"
MALFORMED = "malformed CSV line"
UNDECODABLE = "bytes the file's encoding cannot decode"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class FileSpec:
    """The columns a source file must (and may) have."""

    required: tuple[Column, ...]
    optional: tuple[Column, ...] = ()
    # logical names holding user ids: hashed in quarantine raw_record when pseudonymising
    user_columns: tuple[str, ...] = ()

    def expected(self) -> str:
        names = ["|".join(_names(c)) for c in self.required]
        names += [f"[{'|'.join(_names(c))}]" for c in self.optional]
        return ", ".join(names)


def _names(column: Column) -> tuple[str, ...]:
    return (column,) if isinstance(column, str) else column


@dataclass
class _File:
    relation: str
    columns: tuple[str, ...]  # logical names present in the relation
    user_columns: tuple[str, ...]


@dataclass
class Reader:
    """Registers source files on one connection; remembers them for raw-record lookups."""

    con: duckdb.DuckDBPyConnection
    fmt: str
    pseudonymise_key: str | None = None
    encoding: str = "utf-8"
    files: dict[str, _File] = field(default_factory=dict)
    input_rows: dict[str, int] = field(default_factory=dict)

    def read(self, paths: list[Path], table: str, spec: FileSpec) -> str:
        """One relation over `paths` (union by name); malformed lines are quarantined as `table`."""
        relations = [self._read_file(path, table, spec) for path in paths]
        name = f"_work.r{len(self.files)}_{table}"
        union = " UNION ALL BY NAME ".join(f"SELECT * FROM {r}" for r in relations)
        self.con.execute(f"CREATE VIEW {name} AS {union}")
        return name

    def _csv_header(self, path: Path) -> list[str]:
        """The header record, read directly (no sniffing: bad rows must not hide the header).
        Undecodable bytes become U+FFFD here: in a data row they are that row's problem."""
        opener = gzip.open if path.name.endswith(".gz") else open
        try:
            with opener(path, "rb") as raw:
                text = io.TextIOWrapper(raw, encoding=ENCODINGS[self.encoding], errors="replace", newline="")
                header = next(csv.reader(text), [])
        except (OSError, EOFError, csv.Error) as exc:
            raise SourceError(f"{path}: cannot read: {exc}") from exc
        if not header:
            raise SourceError(f"{path}: file is empty")
        return header

    def _check_complete(self, path: Path) -> None:
        """A compressed file must decompress to its end: DuckDB stops quietly where a gzip
        stream is cut off, and the rows after that would vanish unreported."""
        if not path.name.endswith(".gz"):
            return
        lines, inflate = 0, zlib.decompressobj(zlib.MAX_WBITS | 16)
        with open(path, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                try:
                    while chunk:
                        lines += inflate.decompress(chunk).count(b"\n")
                        chunk = inflate.unused_data
                        if chunk:  # a concatenated gzip member
                            inflate = zlib.decompressobj(zlib.MAX_WBITS | 16)
                except zlib.error as exc:
                    raise SourceError(f"{path}: compressed data is corrupt after line {lines}: {exc}") from exc
        if not inflate.eof:
            raise SourceError(f"{path}: compressed data ends early after line {lines}; "
                              "the file is truncated: download or copy it again")

    def _header(self, path: Path, scan: str) -> list[str]:
        try:
            rows = self.con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()
        except duckdb.Error as exc:
            raise SourceError(f"{path}: cannot read: {exc}") from exc
        return [r[0] for r in rows]

    def _select_list(self, path: Path, header: list[str], spec: FileSpec) -> tuple[str, tuple[str, ...]]:
        present, missing = [], []
        for column in spec.required + spec.optional:
            names = _names(column)
            found = next((n for n in names if n in header), None)
            if found is None and column in spec.required:
                missing.append("|".join(names))
            present.append((names[0], found))
        if missing:
            lacks = ", ".join(f"'{m}'" for m in missing)
            plural = "s" if len(missing) > 1 else ""
            raise SourceError(
                f"{self.fmt}: {path} lacks column{plural} {lacks}; expected columns: {spec.expected()}"
            )
        select = ", ".join(
            f"{ident(src)} AS {ident(name)}" if src else f"CAST(NULL AS VARCHAR) AS {ident(name)}"
            for name, src in present
        )
        return select, tuple(name for name, _ in present)

    def _read_file(self, path: Path, table: str, spec: FileSpec) -> str:
        n = len(self.files)
        relation = f"_work.f{n}"
        file_lit = lit(str(path))
        if path.stat().st_size == 0:
            raise SourceError(f"{path}: file is empty")
        if path.name.endswith(".parquet"):
            scan = f"read_parquet({file_lit}, file_row_number=true, hive_partitioning=false)"
            select, columns = self._select_list(path, self._header(path, scan), spec)
            self.con.execute(
                f"CREATE VIEW {relation} AS SELECT {file_lit} AS _file, "
                f"file_row_number + 1 AS _row, {select} FROM {scan}"
            )
            rows = self.con.execute(f"SELECT count(*) FROM {scan}").fetchone()[0]
        else:
            self._check_complete(path)
            header = self._csv_header(path)
            select, columns = self._select_list(path, header, spec)
            rows = self._load_csv(path, header, relation, select, table, n)
        self.files[str(path)] = _File(relation, columns, spec.user_columns)
        self.input_rows[str(path)] = rows
        return relation

    def _load_csv(self, path: Path, header: list[str], relation: str, select: str, table: str, n: int) -> int:
        """Load a CSV in file order; returns its data-row count (good + malformed)."""
        raw, rej, adj = f"_work.csv{n}", f"_rej{n}", f"_work.adj{n}"
        file_lit = lit(str(path))
        schema = "{" + ", ".join(f"{lit(c)}: 'VARCHAR'" for c in header) + "}"
        try:
            self.con.execute(
                f"CREATE TABLE {raw} AS SELECT * FROM read_csv({file_lit}, {CSV_OPTIONS}, columns={schema}, "
                f"encoding={lit(self.encoding)}, "
                f"store_rejects=true, rejects_table='{rej}', rejects_scan='{rej}_scan')"
            )
        except duckdb.Error as exc:
            raise SourceError(f"{path}: cannot read: {exc}") from exc
        # one quarantine row per rejected line; `line` counts records with the header as 1
        record = (
            "json_object('error', error_message)"
            if self.pseudonymise_key  # the raw line may hold a user id: keep only the error
            else "json_object('line', csv_line, 'error', error_message)"
        )
        self.con.execute(
            f"""
            CREATE TABLE {adj} AS
            WITH rejected AS (
                SELECT DISTINCT ON (line) line - 1 AS r, column_name, {record} AS raw,
                    CASE WHEN CAST(error_type AS VARCHAR) IN ('INVALID ENCODING', 'INVALID UNICODE')
                        THEN {lit(f"{UNDECODABLE} ({self.encoding}; see --encoding)")} ELSE {lit(MALFORMED)} END AS reason
                FROM {rej} ORDER BY line, column_idx
            )
            SELECT * FROM rejected ORDER BY r
            """
        )
        self.con.execute(
            f"INSERT INTO quarantine SELECT {lit(table)}, {file_lit}, r, column_name, "
            f"reason, CAST(raw AS VARCHAR) FROM {adj}"
        )
        self.con.execute(f"DROP TABLE IF EXISTS {rej}; DROP TABLE IF EXISTS {rej}_scan")
        n_rejected = self.con.execute(f"SELECT count(*) FROM {adj}").fetchone()[0]
        if n_rejected == 0:
            row = "rowid + 1"
            source = raw
        else:
            # good row k (0-based, file order) sits after every rejected row r_j with r_j - j <= k
            self.con.execute(
                f"CREATE OR REPLACE TABLE {adj} AS SELECT r - j AS _k, max(j) AS _j FROM "
                f"(SELECT r, row_number() OVER (ORDER BY r) AS j FROM {adj}) GROUP BY ALL"
            )
            row = "t._rid + 1 + coalesce(a._j, 0)"
            source = f"(SELECT rowid AS _rid, * FROM {raw}) t ASOF LEFT JOIN {adj} a ON t._rid >= a._k"
        self.con.execute(f"CREATE VIEW {relation} AS SELECT {file_lit} AS _file, {row} AS _row, {select} FROM {source}")
        good = self.con.execute(f"SELECT count(*) FROM {raw}").fetchone()[0]
        return good + n_rejected

    def raw_records(self, keys: str) -> str:
        """SQL: (_file, _row, raw_record JSON text) for the rows listed in relation `keys`."""
        parts = []
        for path, f in self.files.items():
            pairs = []
            for c in f.columns:
                value = f"v.{ident(c)}"
                if self.pseudonymise_key and c in f.user_columns:
                    value = pseudonym(value, self.pseudonymise_key)
                pairs.append(f"{lit(c)}, {value}")
            parts.append(
                f"SELECT k._file, k._row, CAST(json_object({', '.join(pairs)}) AS VARCHAR) AS raw_record "
                f"FROM {keys} k JOIN {f.relation} v ON k._file = v._file AND k._row = v._row "
                f"WHERE k._file = {lit(path)}"
            )
        return " UNION ALL ".join(parts) if parts else (
            "SELECT NULL::VARCHAR AS _file, NULL::BIGINT AS _row, NULL::VARCHAR AS raw_record WHERE false"
        )

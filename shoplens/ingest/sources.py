"""Source specs ("FORMAT:PATH"), file discovery and the error every bad source raises."""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path

FORMAT_NAMES = ("canonical", "rees46", "retailrocket", "online_retail", "olist")
DATA_SUFFIXES = (".csv", ".csv.gz", ".parquet")
_GLOB_CHARS = set("*?[")
# the encodings DuckDB's CSV reader decodes -> Python's name for reading the header
ENCODINGS = {"utf-8": "utf-8-sig", "latin-1": "latin-1", "utf-16": "utf-16"}


class SourceError(ValueError):
    """A source that cannot be read: unknown format, missing file, missing column."""


@dataclass(frozen=True)
class Source:
    format: str
    path: Path
    encoding: str = "utf-8"  # of CSV files; bytes it cannot decode quarantine their row

    def __str__(self) -> str:
        return f"{self.format}:{self.path}"

    @property
    def ground_truth(self) -> Path | None:
        """A simulated shop's oracle folder (never read by ingest); None for real data."""
        folder = self.path / "ground_truth"
        return folder if folder.is_dir() else None


def _is_glob(path: str) -> bool:
    return any(ch in _GLOB_CHARS for ch in path)


def parse_source(spec: str, encoding: str = "utf-8") -> Source:
    """Parse "FORMAT:PATH"; the path may be a file, a directory or a glob."""
    if encoding not in ENCODINGS:
        raise SourceError(f"unknown encoding {encoding!r}; encodings: {', '.join(ENCODINGS)}")
    fmt, sep, path = spec.partition(":")
    fmt = fmt.strip().lower()
    if not sep or not path:
        raise SourceError(f"source {spec!r} is not FORMAT:PATH; formats: {', '.join(FORMAT_NAMES)}")
    if fmt not in FORMAT_NAMES:
        raise SourceError(f"unknown source format {fmt!r}; formats: {', '.join(FORMAT_NAMES)}")
    expanded = str(Path(path).expanduser())
    if _is_glob(expanded):
        if not glob.glob(expanded, recursive=True):
            raise SourceError(f"{fmt}: no file matches {expanded}")
    elif not Path(expanded).exists():
        raise SourceError(f"{fmt}: path {expanded} does not exist")
    return Source(fmt, Path(expanded), encoding)


def is_data_file(path: Path) -> bool:
    return path.is_file() and not path.name.startswith(".") and path.name.endswith(DATA_SUFFIXES)


def data_files(path: Path, fmt: str, what: str = "data") -> list[Path]:
    """The CSV / CSV.gz / parquet files a path stands for (a file, a directory tree, a glob)."""
    text = str(path)
    if _is_glob(text):
        files = [Path(p) for p in sorted(glob.glob(text, recursive=True))]
    elif path.is_dir():
        files = sorted(path.rglob("*"))
    else:
        files = [path]
    found = [f for f in files if is_data_file(f)]
    if not found:
        raise SourceError(f"{fmt}: no {what} file (.csv, .csv.gz, .parquet) at {path}")
    return found


def named_files(directory: Path, stem: str, fmt: str, *, required: bool) -> list[Path]:
    """`directory/stem.{csv,csv.gz,parquet}` or the data files under `directory/stem/`."""
    for suffix in DATA_SUFFIXES:
        if (directory / f"{stem}{suffix}").is_file():
            return [directory / f"{stem}{suffix}"]
    if (directory / stem).is_dir():
        return data_files(directory / stem, fmt, stem)
    if required:
        raise SourceError(
            f"{fmt}: {directory} lacks {stem} (expected {stem}.csv, {stem}.csv.gz, "
            f"{stem}.parquet or a {stem}/ directory)"
        )
    return []

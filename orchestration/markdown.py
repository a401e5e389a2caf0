"""Small markdown tables and inline images for asset metadata (no extra dependency)."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from pathlib import Path


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)


def table(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def image(path: Path, title: str) -> str:
    """A PNG inlined as a data URL: the Dagster UI shows it in the asset's metadata."""
    data = base64.b64encode(Path(path).read_bytes()).decode()
    return f"![{title}](data:image/png;base64,{data})"

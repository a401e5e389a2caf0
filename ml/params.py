"""Fields of frozen params dataclasses that carry their description (the Dagster launchpad shows it)."""

from __future__ import annotations

from dataclasses import field


def param(default, description: str):
    """A dataclass field with `default` and its description in the field's metadata."""
    return field(default=default, metadata={"description": description})

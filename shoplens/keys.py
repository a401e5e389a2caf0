"""Secrets a data directory keeps in files of its own: created once, readable by their owner only."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def kept_secret(path: Path) -> tuple[str, bool]:
    """The secret in `path`, created (32 random bytes as hex, mode 0600) when missing; and whether it was created."""
    if path.exists():
        return path.read_text().strip(), False
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_hex(32)
    try:  # O_EXCL: of two processes starting together, one creates the file and the other reads it
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip(), False
    with os.fdopen(fd, "w") as out:
        out.write(secret)
    return secret, True

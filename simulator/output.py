"""Fast string ids and the pyarrow schemas of every file the simulator writes."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from shoplens.schema import TABLES

_ARROW = {"VARCHAR": pa.string(), "TIMESTAMP": pa.timestamp("us"), "DOUBLE": pa.float64(),
          "INTEGER": pa.int32(), "BOOLEAN": pa.bool_(), "BIGINT": pa.int64(), "DATE": pa.date32()}


def arrow_schema(columns: dict[str, str]) -> pa.Schema:
    """A pyarrow schema from an ordered {column: DuckDB type} mapping."""
    return pa.schema([(name, _ARROW[typ]) for name, typ in columns.items()])


SCHEMAS = {table: arrow_schema(cols) for table, cols in TABLES.items()}

GROUND_TRUTH = {
    "user_cutoffs": {"user_id": "VARCHAR", "cutoff_date": "DATE", "alive": "BOOLEAN",
                     "p_purchase_7d": "DOUBLE", "p_no_event_30d": "DOUBLE", "expected_purchase_days_28d": "DOUBLE"},
    "top_preferences": {"user_id": "VARCHAR", "product_id": "VARCHAR", "score": "DOUBLE", "rank": "INTEGER"},
    "user_product_cutoffs": {"user_id": "VARCHAR", "cutoff_date": "DATE", "product_id": "VARCHAR",
                             "p_buy_7d": "DOUBLE", "rank": "INTEGER"},
    "staples": {"user_id": "VARCHAR", "product_id": "VARCHAR", "cycle_days": "DOUBLE"},
    "bot_sessions": {"session_id": "VARCHAR", "user_id": "VARCHAR", "session_start": "TIMESTAMP",
                     "n_events": "INTEGER", "card_testing": "BOOLEAN"},
}
GT_SCHEMAS = {name: arrow_schema(cols) for name, cols in GROUND_TRUTH.items()}


_DIGITS = np.array([list(f"{i:04d}".encode()) for i in range(10_000)], dtype=np.uint8)  # 4 digits a lookup


def format_ids(prefix: str, numbers: np.ndarray, width: int) -> pa.StringArray:
    """Strings prefix + zero-padded number (e.g. "u000123"), built without a Python loop."""
    numbers = np.asarray(numbers, dtype=np.int64)
    n = len(numbers)
    if n and (numbers.min() < 0 or numbers.max() >= 10**width):
        raise ValueError(f"ids do not fit {width} digits")
    p = prefix.encode()
    w = len(p) + width
    buf = np.empty((n, w), dtype=np.uint8)
    buf[:, : len(p)] = np.frombuffer(p, dtype=np.uint8)
    end, rest = w, numbers
    while end > len(p):  # from the last digit, four at a time
        start = max(len(p), end - 4)
        buf[:, start:end] = _DIGITS[rest % 10_000, 4 - (end - start):]
        end, rest = start, rest // 10_000
    offsets = np.arange(0, (n + 1) * w, w, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(buf.tobytes()))


def id_width(count: int, minimum: int) -> int:
    return max(minimum, len(str(max(count - 1, 0))))

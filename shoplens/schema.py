"""The canonical schema every source is mapped to (documented in docs/schema.md).

Times are naive TIMESTAMPs meaning UTC; identifiers are strings whatever the source used.
"""

from __future__ import annotations

# `cancel`: purchased units taken back (a cancelled or returned order line; quantity > 0 units,
# price the unit price refunded); it reduces revenue and spend.
EVENT_TYPES = ("view", "cart", "remove_from_cart", "purchase", "cancel")

# table -> ordered (column, DuckDB type); the order is the parquet column order.
TABLES: dict[str, dict[str, str]] = {
    "events": {
        "event_id": "VARCHAR",
        "event_time": "TIMESTAMP",
        "user_id": "VARCHAR",
        "session_id": "VARCHAR",
        "event_type": "VARCHAR",
        "product_id": "VARCHAR",
        "price": "DOUBLE",
        "quantity": "INTEGER",
        "order_id": "VARCHAR",
    },
    "products": {
        "product_id": "VARCHAR",
        "category": "VARCHAR",
        "brand": "VARCHAR",
        "price": "DOUBLE",
    },
    "users": {
        "user_id": "VARCHAR",
        "first_seen": "TIMESTAMP",
        "country": "VARCHAR",
        "signup_channel": "VARCHAR",
    },
    "reviews": {
        "review_id": "VARCHAR",
        "user_id": "VARCHAR",
        "product_id": "VARCHAR",
        "rating": "INTEGER",
        "text": "VARCHAR",
        "review_time": "TIMESTAMP",
    },
    # Optional labels some sources know (the simulator does): which sessions are bots.
    "session_labels": {
        "session_id": "VARCHAR",
        "is_bot": "BOOLEAN",
    },
}

REQUIRED_TABLES = ("events",)
# Columns a canonical source may omit; they are filled with NULL.
NULLABLE = {
    "events": {"session_id", "order_id", "price", "quantity", "event_id"},
    "products": {"category", "brand", "price"},
    "users": {"country", "signup_channel", "first_seen"},
    "reviews": {"text", "product_id"},
    "session_labels": set(),
}

QUARANTINE = {
    "table_name": "VARCHAR",
    "source_file": "VARCHAR",
    "row_number": "BIGINT",
    "column_name": "VARCHAR",
    "reason": "VARCHAR",
    "raw_record": "VARCHAR",
}

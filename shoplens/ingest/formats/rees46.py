"""REES46 / Open CDP "eCommerce behavior data from multi category store"."""

from __future__ import annotations

from shoplens.ingest.reader import FileSpec, Reader
from shoplens.ingest.sources import Source, data_files
from shoplens.ingest.sql import map_values, parse_time, row_hash

COLUMNS = (
    "event_time", "event_type", "product_id", "category_id", "category_code",
    "brand", "price", "user_id", "user_session",
)  # fmt: skip
EVENTS = FileSpec(required=COLUMNS, user_columns=("user_id",))
EVENT_TYPES = {t: t for t in ("view", "cart", "remove_from_cart", "purchase")}


def stage(reader: Reader, source: Source) -> dict[str, str]:
    src = reader.read(data_files(source.path, "rees46"), "events", EVENTS)
    # no event id in the source: identical rows get the same id and are quarantined as duplicates
    return {
        "events": f"""
            SELECT _file, _row,
                {row_hash(COLUMNS)} AS event_id,
                {parse_time('event_time', '%Y-%m-%d %H:%M:%S UTC')} AS event_time,
                user_id, user_session AS session_id,
                {map_values('event_type', EVENT_TYPES)} AS event_type,
                product_id, price, 1 AS quantity, NULL AS order_id,
                coalesce(category_code, CAST(category_id AS VARCHAR)) AS category, brand
            FROM {src}"""
    }

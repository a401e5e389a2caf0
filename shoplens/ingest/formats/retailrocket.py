"""Retailrocket recommender system dataset: events.csv plus optional item_properties*.csv."""

from __future__ import annotations

from shoplens.ingest.reader import FileSpec, Reader
from shoplens.ingest.sources import DATA_SUFFIXES, Source, SourceError, data_files
from shoplens.ingest.sql import epoch_ms_time, map_values, row_hash

COLUMNS = ("timestamp", "visitorid", "event", "itemid", "transactionid")
EVENTS = FileSpec(required=COLUMNS[:4], optional=COLUMNS[4:], user_columns=("visitorid",))
PROPERTIES = FileSpec(required=("timestamp", "itemid", "property", "value"))
EVENT_TYPES = {"view": "view", "addtocart": "cart", "transaction": "purchase"}


def _files(source: Source) -> tuple[list, list]:
    path = source.path
    if path.is_dir():
        events = [p for p in sorted(path.glob("events*")) if p.name.endswith(DATA_SUFFIXES)]
        if not events:
            raise SourceError(f"retailrocket: {path} has no events.csv")
        folder = path
    else:
        events = data_files(path, "retailrocket", "events")
        folder = events[0].parent
    props = [p for p in sorted(folder.glob("item_properties*")) if p.name.endswith(DATA_SUFFIXES)]
    return events, props


def stage(reader: Reader, source: Source) -> dict[str, str]:
    event_files, property_files = _files(source)
    events = reader.read(event_files, "events", EVENTS)
    staged = {
        "events": f"""
            SELECT _file, _row, {row_hash(COLUMNS)} AS event_id,
                {epoch_ms_time('"timestamp"')} AS event_time,
                visitorid AS user_id, NULL AS session_id,
                {map_values('event', EVENT_TYPES)} AS event_type,
                itemid AS product_id, NULL AS price, 1 AS quantity, transactionid AS order_id
            FROM {events}"""
    }
    if property_files:
        props = reader.read(property_files, "products", PROPERTIES)
        # the last categoryid value (by timestamp, then file order) is the category
        order = "{'t': TRY_CAST(\"timestamp\" AS BIGINT), 'f': _file, 'r': _row}"
        staged["products"] = f"""
            SELECT max_by(_file, {order}) AS _file, max_by(_row, {order}) AS _row,
                itemid AS product_id, max_by(value, {order}) AS category,
                NULL AS brand, NULL AS price
            FROM {props} WHERE property = 'categoryid' GROUP BY itemid"""
    return staged

"""UCI Online Retail I and II: one purchase event per invoice line; a cancellation invoice's
line ("C" + number, negative quantity) is a `cancel` event of as many units."""

from __future__ import annotations

from shoplens.ingest.reader import FileSpec, Reader
from shoplens.ingest.sources import Source, data_files
from shoplens.ingest.sql import parse_time, row_hash

LINES = FileSpec(
    required=(
        ("Invoice", "InvoiceNo"), "StockCode", "Quantity", "InvoiceDate",
        ("Price", "UnitPrice"), ("Customer ID", "CustomerID"),
    ),
    optional=("Description", "Country"),
    user_columns=("Customer ID",),
)  # fmt: skip


def stage(reader: Reader, source: Source) -> dict[str, str]:
    src = reader.read(data_files(source.path, "online_retail"), "events", LINES)
    hashed = ["Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price", "Customer ID", "Country"]
    # Customer ID comes as "17850" or "17850.0" depending on the export
    customer = "regexp_replace(CAST(\"Customer ID\" AS VARCHAR), '\\.0+$', '')"
    cancel = "CAST(Invoice AS VARCHAR) LIKE 'C%'"
    # a cancellation's units as a positive count, still text (an unparseable one is quarantined as such)
    negated = "CASE WHEN starts_with(trim(Quantity), '-') THEN substr(trim(Quantity), 2) ELSE '-' || trim(Quantity) END"
    return {
        "events": f"""
            SELECT _file, _row, {row_hash(hashed)} AS event_id,
                {parse_time('InvoiceDate', '%m/%d/%Y %H:%M', '%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M')} AS event_time,
                {customer} AS user_id, NULL AS session_id,
                CASE WHEN {cancel} THEN 'cancel' ELSE 'purchase' END AS event_type,
                StockCode AS product_id, Price AS price,
                CASE WHEN {cancel} THEN {negated} ELSE Quantity END AS quantity,
                Invoice AS order_id,
                Country AS country
            FROM {src}"""
    }

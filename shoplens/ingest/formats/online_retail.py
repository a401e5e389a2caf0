"""UCI Online Retail I and II: one purchase event per invoice line."""

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
    return {
        "events": f"""
            SELECT _file, _row, {row_hash(hashed)} AS event_id,
                {parse_time('InvoiceDate', '%m/%d/%Y %H:%M', '%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M')} AS event_time,
                {customer} AS user_id, NULL AS session_id,
                CASE WHEN CAST(Invoice AS VARCHAR) LIKE 'C%' THEN 'remove_from_cart' ELSE 'purchase' END
                    AS event_type,
                StockCode AS product_id, Price AS price, Quantity AS quantity, Invoice AS order_id,
                Country AS country
            FROM {src}"""
    }

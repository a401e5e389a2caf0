"""Olist Brazilian E-Commerce: one purchase event per order item, reviews per order."""

from __future__ import annotations

from shoplens.ingest.reader import FileSpec, Reader
from shoplens.ingest.sources import Source, SourceError, named_files
from shoplens.ingest.sql import parse_time

ORDERS = FileSpec(required=("order_id", "customer_id", "order_status", "order_purchase_timestamp"))
ITEMS = FileSpec(required=("order_id", "order_item_id", "product_id", "price"))
# zip code and city are not read (privacy); the state is kept as a region
CUSTOMERS = FileSpec(
    required=("customer_id", "customer_unique_id"),
    optional=("customer_state",),
    user_columns=("customer_unique_id",),
)
PRODUCTS = FileSpec(required=("product_id",), optional=("product_category_name",))
REVIEWS = FileSpec(
    required=("review_id", "order_id", "review_score", "review_creation_date"),
    optional=("review_comment_title", "review_comment_message"),
)
TRANSLATION = FileSpec(required=("product_category_name", "product_category_name_english"))
NOT_PURCHASED = ("canceled", "unavailable")


def _read(reader: Reader, source: Source, stem: str, table: str, spec: FileSpec, required: bool = True):
    """The relation over DIR/<stem>.csv (or .csv.gz, .parquet); None when optional and absent."""
    files = named_files(source.path, stem, "olist", required=required)
    return reader.read(files, table, spec) if files else None


def stage(reader: Reader, source: Source) -> dict[str, str]:
    if not source.path.is_dir():
        raise SourceError(f"olist: {source.path} is not a directory of olist_*_dataset.csv files")
    orders = _read(reader, source, "olist_orders_dataset", "events", ORDERS)
    items = _read(reader, source, "olist_order_items_dataset", "events", ITEMS)
    customers = _read(reader, source, "olist_customers_dataset", "users", CUSTOMERS)
    products = _read(reader, source, "olist_products_dataset", "products", PRODUCTS)
    reviews = _read(reader, source, "olist_order_reviews_dataset", "reviews", REVIEWS, required=False)
    translation = _read(reader, source, "product_category_name_translation", "products", TRANSLATION, required=False)

    status = ", ".join(f"'{s}'" for s in NOT_PURCHASED)
    users = f"(SELECT customer_id, customer_unique_id FROM {customers})"
    staged = {
        "events": f"""
            SELECT i._file, i._row, i.order_id || '-' || i.order_item_id AS event_id,
                {parse_time('o.order_purchase_timestamp')} AS event_time,
                c.customer_unique_id AS user_id, NULL AS session_id,
                CASE WHEN o.order_status IN ({status}) THEN 'remove_from_cart' ELSE 'purchase' END
                    AS event_type,
                i.product_id, i.price, 1 AS quantity, i.order_id,
                CASE WHEN o.order_id IS NULL THEN 'order not found' END AS _reject
            FROM {items} i
            LEFT JOIN {orders} o ON o.order_id = i.order_id
            LEFT JOIN {users} c ON c.customer_id = o.customer_id
            UNION ALL BY NAME
            SELECT o._file, o._row, o.order_id AS event_id, NULL::TIMESTAMP AS event_time,
                'order without items' AS _reject
            FROM {orders} o ANTI JOIN {items} i ON i.order_id = o.order_id""",
        "users": f"""
            SELECT min(_file) AS _file, min(_row) AS _row, customer_unique_id AS user_id,
                NULL AS first_seen, max_by(customer_state, _row) AS country, NULL AS signup_channel
            FROM {customers} GROUP BY customer_unique_id""",
    }
    english = (
        f"(SELECT product_category_name AS pt, max(product_category_name_english) AS en "
        f"FROM {translation} GROUP BY ALL)" if translation else "(SELECT NULL AS pt, NULL AS en)"
    )
    staged["products"] = f"""
        SELECT p._file, p._row, p.product_id, coalesce(t.en, p.product_category_name) AS category,
            NULL AS brand, NULL AS price
        FROM {products} p LEFT JOIN {english} t ON t.pt = p.product_category_name"""
    if reviews:
        # a review belongs to an order: product = the order's first item, user = its customer
        staged["reviews"] = f"""
            WITH first_item AS (
                SELECT order_id, arg_min(product_id, TRY_CAST(order_item_id AS INTEGER)) AS product_id
                FROM {items} GROUP BY order_id
            )
            SELECT r._file, r._row, r.review_id, c.customer_unique_id AS user_id, f.product_id,
                r.review_score AS rating,
                nullif(concat_ws(' ', r.review_comment_title, r.review_comment_message), '') AS text,
                {parse_time('r.review_creation_date')} AS review_time
            FROM {reviews} r
            LEFT JOIN {orders} o ON o.order_id = r.order_id
            LEFT JOIN {users} c ON c.customer_id = o.customer_id
            LEFT JOIN first_item f ON f.order_id = r.order_id"""
    return staged

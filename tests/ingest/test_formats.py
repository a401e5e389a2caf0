"""Each loader on a small file in its real format (CSV, CSV.gz, parquet)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from shoplens.ingest import land, parse_source


@pytest.mark.parametrize("name", ["rees46/events.csv", "rees46/events.csv.gz", "rees46/events.parquet"])
def test_rees46_each_file_type(files, landing_db: Path, name: str) -> None:
    path = files.rees46(name)
    report = land(parse_source(f"rees46:{path}"), landing_db, now=files.now)
    assert report.rows["events"] == 5 and report.rows["quarantine"] == 0
    assert report.event_days == ["2019-10-01", "2019-10-02"]
    assert report.min_event_time == datetime(2019, 10, 1)
    types = files.query(landing_db, "SELECT event_type, count(*) FROM events GROUP BY 1 ORDER BY 1")
    assert types == [("cart", 1), ("purchase", 1), ("remove_from_cart", 1), ("view", 2)]
    # products: last seen price; category_code else category_id
    products = files.query(landing_db, "SELECT * FROM products ORDER BY product_id")
    assert products == [("p1", "electronics.phone", "acme", 11.0), ("p2", "22", None, 5.0)]
    users = files.query(landing_db, "SELECT user_id, first_seen FROM users ORDER BY 1")
    assert users == [("u1", datetime(2019, 10, 1)), ("u2", datetime(2019, 10, 2, 9))]
    assert report.absent_tables == ["products", "users", "reviews", "session_labels"]


def test_rees46_directory_of_files(files, landing_db: Path) -> None:
    files.rees46("dir/a.csv.gz", files.rees46_rows[:2])
    files.rees46("dir/b.parquet", files.rees46_rows[2:])
    report = land(parse_source(f"rees46:{files.root / 'dir'}"), landing_db, now=files.now)
    assert report.rows["events"] == 5
    assert len(report.input_rows) == 2


RR_EVENTS = ["timestamp", "visitorid", "event", "itemid", "transactionid"]


def test_retailrocket(files, landing_db: Path) -> None:
    files.csv("rr/events.csv", RR_EVENTS, [
        ["1433221332117", "257597", "view", "355908", ""],
        ["1433224214164", "992329", "addtocart", "248676", ""],
        ["1433221999827", "111016", "transaction", "318965", "11117"],
    ])  # fmt: skip
    files.csv("rr/item_properties_part1.csv", ["timestamp", "itemid", "property", "value"], [
        ["1435460400000", "355908", "categoryid", "1173"],
        ["1441508400000", "355908", "categoryid", "1174"],  # later: wins
        ["1439089200000", "318965", "available", "1"],
    ])  # fmt: skip
    report = land(parse_source(f"retailrocket:{files.root / 'rr'}"), landing_db, now=files.now)
    assert report.rows["events"] == 3
    rows = files.query(
        landing_db, "SELECT event_type, user_id, product_id, price, quantity, order_id, event_time "
        "FROM events ORDER BY event_time"
    )
    assert rows[0] == ("view", "257597", "355908", None, 1, None, datetime(2015, 6, 2, 5, 2, 12, 117000))
    assert rows[1][0] == "purchase" and rows[1][5] == "11117"
    assert rows[2][0] == "cart"
    products = dict(files.query(landing_db, "SELECT product_id, category FROM products"))
    assert products == {"355908": "1174", "248676": None, "318965": None}
    assert "products" not in report.absent_tables


def test_retailrocket_events_file_path_finds_properties(files, landing_db: Path) -> None:
    path = files.csv("rr/events.csv", RR_EVENTS, [["1433221332117", "1", "view", "7", ""]])
    files.csv("rr/item_properties_part2.csv", ["timestamp", "itemid", "property", "value"],
              [["1435460400000", "7", "categoryid", "9"]])  # fmt: skip
    land(parse_source(f"retailrocket:{path}"), landing_db, now=files.now)
    assert files.query(landing_db, "SELECT category FROM products") == [("9",)]


RETAIL_I = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"]
RETAIL_II = ["Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price", "Customer ID", "Country"]


def test_online_retail_i(files, landing_db: Path) -> None:
    path = files.csv("retail/Online Retail.csv", RETAIL_I, [
        ["536365", "85123A", "WHITE HANGING HEART", "6", "12/1/2010 8:26", "2.55", "17850", "United Kingdom"],
        ["536365", "71053", "WHITE METAL LANTERN", "6", "12/1/2010 8:26", "3.39", "17850", "United Kingdom"],
        ["C536379", "85123A", "WHITE HANGING HEART", "-1", "12/1/2010 9:41", "2.60", "14527", "France"],
    ])  # fmt: skip
    report = land(parse_source(f"online_retail:{path}"), landing_db, now=files.now)
    assert report.rows["events"] == 3 and report.rows["quarantine"] == 0
    rows = files.query(
        landing_db, "SELECT event_type, order_id, product_id, quantity, price, event_time FROM events "
        "ORDER BY event_time, product_id"
    )
    assert rows[0] == ("purchase", "536365", "71053", 6, 3.39, datetime(2010, 12, 1, 8, 26))
    assert rows[2] == ("cancel", "C536379", "85123A", 1, 2.6, datetime(2010, 12, 1, 9, 41))
    products = files.query(landing_db, "SELECT * FROM products ORDER BY product_id")
    assert products == [("71053", None, None, 3.39), ("85123A", None, None, 2.6)]
    users = dict(files.query(landing_db, "SELECT user_id, country FROM users"))
    assert users == {"17850": "United Kingdom", "14527": "France"}


def test_online_retail_ii_gz(files, landing_db: Path) -> None:
    path = files.csv("retail/online_retail_II.csv.gz", RETAIL_II, [
        ["489434", "85048", "15CM CHRISTMAS GLASS BALL", "12", "2009-12-01 07:45:00", "6.95", "13085.0", "United Kingdom"],
        ["C489449", "22087", "PAPER BUNTING", "-12", "2009-12-01 10:33:00", "2.95", "16321.0", "Australia"],
    ])  # fmt: skip
    land(parse_source(f"online_retail:{path}"), landing_db, now=files.now)
    rows = files.query(landing_db, "SELECT user_id, event_type, quantity FROM events ORDER BY event_time")
    assert rows == [("13085", "purchase", 12), ("16321", "cancel", 12)]


def _olist(files, *, reviews: bool = True, translation: bool = True) -> Path:
    d = "olist"
    files.csv(f"{d}/olist_orders_dataset.csv", ["order_id", "customer_id", "order_status", "order_purchase_timestamp"], [
        ["o1", "c1", "delivered", "2018-07-29 13:54:51"],
        ["o2", "c2", "canceled", "2018-08-01 10:00:00"],
        ["o3", "c3", "unavailable", "2018-08-02 10:00:00"],  # no items
    ])  # fmt: skip
    files.csv(f"{d}/olist_order_items_dataset.csv", ["order_id", "order_item_id", "product_id", "seller_id", "price"], [
        ["o1", "1", "pA", "s1", "179.49"],
        ["o1", "2", "pB", "s1", "20.00"],
        ["o2", "1", "pB", "s1", "21.00"],
    ])  # fmt: skip
    files.csv(f"{d}/olist_customers_dataset.csv",
              ["customer_id", "customer_unique_id", "customer_zip_code_prefix", "customer_city", "customer_state"], [
        ["c1", "U1", "15170", "tanabi", "SP"],
        ["c2", "U1", "15170", "tanabi", "SP"],  # same person, second order
        ["c3", "U3", "01000", "sao paulo", "RJ"],
    ])  # fmt: skip
    files.csv(f"{d}/olist_products_dataset.csv", ["product_id", "product_category_name"], [
        ["pA", "beleza_saude"], ["pB", "cool_stuff"],
    ])  # fmt: skip
    if translation:
        files.csv(f"{d}/product_category_name_translation.csv", ["product_category_name", "product_category_name_english"],
                  [["beleza_saude", "health_beauty"]])  # fmt: skip
    if reviews:
        files.csv(f"{d}/olist_order_reviews_dataset.csv", [
            "review_id", "order_id", "review_score", "review_comment_title", "review_comment_message",
            "review_creation_date", "review_answer_timestamp",
        ], [
            ["r1", "o1", "4", "Bom", "Chegou rapido,\nbem embalado", "2018-08-05 00:00:00", "2018-08-06 00:00:00"],
            ["r2", "o2", "1", "", "", "2018-08-03 00:00:00", ""],
        ])  # fmt: skip
    return files.root / d


def test_olist(files, landing_db: Path) -> None:
    report = land(parse_source(f"olist:{_olist(files)}"), landing_db, now=files.now)
    assert report.rows["events"] == 3
    events = files.query(landing_db, "SELECT event_id, user_id, event_type, product_id, price, order_id FROM events ORDER BY 1")
    assert events == [
        ("o1-1", "U1", "purchase", "pA", 179.49, "o1"),
        ("o1-2", "U1", "purchase", "pB", 20.0, "o1"),
        ("o2-1", "U1", "remove_from_cart", "pB", 21.0, "o2"),
    ]
    assert files.quarantine(landing_db) == [
        ("events", "olist_orders_dataset.csv", 3, None, "order without items"),
    ]
    products = files.query(landing_db, "SELECT product_id, category, price FROM products ORDER BY 1")
    assert products == [("pA", "health_beauty", 179.49), ("pB", "cool_stuff", 21.0)]
    users = files.query(landing_db, "SELECT * FROM users ORDER BY 1")
    assert users == [("U1", datetime(2018, 7, 29, 13, 54, 51), "SP", None), ("U3", None, "RJ", None)]
    reviews = files.query(landing_db, "SELECT * FROM reviews ORDER BY 1")
    assert reviews == [
        ("r1", "U1", "pA", 4, "Bom Chegou rapido,\nbem embalado", datetime(2018, 8, 5)),
        ("r2", "U1", "pB", 1, None, datetime(2018, 8, 3)),
    ]
    assert report.absent_tables == ["session_labels"]


def test_olist_without_reviews_or_translation(files, landing_db: Path) -> None:
    report = land(parse_source(f"olist:{_olist(files, reviews=False, translation=False)}"), landing_db, now=files.now)
    assert report.rows["reviews"] == 0 and "reviews" in report.absent_tables
    assert files.query(landing_db, "SELECT category FROM products WHERE product_id = 'pA'") == [("beleza_saude",)]


def test_canonical_directory(files, landing_db: Path) -> None:
    d = "canon"
    events = ["event_id", "event_time", "user_id", "session_id", "event_type", "product_id", "price", "quantity", "order_id"]
    files.parquet(f"{d}/events/event_date=2024-01-01/events.parquet", events, [
        ["e1", "2024-01-01 10:00:00", "u1", "s1", "view", "p1", "3.5", "1", ""],
    ])  # fmt: skip
    files.csv(f"{d}/events/event_date=2024-01-02/events.csv", events[1:6], [  # nullable columns missing
        ["2024-01-02T11:00:00Z", "u2", "s2", "purchase", "p1"],
    ])  # fmt: skip
    files.csv(f"{d}/products.csv", ["product_id", "category", "brand", "price"], [["p1", "toys", "acme", "4.0"]])
    files.csv(f"{d}/session_labels.csv.gz", ["session_id", "is_bot"], [["s1", "true"], ["s2", "false"]])
    files.csv(f"{d}/ground_truth/events.csv", ["nonsense"], [["x"]])  # never read
    report = land(parse_source(f"canonical:{files.root / d}"), landing_db, now=datetime(2024, 6, 1))
    assert report.rows["events"] == 2 and report.rows["quarantine"] == 0
    assert report.event_days == ["2024-01-01", "2024-01-02"]
    assert files.query(landing_db, "SELECT * FROM products") == [("p1", "toys", "acme", 4.0)]
    assert files.query(landing_db, "SELECT * FROM session_labels ORDER BY 1") == [("s1", True), ("s2", False)]
    second = files.query(landing_db, "SELECT event_id, event_time, price FROM events WHERE user_id = 'u2'")
    assert second[0][1:] == (datetime(2024, 1, 2, 11), None) and len(second[0][0]) == 32
    assert report.absent_tables == ["users", "reviews"]

"""Every quarantine reason with its file, row and column; nothing is ever dropped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shoplens.ingest import land, parse_source

GOOD = ["2019-10-01 00:00:00 UTC", "view", "p1", "11", "", "acme", "10.0", "u1", "s1"]


def _row(**changes: str) -> list[str]:
    header = ["event_time", "event_type", "product_id", "category_id", "category_code", "brand", "price", "user_id", "user_session"]
    values = dict(zip(header, GOOD))
    values.update(changes)
    return list(values.values())


BAD_ROWS = [  # (row, reason, column); data row n is BAD_ROWS[n - 2] after one good row
    (_row(event_time="yesterday-ish"), "unparseable time", "event_time"),
    (_row(event_type="wishlist", product_id="p2"), "unknown event type", "event_type"),
    (_row(event_type="purchase", price="-3.0"), "negative price on a purchase", "price"),
    (_row(user_id="", product_id="p3"), "null user id", "user_id"),
    (_row(event_time="2030-01-01 00:00:00 UTC"), "time in the future", "event_time"),
    (_row(price="ten", product_id="p4"), "unparseable number", "price"),
    (GOOD, "duplicate event id", "event_id"),  # exact copy of row 1
    (_row(event_time="nope", user_id=""), "unparseable time", "event_time"),  # first reason wins
]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_each_reason_with_file_row_and_column(files, landing_db: Path, suffix: str) -> None:
    path = files.rees46(f"events{suffix}", [GOOD] + [r for r, _, _ in BAD_ROWS])
    report = land(parse_source(f"rees46:{path}"), landing_db, now=files.now)
    expected = [("events", path.name, n, column, reason) for n, (_, reason, column) in enumerate(BAD_ROWS, 2)]
    assert files.quarantine(landing_db) == expected
    assert report.rows["events"] == 1
    assert report.rows["events"] + report.rows["quarantine"] == report.input_rows[str(path)]
    assert report.quarantine_by_reason["unparseable time"] == 2
    raw = files.query(landing_db, "SELECT raw_record FROM quarantine WHERE reason = 'unknown event type'")[0][0]
    assert json.loads(raw)["event_type"] == "wishlist"


def test_malformed_lines_are_quarantined_and_row_numbers_stay_right(files, landing_db: Path) -> None:
    path = files.root / "events.csv"
    lines = [",".join(files.rees46_header)]
    lines += [",".join(r) for r in files.rees46_rows[:2]]  # rows 1-2
    lines.append("2019-10-01 00:03:00 UTC,view,p9")  # row 3: too few columns
    lines.append(",".join(files.rees46_rows[2]) + ",extra,fields")  # row 4: too many
    lines += [",".join(r) for r in files.rees46_rows[3:]]  # rows 5-6
    lines.append(",".join(_row(event_type="oops")))  # row 7
    path.write_text("\n".join(lines) + "\n")
    report = land(parse_source(f"rees46:{path}"), landing_db, now=files.now)
    assert files.quarantine(landing_db) == [
        ("events", "events.csv", 3, "category_id", "malformed CSV line"),
        ("events", "events.csv", 4, None, "malformed CSV line"),
        ("events", "events.csv", 7, "event_type", "unknown event type"),
    ]
    assert report.rows["events"] == 4 and report.input_rows[str(path)] == 7
    raw = files.query(landing_db, "SELECT raw_record FROM quarantine WHERE row_number = 3")[0][0]
    assert json.loads(raw)["line"] == "2019-10-01 00:03:00 UTC,view,p9"


def test_row_numbers_follow_file_order_beyond_100k_rows(files, landing_db: Path) -> None:
    n = 150_000
    bad = {70_001, 149_999}  # unknown event types deep in the file
    path = files.root / "big.csv.gz"
    import gzip

    with gzip.open(path, "wt") as fh:
        fh.write(",".join(files.rees46_header) + "\n")
        for i in range(1, n + 1):
            kind = "bogus" if i in bad else "view"
            fh.write(f"2019-10-01 00:00:00 UTC,{kind},p{i},1,,b,1.0,u{i % 977},s{i}\n")
        fh.write("2019-10-01 00:00:00 UTC,view\n")  # row n + 1: malformed
    report = land(parse_source(f"rees46:{path}"), landing_db, now=files.now)
    rows = files.query(landing_db, "SELECT row_number, reason, raw_record FROM quarantine ORDER BY 1")
    assert [(r, why) for r, why, _ in rows] == [
        (70_001, "unknown event type"), (149_999, "unknown event type"), (n + 1, "malformed CSV line"),
    ]
    assert json.loads(rows[0][2])["product_id"] == "p70001"
    assert report.rows["events"] + report.rows["quarantine"] == n + 1 == report.input_rows[str(path)]


def test_conservation_on_a_mixed_retail_file(files, landing_db: Path) -> None:
    header = ["Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price", "Customer ID", "Country"]
    rows = [
        ["489434", "85048", "BALL", "12", "2009-12-01 07:45:00", "6.95", "13085.0", "UK"],
        ["489434", "85048", "BALL", "12", "2009-12-01 07:45:00", "6.95", "13085.0", "UK"],  # duplicate
        ["489435", "22350", "CAT", "3", "2009-12-01 07:46:00", "2.10", "", "UK"],  # no customer
        ["A506401", "B", "Adjust bad debt", "1", "2010-04-29 13:36:00", "-53594.36", "", "UK"],
        ["A506402", "B", "Adjust bad debt", "1", "2010-04-29 13:36:00", "-53594.36", "13085", "UK"],
        ["C489449", "22087", "BUNTING", "-12", "2009-12-01 10:33:00", "2.95", "16321.0", "AU"],
        ["489436", "22111", "MUG", "x", "2009-12-01 10:33:00", "2.95", "16321.0", "AU"],
    ]
    path = files.csv("retail.csv", header, rows)
    report = land(parse_source(f"online_retail:{path}"), landing_db, now=files.now)
    assert report.quarantine_by_reason == {
        "duplicate event id": 1, "negative price on a purchase": 1, "null user id": 2, "unparseable number": 1,
    }
    assert report.rows["events"] == 2
    assert report.rows["events"] + report.rows["quarantine"] == len(rows)


def test_reviews_and_products_checks(files, landing_db: Path) -> None:
    d = files.root / "canon"
    events = ["event_id", "event_time", "user_id", "event_type", "product_id"]
    files.csv("canon/events.csv", events, [["e1", "2023-05-01 10:00:00", "u1", "view", "p1"]])
    files.csv("canon/products.csv", ["product_id", "category"], [["p1", "a"], ["p1", "b"], ["", "c"]])
    files.csv("canon/reviews.csv", ["review_id", "user_id", "product_id", "rating", "text", "review_time"], [
        ["r1", "u1", "p1", "5", "great", "2023-05-02 00:00:00"],
        ["r2", "u1", "p1", "9", "", "2023-05-02 00:00:00"],
        ["r3", "u1", "p1", "4", "", "not a date"],
        ["r1", "u1", "p1", "4", "", "2023-05-03 00:00:00"],
    ])  # fmt: skip
    report = land(parse_source(f"canonical:{d}"), landing_db, now=files.now)
    assert files.quarantine(landing_db) == [
        ("products", "products.csv", 2, "product_id", "duplicate product id"),
        ("products", "products.csv", 3, "product_id", "null product id"),
        ("reviews", "reviews.csv", 2, "rating", "rating out of range"),
        ("reviews", "reviews.csv", 3, "review_time", "unparseable time"),
        ("reviews", "reviews.csv", 4, "review_id", "duplicate review id"),
    ]
    assert files.query(landing_db, "SELECT category FROM products") == [("a",)]
    assert report.rows["reviews"] == 1

"""Source specs and the clear-error cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from shoplens.ingest import SourceError, land, parse_source


def test_parse_source_splits_format_and_path(tmp_path: Path) -> None:
    src = parse_source(f"rees46:{tmp_path}")
    assert (src.format, src.path) == ("rees46", tmp_path)


def test_unknown_format_names_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="unknown source format 'shopify'.*rees46"):
        parse_source(f"shopify:{tmp_path}")


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        parse_source(f"rees46:{tmp_path / 'nope.csv'}")


def test_spec_without_format() -> None:
    with pytest.raises(SourceError, match="FORMAT:PATH"):
        parse_source("just-a-path")


def test_glob_without_match(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no file matches"):
        parse_source(f"rees46:{tmp_path}/*.csv.gz")


def test_missing_column_names_file_column_and_expected(files, landing_db: Path) -> None:
    header = [c for c in files.rees46_header if c != "user_session"]
    path = files.csv("events.csv", header, [r[:-1] for r in files.rees46_rows])
    with pytest.raises(SourceError) as err:
        land(parse_source(f"rees46:{path}"), landing_db, now=files.now)
    message = str(err.value)
    assert f"rees46: {path} lacks column 'user_session'" in message
    assert "expected columns: event_time, event_type, product_id" in message


def test_missing_column_in_parquet(files, landing_db: Path) -> None:
    header = [c for c in files.rees46_header if c != "price"]
    rows = [[v for c, v in zip(files.rees46_header, r) if c != "price"] for r in files.rees46_rows]
    path = files.parquet("events.parquet", header, rows)
    with pytest.raises(SourceError, match=f"{path} lacks column 'price'"):
        land(parse_source(f"rees46:{path}"), landing_db, now=files.now)


def test_missing_alternative_column_lists_both_names(files, landing_db: Path) -> None:
    header = ["InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice"]
    path = files.csv("retail.csv", header, [["1", "A", "1", "12/1/2010 8:26", "1.0"]])
    with pytest.raises(SourceError, match="lacks column 'Customer ID|CustomerID'"):
        land(parse_source(f"online_retail:{path}"), landing_db, now=files.now)


def test_unreadable_file(files, landing_db: Path) -> None:
    path = files.root / "events.csv.gz"
    path.write_bytes(b"this is not gzip")
    with pytest.raises(SourceError, match=f"{path}: compressed data is corrupt after line 0"):
        land(parse_source(f"rees46:{path}"), landing_db, now=files.now)


def test_olist_without_orders_file(files, landing_db: Path) -> None:
    with pytest.raises(SourceError, match="lacks olist_orders_dataset"):
        land(parse_source(f"olist:{files.root}"), landing_db, now=files.now)

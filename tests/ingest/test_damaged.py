"""Damaged files: nothing is lost without a report, and what stops a run names the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from shoplens.ingest import SourceError, land, parse_source

ROWS = 300


def _rows(n: int = ROWS) -> list[list[str]]:
    return [[f"2019-10-01 00:{i // 60:02d}:{i % 60:02d} UTC", "view", f"p{i}", "11", "", "", "1.5", f"u{i % 7}", f"s{i % 7}"]
            for i in range(n)]


@pytest.mark.parametrize("name", ["events.csv", "events.csv.gz", "events.parquet"])
def test_rows_read_equal_rows_in_the_file_for_every_compression(files, landing_db: Path, name: str) -> None:
    path = files.rees46(f"rees46/{name}", _rows())
    report = land(parse_source(f"rees46:{path}"), landing_db, now=files.now)
    assert report.input_rows == {str(path): ROWS}
    assert report.rows["events"] + report.rows["quarantine"] == ROWS and report.rows["quarantine"] == 0


def test_a_truncated_gzip_is_an_error_naming_the_file_and_where_it_ends(files, landing_db: Path) -> None:
    path = files.rees46("rees46/events.csv.gz", _rows())
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(SourceError) as error:
        land(parse_source(f"rees46:{path}"), landing_db, now=files.now)
    message = str(error.value)
    assert str(path) in message and "compressed data ends early after line" in message, message


def test_a_non_utf8_byte_quarantines_its_row_only_wherever_it_is(files, landing_db: Path) -> None:
    path = files.rees46("rees46/events.csv", _rows())
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b"view", b"vi\xe9w")  # data row 2, in the first bytes of the file
    path.write_bytes(b"\n".join(lines))
    report = land(parse_source(f"rees46:{path}"), landing_db, now=files.now)
    assert report.rows["events"] == ROWS - 1 and report.rows["quarantine"] == 1
    (table, name, row, column, reason), = files.quarantine(landing_db)
    assert (name, row) == ("events.csv", 2) and reason == "bytes the file's encoding cannot decode (utf-8; see --encoding)"


def test_an_encoding_reads_latin1_exports(files, landing_db: Path) -> None:
    path = files.root / "retail.csv"
    path.write_bytes(
        "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"
        "536365,85123A,CAFÉ MUG,6,12/1/2010 8:26,2.55,17850,España\n".encode("latin-1")
    )
    land(parse_source(f"online_retail:{path}", encoding="latin-1"), landing_db, now=files.now)
    assert files.query(landing_db, "SELECT country FROM users") == [("España",)]


def test_an_empty_file_says_so(files, landing_db: Path) -> None:
    path = files.root / "rees46" / "events.csv"
    path.parent.mkdir()
    path.touch()
    with pytest.raises(SourceError, match="file is empty") as error:
        land(parse_source(f"rees46:{path}"), landing_db, now=files.now)
    assert str(path) in str(error.value)


def test_negative_quantity_on_a_purchase_line_is_quarantined_and_cancellations_land(files, landing_db: Path) -> None:
    header = ["Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price", "Customer ID", "Country"]
    path = files.csv("retail.csv", header, [
        ["536365", "85123A", "MUG", "6", "12/1/2010 8:26", "2.55", "17850", "United Kingdom"],
        ["536366", "71053", "LANTERN", "-2", "12/1/2010 8:30", "3.39", "17850", "United Kingdom"],
        ["C536379", "85123A", "MUG", "-1", "12/2/2010 9:41", "2.55", "17850", "United Kingdom"],
    ])  # fmt: skip
    report = land(parse_source(f"online_retail:{path}"), landing_db, now=files.now)
    assert report.rows["events"] == 2
    assert files.quarantine(landing_db) == [
        ("events", "retail.csv", 2, "quantity", "non-positive quantity on a purchase or cancellation")]
    assert files.query(landing_db, "SELECT event_type, quantity FROM events ORDER BY event_time") == [
        ("purchase", 6), ("cancel", 1)]


def test_a_landing_path_with_spaces_unicode_and_an_apostrophe(files, tmp_path: Path) -> None:
    path = files.rees46()
    landing = tmp_path / "shop's data — ünï" / "landing.duckdb"
    report = land(parse_source(f"rees46:{path}"), landing, now=files.now)
    assert report.rows["events"] == len(files.rees46_rows)

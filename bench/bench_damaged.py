"""Damaged files: rows in the file beside rows read, landed and quarantined, or the error that stops the run.

    python bench/bench_damaged.py

Each case is a 300-row REES46 file (or an Online Retail II file) written here and landed
with `shoplens.ingest.land`. Results append to bench/results/damaged.jsonl.
"""

from __future__ import annotations

import csv
import gzip
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stages import append_result  # noqa: E402

from shoplens.ingest import SourceError, land, parse_source  # noqa: E402

HEADER = ["event_time", "event_type", "product_id", "category_id", "category_code", "brand", "price", "user_id", "user_session"]
ROWS = 300


def _write(path: Path, rows: int = ROWS) -> Path:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "wt", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows([f"2019-10-01 00:{i // 60:02d}:{i % 60:02d} UTC", "view", f"p{i}", "1", "", "", "1.5", f"u{i % 7}", "s"]
                         for i in range(rows))
    return path


def truncated_gzip(d: Path) -> tuple[str, int]:
    path = _write(d / "events.csv.gz")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return f"rees46:{path}", ROWS


def latin1_byte_in_row_2(d: Path) -> tuple[str, int]:
    path = _write(d / "events.csv")
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b"view", b"vi\xe9w")
    path.write_bytes(b"\n".join(lines))
    return f"rees46:{path}", ROWS


def negative_quantity_purchase(d: Path) -> tuple[str, int]:
    path = d / "retail.csv"
    path.write_text("Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"
                    + "".join(f"5{i:05d},A{i},X,{-2 if i == 150 else 1},2010-12-01 08:26:00,2.5,17850,UK\n" for i in range(ROWS)))
    return f"online_retail:{path}", ROWS


def empty_file(d: Path) -> tuple[str, int]:
    (d / "events.csv").touch()
    return f"rees46:{d / 'events.csv'}", 0


def main() -> None:
    results = []
    for case in (truncated_gzip, latin1_byte_in_row_2, negative_quantity_purchase, empty_file):
        with tempfile.TemporaryDirectory() as tmp:
            spec, in_file = case(Path(tmp))
            try:
                report = land(parse_source(spec), Path(tmp) / "landing.duckdb")
                outcome = {"read": sum(report.input_rows.values()), "landed": report.rows["events"],
                           "quarantined": report.rows["quarantine"], "reasons": report.quarantine_by_reason}
            except SourceError as error:
                outcome = {"stopped": str(error).replace(tmp, "<dir>")}
        results.append({"case": case.__name__, "rows_in_file": in_file, **outcome})
        print(json.dumps(results[-1]))
    append_result("damaged", {"bench": "damaged", "cases": results})


if __name__ == "__main__":
    main()

"""Rerun idempotence, parquet export, pseudonymisation and the real data slices."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from shoplens.ingest import export_event_days, export_tables, land, parse_source
from shoplens.schema import QUARANTINE, TABLES


def _parquet_schema(path: Path) -> list[tuple[str, str]]:
    with duckdb.connect() as con:
        return [(r[0], r[1]) for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{path}', hive_partitioning=false)").fetchall()]


def test_rerun_of_land_and_export_never_duplicates(files, landing_db: Path) -> None:
    src = parse_source(f"rees46:{files.rees46()}")
    raw = files.root / "raw"
    counts = []
    for _ in range(2):
        report = land(src, landing_db, now=files.now)
        by_day = export_event_days(landing_db, raw, report.event_days)
        tables = export_tables(landing_db, raw)
        counts.append((report.rows, by_day, tables))
    assert counts[0] == counts[1]
    assert counts[0][1] == {"2019-10-01": 3, "2019-10-02": 2}
    written = sorted(p.relative_to(raw).as_posix() for p in raw.rglob("*.parquet"))
    assert written == [
        "events/event_date=2019-10-01/events.parquet", "events/event_date=2019-10-02/events.parquet",
        "products.parquet", "quarantine.parquet", "reviews.parquet", "session_labels.parquet", "users.parquet",
    ]  # fmt: skip


def test_export_types_and_empty_optional_tables(files, landing_db: Path) -> None:
    report = land(parse_source(f"rees46:{files.rees46()}"), landing_db, now=files.now)
    raw = files.root / "raw"
    export_event_days(landing_db, raw, report.event_days)
    counts = export_tables(landing_db, raw)
    assert counts == {"products": 2, "users": 2, "reviews": 0, "session_labels": 0, "quarantine": 0}
    event_file = raw / "events" / "event_date=2019-10-01" / "events.parquet"
    assert _parquet_schema(event_file) == list(TABLES["events"].items())
    for table in ("products", "users", "reviews", "session_labels"):
        assert _parquet_schema(raw / f"{table}.parquet") == list(TABLES[table].items())
    assert _parquet_schema(raw / "quarantine.parquet") == list(QUARANTINE.items())


def test_landing_db_tables(files, landing_db: Path) -> None:
    land(parse_source(f"rees46:{files.rees46()}"), landing_db, now=files.now)
    tables = {t for (t,) in files.query(landing_db, "SELECT table_name FROM information_schema.tables")}
    assert tables == {*TABLES, "quarantine"}
    cols = files.query(landing_db, "SELECT column_name, data_type FROM information_schema.columns "
                       "WHERE table_name = 'events' ORDER BY ordinal_position")
    assert cols == [*TABLES["events"].items(), ("event_date", "DATE")]


def test_pseudonymisation_is_consistent_across_tables(files, landing_db: Path) -> None:
    d = files.root / "canon"
    files.csv("canon/events.csv", ["event_id", "event_time", "user_id", "event_type", "product_id"], [
        ["e1", "2023-05-01 10:00:00", "alice", "view", "p1"],
        ["e2", "2023-05-01 11:00:00", "bob", "view", "p1"],
        ["e3", "not a time", "carol", "view", "p1"],
    ])  # fmt: skip
    files.csv("canon/users.csv", ["user_id", "first_seen", "country", "email", "name", "address"], [
        ["alice", "2023-01-01 00:00:00", "DE", "alice@example.com", "Alice A", "1 Main St"],
    ])  # fmt: skip
    files.csv("canon/reviews.csv", ["review_id", "user_id", "product_id", "rating", "text", "review_time"],
              [["r1", "alice", "p1", "5", "ok", "2023-05-02 00:00:00"]])  # fmt: skip
    land(parse_source(f"canonical:{d}"), landing_db, pseudonymise_key="secret", now=files.now)
    ev = dict(files.query(landing_db, "SELECT event_id, user_id FROM events"))
    users = {u for (u,) in files.query(landing_db, "SELECT user_id FROM users")}
    review_user = files.query(landing_db, "SELECT user_id FROM reviews")[0][0]
    assert ev["e1"] not in ("alice", "bob") and len(ev["e1"]) == 20
    assert users == {ev["e1"], ev["e2"]} and review_user == ev["e1"]
    user_cols = [c for (c,) in files.query(landing_db, "SELECT column_name FROM information_schema.columns WHERE table_name = 'users'")]
    assert user_cols == list(TABLES["users"])
    dump = json.dumps(files.query(landing_db, "SELECT * FROM quarantine"))
    assert "carol" not in dump  # raw records carry the pseudonym, too
    everything = " ".join(str(r) for t in [*TABLES, "quarantine"] for r in files.query(landing_db, f"SELECT * FROM {t}"))
    for secret in ("alice", "bob", "example.com", "Main St"):
        assert secret not in everything
    # a different key gives different ids; no key passes ids through
    land(parse_source(f"canonical:{d}"), landing_db, now=files.now)
    assert {u for (u,) in files.query(landing_db, "SELECT user_id FROM events")} == {"alice", "bob"}
    assert files.query(landing_db, "SELECT count(*) FROM information_schema.columns WHERE column_name = 'email'") == [(0,)]


def test_real_rees46_slice(shared_data: Path, landing_db: Path, files) -> None:
    path = shared_data / "rees46" / "2019-Oct_head.csv"
    report = land(parse_source(f"rees46:{path}"), landing_db, now=files.now)
    assert report.input_rows[str(path)] == 17_434
    assert report.rows["events"] + report.rows["quarantine"] == 17_434
    assert set(report.quarantine_by_reason) <= {"duplicate event id"}  # exact duplicate rows only
    types = {t for (t,) in files.query(landing_db, "SELECT DISTINCT event_type FROM events")}
    assert types == {"view", "cart", "purchase"}
    assert report.rows["users"] == 4_504 and report.rows["products"] == 6_493
    assert report.event_days == ["2019-10-01"]


def test_real_olist_slice(shared_data: Path, landing_db: Path, files) -> None:
    report = land(parse_source(f"olist:{shared_data / 'olist'}"), landing_db, now=files.now)
    orders = files.query(landing_db, "SELECT count(DISTINCT order_id) FROM events")[0][0]
    no_items = report.quarantine_by_reason.get("order without items", 0)
    assert orders + no_items == 4_000
    assert report.rows["reviews"] > 3_900 and "reviews" not in report.absent_tables
    english = files.query(landing_db, "SELECT count(*) FROM products WHERE category = 'health_beauty'")[0][0]
    assert english > 0
    items = report.input_rows[str(shared_data / "olist" / "olist_order_items_dataset.csv")]
    item_quarantine = files.query(landing_db, "SELECT count(*) FROM quarantine WHERE source_file LIKE '%order_items%'")[0][0]
    assert report.rows["events"] + item_quarantine == items

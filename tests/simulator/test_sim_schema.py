"""Every table the simulator writes has exactly the canonical columns, order and types."""

from __future__ import annotations

import json

import numpy as np
import pytest

from shoplens.schema import TABLES
from simulator import SimConfig
from simulator.output import GROUND_TRUTH, format_ids


def _columns(con, view: str) -> dict[str, str]:
    return {row[0]: row[1] for row in con.sql(f"describe {view}").fetchall()}


@pytest.mark.parametrize("table", sorted(TABLES))
def test_canonical_tables_match_schema(tiny_db, table):
    view = {"session_labels": "labels"}.get(table, table)
    assert _columns(tiny_db, view) == TABLES[table]
    assert list(_columns(tiny_db, view)) == list(TABLES[table])


@pytest.mark.parametrize("name", sorted(GROUND_TRUTH))
def test_ground_truth_tables_match_their_schema(tiny_db, name):
    assert list(_columns(tiny_db, name).items()) == list(GROUND_TRUTH[name].items())


def test_layout_and_ids(tiny_run, tiny_db):
    cfg, out, summary = tiny_run
    days = sorted(p.parent.name for p in (out / "events").glob("*/events.parquet"))
    assert days == [f"event_date=2024-01-{d:02d}" for d in range(1, cfg.days + 1)]
    n, n_unique = tiny_db.sql("select count(*), count(distinct event_id) from events").fetchone()
    assert n == n_unique == summary.events
    assert tiny_db.sql("select count(*) from users").fetchone()[0] == summary.users == cfg.users
    assert tiny_db.sql("select count(*) from products").fetchone()[0] == cfg.n_products
    # every event of a day lies in that day and files are sorted by event_time
    bad = tiny_db.sql(f"""select count(*) from read_parquet('{out}/events/*/*.parquet', hive_partitioning=true)
                          where event_time::date <> event_date::date""").fetchone()[0]
    assert bad == 0
    import pyarrow.parquet as pq
    for f in (out / "events").glob("*/events.parquet"):
        t = pq.read_table(f, columns=["event_time"])["event_time"].to_numpy()
        assert (np.diff(t.astype(np.int64)) >= 0).all()
    # order ids only on purchases; ids look like the documented prefixes
    assert tiny_db.sql("select count(*) from events where (order_id is null) = (event_type = 'purchase')").fetchone()[0] == 0
    row = tiny_db.sql("select event_id, user_id, session_id, product_id from events limit 1").fetchone()
    assert [v[0] for v in row] == ["e", "u", "s", "p"]
    assert json.loads((out / "ground_truth" / "drift.json").read_text()) is None
    assert json.loads((out / "ground_truth" / "config.json").read_text())["users"] == cfg.users


def test_every_session_is_labelled(tiny_db):
    missing = tiny_db.sql("select count(distinct session_id) from events anti join labels using (session_id)").fetchone()[0]
    assert missing == 0
    assert tiny_db.sql("select count(*) - count(distinct session_id) from labels").fetchone()[0] == 0


def test_bots_not_in_users(tiny_db):
    assert tiny_db.sql("select count(*) from bot_sessions semi join users using (user_id)").fetchone()[0] == 0


def test_format_ids():
    assert format_ids("u", np.array([0, 42, 999999]), 6).to_pylist() == ["u000000", "u000042", "u999999"]
    with pytest.raises(ValueError):
        format_ids("u", np.array([10**6]), 6)


@pytest.mark.parametrize("width", [1, 3, 4, 5, 9, 10, 12])
def test_format_ids_at_every_width_four_digits_at_a_time(width):
    numbers = np.concatenate([[0, 10**width - 1], np.random.default_rng(width).integers(0, 10**width, 200)])
    assert format_ids("ab", numbers, width).to_pylist() == [f"ab{n:0{width}d}" for n in numbers]
    assert format_ids("", numbers, width).to_pylist() == [f"{n:0{width}d}" for n in numbers]


def test_config_validation():
    with pytest.raises(ValueError):
        SimConfig(days=10, drift_day=10)
    with pytest.raises(ValueError):
        SimConfig(drift_kinds=("weather",))

"""Drift is visible from its recorded day; the same seed gives byte-identical files."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from simulator import SimConfig, simulate


def test_drift_json_records_day_and_parameters(drift_run):
    cfg, out, _ = drift_run
    drift = json.loads((out / "ground_truth" / "drift.json").read_text())
    assert drift["drift_day"] == cfg.drift_day
    assert drift["drift_date"] == (cfg.start_date + timedelta(days=cfg.drift_day)).isoformat()
    assert drift["price"]["price_level_after"] == pytest.approx(1.25)
    assert len(drift["category"]["boosted_categories"]) == 3
    assert drift["cohort"]["n_users"] > 0


def test_price_shift_of_25_percent(drift_db, drift_run):
    cfg = drift_run[0]
    cut = cfg.start_date + timedelta(days=cfg.drift_day)
    # per product, paid price over list price is exactly the price level
    lv = dict(drift_db.sql(f"""select e.event_time >= date '{cut}', avg(e.price / p.price)
                              from events e join products p using (product_id) group by 1""").fetchall())
    assert lv[False] == pytest.approx(1.0, abs=0.01) and lv[True] == pytest.approx(1.25, abs=0.01)
    mean = dict(drift_db.sql(f"select event_time >= date '{cut}', avg(price) from h where event_type = 'view' group by 1").fetchall())
    assert 1.1 < mean[True] / mean[False] < 1.45


def test_category_mix_and_cohort_shift(drift_db, drift_run):
    cfg, out, _ = drift_run
    cut = cfg.start_date + timedelta(days=cfg.drift_day)
    boosted = json.loads((out / "ground_truth" / "drift.json").read_text())["category"]["boosted_categories"]
    share = dict(drift_db.sql(f"""select h.event_time >= date '{cut}', avg((p.category in {tuple(boosted)})::int)
                                 from h join products p using (product_id) where event_type = 'view' group by 1""").fetchall())
    assert share[True] > 1.5 * share[False]
    arrivals = dict(drift_db.sql(f"""select first_seen >= date '{cut}', count(*) from users
                                    where first_seen >= date '{cfg.start_date}' group by 1""").fetchall())
    assert arrivals[True] > 1.5 * arrivals[False]  # arrival rate doubles in the second half
    low = drift_db.sql("select avg(intent_logit) filter (where is_cohort) < avg(intent_logit) filter (where not is_cohort) - 1 "
                       "from user_factors").fetchone()[0]
    assert low


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_different_seed_different(tmp_path):
    cfg = SimConfig(users=400, days=9, seed=21, drift_day=4)
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    sa, sb = simulate(cfg, a), simulate(cfg, b)
    simulate(SimConfig(users=400, days=9, seed=22, drift_day=4), c)
    fa, fb, fc = _files(a), _files(b), _files(c)
    assert fa == fb
    for name in ("user_product_cutoffs", "staples"):
        path = f"ground_truth/{name}.parquet"
        assert pq.read_metadata(a / path).num_rows > 0 and fa[path] != fc[path]
    assert (sa.events, sa.reviews) == (sb.events, sb.reviews)
    assert fa["events/event_date=2024-01-02/events.parquet"] != fc["events/event_date=2024-01-02/events.parquet"]


def test_oracles_off_same_files_without_the_cutoffs_truth(tmp_path):
    cfg = SimConfig(users=400, days=9, seed=21, drift_day=4)
    simulate(cfg, tmp_path / "on")
    simulate(dataclasses.replace(cfg, oracles=False), tmp_path / "off")
    on, off = _files(tmp_path / "on"), _files(tmp_path / "off")
    cutoffs_truth = {f"ground_truth/{name}.parquet" for name in ("user_cutoffs", "user_product_cutoffs", "top_preferences")}
    assert set(on) - set(off) == cutoffs_truth and set(off) <= set(on)
    assert {name for name in off if on[name] != off[name]} == {"ground_truth/config.json"}  # it records oracles

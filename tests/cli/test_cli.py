"""`shoplens` as a user runs it: a fresh process, its own data directory, real data."""

import argparse
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from shoplens.settings import without_settings

SHOPLENS = str(Path(sys.executable).parent / "shoplens")
REES46 = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "rees46" / "2019-Oct_head.csv"


def shoplens(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    """A fresh `shoplens --data-dir DATA_DIR ...` process; no ShopLens variable of ours leaks in."""
    env = without_settings(os.environ)
    return subprocess.run([SHOPLENS, "--data-dir", str(data_dir), *args], env=env, capture_output=True, text=True,
                          timeout=600)


def test_simulate_writes_a_canonical_source_with_ground_truth(tmp_path):
    out = tmp_path / "shop"
    done = shoplens("simulate", "--users", "200", "--days", "8", "--seed", "5", "--out", str(out), data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    days = sorted(p.name for p in (out / "events").iterdir())
    assert days[0] == "event_date=2024-01-01" and len(days) == 8
    assert (out / "ground_truth" / "user_cutoffs.parquet").exists()


def test_every_option_says_what_it_does_and_shows_its_default():
    from apps.cli import parser

    main = parser()
    [commands] = [a for a in main._actions if isinstance(a, argparse._SubParsersAction)]
    for command in [main, *commands.choices.values()]:
        for action in command._actions:
            if action.help != argparse.SUPPRESS and not isinstance(action, argparse._SubParsersAction):
                assert action.help, f"{command.prog} {action.dest} has no description"
    assert "(default: 5000)" in commands.choices["simulate"].format_help()
    assert "--data-dir" in main.format_help() and set(commands.choices) >= {"demo", "run", "ui", "scenario"}


def test_version_and_help_need_no_data_directory(tmp_path):
    done = shoplens("--version", data_dir=tmp_path / "none")
    assert done.returncode == 0 and done.stdout.startswith("shoplens 0.1.0")
    assert not (tmp_path / "none").exists()


def test_a_missing_column_stops_the_run_with_one_clear_message(tmp_path):
    bad = tmp_path / "events.csv"
    pd.DataFrame({"event_time": ["2019-10-01 00:00:00 UTC"], "event_type": ["view"], "product_id": [1],
                  "category_id": [2], "category_code": ["x"], "brand": ["b"], "price": [1.0],
                  "user_id": [3]}).to_csv(bad, index=False)
    done = shoplens("run", "--source", f"rees46:{bad}", data_dir=tmp_path)
    assert done.returncode != 0
    message = done.stderr.strip().splitlines()
    assert "user_session" in message[0] and str(bad) in message[0], message
    assert len(message) == 2 and str(tmp_path / "shoplens.log") in message[1]  # the traces are in the log file
    assert "raise SourceError(" in (tmp_path / "shoplens.log").read_text()


@pytest.mark.parametrize("source, says", [
    ("nope:/data/x.csv", "unknown source format 'nope'"),
    ("rees46:/no/such/file.csv", "path /no/such/file.csv does not exist"),
    ("rees46", "is not FORMAT:PATH"),
])
def test_a_bad_source_spec_is_one_line_without_a_traceback(tmp_path, source, says):
    done = shoplens("run", "--source", source, data_dir=tmp_path)
    assert done.returncode != 0
    assert says in done.stderr.splitlines()[0] and "Traceback" not in done.stderr, done.stderr


def test_an_empty_file_is_reported_as_empty(tmp_path):
    empty = tmp_path / "events.csv"
    empty.touch()
    done = shoplens("run", "--source", f"rees46:{empty}", data_dir=tmp_path)
    assert done.returncode != 0 and f"{empty}: file is empty" in done.stderr.splitlines()[0], done.stderr


@pytest.mark.slow
@pytest.mark.skipif(not REES46.exists(), reason="../shared/data (real REES46 slice) is absent")
def test_real_rees46_slice_through_the_whole_graph(tmp_path):
    done = shoplens("run", "--source", f"rees46:{REES46}", data_dir=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "quarantined;" in done.stdout and "generated a pseudonymisation key" in done.stdout
    lines = done.stdout.splitlines()
    assert len(lines) < 60 and lines[-8] == "  open the UIs:" and "serve" in lines[-3] and lines[-1].startswith("  log: "), done.stdout
    assert "\n  rows: " in done.stdout and "not done, and why:" in done.stdout
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        users, sessions = con.execute("select count(*), sum(n_sessions) from "
                                      "(select user_id, count(*) as n_sessions from fct_sessions group by 1)").fetchone()
        raw_ids = set(pd.read_csv(REES46, usecols=["user_id"])["user_id"].astype(str))
        hashed = {row[0] for row in con.execute("select user_id from dim_users").fetchall()}
        assert not hashed & raw_ids  # pseudonymised before anything was written
        assert users > 4000 and sessions >= 5000  # 4,504 users, 5,066 source sessions in the slice
        # three hours of data: too short for any 7- or 30-day label, so labels stay empty
        assert con.execute("select count(*) from labels").fetchone()[0] == 0
        assert con.execute("select count(*) from funnel_daily").fetchone()[0] == 1
        assert con.execute("select count(distinct user_id) from recommendations").fetchone()[0] > 4000
        assert con.execute("select count(*) from user_segments").fetchone()[0] > 4000
    assert "recommender_model: 0 weekly cutoffs with a full next week" in done.stdout
    assert "clv_model: 1 day of data (2019-10-01..2019-10-01); CLV needs 21 days" in done.stdout
    assert "sentiment_model: the source has no reviews" in done.stdout
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        scored, flagged = con.execute("select count(*), count_if(flagged) from suspicious_sessions").fetchone()
    assert scored >= 5000 and 0 < flagged < 0.1 * scored  # one day: the isolation forest, fitted on every session

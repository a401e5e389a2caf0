"""What the CLV model reads from a small hand-made warehouse, against hand-computed purchase days and summaries."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import numpy as np
import pandas as pd
import pytest

from ml.clv.data import Window, load_purchase_days, load_window, purchases_between, rfm_summary

START, END = date(2024, 1, 1), date(2024, 3, 31)

# order_id, user_id, session, order time, cancellation, revenue
ORDERS = [
    ("o1", "u1", "s1", datetime(2024, 1, 5, 8, 0), False, 10.0),
    ("o2", "u1", "s2", datetime(2024, 1, 5, 23, 30), False, 5.0),  # the same day as o1: one purchase day of 15
    ("o3", "u1", "s3", datetime(2024, 1, 12, 12, 0), False, 20.0),
    ("o4", "u1", "s4", datetime(2024, 1, 20, 12, 0), True, -20.0),  # a cancellation: no purchase day
    ("o5", "u1", "s5", datetime(2024, 1, 26, 12, 0), False, 40.0),
    ("o6", "u1", "s6", datetime(2024, 2, 2, 12, 0), False, 30.0),
    ("o7", "u1", "s7", datetime(2024, 2, 7, 12, 0), False, 10.0),
    ("o8", "u2", "s8", datetime(2023, 12, 30, 12, 0), False, 99.0),  # before the data start: left out, and counted
    ("o9", "u2", "s9", datetime(2023, 12, 31, 12, 0), True, -99.0),  # a cancellation before the start: not counted
    ("o10", "u2", "s10", datetime(2024, 1, 10, 12, 0), False, 8.0),
    ("o11", "u2", "s11", datetime(2024, 2, 1, 9, 0), False, 12.0),
    ("o12", "u2", "s12", datetime(2024, 2, 20, 12, 0), False, 6.0),
    ("o13", "u3", "s13", datetime(2024, 1, 15, 12, 0), False, 50.0),  # a bot session: left out
    ("o14", "u4", "s-unlabelled", datetime(2024, 1, 31, 18, 0), False, 7.0),  # not an excluded session: a human's
    ("o15", "u4", "s15", datetime(2024, 2, 8, 0, 0), False, 9.0),
    ("o16", "u5", "s16", datetime(2024, 2, 3, 12, 0), False, 25.0),
    ("o17", "u5", "s17", datetime(2024, 4, 2, 12, 0), False, 25.0),  # after the data end: left out
]
BOT_SESSIONS = {"s13"}


def _warehouse(path, orders, has_prices: bool = True):
    path.parent.mkdir(parents=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create table int_data_window (first_event_date date, last_event_date date, data_start_date date,"
                    " data_end_date date, has_prices boolean, has_cancellations boolean)")
        # the mart's one row: its dates NULL when the source has no events
        con.execute("insert into int_data_window values (?, ?, ?, ?, ?, ?)",
                    [date(2023, 12, 30), date(2024, 4, 2), START, END, has_prices, True] if orders else [None] * 6)
        con.execute("create table fct_orders (order_key varchar, order_id varchar, user_id varchar, session_key varchar,"
                    " order_time timestamp, order_date timestamp, is_cancellation boolean, n_items integer,"
                    " n_units double, revenue double)")
        con.execute("create table excluded_sessions (session_key varchar, labelled_bot boolean, flagged boolean,"
                    " flag_reason varchar)")
        if orders:
            con.executemany("insert into fct_orders values (?, ?, ?, ?, ?, date_trunc('day', ?::timestamp), ?, 1, 1.0, ?)",
                            [[f"k-{o}", o, u, s, t, t, c, v if has_prices else None] for o, u, s, t, c, v in orders])
            con.executemany("insert into excluded_sessions values (?, true, false, null)",
                            [[s] for _, _, s, *_ in orders if s in BOT_SESSIONS])
    return path


@pytest.fixture
def warehouse(tmp_path):
    return _warehouse(tmp_path / "shop's data — ü" / "warehouse.duckdb", ORDERS)


def test_window(warehouse, tmp_path):
    assert load_window(warehouse) == Window(START, END, True)
    assert load_window(warehouse, until=date(2024, 2, 29)) == Window(START, date(2024, 2, 29), True)
    assert load_window(warehouse).days == 91
    assert load_window(_warehouse(tmp_path / "empty" / "w.duckdb", [])) is None


def test_purchase_days(warehouse):
    days, before = load_purchase_days(warehouse, load_window(warehouse))
    expected = pd.DataFrame(
        [("u1", "2024-01-05", 15.0), ("u1", "2024-01-12", 20.0), ("u1", "2024-01-26", 40.0), ("u1", "2024-02-02", 30.0),
         ("u1", "2024-02-07", 10.0), ("u2", "2024-01-10", 8.0), ("u2", "2024-02-01", 12.0), ("u2", "2024-02-20", 6.0),
         ("u4", "2024-01-31", 7.0), ("u4", "2024-02-08", 9.0), ("u5", "2024-02-03", 25.0)],
        columns=["user_id", "day", "value"]).astype({"day": "datetime64[us]"})
    pd.testing.assert_frame_equal(days, expected, check_dtype=False)
    assert before == 1


def test_no_prices_gives_nan_values(tmp_path):
    warehouse = _warehouse(tmp_path / "no prices" / "w.duckdb", ORDERS, has_prices=False)
    window = load_window(warehouse)
    days, _ = load_purchase_days(warehouse, window)
    assert not window.has_prices and len(days) == 11 and days["value"].isna().all()
    assert rfm_summary(days, date(2024, 2, 1))["monetary_value"].isna().all()


def test_rfm_summary(warehouse):
    days, _ = load_purchase_days(warehouse, load_window(warehouse))
    summary = rfm_summary(days, date(2024, 2, 1))  # purchases before Feb 1: u5 has none, u2's Feb 1 is outside
    expected = pd.DataFrame({
        "user_id": ["u1", "u2", "u4"],
        "frequency": [2, 0, 0],
        "recency": [21.0, 0.0, 0.0],  # u1: Jan 5 -> Jan 26
        "T": [27.0, 22.0, 1.0],  # to Feb 1 from Jan 5, Jan 10, Jan 31
        "monetary_value": [30.0, np.nan, np.nan],  # u1: the mean of the repeat days (20 and 40), not the first (15)
    })
    pd.testing.assert_frame_equal(summary, expected, check_dtype=False)


def test_purchases_between(warehouse):
    days, _ = load_purchase_days(warehouse, load_window(warehouse))
    # [Feb 1, Feb 8): u1 Feb 2 and Feb 7, u2 Feb 1, u5 Feb 3; u4's Feb 8 is the first day after
    assert purchases_between(days, date(2024, 2, 1), 7).to_dict() == {"u1": 2, "u2": 1, "u5": 1}
    assert purchases_between(days, date(2024, 2, 1), 8).to_dict() == {"u1": 2, "u2": 1, "u4": 1, "u5": 1}

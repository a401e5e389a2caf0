"""The flagged-share check's rule, on hand-made days: a jump is over twice the median and two points above it, on a
day big enough to tell."""

import pandas as pd
import pytest

from orchestration.risk.checks import flagged_share_jump


def _days(shares: list[float], sessions: int = 500) -> pd.DataFrame:
    return pd.DataFrame({"session_date": pd.date_range("2024-01-01", periods=len(shares)).date, "sessions": sessions,
                         "flagged_share": shares})


@pytest.mark.parametrize(("newest", "jumped"), [(0.02, False), (0.045, False), (0.061, True), (0.30, True)])
def test_a_jump_is_twice_the_median_and_two_points_above_it(newest, jumped):
    jump = flagged_share_jump(_days([0.02, 0.03] * 10 + [0.025, newest]))  # the 14 days before: median 0.025 ... 0.03
    assert jump["jumped"] is jumped and jump["observed"] == newest and jump["day"] == "2024-01-22"
    assert jump["threshold"] == max(2 * jump["baseline_median"], jump["baseline_median"] + 0.02)


def test_from_nothing_a_small_share_is_no_jump_but_a_big_one_is():
    assert not flagged_share_jump(_days([0.0] * 5 + [0.015]))["jumped"]
    assert flagged_share_jump(_days([0.0] * 5 + [0.05]))["jumped"]


def test_a_small_day_is_not_judged():
    assert not flagged_share_jump(_days([0.0] * 5 + [0.05], sessions=20))["jumped"]  # one session of 20

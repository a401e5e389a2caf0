"""load_segment_features on a real DuckDB file written here: the day chosen, the imputation rules, odd paths."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from ml.segments.features import SEGMENT_FEATURES, load_segment_features

COLUMNS = (
    "user_id varchar, feature_date date, feature_timestamp timestamp, orders_365d bigint, spend_365d double, tenure_days bigint, "
    "days_since_last_event bigint, days_since_last_purchase bigint, distinct_categories_30d bigint, cart_abandonment_rate_30d double, "
    "mean_session_minutes_30d double, mean_review_rating double, sessions_30d bigint, purchase_days_365d bigint"
)
# user, day, orders, spend, tenure, since last purchase, categories, abandonment, session minutes, rating
ROWS = [
    ("a", "2024-03-01", 1, 20.0, 5, 2, 3, 0.5, 4.0, 4.0),
    ("b", "2024-03-01", 0, 0.0, 1, None, 1, None, None, None),
    ("a", "2024-03-02", 2, 50.0, 6, 0, 4, None, 6.0, 5.0),
    ("b", "2024-03-02", 0, 0.0, 2, None, 2, 1.0, None, None),
    ("c", "2024-03-02", 1, None, 0, 0, 1, 0.0, 2.0, 3.0),
]


def _warehouse(path, rows=ROWS):
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute(f"create table user_features_daily ({COLUMNS})")
        for user, day, orders, spend, tenure, since, cats, abandon, minutes, rating in rows:
            con.execute(
                "insert into user_features_daily values (?, ?::date, ?::date + interval 1 day, ?, ?, ?, 0, ?, ?, ?, ?, ?, 1, ?)",
                [user, day, day, orders, spend, tenure, since, cats, abandon, minutes, rating, orders],
            )
    return path


@pytest.fixture
def warehouse(tmp_path):
    return _warehouse(tmp_path / "shop's data" / "warehouse.duckdb")


def test_newest_day_by_default_and_imputation(warehouse):
    features = load_segment_features(warehouse).set_index("user_id")
    assert list(features.columns) == list(SEGMENT_FEATURES) and list(features.index) == ["a", "b", "c"]
    assert features.loc["a"].to_dict() == {
        "recency_days": 0.0,
        "frequency": 2.0,
        "monetary": 50.0,
        "tenure_days": 6.0,
        "categories": 4.0,
        "cart_abandonment": 0.0,
        "session_minutes": 6.0,
        "review_rating": 5.0,
    }
    never = features.loc["b"]
    assert never["recency_days"] == 3.0  # tenure 2 + 1
    assert never["session_minutes"] == 0.0 and never["cart_abandonment"] == 1.0
    assert never["review_rating"] == 4.0  # the mean of a's 5 and c's 3
    assert features.loc["c", "monetary"] == 0.0  # no price
    assert not features.isna().any().any()


def test_as_of_picks_that_day(warehouse):
    features = load_segment_features(warehouse, date(2024, 3, 1)).set_index("user_id")
    assert list(features.index) == ["a", "b"]
    assert features.loc["a", "frequency"] == 1.0 and features.loc["b", "recency_days"] == 2.0
    assert features.loc["b", "cart_abandonment"] == 0.0 and features.loc["b", "review_rating"] == 4.0


def test_nobody_reviewed_gives_zero(tmp_path):
    rows = [(u, "2024-03-01", 1, 10.0, 3, 1, 1, 0.0, 1.0, None) for u in "xyz"]
    features = load_segment_features(_warehouse(tmp_path / "w.duckdb", rows))
    assert (features["review_rating"] == 0.0).all()


def test_a_day_without_rows_is_an_error(warehouse):
    with pytest.raises(ValueError, match="2024-03-01 to 2024-03-02"):
        load_segment_features(warehouse, date(2024, 4, 1))


def test_opens_read_only(warehouse):
    # Within one process DuckDB shares a file's instance and refuses a connection with other settings:
    # a read-write loader would share the writer's, a read-only one is refused.
    with duckdb.connect(str(warehouse)), pytest.raises(duckdb.ConnectionException, match="different configuration"):
        load_segment_features(warehouse)

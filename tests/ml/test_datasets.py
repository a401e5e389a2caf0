import pytest

from ml.datasets import TooLittleData, feature_columns, time_split

LABEL = "purchased_next_7d"


def test_split_is_by_time(frame):
    split = time_split(frame, LABEL)
    train, valid, test = (set(split.cutoffs(part)) for part in ("train", "valid", "test"))
    assert not (train & valid or train & test or valid & test)
    assert len(valid) == len(test) == 1
    assert max(train) < min(valid) < min(test)
    assert min(test) == frame["event_timestamp"].max()
    assert len(split.train) + len(split.valid) + len(split.test) == len(frame)


def test_three_cutoffs_split_one_each(frame):
    cutoffs = sorted(frame["event_timestamp"].unique())
    split = time_split(frame[frame["event_timestamp"].isin(cutoffs[:3])], LABEL)
    assert [len(split.cutoffs(part)) for part in ("train", "valid", "test")] == [1, 1, 1]


def test_too_few_cutoffs_raise(frame):
    two = frame[frame["event_timestamp"] >= sorted(frame["event_timestamp"].unique())[-2]]
    with pytest.raises(TooLittleData, match="2 mature label cutoff"):
        time_split(two, LABEL)


def test_feature_columns_exclude_ids_time_label(frame):
    features = feature_columns(frame, LABEL)
    assert features == ["views_7d", "carts_7d", "purchases_7d", "days_since_last_purchase", "mean_review_rating", "noise"]
    split = time_split(frame, LABEL)
    assert list(split.X_train.columns) == features
    assert set(split.y_test.unique()) <= {0, 1}

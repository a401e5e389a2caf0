"""fit_segments on planted populations: recovery, the silhouette's k, determinism, ids stable across refits."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from ml.segments.features import SEGMENT_FEATURES
from ml.segments.model import SegmentParams, TooFewUsers, fit_segments
from ml.segments.report import adjusted_rand
from tests.ml.segments.population import population

PARAMS = SegmentParams(n_init=4)
FOUR = {"loyal": 150, "dormant": 300, "newcomer": 250, "bargain": 200}


@pytest.fixture(scope="module")
def planted() -> pd.DataFrame:
    return population(FOUR, seed=0)


@pytest.fixture(scope="module")
def first(planted):
    return fit_segments(planted, PARAMS)


def _truth(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[["user_id"]].assign(true_type=frame["group"])


def _id_by_group(fit, frame: pd.DataFrame) -> dict[str, int]:
    """The segment id most of each planted group's users are assigned to."""
    assigned = fit.segmenter.assign(frame).assign(group=frame["group"].to_numpy())
    return assigned.groupby("group")["segment_id"].agg(lambda s: s.mode().iloc[0]).to_dict()


def test_recovers_the_planted_groups_with_the_true_k(first, planted):
    ari, compared = adjusted_rand(first.segmenter.assign(planted), _truth(planted))
    assert ari > 0.9 and compared == len(planted)
    assert first.k == 4 and max(first.silhouette_by_k, key=first.silhouette_by_k.get) == 4
    assert set(first.silhouette_by_k) == set(range(3, 9)) and first.silhouette == first.silhouette_by_k[4]


def test_first_fit_numbers_segments_by_descending_size(first, planted):
    assert first.segmenter.segment_ids == [0, 1, 2, 3]
    assert _id_by_group(first, planted) == {"dormant": 0, "newcomer": 1, "bargain": 2, "loyal": 3}
    assert (first.matching["status"] == "new").all() and first.matching["previous_segment_id"].isna().all()
    assert first.retired == []


def test_two_fits_of_the_same_data_agree(first, planted):
    again = fit_segments(planted, PARAMS)
    assert again.segmenter.segment_ids == first.segmenter.segment_ids and again.segmenter.names == first.segmenter.names
    np.testing.assert_array_equal(again.segmenter.centroids, first.segmenter.centroids)


def test_names_follow_the_planted_behaviour(first, planted):
    names = dict(zip(first.segmenter.segment_ids, first.segmenter.names))
    by_group = {group: names[i] for group, i in _id_by_group(first, planted).items()}
    assert by_group == {"loyal": "loyal high spenders", "dormant": "dormant", "newcomer": "new browsers", "bargain": "bargain hunters"}


def test_centroid_table_is_in_raw_units(first, planted):
    table = first.segmenter.centroid_table().set_index("segment_id")
    assert list(table.columns) == ["segment_name", *SEGMENT_FEATURES]
    loyal = _id_by_group(first, planted)["loyal"]
    # The centroid of log1p values is the geometric-like mean: near the planted 2000 and 20 of the loyal profile.
    assert 1500 < table.loc[loyal, "monetary"] < 2500 and 15 < table.loc[loyal, "frequency"] < 25


def test_a_perturbed_refit_keeps_the_ids(first, planted):
    shuffled = population(FOUR, seed=1).sample(frac=1.0, random_state=3).reset_index(drop=True)
    refit = fit_segments(shuffled, PARAMS, previous=first.segmenter)
    assert _id_by_group(refit, shuffled) == _id_by_group(first, planted)
    assert (refit.matching["status"] == "matched").all() and refit.retired == []
    assert (refit.matching["previous_segment_id"] == refit.matching["segment_id"]).all()
    assert (refit.matching["distance"] < PARAMS.max_match_distance).all()


def test_a_dropped_group_retires_its_id_and_a_new_one_gets_the_next(first, planted):
    changed = population({"loyal": 150, "dormant": 300, "newcomer": 250, "binger": 200}, seed=2)
    refit = fit_segments(changed, PARAMS, previous=first.segmenter)
    before, after = _id_by_group(first, planted), _id_by_group(refit, changed)
    assert {g: after[g] for g in ("loyal", "dormant", "newcomer")} == {g: before[g] for g in ("loyal", "dormant", "newcomer")}
    assert after["binger"] == 4 and refit.retired == [before["bargain"]]
    new = refit.matching.set_index("segment_id").loc[4]
    assert new["status"] == "new" and pd.isna(new["previous_segment_id"]) and np.isnan(new["distance"])


def test_a_retired_id_never_comes_back(first, planted):
    changed = population({"loyal": 150, "dormant": 300, "newcomer": 250, "binger": 200}, seed=2)
    refit = fit_segments(changed, PARAMS, previous=first.segmenter)  # bargain's id retired, binger new as 4
    back = fit_segments(planted, PARAMS, previous=refit.segmenter)  # bargain hunters return: a new segment again
    returned, bargain = back.matching.set_index("segment_id"), _id_by_group(first, planted)["bargain"]
    assert refit.segmenter.next_id == 5 and bargain not in returned.index and returned.loc[5, "status"] == "new"
    assert _id_by_group(back, planted)["bargain"] == 5 and back.retired == [4] and back.segmenter.fresh_id == 6


def test_too_few_users():
    with pytest.raises(TooFewUsers, match="2 users"):
        fit_segments(population({"loyal": 1, "dormant": 1}), PARAMS)


def test_too_few_distinct_rows():
    same = pd.concat([population({"loyal": 1})] * 10, ignore_index=True).assign(user_id=[f"u{i}" for i in range(10)])
    with pytest.raises(TooFewUsers, match="1 distinct"):
        fit_segments(same, PARAMS)


def test_k_is_capped_by_the_users():
    fit = fit_segments(population({"loyal": 2, "dormant": 2, "newcomer": 2}), PARAMS)
    assert max(fit.silhouette_by_k) == 5


def test_assign_refuses_nan(first, planted):
    with pytest.raises(ValueError, match="NaN"):
        first.segmenter.assign(planted.head(3).assign(review_rating=np.nan))


def test_params_need_a_valid_k_range():
    with pytest.raises(ValueError, match="k_min"):
        SegmentParams(k_min=1)
    with pytest.raises(ValueError, match="k_min"):
        SegmentParams(k_min=5, k_max=4)


def test_previous_on_other_features_is_refused(first, planted):
    other = dataclasses.replace(first.segmenter, features=SEGMENT_FEATURES[:-1])
    with pytest.raises(ValueError, match="previous segmenter"):
        fit_segments(planted, PARAMS, previous=other)


def test_a_constant_feature_plays_no_part(planted):
    priceless = planted.assign(monetary=0.0, review_rating=0.0)
    fit = fit_segments(priceless, PARAMS)
    assert np.isfinite(fit.segmenter.centroids).all() and (fit.segmenter.centroid_table()["monetary"] == 0).all()
    ari, _ = adjusted_rand(fit.segmenter.assign(priceless), _truth(priceless))
    assert ari > 0.9

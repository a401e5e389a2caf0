"""Profiles, transitions, ground-truth types and heatmaps on tiny hand-made frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml.segments.features import SEGMENT_FEATURES
from ml.segments.model import SegmentParams, fit_segments
from ml.segments.report import (
    adjusted_rand,
    latent_types,
    save_centroid_heatmap,
    save_transition_heatmap,
    segment_profiles,
    segment_transitions,
    transition_matrix,
)
from tests.ml.segments.population import population

ASSIGNED = pd.DataFrame({"user_id": ["a", "b", "c", "d"], "segment_id": [0, 0, 1, 1], "segment_name": ["x", "x", "y", "y"]})
FEATURES = pd.DataFrame({"user_id": ["a", "b", "c", "d"], **{f: [1.0, 3.0, 5.0, 7.0] for f in SEGMENT_FEATURES}})


def test_profiles_shares_and_means():
    features = FEATURES.assign(monetary=[10.0, 30.0, 60.0, 0.0])
    profiles = segment_profiles(ASSIGNED, features, None).set_index("segment_id")
    assert profiles["share_of_users"].sum() == pytest.approx(1.0) and profiles["share_of_revenue"].sum() == pytest.approx(1.0)
    assert profiles.loc[0, "share_of_revenue"] == pytest.approx(0.4) and profiles.loc[1, "users"] == 2
    assert profiles.loc[0, "mean_recency_days"] == 2.0 and profiles.loc[1, "mean_monetary"] == 30.0
    assert {f"mean_{f}" for f in SEGMENT_FEATURES} <= set(profiles.columns)
    assert (profiles["scored_users"] == 0).all() and profiles[["mean_purchase_propensity", "mean_churn_risk"]].isna().all().all()


def test_profiles_score_means_leave_out_unscored_users():
    scores = pd.DataFrame({"user_id": ["a", "c", "zz"], "purchase_propensity": [0.2, 0.6, 0.9], "churn_risk": [0.1, 0.3, 0.5]})
    profiles = segment_profiles(ASSIGNED, FEATURES, scores).set_index("segment_id")
    assert profiles["scored_users"].tolist() == [1, 1]
    assert profiles["mean_purchase_propensity"].tolist() == pytest.approx([0.2, 0.6])
    assert profiles["mean_churn_risk"].tolist() == pytest.approx([0.1, 0.3])
    assert profiles["users"].tolist() == [2, 2]


def test_profiles_without_revenue():
    assert segment_profiles(ASSIGNED, FEATURES.assign(monetary=0.0), None)["share_of_revenue"].isna().all()


def test_transitions_add_up_to_the_after_population():
    before = pd.DataFrame({"user_id": ["a", "b", "c", "gone"], "segment_name": ["x", "x", "y", "y"]})
    after = pd.DataFrame({"user_id": ["a", "b", "c", "new1", "new2"], "segment_name": ["x", "y", "y", "x", "x"]})
    transitions = segment_transitions(before, after)
    assert transitions["users"].sum() == len(after)
    moved = {(f, t): n for f, t, n in transitions.itertuples(index=False)}
    assert moved == {("x", "x"): 1, ("x", "y"): 1, ("y", "y"): 1, ("(new)", "x"): 2}
    matrix = transition_matrix(transitions)
    assert matrix.loc["(new)", "x"] == 2 and matrix.loc["(new)", "y"] == 0 and matrix.to_numpy().sum() == len(after)


def test_latent_types_and_adjusted_rand():
    factors = pd.DataFrame({"user_id": list("abcdef"), "base_rate": [1, 2, 3, 4, 5, 6], "intent_logit": [6, 5, 4, 3, 2, 1]})
    alive = pd.DataFrame({"user_id": list("abcdef"), "alive": [True, True, True, True, True, False]})
    types = latent_types(factors, alive).set_index("user_id")["true_type"]
    assert types.to_dict() == {
        "a": "low activity, high intent",
        "b": "low activity, high intent",
        "c": "low activity, high intent",
        "d": "high activity, low intent",
        "e": "high activity, low intent",
        "f": "churned",
    }
    assert latent_types(factors, None).set_index("user_id").loc["f", "true_type"] == "high activity, low intent"

    truth = types.reset_index()
    perfect = truth.assign(segment_id=truth["true_type"].factorize()[0] + 10).drop(columns="true_type")
    assert adjusted_rand(perfect, truth) == (1.0, 6)
    partial = pd.DataFrame({"user_id": ["a", "b", "d", "e", "unknown"], "segment_id": [0, 1, 0, 1, 0]})
    ari, compared = adjusted_rand(partial, truth)
    assert compared == 4 and ari < 0.5
    with pytest.raises(ValueError, match="no user"):
        adjusted_rand(partial.assign(user_id=["p", "q", "r", "s", "t"]), truth)


def test_heatmaps_write_pngs(tmp_path):
    frame = population({"loyal": 20, "dormant": 20, "newcomer": 20})
    segmenter = fit_segments(frame, SegmentParams(k_max=4, n_init=2)).segmenter
    assigned = segmenter.assign(frame)
    matrix = transition_matrix(segment_transitions(assigned.head(40), assigned))
    for path in (save_centroid_heatmap(segmenter, tmp_path / "centroids.png"), save_transition_heatmap(matrix, tmp_path / "moves.png")):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 1000
    assert np.isfinite(segmenter.centroids).all()

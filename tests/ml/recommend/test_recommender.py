"""The two-stage recommender end to end on a planted shop: behaviour, protocols, fallbacks, determinism."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from ml.recommend import train
from ml.recommend.config import RecommenderParams
from ml.recommend.train import holdout_metrics, train_recommender
from tests.ml.recommend.shop import planted_shop

FAST = dataclasses.replace(RecommenderParams(), train_cutoffs=2)


@pytest.fixture(scope="module")
def shop():
    return planted_shop()


@pytest.fixture(scope="module")
def replenishment(shop):
    return train_recommender(shop.events, shop.products, shop.cutoffs(), FAST)


@pytest.fixture(scope="module")
def discovery(shop):
    return train_recommender(shop.events, shop.products, shop.cutoffs(), dataclasses.replace(FAST, protocol="discovery"))


def test_both_protocols_are_reported_beside_every_method(replenishment):
    methods = set(replenishment.comparison["method"])
    assert methods == {"ranker", "popularity", "buyagain", "personal_frequency", "als", "bpr", "itemknn", "copurchase"}
    assert set(replenishment.comparison["protocol"]) == {"replenishment", "discovery"}
    metrics = replenishment.metrics
    for name in ("recall_at_20", "ndcg_at_10", "precision_at_10", "map_at_10", "hit_rate_at_20", "coverage",
                 "buyagain_recall_at_20", "als_ndcg_at_10", "discovery_recall_at_20"):
        assert 0 <= metrics[name] <= 1, name
    assert metrics["recall_at_20"] == metrics["replenishment_recall_at_20"]


def test_the_ranker_beats_the_best_single_method_under_replenishment(replenishment):
    assert replenishment.metrics["recall_at_20"] >= replenishment.metrics["best_single_recall_at_20"]


def test_a_one_category_shopper_gets_mostly_that_category(shop, replenishment):
    lists = replenishment.recommender.lists.merge(shop.products, on="product_id")
    share = (lists["category"] == lists["user_id"].map(shop.home)).groupby(lists["user_id"]).mean()
    assert share.median() >= 0.8, share.describe()


def test_discovery_never_recommends_what_the_user_bought(shop, discovery):
    bought = shop.events[shop.events["event_type"] == "purchase"][["user_id", "product_id"]].drop_duplicates()
    clash = discovery.recommender.lists.merge(bought, on=["user_id", "product_id"])
    assert len(discovery.recommender.lists) > 0 and clash.empty


def test_a_staple_due_for_repurchase_ranks_in_the_top_5(shop, replenishment):
    lists = replenishment.recommender.lists
    as_of = replenishment.recommender.as_of
    purchases = shop.events[shop.events["event_type"] == "purchase"]
    due, found = 0, 0
    for user, (product, cycle) in shop.staple.items():
        last = purchases[(purchases["user_id"] == user) & (purchases["product_id"] == product)]["event_time"].max()
        if (as_of - last).days + 1 >= cycle:
            due += 1
            top = lists[(lists["user_id"] == user) & (lists["rank"] <= 5)]["product_id"]
            found += product in set(top)
    assert due >= 20 and found / due >= 0.9, (found, due)


def test_same_seed_same_lists(shop, replenishment):
    again = train_recommender(shop.events, shop.products, shop.cutoffs(), FAST)
    pd.testing.assert_frame_equal(again.recommender.lists, replenishment.recommender.lists)


def test_cutoffs_prepared_side_by_side_change_nothing(shop, replenishment, monkeypatch):
    monkeypatch.setattr(train, "PREPARE_THREADS", 1)
    one_at_a_time = train_recommender(shop.events, shop.products, shop.cutoffs(), FAST)
    pd.testing.assert_frame_equal(one_at_a_time.recommender.lists, replenishment.recommender.lists)
    pd.testing.assert_frame_equal(one_at_a_time.comparison, replenishment.comparison)


def test_a_refresh_on_the_training_events_keeps_the_lists_a_refit_would_make(shop, replenishment):
    recommender, as_of = replenishment.recommender, replenishment.recommender.as_of
    assert recommender.refreshed(shop.events, shop.products, as_of) is recommender
    refit = dataclasses.replace(recommender, fitted_on=None).refreshed(shop.events, shop.products, as_of)
    assert refit is not recommender and refit.fitted_on == recommender.fitted_on
    pd.testing.assert_frame_equal(refit.lists, recommender.lists)
    pd.testing.assert_frame_equal(refit.popular, recommender.popular)
    fewer = shop.events.drop(shop.events.index[len(shop.events) // 2])  # one event less, the same last day
    assert recommender.refreshed(fewer, shop.products, as_of) is not recommender


def test_lists_are_ranked_1_to_20_with_their_source(replenishment):
    lists = replenishment.recommender.lists
    assert lists.groupby("user_id")["rank"].apply(lambda r: list(r) == list(range(1, len(r) + 1))).all()
    assert lists["rank"].max() == 20
    assert set(lists["source"]) <= {"popularity", "buyagain", "personal_frequency", "als", "bpr", "itemknn", "copurchase"}


def test_unknown_users_get_the_popularity_list_flagged_and_unknown_products_are_reported(replenishment):
    recommender = replenishment.recommender
    known = recommender.lists["user_id"].iloc[0]
    first = recommender.lists[recommender.lists["user_id"] == known]["product_id"].iloc[0]
    out = recommender.recommend([known, "nobody"], basket=[[first, "no-such-product"], None])
    assert not out[out["user_id"] == known]["cold"].any() and out[out["user_id"] == "nobody"]["cold"].all()
    assert first not in set(out[out["user_id"] == known]["product_id"])  # in the basket: left out
    assert set(out[out["user_id"] == known]["ignored_product_ids"]) == {"no-such-product"}
    assert list(out[out["user_id"] == "nobody"]["product_id"]) == list(recommender.popular["product_id"])


def test_holdout_metrics_rescore_the_recipe_on_the_same_week(shop, replenishment):
    scored = holdout_metrics(replenishment.recommender, shop.events, shop.products, replenishment.test_cutoff)
    assert scored["nan_predictions"] == 0
    assert scored["recall_at_20"] == pytest.approx(replenishment.metrics["recall_at_20"], abs=1e-9)


def test_views_only_falls_back_to_popularity_with_the_reason(shop):
    views = shop.events[shop.events["event_type"] == "view"]
    training = train_recommender(views, shop.products, shop.cutoffs(), FAST)
    assert training.recommender.ranker is None and "no purchases" in training.recommender.fallback_reason
    assert training.recommender.lists["user_id"].nunique() == views["user_id"].nunique()
    assert (training.recommender.lists["source"] == "popularity").all()


def test_one_product_and_one_event_users_do_not_crash(shop):
    one_product = shop.events.assign(product_id="p000")
    training = train_recommender(one_product, shop.products, shop.cutoffs(), FAST)
    assert training.recommender.lists.groupby("user_id").size().max() == 1
    first_events = shop.events.drop_duplicates("user_id")
    single = train_recommender(first_events, shop.products, shop.cutoffs(), FAST)
    assert single.recommender.ranker is None and single.recommender.fallback_reason
    too_short = train_recommender(shop.events, shop.products, shop.cutoffs()[:2], FAST)
    assert "the ranker needs 3" in too_short.recommender.fallback_reason

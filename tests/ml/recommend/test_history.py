import numpy as np
import pandas as pd

from ml.recommend.history import History


def test_keeps_only_events_before_the_cutoff(make_history):
    h = make_history(
        [
            ("u1", "p1", "purchase", 2.0, "o1"),
            ("u1", "p2", "view", 0.0, None),  # at the cutoff: the future
            ("u2", "p3", "purchase", -1.0, "o2"),  # after it
        ]
    )
    assert list(h.users) == ["u1"] and list(h.items) == ["p1"]
    assert h.user.tolist() == [0] and h.item.tolist() == [0]
    np.testing.assert_allclose(h.age_days, [2.0])
    assert h.cutoff == pd.Timestamp("2024-03-01")


def test_tz_aware_times_are_compared_in_utc(make_events):
    events = make_events([("u1", "p1", "view", 0.25, None)])  # 18:00 the day before
    events["event_time"] = events["event_time"].dt.tz_localize("UTC").dt.tz_convert("Europe/Berlin")
    h = History.from_events(events, pd.Timestamp("2024-03-01", tz="UTC"))
    np.testing.assert_allclose(h.age_days, [0.25])


def test_given_vocabularies_fix_positions_and_drop_unknown_ids(make_history):
    rows = [
        ("u1", "p1", "view", 1.0, None),
        ("u9", "p1", "view", 1.0, None),  # unknown user
        ("u2", "p9", "view", 1.0, None),  # unknown item
        ("u2", "p2", "cart", 1.0, None),
    ]
    h = make_history(rows, users=pd.Index(["u2", "u1", "u3"]), items=pd.Index(["p2", "p1"]))
    assert (h.n_users, h.n_items) == (3, 2)
    assert sorted(zip(h.user.tolist(), h.item.tolist(), strict=True)) == [(0, 0), (1, 1)]
    assert h.confidence().shape == (3, 2)


def test_matrices_count_purchases_and_weigh_events(make_history):
    h = make_history(
        [
            ("u1", "p1", "purchase", 10.0, "o1"),
            ("u1", "p1", "purchase", 20.0, "o2"),
            ("u1", "p1", "view", 1.0, None),
            ("u1", "p2", "cart", 1.0, None),
            ("u2", "p2", "remove_from_cart", 1.0, None),
        ]
    )
    np.testing.assert_array_equal(h.purchases().toarray(), [[2, 0], [0, 0]])
    # 5 + 5 + 1 for p1; the cart 3; a remove_from_cart weighs nothing and is not stored
    np.testing.assert_array_equal(h.confidence().toarray(), [[11, 3], [0, 0]])
    assert h.confidence().nnz == 2


def test_purchase_stats_give_count_and_days_since_last(make_history):
    h = make_history([("u1", "p1", "purchase", 10.0, "o1"), ("u1", "p1", "purchase", 3.0, "o2"), ("u1", "p2", "view", 1.0, None)])
    stats = h.purchase_stats()
    assert stats.to_dict("records") == [{"user": 0, "item": 0, "purchase_count": 2, "days_since_last_purchase": 3.0}]


def test_baskets_group_order_lines_and_a_keyless_purchase_is_its_own(make_history):
    h = make_history(
        [
            ("u1", "p1", "purchase", 5.0, "o1"),
            ("u1", "p2", "purchase", 5.0, "o1"),
            ("u1", "p1", "purchase", 2.0, None),
            ("u1", "p2", "purchase", 2.0, None),
            ("u1", "p3", "view", 1.0, None),
        ]
    )
    assert h.basket[h.event_type != "purchase"].tolist() == [-1]
    baskets = h.baskets()
    assert baskets.groupby("basket")["item"].apply(sorted).tolist() == [[0, 1], [0], [1]]
    assert baskets.groupby("basket")["age_days"].first().tolist() == [5.0, 2.0, 2.0]


def test_views_only_and_purchases_only_sources(make_history):
    views = make_history([("u1", "p1", "view", 1.0, None)])
    assert views.purchases().nnz == 0 and views.baskets().empty and views.purchase_stats().empty
    assert views.confidence().toarray().tolist() == [[1.0]]
    bought = make_history([("u1", "p1", "purchase", 1.0, "o1")])
    assert bought.confidence().toarray().tolist() == [[5.0]]


def test_no_events_before_the_cutoff_gives_an_empty_history(make_history):
    h = make_history([("u1", "p1", "view", -3.0, None)])
    assert (h.n_users, h.n_items) == (0, 0)
    assert h.confidence().shape == (0, 0) and h.baskets().empty

import numpy as np
import pandas as pd
import pytest

from ml.recommend import generators as g

# small models for the planted two-group structure: ALS at its rank, BPR regularised enough not to memorise
FAST = {
    "als": g.ALSParams(factors=2),
    "bpr": g.BPRParams(factors=8, learning_rate=0.05, regularization=0.1, iterations=200),
    "copurchase": g.CoPurchaseParams(min_support=1),
}
ALL = [
    g.PopularityGenerator,
    g.BuyAgainGenerator,
    g.PersonalFrequencyGenerator,
    g.ALSGenerator,
    g.BPRGenerator,
    g.ItemKNNGenerator,
    g.CoPurchaseGenerator,
]
MIXED = [
    ("u1", "p1", "purchase", 3.0, "o1"),
    ("u1", "p2", "purchase", 3.0, "o1"),
    ("u1", "p3", "view", 2.0, None),
    ("u2", "p1", "purchase", 1.0, "o2"),
    ("u2", "p3", "purchase", 1.0, "o2"),
    ("u2", "p4", "cart", 1.0, None),
    ("u3", "p2", "view", 1.0, None),
    ("u3", "p4", "view", 1.0, None),
]


def make(cls):
    return cls(FAST.get(cls.name))


def fit(cls, history):
    return make(cls).fit(history)


def assert_valid(c: g.Candidates, n_users: int, n: int, n_items: int) -> None:
    """Shapes and dtypes; -1 exactly where the score is nan, and only at the end of a row; distinct items."""
    assert c.items.shape == c.scores.shape == (n_users, n)
    assert c.items.dtype == np.int32 and c.scores.dtype == np.float32
    padded = c.items == -1
    np.testing.assert_array_equal(padded, np.isnan(c.scores))
    assert not (padded[:, :-1] & ~padded[:, 1:]).any()
    assert ((c.items >= -1) & (c.items < n_items)).all()
    for row, scores in zip(c.items, c.scores, strict=True):
        kept = row[row >= 0]
        assert len(set(kept)) == len(kept)
        assert (np.diff(scores[row >= 0]) <= 0).all()


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.name)
def test_shapes_padding_and_exclusion(cls, make_history):
    h = make_history(MIXED)
    users = np.arange(h.n_users)
    gen = fit(cls, h)
    assert_valid(gen.recommend(users, 3), h.n_users, 3, h.n_items)
    assert_valid(gen.recommend(users, 10), h.n_users, 10, h.n_items)  # more than the catalogue
    exclude = h.purchases()
    c = gen.recommend(users, 10, exclude=exclude)
    assert_valid(c, h.n_users, 10, h.n_items)
    rows, cols = exclude.nonzero()
    assert not (c.items[rows] == cols[:, None]).any()


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.name)
def test_user_without_events_gets_nothing_but_popularity(cls, make_history):
    h = make_history(MIXED, users=pd.Index(["u1", "u2", "u3", "ghost"]))
    c = fit(cls, h).recommend(np.array([3]), 4)
    assert_valid(c, 1, 4, h.n_items)
    assert (c.items[0, 0] >= 0) == (cls.name == "popularity")


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.name)
@pytest.mark.parametrize(
    "rows",
    [
        [("u1", "p1", "purchase", 1.0, "o1")],  # one user, one item
        [("u1", "p1", "view", 1.0, None), ("u2", "p2", "view", 2.0, None), ("u2", "p1", "cart", 2.0, None)],  # no purchases
        [("u1", "p1", "remove_from_cart", 1.0, None)],  # nothing with weight
        [("u1", "p1", "view", -1.0, None)],  # nothing before the cutoff: empty vocabularies
    ],
    ids=["single", "views-only", "weightless", "empty"],
)
def test_tiny_histories_do_not_crash(cls, rows, make_history):
    h = make_history(rows)
    c = fit(cls, h).recommend(np.arange(h.n_users), 3, exclude=h.purchases())
    assert_valid(c, h.n_users, 3, h.n_items)


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.name)
def test_refit_gives_identical_candidates(cls, blocks):
    users = np.arange(blocks.n_users)
    first, second = (fit(cls, blocks).recommend(users, 5) for _ in range(2))
    np.testing.assert_array_equal(first.items, second.items)
    np.testing.assert_array_equal(first.scores, second.scores)


def test_recommend_checks_its_inputs(make_history):
    h = make_history(MIXED)
    with pytest.raises(RuntimeError, match="before fit"):
        g.PopularityGenerator().recommend(np.arange(2), 3)
    with pytest.raises(ValueError, match="shape"):
        g.PopularityGenerator().fit(h).recommend(np.arange(2), 3, exclude=h.purchases()[:2])
    with pytest.raises(ValueError, match="measure"):
        g.CoPurchaseParams(measure="support")


def test_popularity_ranks_the_most_bought_recent_item_first(make_history):
    rows = [(f"u{i}", "old", "purchase", 30.0, f"o{i}") for i in range(5)]  # outside the 14-day window
    rows += [("u1", "new", "purchase", 2.0, "n1"), ("u2", "new", "purchase", 3.0, "n2"), ("u3", "mid", "purchase", 1.0, "n3")]
    h = make_history(rows)
    c = g.PopularityGenerator().fit(h).recommend(np.arange(h.n_users), 3)
    assert [h.items[i] for i in c.items[0, :2]] == ["new", "mid"]
    assert c.items[0, 2] == -1  # "old" has no purchase in the window
    assert (c.items == c.items[0]).all()
    excluded = g.PopularityGenerator().fit(h).recommend(np.array([1]), 3, exclude=h.purchases())
    assert h.items[excluded.items[0, 0]] == "mid"


def test_popularity_falls_back_to_interactions_without_purchases(make_history):
    h = make_history([("u1", "p1", "view", 1.0, None), ("u1", "p2", "cart", 1.0, None), ("u2", "p1", "view", 1.0, None)])
    c = g.PopularityGenerator().fit(h).recommend(np.array([0]), 2)
    assert [h.items[i] for i in c.items[0]] == ["p2", "p1"]  # cart 3 > two views


def test_buy_again_ranks_frequent_and_recent_first(make_history):
    rows = [
        ("u1", "often", "purchase", 5.0, "o1"),
        ("u1", "often", "purchase", 12.0, "o2"),
        ("u1", "often", "purchase", 20.0, "o3"),
        ("u1", "once_long_ago", "purchase", 90.0, "o4"),
        ("u1", "once_recently", "purchase", 1.0, "o5"),
        ("u1", "only_viewed", "view", 1.0, None),
    ]
    h = make_history(rows)
    c = g.BuyAgainGenerator().fit(h).recommend(np.array([0]), 5)
    # 3 * 0.5 ** (5 / 30) = 2.67 > 0.5 ** (1 / 30) = 0.98 > 0.5 ** 3 = 0.125
    assert [h.items[i] for i in c.items[0, :3]] == ["often", "once_recently", "once_long_ago"]
    np.testing.assert_allclose(c.scores[0, :3], [3 * 0.5 ** (5 / 30), 0.5 ** (1 / 30), 0.5**3], rtol=1e-6)
    assert (c.items[0, 3:] == -1).all()


def test_copurchase_proposes_the_basket_partner(make_history):
    rows = [(f"u{i}", "pasta", "purchase", 5.0, f"o{i}") for i in range(3)]
    rows += [(f"u{i}", "sauce", "purchase", 5.0, f"o{i}") for i in range(2)]
    rows += [("u2", "bread", "purchase", 5.0, "o2"), ("me", "pasta", "purchase", 1.0, "mine")]
    h = make_history(rows)
    me = h.users.get_loc("me")
    c = g.CoPurchaseGenerator().fit(h).recommend(np.array([me]), 3, exclude=h.purchases())
    # support 2 for pasta-sauce, 1 for pasta-bread (below min_support 2); confidence(sauce | pasta) = 2 / 4 baskets with pasta
    assert h.items[c.items[0, 0]] == "sauce" and (c.items[0, 1:] == -1).all()
    assert c.scores[0, 0] == pytest.approx(0.5)
    lift = g.CoPurchaseGenerator(g.CoPurchaseParams(measure="lift")).fit(h).recommend(np.array([me]), 1)
    assert lift.scores[0, 0] == pytest.approx(0.5 / (2 / 4))  # P(sauce | pasta) / P(sauce), 4 baskets


def test_personal_frequency_prefers_recent_baskets_and_borrows_from_neighbours(make_history):
    rows = [("me", "old", "purchase", 40.0, "m1"), ("me", "new", "purchase", 2.0, "m2"), ("twin", "new", "purchase", 3.0, "t1")]
    rows += [("twin", "extra", "purchase", 3.0, "t1"), ("stranger", "other", "purchase", 3.0, "s1")]
    h = make_history(rows)
    params = g.PersonalFrequencyParams(group_size=1, group_decay=0.5, n_neighbours=1, alpha=0.7)
    c = g.PersonalFrequencyGenerator(params).fit(h).recommend(np.array([h.users.get_loc("me")]), 4)
    # own, one basket per group: new 0.5 ** 0 / 2 groups = 0.5, old 0.5 ** 1 / 2 = 0.25;
    # the nearest user (cosine > 0) is the twin, whose one basket gives new and extra 1 each
    assert [h.items[i] for i in c.items[0, :3]] == ["new", "extra", "old"]
    np.testing.assert_allclose(c.scores[0, :3], [0.7 * 0.5 + 0.3 * 1, 0.3 * 1, 0.7 * 0.25], rtol=1e-6)
    assert c.items[0, 3] == -1  # the stranger shares nothing


@pytest.mark.parametrize("cls", [g.ALSGenerator, g.BPRGenerator, g.ItemKNNGenerator], ids=lambda c: c.name)
def test_collaborative_filters_recover_planted_groups(cls, blocks):
    c = fit(cls, blocks).recommend(np.arange(blocks.n_users), 3, exclude=blocks.confidence())
    group_of_user = np.array([u[0] for u in blocks.users])
    group_of_item = np.array([i[0].lower() for i in blocks.items])
    assert (c.items >= 0).all()
    assert (group_of_item[c.items] == group_of_user[:, None]).all()


def test_als_with_bm25_weighting_recovers_planted_groups(blocks):
    als = g.ALSGenerator(g.ALSParams(factors=2, bm25=True)).fit(blocks)
    c = als.recommend(np.arange(blocks.n_users), 3, exclude=blocks.confidence())
    group_of_item = np.array([i[0].lower() for i in blocks.items])
    assert (group_of_item[c.items] == np.array([u[0] for u in blocks.users])[:, None]).all()


def test_chunked_scoring_matches_one_chunk(blocks, monkeypatch):
    users = np.arange(blocks.n_users)
    gen = g.PersonalFrequencyGenerator(g.PersonalFrequencyParams(n_neighbours=3)).fit(blocks)
    whole = gen.recommend(users, 5)
    monkeypatch.setattr(g, "CHUNK_CELLS", 2 * blocks.n_items)  # two users per chunk
    parts = gen.recommend(users, 5)
    np.testing.assert_array_equal(whole.items, parts.items)
    np.testing.assert_array_equal(whole.scores, parts.scores)

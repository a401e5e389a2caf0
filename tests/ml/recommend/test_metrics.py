import math

import numpy as np
import pytest

from ml.recommend import metrics as m

RANKING = [m.precision_at_k, m.recall_at_k, m.ndcg_at_k, m.map_at_k, m.hit_rate_at_k]


@pytest.mark.parametrize("metric", RANKING, ids=lambda f: f.__name__)
def test_perfect_lists_score_one(metric):
    recommended = np.array([[3, 1, 2], [0, 4, 5]])
    relevant = [{1, 2, 3}, {0, 4, 5, 6}]  # |relevant| >= k for precision
    assert metric(recommended, relevant, 3) == pytest.approx(1.0)


@pytest.mark.parametrize("metric", RANKING, ids=lambda f: f.__name__)
def test_lists_without_hits_score_zero(metric):
    assert metric(np.array([[7, 8], [9, -1]]), [{1}, {2, 3}], 2) == 0.0


@pytest.mark.parametrize("metric", RANKING, ids=lambda f: f.__name__)
def test_users_without_recommendations_count_and_users_without_relevant_items_do_not(metric):
    recommended = [[1, 2], [], [-1, -1], [5]]
    relevant = [{1, 2}, {3}, {4}, set()]
    # user 0 perfect, users 1 and 2 got nothing (0), user 3 has nothing relevant (left out): 1 / 3
    assert metric(recommended, relevant, 2) == pytest.approx(1 / 3)


def test_no_user_with_relevant_items_gives_nan():
    assert math.isnan(m.recall_at_k([[1]], [set()], 1))


def test_rows_and_relevant_sets_must_match():
    with pytest.raises(ValueError, match="relevant sets"):
        m.recall_at_k([[1], [2]], [{1}], 1)


def test_precision_hand_computed():
    # user 0: hits at ranks 1 and 3 of k=4 -> 2/4; user 1: one hit -> 1/4
    assert m.precision_at_k(np.array([[1, 9, 2, 8], [5, 6, 7, 4]]), [{1, 2}, {4}], 4) == pytest.approx((2 / 4 + 1 / 4) / 2)


def test_recall_divides_by_min_of_k_and_relevant():
    # user 0: 1 hit, 5 relevant, k=2 -> 1 / min(2, 5) = 1/2; user 1: 1 hit of 1 relevant -> 1
    assert m.recall_at_k(np.array([[1, 9], [7, 4]]), [{1, 2, 3, 4, 5}, {4}], 2) == pytest.approx((1 / 2 + 1) / 2)


def test_ndcg_hand_computed():
    # hits at ranks 2 and 3, three relevant, k=3: DCG = 1/math.log2(3) + 1/math.log2(4); IDCG = 1 + 1/math.log2(3) + 1/math.log2(4)
    dcg = 1 / math.log2(3) + 1 / math.log2(4)
    idcg = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert m.ndcg_at_k(np.array([[9, 1, 2]]), [{1, 2, 3}], 3) == pytest.approx(dcg / idcg)
    # one relevant item found at rank 2: the ideal has it at rank 1 -> (1/math.log2(3)) / 1
    assert m.ndcg_at_k(np.array([[9, 1, 8]]), [{1}], 3) == pytest.approx(1 / math.log2(3))


def test_map_hand_computed():
    # hits at ranks 1 and 3, two relevant, k=3: AP = (1/1 + 2/3) / min(3, 2)
    assert m.map_at_k(np.array([[1, 9, 2]]), [{1, 2}], 3) == pytest.approx((1 + 2 / 3) / 2)
    # hit at rank 2, four relevant, k=2: AP = (1/2) / min(2, 4)
    assert m.map_at_k(np.array([[9, 1]]), [{1, 2, 3, 4}], 2) == pytest.approx(0.5 / 2)


def test_hit_rate_hand_computed():
    # users 0 and 2 hit within k=2, user 1 only at rank 3
    assert m.hit_rate_at_k(np.array([[1, 9, 8], [9, 8, 2], [7, 3, 6]]), [{1}, {2}, {3}], 2) == pytest.approx(2 / 3)


def test_only_the_top_k_columns_count():
    assert m.recall_at_k(np.array([[9, 8, 1]]), [{1}], 2) == 0.0


def test_coverage_counts_distinct_items_in_the_top_k():
    # top 2: {1, 2} and {2, 3}; item 4 sits at rank 3; -1 is no item: 3 of 10
    assert m.coverage(np.array([[1, 2, 4], [2, 3, -1], [-1, -1, -1]]), 10, 2) == pytest.approx(3 / 10)


def test_novelty_hand_computed():
    popularity = np.array([6, 2, 0, 0])  # shares 6/8, 2/8, and 1/8 for the unseen items (counted as seen once)
    recommended = np.array([[0, 1], [2, -1]])
    expected = (-math.log2(6 / 8) - math.log2(2 / 8) - math.log2(1 / 8)) / 3
    assert m.novelty(recommended, popularity, 2) == pytest.approx(expected)
    assert m.novelty(np.array([[0, 0]]), popularity, 1) == pytest.approx(-math.log2(6 / 8))


def test_novelty_of_nothing_recommended_is_nan():
    assert math.isnan(m.novelty(np.array([[-1, -1]]), np.array([1, 1]), 2))

"""Sanity ranges of a real shop, measured on human (unlabelled-as-bot) events."""

from __future__ import annotations

import numpy as np

from simulator.reviews import NEGATIVE, NEGATIVE_NEGATED, POSITIVE, POSITIVE_NEGATED, texts


def _one(con, sql: str):
    return con.sql(sql).fetchone()[0]


# staple reorders (a view, a cart and a purchase each, never abandoned) lift conversion from the
# usual 1-5 % to about 6 % and lower cart abandonment from 60-80 % to about 50 %; the no-staples
# shop stays in the usual ranges


def test_view_to_purchase_conversion_1_to_5_percent_without_staples(tiny_db, no_staples_db):
    sql = "select sum((event_type='purchase')::int) / sum((event_type='view')::int) from h"
    assert 0.01 <= _one(no_staples_db, sql) <= 0.05
    assert 0.01 <= _one(tiny_db, sql) <= 0.07


def test_cart_abandonment_60_to_80_percent_without_staples(tiny_db, no_staples_db):
    sql = """with s as (select session_id, max((event_type='cart')::int) c,
                        max((event_type='purchase')::int) p from h group by 1)
             select sum((c = 1 and p = 0)::int) / sum(c) from s"""
    assert 0.6 <= _one(no_staples_db, sql) <= 0.8
    assert 0.45 <= _one(tiny_db, sql) <= 0.8


def test_weekly_seasonality_weekends_busier(tiny_db):
    ratio = _one(tiny_db, """with d as (select event_time::date d, count(distinct session_id) n from h group by 1)
                             select avg(n) filter (where dayofweek(d) in (0, 6))
                                  / avg(n) filter (where dayofweek(d) not in (0, 6)) from d""")
    assert ratio > 1.05


def test_long_tail_top_decile_gets_over_40_percent_of_views(tiny_db):
    share = _one(tiny_db, """with p as (select product_id, count(*) n from h where event_type='view' group by 1),
                             r as (select n, row_number() over (order by n desc) rk from p)
                             select sum(n) filter (where rk <= (select count(*) from products) * 0.1) / sum(n) from r""")
    assert share > 0.4


def test_most_users_have_one_session(tiny_db):
    share = _one(tiny_db, "with u as (select user_id, count(distinct session_id) n from h group by 1) select avg((n = 1)::int) from u")
    assert share > 0.5


def test_churn_share_by_last_cutoff(tiny_db):
    dead = _one(tiny_db, """select avg((not alive)::int) from user_cutoffs
                            where cutoff_date = (select max(cutoff_date) from user_cutoffs)""")
    assert 0.2 <= dead <= 0.8


def test_bot_share_of_sessions_about_2_percent(tiny_db):
    share = _one(tiny_db, "select avg(is_bot::int) from labels")
    assert 0.01 <= share <= 0.04
    lo, hi = tiny_db.sql("select min(n_events), max(n_events) from bot_sessions where not card_testing").fetchone()
    assert 20 <= lo and hi <= 100


def test_reviews_follow_purchases(tiny_db, tiny_run):
    n_rev, n_buy = tiny_db.sql("select (select count(*) from reviews), (select count(*) from h where event_type='purchase')").fetchone()
    assert 0.15 <= n_rev / n_buy <= 0.35  # ~30 %, fewer because late reviews fall past the end
    orphans = _one(tiny_db, """select count(*) from reviews r where not exists (
                                 select 1 from h where h.event_type = 'purchase' and h.user_id = r.user_id
                                 and h.product_id = r.product_id and h.event_time <= r.review_time
                                 and r.review_time < h.event_time + interval 5 day)""")
    assert orphans == 0
    ratings = dict(tiny_db.sql("select rating, count(*) from reviews group by 1").fetchall())
    assert set(ratings) == {1, 2, 3, 4, 5}
    assert ratings[5] > ratings[1]


def test_review_text_polarity_follows_rating_with_negation(tiny_db):
    rows = tiny_db.sql("select rating, text from reviews").fetchall()
    def pos_share(r):
        texts = [t for k, t in rows if k == r]
        return sum(("love it" in t.lower() or "great quality" in t.lower()) for t in texts) / len(texts)
    assert pos_share(5) > pos_share(1)
    texts_ = [t.lower() for _, t in rows]
    assert any(" not " in f" {t}" or "never" in t for t in texts_)  # negated phrases occur
    # mixed reviews: a positive and a negative phrase in one text
    assert any(any(w in t for w in POSITIVE) and any(w in t for w in NEGATIVE) for t in texts_)


def test_review_generator_negation_and_polarity():
    rng = np.random.Generator(np.random.PCG64(0))
    rating = np.repeat(np.arange(1, 6), 400)
    texts_ = [t.lower() for t in texts(rating, rng)]
    assert sum("not good" in t for t in texts_) > 10 and sum("never broke" in t for t in texts_) > 10
    pos = np.array([sum(p in t for p in POSITIVE + POSITIVE_NEGATED) for t in texts_])
    neg = np.array([sum(p in t for p in NEGATIVE + NEGATIVE_NEGATED) for t in texts_])
    share = [(pos[rating == r] / np.maximum(pos + neg, 1)[rating == r]).mean() for r in range(1, 6)]
    assert share == sorted(share)

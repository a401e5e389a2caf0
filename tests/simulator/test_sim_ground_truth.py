"""The ground truth agrees with the events and the oracle is informative."""

from __future__ import annotations

import numpy as np


def test_dead_users_never_act_again(tiny_db):
    n = tiny_db.sql("""select count(*) from user_cutoffs c join events e using (user_id)
                       where not c.alive and e.event_time >= c.cutoff_date""").fetchone()[0]
    assert n == 0
    # dead users have the degenerate oracle values
    bad = tiny_db.sql("select count(*) from user_cutoffs where not alive and (p_purchase_7d <> 0 or p_no_event_30d <> 1)").fetchone()[0]
    assert bad == 0


def test_cutoffs_every_seven_days(tiny_db, tiny_run):
    cfg = tiny_run[0]
    days = [r[0] for r in tiny_db.sql("select distinct cutoff_date from user_cutoffs order by 1").fetchall()]
    assert [(d - cfg.start_date).days for d in days] == list(range(7, cfg.days, 7))
    # only users present before the cutoff: their first_seen is before it
    late = tiny_db.sql("select count(*) from user_cutoffs join users using (user_id) where first_seen >= cutoff_date").fetchone()[0]
    assert late == 0


def test_purchases_in_bot_sessions_are_card_testing(tiny_db):
    n = tiny_db.sql("""select count(*) from events e join labels l using (session_id)
                       left join bot_sessions b using (session_id)
                       where e.event_type = 'purchase' and l.is_bot and not coalesce(b.card_testing, false)""").fetchone()[0]
    assert n == 0
    same = tiny_db.sql("select count(*) from labels l full join bot_sessions b using (session_id) "
                       "where l.is_bot is distinct from (b.session_id is not null)").fetchone()[0]
    assert same == 0


def _auc(score: np.ndarray, label: np.ndarray) -> float:
    """Mann-Whitney AUC with average ranks for ties."""
    order = np.argsort(score, kind="stable")
    s = score[order]
    ranks = np.empty(len(s))
    _, start, counts = np.unique(s, return_index=True, return_counts=True)
    avg = start + (counts + 1) / 2.0
    ranks[order] = np.repeat(avg, counts)
    n1 = label.sum()
    return float((ranks[label].sum() - n1 * (n1 + 1) / 2) / (n1 * (len(label) - n1)))


def test_oracle_p_purchase_7d_ranks_real_buyers(tiny_db):
    df = tiny_db.sql("""select c.p_purchase_7d p, exists (select 1 from h where h.user_id = c.user_id
                          and h.event_type = 'purchase' and h.event_time >= c.cutoff_date
                          and h.event_time < c.cutoff_date + interval 7 day) y
                        from user_cutoffs c where c.alive and c.cutoff_date + 7 <= date '2024-01-29'""").df()
    y = df["y"].to_numpy()
    assert 0 < y.sum() < len(y)
    assert _auc(df["p"].to_numpy(), y) > 0.7
    # calibration: expected and observed buyers agree within a few standard errors
    p = df["p"].to_numpy()
    assert abs(y.sum() - p.sum()) < 4 * np.sqrt((p * (1 - p)).sum())


def test_oracle_p_no_event_30d_is_consistent(tiny_db):
    lo, hi = tiny_db.sql("select min(p_no_event_30d), max(p_no_event_30d) from user_cutoffs").fetchone()
    assert 0 <= lo and hi <= 1
    # a user with no event in 30 days is more likely to be one the oracle expected to go quiet
    df = tiny_db.sql("""select c.p_no_event_30d p, not exists (select 1 from events e where e.user_id = c.user_id
                          and e.event_time >= c.cutoff_date) quiet
                        from user_cutoffs c where c.alive and c.cutoff_date = date '2024-01-08'""").df()
    assert _auc(df["p"].to_numpy(), df["quiet"].to_numpy()) > 0.7


def test_top_preferences_are_the_true_top_20(tiny_db, tiny_run):
    cfg = tiny_run[0]
    n, users = tiny_db.sql("select count(*), count(distinct user_id) from top_preferences").fetchone()
    assert n == 20 * users == 20 * cfg.users
    uf = tiny_db.sql("select * from user_factors order by user_id limit 50").df()
    pf = tiny_db.sql("select * from product_factors order by product_id").df()
    cols = [f"factor_{j}" for j in range(cfg.latent_dim)]
    score = (uf[cols].to_numpy() @ pf[cols].to_numpy().T
             - np.outer(uf["price_sensitivity"], np.log(pf["price"])) + pf["log_popularity"].to_numpy())
    top = tiny_db.sql("select user_id, product_id, score, rank from top_preferences order by user_id, rank").df()
    for i, uid in enumerate(uf["user_id"]):
        mine = top[top.user_id == uid]
        best = np.argsort(-score[i], kind="stable")[:20]
        assert list(mine.product_id) == list(pf["product_id"].to_numpy()[best])
        np.testing.assert_allclose(mine.score, score[i][best], rtol=1e-9)
        assert list(mine["rank"]) == list(range(1, 21))

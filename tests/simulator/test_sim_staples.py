"""Staples make users repeat purchases, and the item-level truth predicts what they buy next."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from simulator import SimConfig


def _end(cfg: SimConfig) -> str:
    return (cfg.start_date + timedelta(days=cfg.days)).isoformat()


def _repeat_share_last_week(con, cfg: SimConfig) -> float:
    """Of the (user, product) pairs bought in the last week, the share the user had bought before."""
    week = (cfg.start_date + timedelta(days=cfg.days - 7)).isoformat()
    return con.sql(f"""with b as (select user_id, product_id, event_time from h where event_type = 'purchase'),
                       last as (select distinct user_id, product_id from b where event_time >= date '{week}'),
                       before as (select distinct user_id, product_id from b where event_time < date '{week}')
                       select avg((before.user_id is not null)::int) from last left join before using (user_id, product_id)
                    """).fetchone()[0]


def test_repeat_purchases_are_a_large_share_with_staples(tiny_db, tiny_run, no_staples_db, no_staples_run):
    on, off = _repeat_share_last_week(tiny_db, tiny_run[0]), _repeat_share_last_week(no_staples_db, no_staples_run[0])
    assert on > 0.25 and off < 0.2 and on > off + 0.1, (on, off)


def test_staples_file_and_staple_sessions(tiny_db, tiny_run):
    cfg = tiny_run[0]
    n, users, lo = tiny_db.sql("select count(*), count(distinct user_id), min(cycle_days) from staples").fetchone()
    assert 0.03 * cfg.users < users < 0.12 * cfg.users and users <= n <= cfg.staples_max * users
    assert lo >= cfg.staple_cycle_min_days
    # staple users buy their staples again and again
    rebuys = tiny_db.sql("""select avg(n) from (select count(*) n from h join staples using (user_id, product_id)
                            where event_type = 'purchase' group by user_id, product_id)""").fetchone()[0]
    assert rebuys > 1.3


def test_staple_user_share_zero_switches_staples_off(no_staples_db, no_staples_run):
    assert no_staples_db.sql("select count(*) from staples").fetchone()[0] == 0
    n, hi = no_staples_db.sql("select count(*), max(rank) from user_product_cutoffs").fetchone()
    assert n > 0 and hi <= no_staples_run[0].top_k_products


def test_item_truth_is_a_ranked_top_list_of_present_alive_users(tiny_db, tiny_run):
    cfg = tiny_run[0]
    bad = tiny_db.sql("""select count(*) from user_product_cutoffs p left join user_cutoffs c using (user_id, cutoff_date)
                         where c.user_id is null or not c.alive or p.p_buy_7d <= 0 or p.p_buy_7d > 1 + 1e-9""").fetchone()[0]
    assert bad == 0
    # ranks run 1..n per user and cutoff, products are distinct, p never increases with rank
    bad = tiny_db.sql(f"""select count(*) from (select user_id, cutoff_date, count(*) n, count(distinct product_id) np,
                                 max(rank) hi, min(rank) lo from user_product_cutoffs group by 1, 2)
                          where n <> np or hi <> n or lo <> 1 or n > {cfg.top_k_products}""").fetchone()[0]
    assert bad == 0
    worse = tiny_db.sql("""select count(*) from user_product_cutoffs a join user_product_cutoffs b
                           on a.user_id = b.user_id and a.cutoff_date = b.cutoff_date and b.rank = a.rank + 1
                           where b.p_buy_7d > a.p_buy_7d""").fetchone()[0]
    assert worse == 0
    dates = [r[0] for r in tiny_db.sql("select distinct cutoff_date from user_product_cutoffs order by 1").fetchall()]
    assert dates == [r[0] for r in tiny_db.sql("select distinct cutoff_date from user_cutoffs order by 1").fetchall()]


def test_ties_in_p_are_broken_by_the_true_preference_score(tiny_db, tiny_run):
    dot = " + ".join(f"u.factor_{j} * f.factor_{j}" for j in range(tiny_run[0].latent_dim))
    df = tiny_db.sql(f"""select p.user_id, p.cutoff_date, p.rank, p.p_buy_7d,
                                {dot} - u.price_sensitivity * ln(f.price) + f.log_popularity score
                         from user_product_cutoffs p join user_factors u using (user_id) join product_factors f using (product_id)
                         order by 1, 2, 3""").df()
    nxt = df.shift(-1)
    tie = (df.user_id == nxt.user_id) & (df.cutoff_date == nxt.cutoff_date) & (df.p_buy_7d == nxt.p_buy_7d)
    assert tie.sum() > 100
    assert (df.score[tie] >= nxt.score[tie] - 1e-9).all()


def test_item_truth_is_calibrated(tiny_db, tiny_run):
    end = _end(tiny_run[0])
    listed = tiny_db.sql(f"""select p.p_buy_7d p, s.product_id is not null staple, exists (select 1 from h
                               where h.user_id = p.user_id and h.product_id = p.product_id and h.event_type = 'purchase'
                               and h.event_time >= p.cutoff_date and h.event_time < p.cutoff_date + interval 7 day) y
                             from user_product_cutoffs p left join staples s using (user_id, product_id)
                             where p.cutoff_date + 7 <= date '{end}'""").df()
    realised = tiny_db.sql(f"""select count(*) from (select distinct h.user_id, h.product_id, c.cutoff_date
                               from h join user_cutoffs c on h.user_id = c.user_id and h.event_time >= c.cutoff_date
                               and h.event_time < c.cutoff_date + interval 7 day
                               where h.event_type = 'purchase' and c.cutoff_date + 7 <= date '{end}')""").fetchone()[0]
    # all distinct (user, product) purchases of the next week against the sum of p (the list drops little)
    p = listed.p.to_numpy()
    assert abs(realised - p.sum()) < 4 * np.sqrt(2 * p.sum()), (realised, p.sum())
    # staples are always listed: among them realised purchases match their p closely
    st = listed[listed.staple]
    ps = st.p.to_numpy()
    assert len(st) > 200
    assert abs(st.y.sum() - ps.sum()) < 4 * np.sqrt((ps * (1 - ps)).sum()), (st.y.sum(), ps.sum())


def test_a_due_staple_is_among_the_top_products(tiny_db):
    df = tiny_db.sql("""with last as (select c.user_id, c.cutoff_date, s.product_id, s.cycle_days,
                                             max(h.event_time::date) last_day
                                      from user_cutoffs c join staples s using (user_id)
                                      join h on h.user_id = c.user_id and h.product_id = s.product_id
                                           and h.event_type = 'purchase' and h.event_time < c.cutoff_date
                                      where c.alive group by all)
                        select (cutoff_date - last_day) / cycle_days due, coalesce(p.rank, 999) rank, coalesce(p.p_buy_7d, 0) p
                        from last left join user_product_cutoffs p using (user_id, cutoff_date, product_id)""").df()
    # the last purchase of the product may have been a regular one, so due is if anything understated
    due, fresh = df[df.due >= 1], df[df.due < 0.3]
    assert len(due) > 30 and len(fresh) > 30
    assert (due["rank"] <= 5).mean() > 0.9
    assert due.p.mean() > 0.8 > 0.3 > fresh.p.mean()

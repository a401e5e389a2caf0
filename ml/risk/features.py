"""One behaviour row per session from the warehouse's `fct_sessions` and `int_events_sessionized`, without NaN.

The session features (times in UTC):
- events_per_minute: n_events / duration in minutes, the duration floored at 1 minute (a session of a few
  events within seconds is not an unbounded rate).
- n_events, n_products (distinct products), duration_minutes: as in `fct_sessions`.
- uncarted_view_share: share of the products viewed in the session that were neither carted nor bought in it
  (a source without cart events still buys); 0 without views.
- gap_cv: coefficient of variation (population standard deviation / mean) of the seconds between consecutive
  events; 1 (the value of a Poisson pace, so it says nothing) with fewer than 3 events, 0 when every event
  shares one timestamp (a mean gap of 0).
- night_share: share of the session's events at 00:00-05:59.
- purchase_burst: the most purchase events the session's user made within one clock hour of the session's
  start day (card testing fires several small purchases at once); 0 without purchases.
- paymentless_carts: cart events of a session without any purchase; 0 where the source has no carts.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

SESSION_FEATURES: tuple[str, ...] = (
    "events_per_minute",
    "n_events",
    "n_products",
    "duration_minutes",
    "uncarted_view_share",
    "gap_cv",
    "night_share",
    "purchase_burst",
    "paymentless_carts",
)
SESSION_COLUMNS = ("session_key", "user_id", "session_start", "session_date", "is_bot")

_QUERY = """
with sessions as (
    select session_key, user_id, session_start, session_start_date, duration_minutes, n_events, n_products, is_bot
    from fct_sessions
    where $until::date is null or session_start_date <= $until::date
),

events as materialized (
    select e.session_key, e.user_id, e.event_time, e.event_type, e.product_id
    from int_events_sessionized as e
    where e.session_key in (select session_key from sessions)
),

gaps as (
    select session_key, date_diff('millisecond', lag(event_time) over (partition by session_key order by event_time),
                                  event_time) / 1000.0 as gap_seconds
    from events
),

regularity as (
    select
        session_key,
        case
            when count(gap_seconds) < 2 then 1.0
            when avg(gap_seconds) = 0 then 0.0
            else stddev_pop(gap_seconds) / avg(gap_seconds)
        end as gap_cv
    from gaps
    group by session_key
),

products as (
    select session_key, product_id, bool_or(event_type = 'view') as viewed, bool_or(event_type in ('cart', 'purchase')) as carted
    from events
    group by session_key, product_id
),

carting as (
    select
        session_key,
        coalesce(count(*) filter (where viewed and not carted) / nullif(count(*) filter (where viewed), 0), 0.0)
            as uncarted_view_share
    from products
    group by session_key
),

kinds as (
    select
        session_key,
        count(*) filter (where hour(event_time) < 6) / count(*) as night_share,
        case when bool_or(event_type = 'purchase') then 0 else count(*) filter (where event_type = 'cart') end
            as paymentless_carts
    from events
    group by session_key
),

hourly as (
    select user_id, cast(event_time as date) as day, date_trunc('hour', event_time) as hour, count(*) as purchases
    from events
    where event_type = 'purchase'
    group by user_id, day, hour
),

bursts as (
    select user_id, day, max(purchases) as purchase_burst
    from hourly
    group by user_id, day
),

final as (
    select
        s.session_key,
        s.user_id,
        s.session_start,
        s.session_start_date as session_date,
        s.is_bot,
        s.n_events / greatest(s.duration_minutes, 1.0) as events_per_minute,
        s.n_events,
        s.n_products,
        s.duration_minutes,
        coalesce(c.uncarted_view_share, 0.0) as uncarted_view_share,
        coalesce(r.gap_cv, 1.0) as gap_cv,
        coalesce(k.night_share, 0.0) as night_share,
        coalesce(b.purchase_burst, 0) as purchase_burst,
        coalesce(k.paymentless_carts, 0) as paymentless_carts
    from sessions as s
    left join regularity as r on s.session_key = r.session_key
    left join carting as c on s.session_key = c.session_key
    left join kinds as k on s.session_key = k.session_key
    left join bursts as b on s.user_id = b.user_id and s.session_start_date = b.day
)

select * from final
order by session_start, session_key
"""


def load_sessions(warehouse: Path, until: date | None = None) -> pd.DataFrame:
    """SESSION_COLUMNS + SESSION_FEATURES (as floats, filled as the module docstring says) for every session
    starting on or before `until` (None: all), ordered by start. `session_date` is the start day (datetime64);
    `is_bot` is a nullable boolean, NA where the source labels no sessions."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        raw = con.execute(_QUERY, {"until": until}).df()
    sessions = raw[list(SESSION_COLUMNS)].assign(
        user_id=raw["user_id"].astype(str),
        session_date=pd.to_datetime(raw["session_date"]),
        is_bot=raw["is_bot"].astype("boolean"),
    )
    return pd.concat([sessions, raw[list(SESSION_FEATURES)].astype(float)], axis=1)

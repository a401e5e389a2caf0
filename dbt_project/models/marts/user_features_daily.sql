{{ daily_model_config('feature_date') }}

{#- Point in time: the row for feature_date D uses only events on days <= D and
    reviews written before D + 1 day, and is stamped feature_timestamp = D + 1 day.
    Spend is net of cancellations and null for a source without prices; the purchase
    features look back up to 365 days, reading only purchase and cancellation events. -#}
{%- set rolling = {'views': "event_type = 'view'", 'carts': "event_type = 'cart'", 'purchases': "event_type = 'purchase'"} -%}

with events as (
    -- the window plus the 30-day lookback of the longest rolling feature
    select * from {{ ref('stg_events') }}
    where {{ daily_window('event_date', lookback_days=29) }}
),

purchase_events as (
    -- a year of purchases and cancellations before the window: a small share of all events
    select * from {{ ref('stg_events') }}
    where event_type in ('purchase', 'cancel') and {{ daily_window('event_date', lookback_days=364) }}
),

-- whether the source has prices and cancellations, from what the window reads (so a
-- day's cost does not grow with history)
kinds as (
    select
        (select count(price) from events) + (select count(price) from purchase_events) > 0 as has_prices,
        (select count_if(event_type = 'cancel') from purchase_events) > 0 as has_cancellations
),

event_history as (
    -- first day, last event and last purchase may lie further back: one row per user-day
    select
        user_id,
        event_date,
        bool_or(event_type = 'purchase') as has_purchase
    from {{ ref('stg_events') }}
    where event_date <= {{ window_end() }}
    group by 1, 2
),

data_bounds as (
    select max(event_date) as data_end_date from {{ ref('stg_events') }}
),

products as (
    select * from {{ ref('stg_products') }}
),

reviews as (
    select * from {{ ref('stg_reviews') }}
    where review_date <= {{ window_end() }}
),

sessionized as (
    select * from {{ sessionize('events') }}
),

first_days as (
    select user_id, min(event_date) as first_event_date
    from event_history
    group by 1
),

spine as (
    {{ day_spine('user_id', 'feature_date') }}
),

daily as (
    select
        user_id,
        event_date,
        {%- for name, condition in rolling.items() %}
        count_if({{ condition }}) as n_{{ name }},
        {%- endfor %}
        -- decimal sums are exact, so the feature does not depend on DuckDB's summation order
        sum(cast(purchase_amount as decimal(18, 4))) as spend
    from events
    group by 1, 2
),

daily_categories as (
    select distinct events.user_id, events.event_date, products.category
    from events
    inner join products on events.product_id = products.product_id
    where products.category is not null
),

-- sessions clipped at midnight, so a session running past D never leaks into D
purchase_gaps as (
    select
        user_id,
        event_date,
        cast({{ days_between('lag(event_date) over (partition by user_id order by event_date)', 'event_date') }} as integer) as gap_days
    from event_history
    where has_purchase
),

-- one row per user and day with a purchase or cancellation; order-less purchases of a day are one order
purchase_daily as (
    select
        purchase_events.user_id,
        purchase_events.event_date,
        bool_or(purchase_events.event_type = 'purchase') as has_purchase,
        count(distinct purchase_events.order_id) filter (where purchase_events.event_type = 'purchase')
            + cast(bool_or(purchase_events.event_type = 'purchase' and purchase_events.order_id is null) as int) as n_orders,
        coalesce(sum(purchase_events.units) filter (where purchase_events.event_type = 'purchase'), 0) as units_bought,
        coalesce(sum(purchase_events.units) filter (where purchase_events.event_type = 'cancel'), 0) as units_cancelled,
        sum(cast(purchase_events.purchase_amount as decimal(18, 4))) as net_spend,
        {{ distinct_list('purchase_events.product_id', "purchase_events.event_type = 'purchase'") }} as products,
        any_value(purchase_gaps.gap_days) as gap_days
    from purchase_events
    left join purchase_gaps
        on purchase_events.user_id = purchase_gaps.user_id and purchase_events.event_date = purchase_gaps.event_date
    group by 1, 2
),

session_days as (
    select
        user_id,
        session_key,
        event_date,
        bool_or(event_type = 'cart') as carted,
        bool_or(event_type = 'purchase') as purchased,
        {{ seconds_between('min(event_time)', 'max(event_time)') }} as session_seconds
    from sessionized
    group by 1, 2, 3
),

rolling_counts as (
    select
        spine.user_id,
        spine.feature_date,
        {%- for name in rolling.keys() | list + ['spend'] %}
        {%- set column = 'spend' if name == 'spend' else 'n_' ~ name %}
        {%- set last_name = loop.last %}
        {%- for days in [1, 7, 30] %}
        cast(coalesce(sum(daily.{{ column }}) filter (where daily.event_date > spine.feature_date - {{ days }}), 0) as {{ 'double' if name == 'spend' else 'bigint' }}) as {{ name }}_{{ days }}d{{ ',' if not (last_name and loop.last) }}
        {%- endfor %}
        {%- endfor %}
    from spine
    left join daily
        on spine.user_id = daily.user_id
        and daily.event_date between spine.feature_date - 29 and spine.feature_date
    group by 1, 2
),

rolling_categories as (
    select
        spine.user_id,
        spine.feature_date,
        count(distinct daily_categories.category) as distinct_categories_30d
    from spine
    left join daily_categories
        on spine.user_id = daily_categories.user_id
        and daily_categories.event_date between spine.feature_date - 29 and spine.feature_date
    group by 1, 2
),

rolling_sessions as (
    select
        spine.user_id,
        spine.feature_date,
        count(session_days.session_key) as sessions_30d,
        count_if(session_days.carted and not session_days.purchased)
            / nullif(count_if(session_days.carted), 0) as cart_abandonment_rate_30d,
        avg(session_days.session_seconds) / 60.0 as mean_session_minutes_30d  -- an exact integer mean
    from spine
    left join session_days
        on spine.user_id = session_days.user_id
        and session_days.event_date between spine.feature_date - 29 and spine.feature_date
    group by 1, 2
),

purchase_days as (
    select user_id, event_date from event_history where has_purchase
),

rolling_purchases as (
    select
        spine.user_id,
        spine.feature_date,
        {%- for days in [90, 365] %}
        count(purchase_daily.event_date) filter (
            where purchase_daily.has_purchase and purchase_daily.event_date > spine.feature_date - {{ days }}
        ) as purchase_days_{{ days }}d,
        {{ count_distinct_in_lists('purchase_daily.products', 'purchase_daily.event_date > spine.feature_date - ' ~ days) }}
            as distinct_products_{{ days }}d,
        sum(purchase_daily.net_spend) filter (where purchase_daily.event_date > spine.feature_date - {{ days }}) as spend_{{ days }}d,
        {%- endfor %}
        {%- for days in [30, 90, 365] %}
        coalesce(sum(purchase_daily.n_orders) filter (where purchase_daily.event_date > spine.feature_date - {{ days }}), 0) as orders_{{ days }}d,
        {%- endfor %}
        sum(purchase_daily.net_spend) filter (
            where purchase_daily.event_date between spine.feature_date - 119 and spine.feature_date - 30
        ) as spend_prev_90d,
        sum(purchase_daily.units_cancelled) / nullif(sum(purchase_daily.units_bought), 0) as cancelled_share_365d,
        -- gaps between purchase days, both ends inside the 365 days; the standard deviation from exact integer
        -- sums, the same in every run (stddev_samp adds floats in whichever order the threads meet the rows)
        {%- set gap = "purchase_daily.gap_days" %}
        {%- set in_year = "where purchase_daily.event_date - purchase_daily.gap_days > spine.feature_date - 365" %}
        avg({{ gap }}) filter ({{ in_year }}) as mean_purchase_interval_days,
        sqrt(
            (count({{ gap }}) filter ({{ in_year }}) * sum({{ gap }} * {{ gap }}) filter ({{ in_year }})
             - sum({{ gap }}) filter ({{ in_year }}) * sum({{ gap }}) filter ({{ in_year }}))
            / nullif(count({{ gap }}) filter ({{ in_year }}) * (count({{ gap }}) filter ({{ in_year }}) - 1), 0)
        ) as std_purchase_interval_days
    from spine
    left join purchase_daily
        on spine.user_id = purchase_daily.user_id
        and purchase_daily.event_date between spine.feature_date - 364 and spine.feature_date
    group by 1, 2
),

review_running as (
    select
        user_id,
        review_date,
        sum(count(*)) over (partition by user_id order by review_date) as n_reviews,
        sum(sum(rating)) over (partition by user_id order by review_date) as rating_total
    from reviews
    group by 1, 2
),

final as (
    select
        spine.user_id,
        spine.feature_date,
        cast(spine.feature_date + 1 as timestamp) as feature_timestamp,
        {%- for name in rolling.keys() %}
        {%- for days in [1, 7, 30] %}
        rolling_counts.{{ name }}_{{ days }}d,
        {%- endfor %}
        {%- endfor %}
        {%- for days in [1, 7, 30] %}
        case when kinds.has_prices then rolling_counts.spend_{{ days }}d end as spend_{{ days }}d,
        {%- endfor %}
        {%- for days in [90, 365] %}
        rolling_purchases.purchase_days_{{ days }}d,
        coalesce(rolling_purchases.distinct_products_{{ days }}d, 0) as distinct_products_{{ days }}d,
        case when kinds.has_prices then cast(coalesce(rolling_purchases.spend_{{ days }}d, 0) as double) end as spend_{{ days }}d,
        {%- endfor %}
        {%- for days in [30, 90, 365] %}
        cast(rolling_purchases.orders_{{ days }}d as bigint) as orders_{{ days }}d,
        {%- endfor %}
        -- spend of the last 30 days against the monthly mean of the 90 before (null without earlier spend)
        case when kinds.has_prices then
            rolling_counts.spend_30d / nullif(cast(rolling_purchases.spend_prev_90d as double) / 3, 0)
        end as spend_trend_30d_vs_prev_90d,
        case when kinds.has_cancellations then coalesce(rolling_purchases.cancelled_share_365d, 0) end as cancelled_share_365d,
        {{ days_between('first_days.first_event_date', 'spine.feature_date') }} as tenure_days,
        rolling_purchases.mean_purchase_interval_days,
        rolling_purchases.std_purchase_interval_days,
        -- days since the last purchase over the user's own mean interval: > 1 = overdue
        {{ days_between('last_purchase.event_date', 'spine.feature_date') }} / nullif(rolling_purchases.mean_purchase_interval_days, 0)
            as purchase_overdue_ratio,
        rolling_categories.distinct_categories_30d,
        {{ days_between('last_event.event_date', 'spine.feature_date') }} as days_since_last_event,
        {{ days_between('last_purchase.event_date', 'spine.feature_date') }} as days_since_last_purchase,
        rolling_sessions.sessions_30d,
        rolling_sessions.cart_abandonment_rate_30d,
        rolling_sessions.mean_session_minutes_30d,
        cast(coalesce(review_running.n_reviews, 0) as bigint) as n_reviews,
        review_running.rating_total / review_running.n_reviews as mean_review_rating
    from spine
    inner join rolling_counts
        on spine.user_id = rolling_counts.user_id and spine.feature_date = rolling_counts.feature_date
    inner join rolling_categories
        on spine.user_id = rolling_categories.user_id and spine.feature_date = rolling_categories.feature_date
    inner join rolling_sessions
        on spine.user_id = rolling_sessions.user_id and spine.feature_date = rolling_sessions.feature_date
    inner join rolling_purchases
        on spine.user_id = rolling_purchases.user_id and spine.feature_date = rolling_purchases.feature_date
    inner join first_days on spine.user_id = first_days.user_id
    cross join kinds
    {{ asof_left_join('event_history', 'last_event', 'spine.user_id', 'user_id', 'spine.feature_date', 'event_date') }}
    {{ asof_left_join('purchase_days', 'last_purchase', 'spine.user_id', 'user_id', 'spine.feature_date', 'event_date') }}
    {{ asof_left_join('review_running', 'review_running', 'spine.user_id', 'user_id', 'spine.feature_date', 'review_date') }}
)

select * from final

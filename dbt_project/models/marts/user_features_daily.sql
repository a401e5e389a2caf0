{{ daily_model_config('feature_date') }}

{#- Point in time: the row for feature_date D uses only events on days <= D and
    reviews written before D + 1 day, and is stamped feature_timestamp = D + 1 day. -#}
{%- set rolling = {'views': "event_type = 'view'", 'carts': "event_type = 'cart'", 'purchases': "event_type = 'purchase'"} -%}

with events as (
    -- the window plus the 30-day lookback of the longest rolling feature
    select * from {{ ref('stg_events') }}
    where {{ daily_window('event_date', lookback_days=29) }}
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
session_days as (
    select
        user_id,
        session_key,
        event_date,
        bool_or(event_type = 'cart') as carted,
        bool_or(event_type = 'purchase') as purchased,
        date_diff('second', min(event_time), max(event_time)) as session_seconds
    from sessionized
    group by 1, 2, 3
),

rolling_counts as (
    select
        spine.user_id,
        spine.feature_date,
        {%- for name in rolling.keys() | list + ['spend'] %}
        {%- set column = 'spend' if name == 'spend' else 'n_' ~ name %}
        {%- for days in [1, 7, 30] %}
        cast(coalesce(sum(daily.{{ column }}) filter (where daily.event_date > spine.feature_date - {{ days }}), 0) as {{ 'double' if name == 'spend' else 'bigint' }}) as {{ name }}_{{ days }}d,
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
        {%- for name in rolling.keys() | list + ['spend'] %}
        {%- for days in [1, 7, 30] %}
        rolling_counts.{{ name }}_{{ days }}d,
        {%- endfor %}
        {%- endfor %}
        rolling_categories.distinct_categories_30d,
        spine.feature_date - last_event.event_date as days_since_last_event,
        spine.feature_date - last_purchase.event_date as days_since_last_purchase,
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
    asof left join event_history as last_event
        on spine.user_id = last_event.user_id and spine.feature_date >= last_event.event_date
    asof left join purchase_days as last_purchase
        on spine.user_id = last_purchase.user_id and spine.feature_date >= last_purchase.event_date
    asof left join review_running
        on spine.user_id = review_running.user_id and spine.feature_date >= review_running.review_date
)

select * from final

{{ daily_model_config('feature_date') }}

{#- Point in time as user_features_daily: row D uses events on days <= D and reviews
    written before D + 1 day; feature_timestamp = D + 1 day. -#}
{%- set metrics = {'views': "event_type = 'view'", 'carts': "event_type = 'cart'", 'purchases': "event_type = 'purchase'"} -%}

with events as (
    -- the window plus the 7-day lookback of the rolling features
    select * from {{ ref('stg_events') }}
    where {{ daily_window('event_date', lookback_days=6) }}
),

price_history as (
    -- first day and last seen price may lie further back: one row per product-day
    select
        product_id,
        event_date,
        max_by(price, event_time) filter (where price is not null) as last_price
    from {{ ref('stg_events') }}
    where event_date <= {{ window_end() }}
    group by 1, 2
),

data_bounds as (
    select max(event_date) as data_end_date from {{ ref('stg_events') }}
),

reviews as (
    select * from {{ ref('stg_reviews') }}
    where review_date <= {{ window_end() }} and product_id is not null
),

first_days as (
    select product_id, min(event_date) as first_event_date
    from price_history
    group by 1
),

spine as (
    {{ day_spine('product_id', 'feature_date') }}
),

daily as (
    select
        product_id,
        event_date,
        {%- for name, condition in metrics.items() %}
        count_if({{ condition }}) as n_{{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from events
    group by 1, 2
),

rolling as (
    select
        spine.product_id,
        spine.feature_date,
        {%- for name in metrics %}
        cast(coalesce(sum(daily.n_{{ name }}) filter (where daily.event_date = spine.feature_date), 0) as bigint) as {{ name }}_1d,
        cast(coalesce(sum(daily.n_{{ name }}), 0) as bigint) as {{ name }}_7d{{ ',' if not loop.last }}
        {%- endfor %}
    from spine
    left join daily
        on spine.product_id = daily.product_id
        and daily.event_date between spine.feature_date - 6 and spine.feature_date
    group by 1, 2
),

priced_days as (
    select product_id, event_date, last_price from price_history where last_price is not null
),

review_running as (
    select
        product_id,
        review_date,
        sum(count(*)) over (partition by product_id order by review_date) as n_reviews,
        sum(sum(rating)) over (partition by product_id order by review_date) as rating_total
    from reviews
    group by 1, 2
),

final as (
    select
        spine.product_id,
        spine.feature_date,
        cast(spine.feature_date + 1 as timestamp) as feature_timestamp,
        rolling.views_1d,
        rolling.carts_1d,
        rolling.purchases_1d,
        rolling.purchases_1d / nullif(rolling.views_1d, 0) as conversion_rate_1d,
        rolling.views_7d,
        rolling.carts_7d,
        rolling.purchases_7d,
        rolling.purchases_7d / nullif(rolling.views_7d, 0) as conversion_rate_7d,
        priced_days.last_price as price,
        cast(coalesce(review_running.n_reviews, 0) as bigint) as n_reviews,
        review_running.rating_total / review_running.n_reviews as mean_rating
    from spine
    inner join rolling
        on spine.product_id = rolling.product_id and spine.feature_date = rolling.feature_date
    {{ asof_left_join('priced_days', 'priced_days', 'spine.product_id', 'product_id', 'spine.feature_date', 'event_date') }}
    {{ asof_left_join('review_running', 'review_running', 'spine.product_id', 'product_id', 'spine.feature_date', 'review_date') }}
)

select * from final

{{ daily_model_config('demand_date') }}

with events as (
    select * from {{ ref('stg_events') }}
    where {{ daily_window('event_date') }}
),

first_days as (
    select product_id, min(event_date) as first_event_date
    from {{ ref('stg_events') }}
    where event_date <= {{ window_end() }}
    group by 1
),

data_bounds as (
    select max(event_date) as data_end_date from {{ ref('stg_events') }}
),

-- sessionising one window groups each day's events as a full run does, so
-- order counts (order_id, or the session for purchases without one) agree
sessionized as (
    select * from {{ sessionize('events') }}
),

spine as (
    {{ day_spine('product_id', 'demand_date') }}
),

daily as (
    select
        product_id,
        event_date,
        sum(units) as units,
        count(distinct order_key) as n_orders,
        sum(purchase_amount) as revenue
    from sessionized
    where event_type = 'purchase'
    group by 1, 2
),

final as (
    select
        spine.product_id,
        spine.demand_date,
        cast(coalesce(daily.units, 0) as bigint) as units,
        coalesce(daily.n_orders, 0) as n_orders,
        coalesce(daily.revenue, 0) as revenue,
        daily.revenue / nullif(daily.units, 0) as mean_price
    from spine
    left join daily
        on spine.product_id = daily.product_id and spine.demand_date = daily.event_date
)

select * from final

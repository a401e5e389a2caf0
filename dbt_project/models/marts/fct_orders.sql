{#- A cancellation (Online Retail's "C" invoices) names no order it cancels, so each is an
    order of its own with negative revenue: summing revenue nets cancellations out. -#}

with events as (
    select * from {{ ref('int_events_sessionized') }}
    where event_type in ('purchase', 'cancel')
),

orders as (
    select
        order_key,
        min(order_id) as order_id,
        min(user_id) as user_id,
        min(session_key) as session_key,
        min(event_time) as order_time,
        bool_or(event_type = 'cancel') as is_cancellation,
        count(distinct product_id) as n_items,
        sum(units) as n_units,
        sum(purchase_amount) as revenue
    from events
    group by order_key
),

final as (
    select
        order_key,
        order_id,
        user_id,
        session_key,
        order_time,
        cast(order_time as date) as order_date,
        is_cancellation,
        n_items,
        n_units,
        revenue
    from orders
)

select * from final

with events as (
    select * from {{ ref('int_events_sessionized') }}
    where event_type = 'purchase'
),

orders as (
    select
        order_key,
        min(order_id) as order_id,
        min(user_id) as user_id,
        min(session_key) as session_key,
        min(event_time) as order_time,
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
        n_items,
        n_units,
        revenue
    from orders
)

select * from final

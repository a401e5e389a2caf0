with users as (
    select * from {{ ref('stg_users') }}
),

events as (
    select * from {{ ref('int_events_sessionized') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

data_bounds as (
    select max(event_date) as data_end_date from events
),

event_users as (
    select
        user_id,
        min(event_time) as first_event_time,
        max(event_time) as last_event_time,
        count(distinct session_key) as n_sessions
    from events
    group by 1
),

order_users as (
    select
        user_id,
        count_if(not is_cancellation) as n_orders,
        sum(revenue) as total_spend,  -- net of cancellations
        max(order_date) filter (where not is_cancellation) as last_order_date
    from orders
    group by 1
),

all_users as (
    select user_id from users
    union
    select user_id from event_users
),

joined as (
    select
        all_users.user_id,
        users.country,
        users.signup_channel,
        least(users.first_seen, event_users.first_event_time) as first_seen,
        event_users.last_event_time as last_seen,
        {{ days_between('cast(least(users.first_seen, event_users.first_event_time) as date)', 'data_bounds.data_end_date') }} as tenure_days,
        coalesce(event_users.n_sessions, 0) as n_sessions,
        coalesce(order_users.n_orders, 0) as n_orders,
        coalesce(order_users.total_spend, 0) as total_spend,
        order_users.last_order_date,
        {{ days_between('order_users.last_order_date', 'data_bounds.data_end_date') }} as recency_days
    from all_users
    left join users on all_users.user_id = users.user_id
    left join event_users on all_users.user_id = event_users.user_id
    left join order_users on all_users.user_id = order_users.user_id
    cross join data_bounds
),

-- RFM quintiles among purchasers at the data's end date (5 = best); ties broken by user_id
rfm as (
    select
        user_id,
        ntile(5) over (order by recency_days desc, user_id) as r_score,
        ntile(5) over (order by n_orders, total_spend, user_id) as f_score,
        ntile(5) over (order by total_spend, n_orders, user_id) as m_score
    from joined
    where n_orders > 0
),

final as (
    select
        joined.*,
        rfm.r_score,
        rfm.f_score,
        rfm.m_score,
        case
            when joined.tenure_days < 14 then 'new'
            when joined.n_orders = 0 then 'browser'
            when rfm.r_score >= 4 and rfm.f_score >= 4 then 'champions'
            when rfm.f_score >= 4 or (rfm.r_score >= 3 and rfm.f_score >= 3) then 'loyal'
            when rfm.r_score <= 2 and rfm.f_score >= 3 then 'at_risk'
            when rfm.r_score <= 2 then 'hibernating'
            else 'promising'
        end as segment
    from joined
    left join rfm on joined.user_id = rfm.user_id
)

select * from final

{{ daily_model_config('session_start_date') }}

-- Sessions by start date. The read reaches one day either side of the window so a
-- session that crosses midnight is whole; only sessions starting in the window are written.
with events as (
    select * from {{ ref('stg_events') }}
    where {{ daily_window('event_date', lookback_days=1, lookahead_days=1) }}
),

session_labels as (
    select * from {{ ref('stg_session_labels') }}
),

sessionized as (
    select * from {{ sessionize('events') }}
),

sessions as (
    select
        session_key,
        min(user_id) as user_id,
        min(session_id) as session_id,
        min(event_time) as session_start,
        max(event_time) as session_end,
        count(*) as n_events,
        count(distinct product_id) as n_products,
        bool_or(event_type = 'view') as viewed,
        bool_or(event_type = 'cart') as carted,
        bool_or(event_type = 'purchase') as purchased,
        -- its purchases' amount (null without prices); cancellations belong to orders, not sessions
        case
            when bool_or(event_type = 'purchase') then sum(purchase_amount) filter (where event_type = 'purchase')
            else 0
        end as revenue
    from sessionized
    group by session_key
),

final as (
    select
        sessions.session_key,
        sessions.user_id,
        sessions.session_id,
        sessions.session_start,
        sessions.session_end,
        cast(sessions.session_start as date) as session_start_date,
        {{ seconds_between('sessions.session_start', 'sessions.session_end') }} / cast(60 as double) as duration_minutes,
        sessions.n_events,
        sessions.n_products,
        sessions.viewed,
        sessions.carted,
        sessions.purchased,
        sessions.viewed and sessions.purchased as converted,
        sessions.revenue,
        session_labels.is_bot
    from sessions
    left join session_labels on sessions.session_id = session_labels.session_id
    where {{ daily_window('cast(sessions.session_start as date)') }}
)

select * from final

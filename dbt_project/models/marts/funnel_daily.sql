{{ daily_model_config('session_date') }}

-- fct_sessions is daily too: the same run has just rebuilt the window's sessions.
with sessions as (
    select * from {{ ref('fct_sessions') }}
    where {{ daily_window('session_start_date') }}
),

counts as (
    select
        session_start_date as session_date,
        count(*) as n_sessions,
        count_if(viewed) as n_viewing_sessions,
        count_if(carted) as n_carting_sessions,
        count_if(purchased) as n_purchasing_sessions,
        count_if(viewed and carted) as n_view_cart_sessions,
        count_if(carted and purchased) as n_cart_purchase_sessions,
        count_if(viewed and purchased) as n_view_purchase_sessions,
        count_if(carted and not purchased) as n_abandoned_sessions,
        count(*) filter (where is_bot) as n_bot_sessions,
        sum(revenue) as revenue
    from sessions
    group by 1
),

final as (
    select
        session_date,
        n_sessions,
        n_viewing_sessions,
        n_carting_sessions,
        n_purchasing_sessions,
        n_bot_sessions,
        revenue,
        n_view_cart_sessions / nullif(n_viewing_sessions, 0) as view_to_cart_rate,
        n_cart_purchase_sessions / nullif(n_carting_sessions, 0) as cart_to_purchase_rate,
        n_view_purchase_sessions / nullif(n_viewing_sessions, 0) as view_to_purchase_rate,
        n_abandoned_sessions / nullif(n_carting_sessions, 0) as cart_abandonment_rate
    from counts
)

select * from final

-- a table, not a view: several marts and the tests read it, and a view re-runs its query for each of them
{{ config(materialized='table') }}

with events as (
    select * from {{ ref('int_events_sessionized') }}
),

products as (
    select * from {{ ref('stg_products') }}
),

reviews as (
    select * from {{ ref('stg_reviews') }}
),

event_days as (
    select
        events.user_id,
        events.event_date as activity_date,
        count(*) as n_events,
        count_if(events.event_type = 'view') as n_views,
        count_if(events.event_type = 'cart') as n_carts,
        count_if(events.event_type = 'remove_from_cart') as n_removes,
        count_if(events.event_type = 'purchase') as n_purchases,
        sum(case when events.event_type = 'purchase' then events.units else 0 end) as units_purchased,
        sum(events.purchase_amount) as spend,
        count(distinct products.category) as n_categories,
        count(distinct events.session_key) as n_sessions,
        count(distinct events.order_key) as n_orders
    from events
    left join products on events.product_id = products.product_id
    group by 1, 2
),

review_days as (
    select
        user_id,
        review_date as activity_date,
        count(*) as n_reviews,
        avg(rating) as mean_review_rating
    from reviews
    group by 1, 2
),

final as (
    select
        coalesce(event_days.user_id, review_days.user_id) as user_id,
        coalesce(event_days.activity_date, review_days.activity_date) as activity_date,
        coalesce(event_days.n_events, 0) as n_events,
        coalesce(event_days.n_views, 0) as n_views,
        coalesce(event_days.n_carts, 0) as n_carts,
        coalesce(event_days.n_removes, 0) as n_removes,
        coalesce(event_days.n_purchases, 0) as n_purchases,
        coalesce(event_days.units_purchased, 0) as units_purchased,
        coalesce(event_days.spend, 0) as spend,
        coalesce(event_days.n_categories, 0) as n_categories,
        coalesce(event_days.n_sessions, 0) as n_sessions,
        coalesce(event_days.n_orders, 0) as n_orders,
        coalesce(review_days.n_reviews, 0) as n_reviews,
        review_days.mean_review_rating
    from event_days
    full outer join review_days
        on event_days.user_id = review_days.user_id
        and event_days.activity_date = review_days.activity_date
)

select * from final

-- a table, not a view: several marts and the tests read it, and a view re-runs its query for each of them
{{ config(materialized='table') }}

with events as (
    select * from {{ ref('stg_events') }}
),

sessionized as (
    select * from {{ sessionize('events') }}
),

final as (
    select
        event_id,
        event_time,
        event_date,
        user_id,
        session_id,
        session_key,
        session_start,
        event_type,
        product_id,
        price,
        units,
        purchase_amount,
        order_id,
        order_key
    from sessionized
)

select * from final

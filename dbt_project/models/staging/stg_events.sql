with source as (
    select * from {{ source('raw', 'events') }}
),

renamed as (
    select
        event_id,
        event_time,
        -- the hive partition (file event_date=D/): filtering on it prunes whole day files
        cast(event_date as date) as event_date,
        user_id,
        session_id,
        event_type,
        product_id,
        price,
        quantity,
        coalesce(quantity, 1) as units,
        -- what the event adds to revenue: null without a price (a price-less source has no spend)
        case
            when event_type = 'purchase' then price * coalesce(quantity, 1)
            when event_type = 'cancel' then -price * coalesce(quantity, 1)
            else 0
        end as purchase_amount,
        order_id
    from source
)

select * from renamed

with source as (
    select * from {{ source('raw', 'reviews') }}
),

renamed as (
    select
        review_id,
        user_id,
        product_id,
        rating,
        text as review_text,
        review_time,
        cast(review_time as date) as review_date
    from source
)

select * from renamed

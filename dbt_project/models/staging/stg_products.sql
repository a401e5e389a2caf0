with source as (
    select * from {{ source('raw', 'products') }}
),

renamed as (
    select
        product_id,
        category,
        brand,
        price
    from source
)

select * from renamed

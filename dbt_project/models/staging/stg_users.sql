with source as (
    select * from {{ source('raw', 'users') }}
),

-- only the allowed columns: never personal data (email, name, address, ...)
renamed as (
    select
        user_id,
        first_seen,
        country,
        signup_channel
    from source
)

select * from renamed

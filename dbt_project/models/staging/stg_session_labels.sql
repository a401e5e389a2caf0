with source as (
    select * from {{ source('raw', 'session_labels') }}
),

renamed as (
    select
        session_id,
        is_bot
    from source
)

select * from renamed

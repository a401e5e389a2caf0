with source as (
    select * from {{ source('raw', 'quarantine') }}
),

renamed as (
    select
        table_name,
        source_file,
        row_number,
        column_name,
        reason,
        raw_record
    from source
)

select * from renamed

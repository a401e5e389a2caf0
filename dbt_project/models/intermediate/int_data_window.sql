{#- The span of days the data is dense enough to learn from, and the kinds of data it has.
    A day with fewer events than var('sparse_day_share') of the median day, before or after
    every busier day, is a sparse head or tail (one stray timestamp, a session running past
    the last midnight): cutoffs and label windows stay inside the dense span. Ingest reports
    the same days in landed_source's metadata. -#}

with events as (
    select * from {{ ref('stg_events') }}
),

days as (
    select event_date, count(*) as n_events
    from events
    group by 1
),

dense_days as (
    select event_date
    from days
    where n_events >= {{ var('sparse_day_share') | float }} * (select {{ median_value('n_events') }} from days)
),

kinds as (
    select
        count(price) > 0 as has_prices,
        count_if(event_type = 'cancel') > 0 as has_cancellations
    from events
),

final as (
    select
        (select min(event_date) from days) as first_event_date,
        (select max(event_date) from days) as last_event_date,
        min(dense_days.event_date) as data_start_date,
        max(dense_days.event_date) as data_end_date,
        any_value(kinds.has_prices) as has_prices,
        any_value(kinds.has_cancellations) as has_cancellations
    from dense_days
    cross join kinds
)

select * from final

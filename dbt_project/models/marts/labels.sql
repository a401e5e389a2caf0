{#- Cutoff C (a midnight): population = users with an event in [C - 30 d, C), not
    only in excluded sessions (labelled bots, and flagged ones while exclusion is on);
    outcomes look only at [C, C + 7 d) and [C, C + 30 d), and are null when that window runs past the data end (midnight after the last dense day of data). Cutoffs
    run from the 8th dense day: a sparse head (stray early events) opens none. Features
    for C are the rows with feature_timestamp = C, i.e. feature_date = C - 1 day. -#}

with events as (
    select * from {{ ref('int_events_sessionized') }}
),

excluded_sessions as (
    select * from {{ ref('excluded_sessions') }}
),

data_bounds as (
    select
        data_start_date,
        data_end_date,
        cast(data_end_date + 1 as timestamp) as data_end_timestamp
    from {{ ref('int_data_window') }}
),

cutoffs as (
    select cast(cutoff_day as date) as cutoff_date, cutoff_day as cutoff_timestamp
    from (
        select {{ explode_days('cast(data_start_date + 7 as timestamp)', 'cast(data_end_date as timestamp)',
                               var('label_every_days') | int) }} as cutoff_day
        from data_bounds
    ) as cutoff_days
),

-- users active in the 30 days before the cutoff, unless every such event is in an
-- excluded session (a labelled bot's or a flagged one; the others count as human)
population as (
    select
        cutoffs.cutoff_date,
        cutoffs.cutoff_timestamp,
        events.user_id
    from cutoffs
    inner join events
        on events.event_time >= cutoffs.cutoff_timestamp - interval 30 day
        and events.event_time < cutoffs.cutoff_timestamp
    left join excluded_sessions on events.session_key = excluded_sessions.session_key
    group by 1, 2, 3
    having not bool_and(excluded_sessions.session_key is not null)
),

outcomes as (
    select
        population.cutoff_date,
        population.user_id,
        count(events.event_time) filter (
            where events.event_type = 'purchase'
            and events.event_time < population.cutoff_timestamp + interval 7 day
        ) as n_purchases_next_7d,
        count(events.event_time) as n_events_next_30d
    from population
    left join events
        on events.user_id = population.user_id
        and events.event_time >= population.cutoff_timestamp
        and events.event_time < population.cutoff_timestamp + interval 30 day
    group by 1, 2
),

final as (
    select
        population.user_id,
        population.cutoff_date,
        population.cutoff_timestamp,
        population.cutoff_date - 1 as feature_date,
        case
            when population.cutoff_timestamp + interval 7 day <= data_bounds.data_end_timestamp
                then outcomes.n_purchases_next_7d > 0
        end as purchased_next_7d,
        case
            when population.cutoff_timestamp + interval 30 day <= data_bounds.data_end_timestamp
                then outcomes.n_events_next_30d = 0
        end as churned_next_30d
    from population
    inner join outcomes
        on population.cutoff_date = outcomes.cutoff_date and population.user_id = outcomes.user_id
    cross join data_bounds
)

select * from final

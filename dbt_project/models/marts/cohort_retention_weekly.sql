with activity as (
    select * from {{ ref('int_user_activity_daily') }}
    where n_events > 0
),

user_weeks as (
    select distinct user_id, cast(date_trunc('week', activity_date) as date) as activity_week
    from activity
),

cohorts as (
    select user_id, min(activity_week) as cohort_week
    from user_weeks
    group by 1
),

cohort_sizes as (
    select cohort_week, count(*) as cohort_size
    from cohorts
    group by 1
),

last_week as (
    select max(activity_week) as last_activity_week from user_weeks
),

grid as (
    select
        cohort_sizes.cohort_week,
        cohort_sizes.cohort_size,
        {{ explode_integers('0', weeks_between('cohort_sizes.cohort_week', 'last_week.last_activity_week')) }} as weeks_since_first_seen
    from cohort_sizes
    cross join last_week
),

active as (
    select
        cohorts.cohort_week,
        {{ weeks_between('cohorts.cohort_week', 'user_weeks.activity_week') }} as weeks_since_first_seen,
        count(distinct user_weeks.user_id) as active_users
    from user_weeks
    inner join cohorts on user_weeks.user_id = cohorts.user_id
    group by 1, 2
),

final as (
    select
        grid.cohort_week,
        grid.weeks_since_first_seen,
        grid.cohort_size,
        coalesce(active.active_users, 0) as active_users,
        coalesce(active.active_users, 0) / grid.cohort_size as retention_share
    from grid
    left join active
        on grid.cohort_week = active.cohort_week
        and grid.weeks_since_first_seen = active.weeks_since_first_seen
)

select * from final

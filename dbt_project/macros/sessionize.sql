{#-
    Sessionise an events relation (a ref or a CTE name with stg_events' columns).

    A session is the source session_id when present; otherwise, per user, a new
    session starts when more than 30 minutes pass since the user's previous
    session-less event (a gap of exactly 30 minutes stays in the same session).
    Gap sessions are keyed `user_id || '-' || epoch(session start)`, which depends
    only on earlier events, so sessionising any window that starts at a midnight
    groups that window's events the same way as sessionising all events.
    Adds session_key, session_start, and order_key (and the helper columns is_new_session and
    gap_session_number: Spark SQL has no `* exclude`) (order_id, or the session for
    purchases without one; a cancellation without one is its session's cancellation order).
-#}
{% macro sessionize(events, gap_minutes=30) %}
    (
        with gaps as (
            select
                *,
                case
                    when session_id is not null then 0
                    when lag(event_time) over w is null then 1
                    when event_time - lag(event_time) over w > interval {{ gap_minutes }} minute then 1
                    else 0
                end as is_new_session
            from {{ events }}
            window w as (
                partition by user_id, session_id is null
                order by event_time, event_id
            )
        ),

        numbered as (
            select
                *,
                sum(is_new_session) over (
                    partition by user_id, session_id is null
                    order by event_time, event_id
                    rows between unbounded preceding and current row
                ) as gap_session_number
            from gaps
        ),

        keyed as (
            select
                *,
                coalesce(
                    session_id,
                    user_id || '-' || cast({{ epoch_seconds(
                        "min(event_time) over (partition by user_id, session_id is null, gap_session_number)"
                    ) }} as bigint)
                ) as session_key
            from numbered
        )

        select
            *,
            min(event_time) over (partition by session_key) as session_start,
            case
                when event_type = 'purchase' then coalesce(order_id, session_key)
                when event_type = 'cancel' then coalesce(order_id, session_key || '-cancel')
            end as order_key
        from keyed
    )
{% endmacro %}

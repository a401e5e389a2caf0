{#- Sessions the models leave out of label populations, interactions and purchase histories:
    those the source labels bots, and those the suspicious_sessions asset flagged while its
    exclusion is on. -#}

with session_labels as (
    select * from {{ ref('stg_session_labels') }}
),

suspicious as (
    select * from {{ source('risk', 'suspicious_sessions') }}
),

labelled as (
    select session_id as session_key, true as labelled_bot, false as flagged, cast(null as {{ dbt.type_string() }}) as flag_reason
    from session_labels
    where is_bot
),

flagged as (
    select
        session_key,
        false as labelled_bot,
        true as flagged,
        'flagged by ' || detector || ' (score ' || round(score, 3) || '): ' || reason as flag_reason
    from suspicious
    where excluded
),

final as (
    select
        session_key,
        bool_or(labelled_bot) as labelled_bot,
        bool_or(flagged) as flagged,
        max(flag_reason) as flag_reason
    from (select * from labelled union all select * from flagged) as sessions
    group by session_key
)

select * from final

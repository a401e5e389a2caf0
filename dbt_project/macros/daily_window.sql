{#-
    The one place that knows the daily window of a partitioned run.

    Dagster runs `dbt build --select tag:daily --vars '{start_date: ..., end_date: ...}'`
    (an inclusive day window); without vars the defaults in dbt_project.yml cover every
    date. Every daily model filters its reads with `daily_window(col, lookback_days=N)`
    and its output with `daily_window(col)`, and clears the window before inserting
    with `clear_daily_window(col)` (a pre-hook), so a rerun replaces the window.
-#}

{% macro _window_date(name) -%}
    {%- set value = var(name) | string -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', value) -%}
        {{ exceptions.raise_compiler_error("var " ~ name ~ " must be YYYY-MM-DD, got '" ~ value ~ "'") }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{% macro window_start(lookback_days=0) -%}
    {%- if _window_date('start_date') > _window_date('end_date') -%}
        {{ exceptions.raise_compiler_error("start_date is after end_date") }}
    {%- endif -%}
    (date '{{ _window_date("start_date") }}' - {{ lookback_days | int }})
{%- endmacro %}

{% macro window_end(lookahead_days=0) -%}
    (date '{{ _window_date("end_date") }}' + {{ lookahead_days | int }})
{%- endmacro %}

{% macro daily_window(column, lookback_days=0, lookahead_days=0) -%}
    ({{ column }} between {{ window_start(lookback_days) }} and {{ window_end(lookahead_days) }})
{%- endmacro %}

{# Pre-hook of every daily model: on an incremental run drop the whole window first,
   so days that produce no rows this time do not keep stale ones. #}
{% macro clear_daily_window(column) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ daily_window(column) }}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{# The config every daily model shares: incremental delete+insert on its date column (dbt-spark has
   no delete+insert: on Spark a daily model is a table, built whole).
   on_schema_change is not set here (a config() call here would win over the models' yml):
   dbt_project.yml gives sync_all_columns, and a model with a contract sets its own in yml. #}
{% macro daily_model_config(date_column) -%}
    {{ config(
        materialized='table' if target.type == 'spark' else 'incremental',
        incremental_strategy='delete+insert',
        unique_key=date_column,
        tags=['daily'],
        pre_hook="{{ clear_daily_window('" ~ date_column ~ "') }}",
    ) }}
{%- endmacro %}

{# One row per entity per day of the window, from the entity's first event day to the
   last day of data. `first_days` has (key, first_event_date); `data_bounds` has data_end_date. #}
{% macro day_spine(key, date_column, first_days='first_days', data_bounds='data_bounds') -%}
    select {{ key }}, cast(spine_day as date) as {{ date_column }}
    from (
        select
            first_days.{{ key }},
            {{ explode_days(
                "cast(greatest(first_days.first_event_date, " ~ window_start() ~ ") as timestamp)",
                "cast(least(data_bounds.data_end_date, " ~ window_end() ~ ") as timestamp)") }} as spine_day
        from {{ first_days }} as first_days
        cross join {{ data_bounds }} as data_bounds
    ) as spine_days
{%- endmacro %}

{# The data tests of a daily model see only the run's window (dbt's get_where_subquery,
   overridden): a day's run tests its day instead of rescanning the history. A full build's
   window covers every date, so it tests every row. #}
{% macro default__get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- set tested = graph.nodes.get(model.attached_node) if execute and model.attached_node else none -%}
    {%- if tested and 'daily' in tested.config.tags -%}
        {%- set window = daily_window(tested.config.unique_key) -%}
        {%- set where = window ~ (' and (' ~ where ~ ')' if where else '') -%}
    {%- endif -%}
    {%- if where -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}

{#-
    What DuckDB and Spark SQL spell differently, in one place. Each macro dispatches on the
    adapter: duckdb__ renders the SQL the models always had (so the DuckDB build does not
    change), spark__ its Spark equivalent. dbt's own cross-db macros are used where they
    render the same on both (dbt.type_string); dbt-spark's datediff raises on nulls, hence ours.
-#}

{# Whole days from `start` to `stop` (dates), a bigint, null when either is null. #}
{% macro days_between(start, stop) -%}{{ adapter.dispatch('days_between')(start, stop) }}{%- endmacro %}
{% macro duckdb__days_between(start, stop) -%}({{ stop }} - {{ start }}){%- endmacro %}
{% macro spark__days_between(start, stop) -%}cast(datediff({{ stop }}, {{ start }}) as bigint){%- endmacro %}

{# Whole weeks between two Monday-aligned dates. #}
{% macro weeks_between(start, stop) -%}{{ adapter.dispatch('weeks_between')(start, stop) }}{%- endmacro %}
{% macro duckdb__weeks_between(start, stop) -%}date_diff('week', {{ start }}, {{ stop }}){%- endmacro %}
{% macro spark__weeks_between(start, stop) -%}cast(datediff({{ stop }}, {{ start }}) div 7 as bigint){%- endmacro %}

{# Second boundaries crossed from `start` to `stop` (timestamps). #}
{% macro seconds_between(start, stop) -%}{{ adapter.dispatch('seconds_between')(start, stop) }}{%- endmacro %}
{% macro duckdb__seconds_between(start, stop) -%}date_diff('second', {{ start }}, {{ stop }}){%- endmacro %}
{% macro spark__seconds_between(start, stop) -%}(unix_timestamp({{ stop }}) - unix_timestamp({{ start }})){%- endmacro %}

{# Seconds since 1970-01-01 of a naive UTC timestamp. #}
{% macro epoch_seconds(timestamp) -%}{{ adapter.dispatch('epoch_seconds')(timestamp) }}{%- endmacro %}
{% macro duckdb__epoch_seconds(timestamp) -%}epoch({{ timestamp }}){%- endmacro %}
{% macro spark__epoch_seconds(timestamp) -%}unix_timestamp({{ timestamp }}){%- endmacro %}

{# A set-returning select-list expression: one row per timestamp from `start` to `stop`, every `days` days. #}
{% macro explode_days(start, stop, days=1) -%}{{ adapter.dispatch('explode_days')(start, stop, days) }}{%- endmacro %}
{% macro duckdb__explode_days(start, stop, days) -%}
    unnest(generate_series({{ start }}, {{ stop }}, interval {{ days }} day))
{%- endmacro %}
{% macro spark__explode_days(start, stop, days) -%}
    explode(sequence({{ start }}, {{ stop }}, interval {{ days }} day))
{%- endmacro %}

{# A set-returning select-list expression: one row per integer from `first` to `last` (last >= first). #}
{% macro explode_integers(first, last) -%}{{ adapter.dispatch('explode_integers')(first, last) }}{%- endmacro %}
{% macro duckdb__explode_integers(first, last) -%}unnest(range({{ first }}, {{ last }} + 1)){%- endmacro %}
{% macro spark__explode_integers(first, last) -%}explode(sequence({{ first }}, {{ last }})){%- endmacro %}

{# The distinct non-null values of the group as a list, where `condition` holds. #}
{% macro distinct_list(expression, condition) -%}{{ adapter.dispatch('distinct_list')(expression, condition) }}{%- endmacro %}
{% macro duckdb__distinct_list(expression, condition) -%}
    list(distinct {{ expression }}) filter (where {{ condition }})
{%- endmacro %}
{% macro spark__distinct_list(expression, condition) -%}
    collect_set({{ expression }}) filter (where {{ condition }})
{%- endmacro %}

{# How many distinct values the group's lists hold, over the rows where `condition` holds. #}
{% macro count_distinct_in_lists(lists, condition) -%}{{ adapter.dispatch('count_distinct_in_lists')(lists, condition) }}{%- endmacro %}
{% macro duckdb__count_distinct_in_lists(lists, condition) -%}
    len(list_distinct(flatten(list({{ lists }}) filter (where {{ condition }}))))
{%- endmacro %}
{% macro spark__count_distinct_in_lists(lists, condition) -%}
    cast(size(array_distinct(flatten(collect_list({{ lists }}) filter (where {{ condition }})))) as bigint)
{%- endmacro %}

{# The group's median, one of its values. #}
{% macro median_value(expression) -%}{{ adapter.dispatch('median_value')(expression) }}{%- endmacro %}
{% macro duckdb__median_value(expression) -%}quantile_disc({{ expression }}, 0.5){%- endmacro %}
{% macro spark__median_value(expression) -%}percentile_disc(0.5) within group (order by {{ expression }}){%- endmacro %}

{#- A join clause: each `left_key`/`at` row meets the `relation` row of the same key with the
    latest `date_column` on or before `at` (or none). `relation` holds one row per key and date.
    DuckDB has ASOF joins; elsewhere each relation row is valid until the key's next date. -#}
{% macro asof_left_join(relation, alias, left_key, key, at, date_column) -%}
    {{ adapter.dispatch('asof_left_join')(relation, alias, left_key, key, at, date_column) }}
{%- endmacro %}
{% macro duckdb__asof_left_join(relation, alias, left_key, key, at, date_column) -%}
    asof left join {{ relation }} as {{ alias }}
        on {{ left_key }} = {{ alias }}.{{ key }} and {{ at }} >= {{ alias }}.{{ date_column }}
{%- endmacro %}
{% macro default__asof_left_join(relation, alias, left_key, key, at, date_column) -%}
    left join (
        select *, lead({{ date_column }}) over (partition by {{ key }} order by {{ date_column }}) as valid_until
        from {{ relation }}
    ) as {{ alias }}
        on {{ left_key }} = {{ alias }}.{{ key }} and {{ at }} >= {{ alias }}.{{ date_column }}
        and ({{ alias }}.valid_until is null or {{ at }} < {{ alias }}.valid_until)
{%- endmacro %}

{# The table the graph's suspicious_sessions asset writes for dbt (source `risk`), empty until it runs. #}
{% macro create_risk_tables() -%}
    {%- set columns -%}
        session_key {{ dbt.type_string() }}, user_id {{ dbt.type_string() }}, session_date date, score double,
        detector {{ dbt.type_string() }}, reason {{ dbt.type_string() }}, flagged boolean, excluded boolean
    {%- endset -%}
    {{ adapter.dispatch('create_risk_tables')(columns) }}
{%- endmacro %}
{% macro duckdb__create_risk_tables(columns) -%}
    create table if not exists {{ target.schema }}.suspicious_sessions ({{ columns }})
{%- endmacro %}
{% macro spark__create_risk_tables(columns) -%}
    create table if not exists {{ target.schema }}.suspicious_sessions ({{ columns }}) using parquet
{%- endmacro %}

{#- Fails on every row where the expression is not true (null counts as failing). -#}
{% test expression_is_true(model, expression, column_name=None) %}
    select *
    from {{ model }}
    where not coalesce(({{ expression }}), false)
{% endtest %}

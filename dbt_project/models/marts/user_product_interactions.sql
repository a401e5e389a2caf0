{%- set weights = {'view': 1, 'cart': 3, 'purchase': 5, 'remove_from_cart': -1} -%}

with events as (
    select * from {{ ref('stg_events') }}
),

pairs as (
    select
        user_id,
        product_id,
        count_if(event_type = 'view') as n_views,
        count_if(event_type = 'cart') as n_carts,
        count_if(event_type = 'remove_from_cart') as n_removes,
        count_if(event_type = 'purchase') as n_purchases,
        sum(case event_type
            {%- for event_type, weight in weights.items() %}
            when '{{ event_type }}' then {{ weight }}
            {%- endfor %}
            else 0
        end) as raw_score,
        min(event_time) as first_interaction_time,
        max(event_time) as last_interaction_time
    from events
    group by 1, 2
),

final as (
    select
        user_id,
        product_id,
        n_views,
        n_carts,
        n_removes,
        n_purchases,
        greatest(raw_score, 0) as implicit_score,
        first_interaction_time,
        last_interaction_time
    from pairs
)

select * from final

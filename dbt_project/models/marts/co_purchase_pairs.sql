with purchases as (
    select * from {{ ref('int_events_sessionized') }}
    where event_type = 'purchase'
),

-- a basket is an order (order_id, or the purchase session when order_id is null)
baskets as (
    select distinct order_key, product_id from purchases
),

basket_count as (
    select count(distinct order_key) as n_baskets from baskets
),

product_counts as (
    select product_id, count(*) as n_orders_with_product
    from baskets
    group by 1
),

pairs as (
    select
        a.product_id as product_a,
        b.product_id as product_b,
        count(*) as n_orders_together
    from baskets as a
    inner join baskets as b
        on a.order_key = b.order_key and a.product_id <> b.product_id
    group by 1, 2
    having count(*) >= 2
),

final as (
    select
        pairs.product_a,
        pairs.product_b,
        pairs.n_orders_together,
        pairs.n_orders_together / basket_count.n_baskets as support,
        pairs.n_orders_together / count_a.n_orders_with_product as confidence,
        pairs.n_orders_together * basket_count.n_baskets
            / (count_a.n_orders_with_product * count_b.n_orders_with_product) as lift
    from pairs
    cross join basket_count
    inner join product_counts as count_a on pairs.product_a = count_a.product_id
    inner join product_counts as count_b on pairs.product_b = count_b.product_id
)

select * from final

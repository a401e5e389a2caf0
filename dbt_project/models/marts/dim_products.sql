with products as (
    select * from {{ ref('stg_products') }}
),

events as (
    select * from {{ ref('stg_events') }}
),

reviews as (
    select * from {{ ref('stg_reviews') }}
),

event_products as (
    select
        product_id,
        count_if(event_type = 'view') as n_views,
        count_if(event_type = 'cart') as n_carts,
        count_if(event_type = 'remove_from_cart') as n_removes,
        count_if(event_type = 'purchase') as n_purchases,
        sum(case when event_type = 'purchase' then units else 0 end) as units_sold,
        sum(purchase_amount) as revenue,
        max_by(price, event_time) filter (where price is not null) as last_event_price,
        min(event_time) as first_event_time
    from events
    group by 1
),

review_products as (
    select product_id, count(*) as n_reviews, avg(rating) as mean_rating
    from reviews
    where product_id is not null
    group by 1
),

all_products as (
    select product_id from products
    union
    select product_id from event_products
),

final as (
    select
        all_products.product_id,
        products.category,
        products.brand,
        coalesce(products.price, event_products.last_event_price) as price,
        event_products.first_event_time,
        coalesce(event_products.n_views, 0) as n_views,
        coalesce(event_products.n_carts, 0) as n_carts,
        coalesce(event_products.n_removes, 0) as n_removes,
        coalesce(event_products.n_purchases, 0) as n_purchases,
        coalesce(event_products.units_sold, 0) as units_sold,
        coalesce(event_products.revenue, 0) as revenue,
        coalesce(review_products.n_reviews, 0) as n_reviews,
        review_products.mean_rating
    from all_products
    left join products on all_products.product_id = products.product_id
    left join event_products on all_products.product_id = event_products.product_id
    left join review_products on all_products.product_id = review_products.product_id
)

select * from final

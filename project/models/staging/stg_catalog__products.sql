-- depends_on: {{ ref('view_builds') }}
with source as (
    {{ latest_by_key(source('catalog', 'products'), 'id', '_loaded_at') }}
)

select
    id as product_id,
    title,
    {{ dollars_to_cents('price') }} as catalog_price_cents,
    description,
    category as catalog_category,
    image as image_url,
    rating_rate,
    rating_count
from source

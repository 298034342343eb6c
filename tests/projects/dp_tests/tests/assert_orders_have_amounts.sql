select * from {{ ref('stg_orders') }} where amount is null

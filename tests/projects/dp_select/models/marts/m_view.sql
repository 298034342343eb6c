select a.id from {{ ref('stg_a') }} a join {{ ref('stg_b') }} b on b.id = a.user_id

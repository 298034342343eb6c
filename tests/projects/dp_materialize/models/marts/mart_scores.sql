select name, score from {{ ref('t_customers') }} where score >= 20

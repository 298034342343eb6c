select * from {{ ref('dirty_model') }} where id >= 5

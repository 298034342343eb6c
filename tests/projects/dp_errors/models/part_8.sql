select 8 as k, sum(n.id * 8) as total, count(*) as n
from {{ ref('base_numbers') }} n, range(8000) r

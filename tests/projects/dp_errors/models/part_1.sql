select 1 as k, sum(n.id * 1) as total, count(*) as n
from {{ ref('base_numbers') }} n, range(1000) r

select 3 as k, sum(n.id * 3) as total, count(*) as n
from {{ ref('base_numbers') }} n, range(3000) r

select 4 as k, sum(n.id * 4) as total, count(*) as n
from {{ ref('base_numbers') }} n, range(4000) r

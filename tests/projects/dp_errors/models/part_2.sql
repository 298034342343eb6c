select 2 as k, sum(n.id * 2) as total, count(*) as n
from {{ ref('base_numbers') }} n, range(2000) r

select 6 as k, sum(n.id * 6) as total, count(*) as n
from {{ ref('base_numbers') }} n, range(6000) r

select 5 as k, sum(n.id * 5) as total, count(*) as n
from {{ ref('base_numbers') }} n, range(5000) r

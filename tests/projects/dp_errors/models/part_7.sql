select 7 as k, sum(n.id * 7) as total, count(*) as n
from {{ ref('base_numbers') }} n, range(7000) r

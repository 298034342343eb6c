select sum(total) as grand_total, sum(n) as rows_seen from (
  select total, n from {{ ref('part_1') }} union all
  select total, n from {{ ref('part_2') }} union all
  select total, n from {{ ref('part_3') }} union all
  select total, n from {{ ref('part_4') }} union all
  select total, n from {{ ref('part_5') }} union all
  select total, n from {{ ref('part_6') }} union all
  select total, n from {{ ref('part_7') }} union all
  select total, n from {{ ref('part_8') }}
)

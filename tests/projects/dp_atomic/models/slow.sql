{{ config(materialized='table') }}
select count(*) as n, sum(a.range + b.range) as s, {{ var('size') }} as size
from range({{ var('size') }}) a, range({{ var('size') }}) b

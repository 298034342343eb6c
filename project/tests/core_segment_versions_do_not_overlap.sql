-- dim_customers versions of a customer are contiguous and never overlap: ordered by
-- valid_from, each version ends after it starts and the next one starts exactly where it
-- ends; only the last version is open (valid_to NULL). Also no two versions of a customer
-- intersect. Returns the offending versions.
with ordered as (
    select
        customer_id,
        customer_sk,
        valid_from,
        valid_to,
        lead(valid_from) over (partition by customer_id order by valid_from) as next_valid_from
    from {{ ref('dim_customers') }}
)

select customer_id, customer_sk, valid_from, valid_to, next_valid_from
from ordered
where (valid_to is not null and valid_to <= valid_from)
   or (next_valid_from is null and valid_to is not null)
   or (next_valid_from is not null and (valid_to is null or valid_to <> next_valid_from))

union all

select a.customer_id, a.customer_sk, a.valid_from, a.valid_to, b.valid_from
from {{ ref('dim_customers') }} as a
inner join {{ ref('dim_customers') }} as b
    on b.customer_id = a.customer_id
   and b.customer_sk <> a.customer_sk
   and a.valid_from < {{ core_open_end('b.valid_to') }}
   and b.valid_from < {{ core_open_end('a.valid_to') }}

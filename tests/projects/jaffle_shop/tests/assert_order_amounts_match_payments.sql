-- Every order's amount equals the sum of its payments: a singular test returns the rows
-- that break the rule.
select o.order_id, o.amount, sum(p.amount) as paid
from {{ ref('orders') }} o
join {{ ref('stg_payments') }} p using (order_id)
group by o.order_id, o.amount
having o.amount <> sum(p.amount)

-- depends_on: {{ ref('orders_snapshot') }} (customers_with_spend_changed_since)
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='customer_id',
    on_schema_change='append_new_columns',
    meta={'column_compression': {'email': 'zstd'}}
) }}
-- Customers as an SCD Type 2 dimension. A new version starts whenever a tracked attribute
-- (email, country, city, marketing_opt_in, is_deleted; history from customers_snapshot) or
-- the customer's segment changes.
--
-- Segment rule: trailing_365d_net_spend at time t is, over the customer's orders that are
-- not cancelled (current status) and were placed in (t - 365 days, t], the order total
-- (total_cents: items - discount + shipping + tax) minus the succeeded Stripe refunds of
-- those orders created at or before t. Thresholds (cents): Platinum >= segment_platinum_cents,
-- Gold >= segment_gold_cents, Silver >= segment_silver_cents, else Bronze.
-- The spend only changes at an order (up), a refund (down) and an order's age-out at
-- ordered_at + 365 days (down; the order's refunds age out with it), so evaluating the
-- segment at exactly those moments gives its full history — no approximation. Moments after
-- the build time (current_timestamp) are not yet history and are left out.
-- trailing_365d_net_spend of a version is the spend at its valid_from; spend changes that
-- keep the segment do not start a version.
-- The first version starts at the customer's sign-up (created_at), not at the first
-- snapshot, so every order finds the version valid when it was placed.
--
-- Incremental (delete+insert by customer_id): a run rebuilds the whole history of the
-- customers whose inputs changed since the last run (_refreshed_at): a new snapshot
-- version, an order whose spend changed (new, cancelled or restored, moved to another
-- customer: both count, a new total or order time; not a move between counted statuses),
-- a refund loaded since, or an order that aged out of the trailing window in between. The
-- other customers' histories cannot have changed.
-- The spend at each moment is one running sum over the customer's timeline of spend
-- events and attribute versions (no range join), so the build is linear in the events.

{%- set last_run = last_run_at() if is_incremental() else none %}
{#- The newest customers_snapshot row now (its raw _loaded_at), recorded on the rows this
    run writes (_snapshot_loaded_to); and the one recorded by the last run. The snapshot
    takes only the staging rows loaded after its newest, so its rows beyond the recorded
    mark are exactly those the last run did not see, even when it ran before the snapshot
    caught up (`run` does not run snapshots). The last run's time stands in for a table
    older than the column. -#}
{%- set snapshot_loaded_to = newest_stamp(ref('customers_snapshot'), '_loaded_at') %}
{%- set snapshot_seen_to = last_run %}
{%- if is_incremental() and execute and '_snapshot_loaded_to' in column_names(this) %}
{%- set seen = run_query("select cast(max(_snapshot_loaded_to) as varchar) from " ~ this) %}
{%- if seen.rows[0][0] is not none %}
{%- set snapshot_seen_to = "cast('" ~ seen.rows[0][0] ~ "' as timestamp with time zone)" %}
{%- endif %}
{%- endif %}
with
{%- if is_incremental() %}
-- The customers to rebuild, each with the earliest moment a change of theirs touches
-- (changed_from, NULL for a snapshot row: see changed_from below). Materialized: read for
-- the keys and for the moments.
changed_customer_rows as materialized (
    select customer_id, cast(null as timestamp with time zone) as changed_from
    from {{ ref('customers_snapshot') }}
    where _loaded_at > {{ snapshot_seen_to }}
    union
    {{ customers_with_spend_changed_since(last_run, with_time=true) }}
    union
    -- moments that became history between the last run and this one: an order placed or
    -- aged out of its 365 days, a refund issued (data can be stamped ahead of the clock)
    select customer_id, ordered_at from {{ ref('stg_shop__orders') }}
    where ordered_at > {{ last_run }} and ordered_at <= current_timestamp
    union
    select customer_id, {{ core_shift_days('ordered_at', 365) }} from {{ ref('stg_shop__orders') }}
    where ordered_at > {{ core_add_days(last_run, -365) }}
      and ordered_at <= {{ core_add_days('current_timestamp', -365) }}
    union
    select orders.customer_id, refunds.created_at
    from {{ ref('stg_stripe__refunds') }} as refunds
    inner join {{ ref('stg_shop__orders') }} as orders
        on orders.order_id = refunds.order_id
    where refunds.created_at > {{ last_run }}
      and refunds.created_at <= current_timestamp
),

changed_customers as (
    {{ few_keys('select customer_id from changed_customer_rows', 'customer_id') }}
),
{%- endif %}

snapshot_versions as (
    select
        customer_id,
        email,
        country,
        city,
        marketing_opt_in,
        is_deleted,
        created_at,
        first_name,
        last_name,
        acquisition_channel,
        _loaded_at,
        cast(dbt_valid_from as timestamp with time zone) as snapshot_from,
        row_number() over by_version as snapshot_version,
        count(*) over (by_version rows between unbounded preceding and unbounded following)
            as version_count,
        -- 1 when a tracked attribute differs from the previous snapshot row's (a change
        -- of an untracked column, a name say, starts no version)
        case
            when lag(dbt_valid_from) over by_version is null then 1
            when lag(email) over by_version is distinct from email
              or lag(country) over by_version is distinct from country
              or lag(city) over by_version is distinct from city
              or lag(marketing_opt_in) over by_version is distinct from marketing_opt_in
              or lag(is_deleted) over by_version is distinct from is_deleted
            then 1 else 0
        end as starts_attribute_group
    from {{ ref('customers_snapshot') }}
    {%- if is_incremental() %}
    where customer_id in (select customer_id from changed_customers)
    {%- endif %}
    window by_version as (partition by customer_id order by dbt_valid_from)
),

counted_orders as (
    select order_id, customer_id, ordered_at, total_cents,
        {{ core_shift_days('ordered_at', 365) }} as aged_out_at
    from {{ ref('stg_shop__orders') }}
    where status <> 'cancelled'
    {%- if is_incremental() %}
      and customer_id in (select customer_id from changed_customers)
    {%- endif %}
),

order_refunds as (
    -- Refunds count while their order is in the window; a refund is never before its order.
    select
        counted_orders.customer_id,
        counted_orders.order_id,
        case when refunds.created_at < counted_orders.ordered_at
             then counted_orders.ordered_at else refunds.created_at end as refunded_at,
        refunds.amount_cents
    from {{ ref('stg_stripe__refunds') }} as refunds
    inner join counted_orders
        on counted_orders.order_id = refunds.order_id
    where refunds.status = 'succeeded'
      and refunds.created_at < counted_orders.aged_out_at
),

-- Sums cast back to integers here and below: DuckDB widens sum() to 128 bits, and the
-- running window would then carry and add 128-bit deltas for every point (a tenth of this
-- model's CPU time at full scale).
refunds_per_order as (
    select order_id, cast(sum(amount_cents) as bigint) as refunded_cents
    from order_refunds
    group by order_id
),

-- Moments after the build time are not history yet.
spend_events as (
    select customer_id, ordered_at as event_at, total_cents as delta_cents
    from counted_orders
    where ordered_at <= current_timestamp
    union all
    select customer_id, refunded_at as event_at, -amount_cents as delta_cents
    from order_refunds
    where refunded_at <= current_timestamp
    union all
    select counted_orders.customer_id, counted_orders.aged_out_at as event_at,
        -(counted_orders.total_cents - coalesce(refunds_per_order.refunded_cents, 0)) as delta_cents
    from counted_orders
    left join refunds_per_order
        on refunds_per_order.order_id = counted_orders.order_id
    where counted_orders.aged_out_at <= current_timestamp
),

customer_start as (
    select
        customer_id,
        min(case when snapshot_version = 1 then
            case when created_at is not null and created_at < snapshot_from
                 then created_at else snapshot_from end
        end) as started_at
    from snapshot_versions
    group by customer_id
),

-- A customer's first spend event is an order (a refund is clamped to its order's time,
-- an age-out comes a year later).
first_events as (
    select customer_id, min(ordered_at) as first_event_at
    from counted_orders
    where ordered_at <= current_timestamp
    group by customer_id
),

-- The snapshot rows with their start and attribute group: the running count of rows that
-- changed a tracked attribute, so rows with one group share the tracked attributes.
attribute_versions as (
    select
        snapshot_versions.customer_id,
        snapshot_versions.snapshot_version,
        snapshot_versions.email,
        snapshot_versions.country,
        snapshot_versions.city,
        snapshot_versions.marketing_opt_in,
        snapshot_versions.is_deleted,
        snapshot_versions.starts_attribute_group,
        snapshot_versions._loaded_at,
        cast(sum(snapshot_versions.starts_attribute_group) over (
            partition by snapshot_versions.customer_id order by snapshot_versions.snapshot_version
            rows between unbounded preceding and current row) as integer) as attribute_group,
        case
            when snapshot_versions.snapshot_version > 1 then snapshot_versions.snapshot_from
            when first_events.first_event_at < customer_start.started_at then first_events.first_event_at
            else customer_start.started_at
        end as attribute_from
    from snapshot_versions
    inner join customer_start
        on customer_start.customer_id = snapshot_versions.customer_id
    left join first_events
        on first_events.customer_id = snapshot_versions.customer_id
),

-- Every moment something changed: a spend event (delta) or the start of an attribute
-- version (its group). The first attribute version starts no later than the first event.
-- The window's default frame (range: up to the current moment, its peers included) gives
-- every point of one moment the same state, so the points need no grouping.
running as (
    select
        customer_id,
        changed_at,
        sum(delta_cents) over by_moment as spend_cents,
        max(attribute_group) over by_moment as attribute_group
    from (
        select customer_id, event_at as changed_at, delta_cents, 0 as attribute_group
        from spend_events
        union all
        select customer_id, attribute_from as changed_at, 0 as delta_cents, attribute_group
        from attribute_versions
    ) as points
    window by_moment as (partition by customer_id order by changed_at)
),

-- The state at each point, narrow (the attribute values join once versions are known);
-- points before a customer's first snapshot row (none, but for customers missing from the
-- snapshot) are left out.
states as (
    select
        customer_id,
        changed_at,
        cast(spend_cents as bigint) as spend_cents,
        attribute_group,
        case
            when spend_cents >= {{ var('segment_platinum_cents') }} then 4
            when spend_cents >= {{ var('segment_gold_cents') }} then 3
            when spend_cents >= {{ var('segment_silver_cents') }} then 2
            else 1
        end as segment_rank
    from running
    where attribute_group > 0
),

flagged as (
    select
        states.*,
        case
            when lag(changed_at) over w is null then 1
            when lag(attribute_group) over w <> attribute_group
              or lag(segment_rank) over w <> segment_rank
            then 1 else 0
        end as starts_version
    from states
    window w as (partition by customer_id order by changed_at)
),

started as (
    select
        flagged.*,
        lead(changed_at) over (partition by customer_id order by changed_at) as valid_to
    from flagged
    where starts_version = 1
),

-- Attributes kept as of the newest snapshot row: a customer deleted at the source (and so
-- gone from staging) keeps its history here.
customers as (
    select customer_id, first_name, last_name, acquisition_channel, created_at
    from snapshot_versions
    where snapshot_version = version_count
),

-- Each attribute group's values with the customer's current ones, joined here (a row per
-- group) rather than to the versions, which are three times as many.
attributes as (
    select
        attribute_versions.customer_id,
        attribute_versions.attribute_group,
        attribute_versions.email,
        attribute_versions.country,
        attribute_versions.city,
        attribute_versions.marketing_opt_in,
        attribute_versions.is_deleted,
        customers.first_name,
        customers.last_name,
        customers.acquisition_channel,
        customers.created_at
    from attribute_versions
    left join customers
        on customers.customer_id = attribute_versions.customer_id
    where attribute_versions.starts_attribute_group = 1
),

{%- if is_incremental() %}

-- The earliest moment this run may change each customer's history: versions that start
-- before it keep their start and key (only the last of them can end sooner or later), so
-- fact_orders re-reads only the lines ordered from it on. A snapshot row loaded since
-- counts from its attribute version's start: its snapshot time, or for a customer new to
-- the snapshot, the start of its first version.
changed_from as (
    select customer_id, min(changed_from) as changed_from
    from (
        select customer_id, changed_from from changed_customer_rows
        union all
        select customer_id, attribute_from from attribute_versions
        where _loaded_at > {{ snapshot_seen_to }}
    ) as moments
    group by customer_id
),
{%- endif %}

versions as (
    select
        started.customer_id,
        started.changed_at,
        started.valid_to,
        started.spend_cents,
        case started.segment_rank
            when 4 then 'Platinum' when 3 then 'Gold' when 2 then 'Silver' else 'Bronze'
        end as segment,
        attributes.email,
        attributes.first_name,
        attributes.last_name,
        attributes.country,
        attributes.city,
        attributes.marketing_opt_in,
        attributes.is_deleted,
        attributes.acquisition_channel,
        attributes.created_at
    from started
    inner join attributes
        on attributes.customer_id = started.customer_id
       and attributes.attribute_group = started.attribute_group
)

select
    {{ core_surrogate_key('versions.customer_id', 'versions.changed_at') }} as customer_sk,
    versions.customer_id,
    versions.email,
    versions.first_name,
    versions.last_name,
    versions.country,
    versions.city,
    versions.marketing_opt_in,
    versions.is_deleted,
    versions.acquisition_channel,
    versions.created_at as customer_created_at,
    versions.segment,
    {{ core_cents_to_dollars('versions.spend_cents') }} as trailing_365d_net_spend,
    versions.changed_at as valid_from,
    versions.valid_to,
    versions.valid_to is null as is_current,
    current_timestamp as _refreshed_at,
    {{ snapshot_loaded_to }} as _snapshot_loaded_to,
    {%- if is_incremental() %}
    changed_from.changed_from as _changed_from,
    -- the run before this one: what _changed_from counts changes since
    {{ last_run }} as _changed_since
from versions
left join changed_from
    on changed_from.customer_id = versions.customer_id
    {%- else %}
    -- a full build writes every history
    cast(null as timestamp with time zone) as _changed_from,
    cast(null as timestamp with time zone) as _changed_since
from versions
    {%- endif %}

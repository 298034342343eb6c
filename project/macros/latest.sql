{#- The newest row of each key of a raw table. The loader keeps one row per key in raw (a
    batch replaces the rows of its keys, and a batch's own duplicates keep the last), and
    the unique test on each staging key checks it, so the rows are read as they are; with
    --vars '{dedupe_raw: true}' (say, after loading raw by hand) each key is ranked by
    `order_by` and only its newest row kept. Plain SQL (no QUALIFY) so the project also
    runs on PostgreSQL. In an incremental model (on an incremental run) only the raw rows
    loaded since the newest row the model holds are read: see loaded_since_last_run. -#}
{% macro latest_by_key(relation, key, order_by) -%}
    {%- if var('dedupe_raw', false) %}
    select * from (
        select
            raw_rows.*,
            row_number() over (partition by {{ key }} order by {{ order_by }} desc) as _version_rank
        from {{ relation }} as raw_rows
        {%- if is_incremental() %}
        where {{ loaded_since_last_run('raw_rows._loaded_at') }}
        {%- endif %}
    ) as ranked
    where _version_rank = 1
    {%- else %}
    select raw_rows.*
    from {{ relation }} as raw_rows
    {%- if is_incremental() %}
    where {{ loaded_since_last_run('raw_rows._loaded_at') }}
    {%- endif %}
    {%- endif %}
{%- endmacro %}

{#- The greatest value of the timestamp `column` in `relation`, as a SQL literal read when
    the node runs, so that the warehouse can skip the row groups (loaded or written in
    time order) that hold only older rows; the earliest timestamp when the relation holds
    no row, and the subquery while parsing (dbt's run_query returns none then). -#}
{% macro newest_stamp(relation, column) -%}
    {%- set found = run_query("select cast(max(" ~ column ~ ") as varchar) from " ~ relation) if execute else none -%}
    {%- if found is none -%}
        (select coalesce(max({{ column }}), {{ core_timestamp_min() }}) from {{ relation }})
    {%- elif found.rows[0][0] is none -%}
        {{ core_timestamp_min() }}
    {%- else -%}
        cast('{{ found.rows[0][0] }}' as timestamp with time zone)
    {%- endif -%}
{%- endmacro %}

{#- True for rows loaded (raw _loaded_at) after the newest row this incremental model
    holds: the rows a previous run has not seen. -#}
{% macro loaded_since_last_run(column) -%}
    {{ column }} > {{ newest_stamp(this, '_loaded_at') }}
{%- endmacro %}

{#- In an incremental run of a model with _refreshed_at: when its last run ran (the newest
    row's stamp). Inputs loaded or rewritten after it are new. -#}
{% macro last_run_at() -%}
    {{ newest_stamp(this, '_refreshed_at') }}
{%- endmacro %}

{#- The customers of the orders loaded since `last_run` (the model's last_run_at(), read
    once by the caller): their customer now, and any customer they had before, from
    orders_snapshot (which keeps a version per status and per customer), so that an order
    that moves to another customer (a guest order joining an account) rewrites the one it
    left too. A model that calls this says `-- depends_on: {{ ref('orders_snapshot') }}`,
    so that the snapshot has run first; and the customers of the versions the snapshot
    closed since `last_run`, for a model that ran before the snapshot caught up (`run`
    runs no snapshot): the order it saw had moved then, the version it left was still open,
    and only the snapshot run after it says whose it was (its check strategy stamps the
    versions with its own run's time). -#}
{% macro customers_of_orders_loaded_since(last_run) -%}
    select customer_id from {{ ref('stg_shop__orders') }}
    where _loaded_at > {{ last_run }}
    union
    select customer_id from {{ ref('orders_snapshot') }}
    where dbt_valid_to is not null
      and order_id in (select order_id from {{ ref('stg_shop__orders') }}
                       where _loaded_at > {{ last_run }})
    union
    select customer_id from {{ ref('orders_snapshot') }}
    where cast(dbt_valid_to as timestamp with time zone) > {{ last_run }}
{%- endmacro %}

{#- The customers whose spend an order loaded since `last_run` (the model's last_run_at(),
    read once by the caller) changed. An order changes spend when its current version in
    orders_snapshot opened since `last_run` and differs from the version open then in what
    spend is made of: whether it counts (status not 'cancelled'), its customer, its total
    or its order time. Both customers count, now and before (an order that moved: a guest
    order joining an account), and a new order (no version before) counts; a status change
    between counted statuses (paid -> shipped, most of a day's updates) does not. The
    snapshot must have run first: a model that calls this says
    `-- depends_on: {{ ref('orders_snapshot') }}`. With `with_time`, a second column,
    changed_from: the earliest order time the change touches (the order's, and its time
    before when that changed), before which the customer's spend is as it was. -#}
{% macro customers_of_orders_with_spend_changed_since(last_run, with_time=false) -%}
    {#- One read of the changed orders, each giving its customer and, when it moved, the
        one before (side 2). -#}
    select distinct
        case when side.n = 1 then changed_orders.customer_id
             else changed_orders.earlier_customer_id end as customer_id
        {%- if with_time %},
        changed_orders.changed_from
        {%- endif %}
    from (
        select
            current_version.customer_id,
            earlier.customer_id as earlier_customer_id
            {%- if with_time %},
            case when earlier.ordered_at < current_version.ordered_at then earlier.ordered_at
                 else current_version.ordered_at end as changed_from
            {%- endif %}
        from {{ ref('orders_snapshot') }} as current_version
        left join (
            select order_id, customer_id, status, total_cents, ordered_at
            from {{ ref('orders_snapshot') }}
            where cast(dbt_valid_from as timestamp with time zone) <= {{ last_run }}
              and cast(dbt_valid_to as timestamp with time zone) > {{ last_run }}
        ) as earlier
            on earlier.order_id = current_version.order_id
        where current_version.dbt_valid_to is null
          and cast(current_version.dbt_valid_from as timestamp with time zone) > {{ last_run }}
          and (earlier.order_id is null
               or coalesce(earlier.status <> 'cancelled', false)
                  <> coalesce(current_version.status <> 'cancelled', false)
               or earlier.customer_id is distinct from current_version.customer_id
               or earlier.total_cents is distinct from current_version.total_cents
               or earlier.ordered_at is distinct from current_version.ordered_at)
    ) as changed_orders
    cross join (select 1 as n union all select 2) as side
    where side.n = 1 or changed_orders.earlier_customer_id is not null
{%- endmacro %}

{#- The customers of customers_of_orders_with_spend_changed_since, and those of the orders
    with a refund loaded since `last_run` (with `with_time`: changed_from is the refund's
    creation, no later than the moment it counts from). -#}
{% macro customers_with_spend_changed_since(last_run, with_time=false) -%}
    {{ customers_of_orders_with_spend_changed_since(last_run, with_time) }}
    union
    select orders.customer_id
    {%- if with_time %}, refunds.created_at as changed_from{% endif %}
    from {{ ref('stg_stripe__refunds') }} as refunds
    inner join {{ ref('stg_shop__orders') }} as orders
        on orders.order_id = refunds.order_id
    where refunds._loaded_at > {{ last_run }}
{%- endmacro %}

{#- In an incremental run, the rows of `relation` whose `key` is among the keys of `keys`
    (a CTE or relation with that column), as a parenthesised subquery of `columns`; in a
    full build, the relation itself. For a join of the few rows an incremental run
    recomputes with a large relation: a hash table of every row of it costs more than the
    scan of `key` that finds the ones needed. `when` overrides is_incremental(): a test
    passes whether it checks only the last run's rows (its last_run_condition). -#}
{% macro rows_with_keys_in(relation, key, keys, columns='*', when=none) -%}
    {%- if (is_incremental() if when is none else when) -%}
    (select {{ columns }} from {{ relation }} where {{ key }} in (select {{ key }} from {{ keys }}))
    {%- else -%}
    {{ relation }}
    {%- endif -%}
{%- endmacro %}

{#- The dates (UTC days) an incremental run rewrites, read when the node runs from the query
    `sql` (its first column; NULLs left out): a dict with `list`, the dates as literals for
    `in (...)` (a handful on most days; a NULL literal, which matches nothing, when there
    are none), and `first`, the first of them as text (none when there are none). A
    constant list and a lower bound on the rows' time let the warehouse skip the row
    groups before it (raw rows are appended in time order); a subquery would read them
    all. None while parsing. -#}
{% macro dates_read_now(sql) -%}
    {%- set found = run_query("select distinct cast(d as varchar) from (" ~ sql
                              ~ "\n) as dates_read_now(d) where d is not null order by 1") if execute else none -%}
    {%- set literals = [] -%}
    {%- for row in (found.rows if found is not none else []) -%}
        {%- do literals.append("cast('" ~ row[0] ~ "' as date)") -%}
    {%- endfor -%}
    {{ return({'list': literals | join(', ') if literals else 'cast(null as date)',
               'first': found.rows[0][0] if literals else none}) }}
{%- endmacro %}

{#- The rows on `dates` (from dates_read_now): `timestamp_column` from the first date's
    start on, which lets the warehouse skip older row groups, and `date_expression` (the
    row's UTC day) among the dates. -#}
{% macro rows_on_dates(timestamp_column, date_expression, dates) -%}
    {%- if dates.first -%}
    {{ timestamp_column }} >= cast('{{ dates.first }} 00:00:00+00' as timestamp with time zone)
    and {% endif -%}
    {{ date_expression }} in ({{ dates.list }})
{%- endmacro %}

{#- The distinct non-null `column` values of the query `sql`, as a subquery of one column
    that the warehouse plans as the small side of a join. A set of changed keys unions
    several filtered scans, and a planner that cannot know how few rows a filter keeps
    (DuckDB's guesses a fifth of each table) can take it for millions, larger than the
    table it filters, and build its hash table on that table instead (11 M orders against
    21,000 customers, 3.4 s against 0.2). One row that is a list of the keys, unnested,
    is estimated as few. Plain SQL: array_agg and unnest run on DuckDB and PostgreSQL. -#}
{% macro few_keys(sql, column) -%}
    select unnest(array_agg(distinct {{ column }})) as {{ column }}
    from (
        {{ sql }}
    ) as few_keys_rows
    where {{ column }} is not null
{%- endmacro %}

{#- The names of `relation`'s columns, lower case (an empty list while parsing): for a model
    that reads a bookkeeping column only when an older table already has it. -#}
{% macro column_names(relation) -%}
    {%- set names = [] -%}
    {%- for column in (adapter.get_columns_in_relation(relation) if execute else []) -%}
        {%- do names.append(column.name | lower) -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}

{#- The core marts' name for cents_to_dollars (macros/cents.sql): integer cents to
    DECIMAL(18,2) dollars, exactly, on DuckDB and PostgreSQL alike. -#}
{% macro core_cents_to_dollars(column_name) -%}
    {{ cents_to_dollars(column_name) }}
{%- endmacro %}

{#- The share of `amount` (integer cents) owed to a line when amounts are spread by weight
    with cumulative rounding: floor(amount * running / total) - floor(amount * preceding /
    total), where `running` is the weight of the lines up to and including this one (in a
    fixed order), `preceding` the weight before it and `total` the order's. Each share is
    within a cent of the exact proportional share, and the shares of an order add up to
    `amount` exactly (the sum telescopes to floor(amount * total / total)). The products
    stay below 2^53, so double precision computes them exactly. -#}
{% macro core_allocate_cents(amount, running, preceding, total) -%}
    (cast(floor(cast({{ amount }} as double precision) * {{ running }} / {{ total }}) as bigint)
     - cast(floor(cast({{ amount }} as double precision) * {{ preceding }} / {{ total }}) as bigint))
{%- endmacro %}

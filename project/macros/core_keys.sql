{#- A dimension version's surrogate key: a BIGINT made of 63 bits of the md5 of
    "natural key|valid_from", so that a version that stays keeps its key across rebuilds.
    An integer rather than md5's 32 hex characters: the fact stores one per line and every
    join and test on the keys reads them (at full scale, 30 M lines). 63 bits keep it
    positive; a collision (odds about 1 in 10^7 over 10 M versions) fails the key's
    unique test. DuckDB and PostgreSQL take different bits of the digest, so the keys
    differ between the two warehouses (each is stable on its own). -#}
{% macro core_surrogate_key(natural_key, valid_from) -%}
    {{ return(adapter.dispatch('core_surrogate_key')(natural_key, valid_from)) }}
{%- endmacro %}

{% macro duckdb__core_surrogate_key(natural_key, valid_from) -%}
    cast(md5_number(cast({{ natural_key }} as varchar) || '|' || cast({{ valid_from }} as varchar)) >> 65 as bigint)
{%- endmacro %}

{% macro default__core_surrogate_key(natural_key, valid_from) -%}
    ((('x' || substr(md5(cast({{ natural_key }} as varchar) || '|' || cast({{ valid_from }} as varchar)), 1, 16))::bit(64)::bigint >> 1) & 9223372036854775807)
{%- endmacro %}

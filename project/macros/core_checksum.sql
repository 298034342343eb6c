{#- Checksums for tests that compare amounts key by key (a data-diff, as datafold's
    data-diff compares the checksums of segments and looks for rows only where they
    differ). Each key gets a weight, and each side sums weight * amount over its rows. The
    sums are compared modulo the prime p = 2^31 - 1. Both sides agree whenever every key's
    amounts agree.
    When one key's amounts differ, by less than p cents, the sums differ for certain: the
    weight and the difference are both nonzero modulo a prime. When several keys differ,
    their differences cancel only if the weighted sum is a multiple of p. The weights are
    pseudo-random, so that has odds of about 1 in 2^31.
    A test runs its sums first (run_query) and its key-by-key SQL only when they differ,
    to name the keys. Everything stays in integers: a term is below 2^62, a bigint, and the
    sums are exact (hugeint on DuckDB, numeric on PostgreSQL). The macros below write p
    out. -#}

{#- The weight of an integer key, in [1, p - 1]: one step of the Park-Miller generator
    (x * 48271 mod p) from x = (key mod (p - 1)) + 1, which is never 0 (`%` truncates on
    both warehouses, hence the + (p - 1) for negative keys). -#}
{% macro core_checksum_weight(key) -%}
    (((({{ key }}) % 2147483646 + 2147483646) % 2147483646 + 1) * 48271 % 2147483647)
{%- endmacro %}

{#- One row's term: `weight` * (`cents` mod p), an integer below 2^62 in magnitude. -#}
{% macro core_checksum_term(weight, cents) -%}
    {{ weight }} * (({{ cents }}) % 2147483647)
{%- endmacro %}

{#- 1 when two sums of terms differ modulo p, else 0; a sum over no rows (NULL) is 0. -#}
{% macro core_checksum_differs(left, right) -%}
    case when (coalesce({{ left }}, 0) - coalesce({{ right }}, 0)) % 2147483647 <> 0 then 1 else 0 end
{%- endmacro %}

{#- How many of the checksums of `checksums_sql` (one row, one count) differ, run now; none
    when the test is `scoped` (its few keys are compared directly) and while parsing. -#}
{% macro core_checksum_differences(checksums_sql, scoped) -%}
    {%- set checked = run_query(checksums_sql) if execute and not scoped else none -%}
    {{ return(checked.rows[0][0] if checked is not none else none) }}
{%- endmacro %}

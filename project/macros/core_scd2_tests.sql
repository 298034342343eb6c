{#- Generic tests of a type-2 dimension with valid_from, valid_to (NULL while current) and
    is_current. -#}

{#- The versions of each `key` are contiguous and never overlap: ordered by valid_from,
    each ends after it starts and the next starts exactly where it ends; only the last is
    open. No two versions of a key intersect. Returns the offending versions. -#}
{% test scd2_versions_are_contiguous(model, key, surrogate_key) %}
with ordered as (
    select
        {{ key }} as entity_key,
        {{ surrogate_key }} as version_key,
        valid_from,
        valid_to,
        lead(valid_from) over (partition by {{ key }} order by valid_from) as next_valid_from
    from {{ model }}
)

select entity_key, version_key, valid_from, valid_to, next_valid_from
from ordered
where (valid_to is not null and valid_to <= valid_from)
   or (next_valid_from is null and valid_to is not null)
   or (next_valid_from is not null and (valid_to is null or valid_to <> next_valid_from))

union all

select a.{{ key }}, a.{{ surrogate_key }}, a.valid_from, a.valid_to, b.valid_from
from (select * from {{ model }}) as a
inner join (select * from {{ model }}) as b
    on b.{{ key }} = a.{{ key }}
   and b.{{ surrogate_key }} <> a.{{ surrogate_key }}
   and a.valid_from < {{ core_open_end('b.valid_to') }}
   and b.valid_from < {{ core_open_end('a.valid_to') }}
{% endtest %}

{#- Every row of `entities` has exactly one current version, and the current version is
    the open one (valid_to NULL). Returns the keys where that fails. `model` is the whole
    dimension (config where: "true"). Given `scope_by` (the names of the dimension and of
    the entities' model), the test checks only the keys that can have changed since the
    last build, when both ends know them: the keys of the rows the dimension's last run
    wrote (it rewrites a key's whole history) and the entities loaded since the build
    before the last. Any other key has the same versions and membership as when the last
    build checked it; an entity gone from `entities` can only remove a failure. Else, and
    with test_rows: all, every key. -#}
{% test scd2_one_current_version(model, key, entities, scope_by=none) %}
{%- set written = (last_run_condition(ref(scope_by[0])) | trim) if scope_by else '' %}
{%- set loaded = (last_run_condition(ref(scope_by[1])) | trim) if written else '' %}
{%- set scoped = written and loaded %}
with
{%- if scoped %}
{%- set checked_rows %}
    select {{ key }} as entity_key from {{ ref(scope_by[0]) }} where {{ written }}
    union
    select {{ key }} from {{ ref(scope_by[1]) }} where {{ loaded }}
{%- endset %}
checked as (
    {{ few_keys(checked_rows, 'entity_key') }}
),
{%- endif %}

versions as (
    select
        {{ key }} as entity_key,
        sum(case when is_current then 1 else 0 end) as current_versions,
        sum(case when valid_to is null then 1 else 0 end) as open_versions,
        sum(case when is_current <> (valid_to is null) then 1 else 0 end) as inconsistent_flags
    from {{ model }}
    {%- if scoped %}
    where {{ key }} in (select entity_key from checked)
    {%- endif %}
    group by {{ key }}
)

select entities.{{ key }}, versions.current_versions, versions.open_versions,
       versions.inconsistent_flags
from {{ entities }} as entities
left join versions
    on versions.entity_key = entities.{{ key }}
where (versions.entity_key is null
   or versions.current_versions <> 1
   or versions.open_versions <> 1
   or versions.inconsistent_flags <> 0)
{%- if scoped %}
  and entities.{{ key }} in (select entity_key from checked)
{%- endif %}
{% endtest %}

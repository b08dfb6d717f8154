{#- SCD2 integrity of a dimension with half-open validity [valid_from, valid_to):
    each entity has exactly one current row (valid_to null, is_current true), and its
    versions, in order, are contiguous: every version ends exactly where the next one
    starts (no overlap, no gap), and none is empty. Failing rows name the problem. -#}
{% test scd2_history(model, entity_column, valid_from_column='valid_from',
                     valid_to_column='valid_to', current_flag_column='is_current') %}
with

ordered as (

    select
        {{ entity_column }} as entity_id,
        {{ valid_from_column }} as valid_from,
        {{ valid_to_column }} as valid_to,
        {{ current_flag_column }} as is_current,
        lead({{ valid_from_column }}) over (
            partition by {{ entity_column }} order by {{ valid_from_column }}
        ) as next_valid_from
    from {{ model }}

),

current_rows as (

    select entity_id, count(*) as current_count
    from ordered
    group by entity_id
    having sum(case when is_current then 1 else 0 end) <> 1
        or sum(case when valid_to is null then 1 else 0 end) <> 1

),

problems as (

    select entity_id, valid_from, 'not exactly one current row' as problem
    from ordered
    where entity_id in (select entity_id from current_rows)

    union all

    select entity_id, valid_from, 'current flag disagrees with valid_to' as problem
    from ordered
    where is_current <> (valid_to is null)

    union all

    select entity_id, valid_from, 'overlaps or gaps before the next version' as problem
    from ordered
    where next_valid_from is not null
        and (valid_to is null or valid_to <> next_valid_from)

    union all

    select entity_id, valid_from, 'empty or inverted validity' as problem
    from ordered
    where valid_to is not null and valid_to <= valid_from

)

select * from problems
{% endtest %}

{#- Cheap surrogate keys: ids are a fixed prefix + digits (C000001, MC001), so the digits
    are a collision-free integer key (transaction_id is already an integer). An md5 over
    13.5M rows costs ~10 s; this costs nothing. The cast to text first makes one macro
    work for text and integer ids on both engines (Snowflake's try_cast takes text only);
    try_cast keeps a malformed id from failing the build (the not_null test reports it). -#}
{% macro numeric_id(column, prefix_length) -%}
    {%- if prefix_length == 0 -%}
    try_cast(cast({{ column }} as {{ dbt.type_string() }}) as bigint)
    {%- else -%}
    try_cast(substr(cast({{ column }} as {{ dbt.type_string() }}), {{ prefix_length + 1 }}) as bigint)
    {%- endif -%}
{%- endmacro %}

{#- yyyymmdd as an integer, the conventional date_key. -#}
{% macro date_key(date_expression) -%}
    (extract(year from {{ date_expression }}) * 10000
        + extract(month from {{ date_expression }}) * 100
        + extract(day from {{ date_expression }}))
{%- endmacro %}

{#- A customer version's key: the customer's number and the version's first valid day
    (days since 1970), so the key of an existing version never changes when later
    versions arrive (the incremental fact keeps its keys). -#}
{% macro customer_version_key(customer_number, valid_from) -%}
    ({{ customer_number }} * 100000
        + {{ dbt.datediff("cast('1970-01-01' as date)", valid_from, "day") }})
{%- endmacro %}

{#- Whole years between two dates (an age), the same on DuckDB and Snowflake:
    datediff('year') counts calendar-year boundaries, which overstates before birthdays. -#}
{% macro whole_years_between(start_date, end_date) -%}
    (extract(year from {{ end_date }}) - extract(year from {{ start_date }})
        - case
            when extract(month from {{ end_date }}) * 100 + extract(day from {{ end_date }})
                < extract(month from {{ start_date }}) * 100 + extract(day from {{ start_date }})
            then 1 else 0
        end)
{%- endmacro %}

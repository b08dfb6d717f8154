{#- One row per day from start_date to end_date inclusive (both date expressions that may
    be scalar subqueries). dbt_utils is not available (no hub access), so a small
    dispatch: DuckDB has generate_series, Snowflake has generator(). -#}
{% macro date_spine(start_date, end_date) -%}
    {{ return(adapter.dispatch('date_spine', 'c360')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__date_spine(start_date, end_date) -%}
    select cast(day_value as date) as full_date
    from generate_series(
        cast(({{ start_date }}) as timestamp),
        cast(({{ end_date }}) as timestamp),
        interval 1 day
    ) as days(day_value)
{%- endmacro %}

{% macro snowflake__date_spine(start_date, end_date) -%}
    select full_date
    from (
        select dateadd(
            day,
            row_number() over (order by seq4()) - 1,
            ({{ start_date }})
        ) as full_date
        from table(generator(rowcount => 20000))
    )
    where full_date <= ({{ end_date }})
{%- endmacro %}

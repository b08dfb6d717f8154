{#- Tests of the incremental fact check the rows the latest run wrote, not all history:
    a test configured with `where: "__written_by_the_latest_run__"` filters its model to
    built_at = the table's latest built_at. A full refresh stamps every row with the same
    built_at (one statement, one current_timestamp), so there the tests still cover the
    whole table; an incremental run stamps only the rows it merged (one day's batch
    instead of 13.5M rows). Rows of earlier runs were checked by those runs. Done in SQL
    rather than with a --vars value from the runner: changing vars forces dbt to re-parse
    the whole project. The incremental aggregates stamp each row with the latest fact
    built_at it summed (`fact_built_at`): `__aggregated_by_the_latest_run__` keeps the rows
    that summed the latest fact rows (the customer-days and months a new day touched, every
    row after a full refresh). Their key tests then check what the run wrote; delete+insert
    removes every key of the new rows first, so an older row cannot duplicate one. Any
    other `where` is applied as dbt does by default. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- set latest_run -%}
            (built_at = (select max(built_at) from {{ relation }}))
        {%- endset -%}
        {%- set latest_aggregation -%}
            (fact_built_at = (select max(fact_built_at) from {{ relation }}))
        {%- endset -%}
        {%- set where = where | replace('__written_by_the_latest_run__', latest_run)
            | replace('__aggregated_by_the_latest_run__', latest_aggregation) -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}

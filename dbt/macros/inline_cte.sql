{#- Inlines a CTE that a model reads more than once instead of letting DuckDB store it.
    DuckDB materializes a CTE referenced twice or more (its planner's default; the WITH
    clause's `AS [NOT] MATERIALIZED` hint, https://duckdb.org/docs/stable/sql/query_syntax/with
    "CTE Materialization"). For a CTE over the fact that means writing millions of rows
    into its buffer pool, which spills under the build's memory limit: the history stats'
    `approved` CTE took 72 CPU-s that way at 222K customers and 21 CPU-s inlined, each
    reference then scanning only the columns it needs. Snowflake has no such hint and
    plans CTEs itself, so it gets nothing. Use: `approved as {{ inline_cte() }} (`. -#}
{% macro inline_cte() -%}
    {%- if target.type == 'duckdb' -%} not materialized {%- endif -%}
{%- endmacro %}

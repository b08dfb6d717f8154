{#- Tables written by Python steps (churn scoring, CLV) rather than dbt. The first build
    runs before any scoring, so they may not exist yet: select from the real table when it
    exists, else from an empty relation with the same typed columns, so downstream left
    joins work either way. `columns` maps column name -> type. -#}
{% macro optional_relation(source_name, table_name, columns) -%}
    {%- set declared = source(source_name, table_name) -%}
    {%- set existing = none -%}
    {%- if execute -%}
        {%- set existing = adapter.get_relation(
            database=declared.database, schema=declared.schema, identifier=declared.identifier
        ) -%}
    {%- endif -%}
    {%- if existing is not none -%}
    select
        {%- for name in columns %}
        {{ name }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ declared }}
    {%- else -%}
    select
        {%- for name, data_type in columns.items() %}
        cast(null as {{ data_type }}) as {{ name }}{{ "," if not loop.last }}
        {%- endfor %}
    where 1 = 0
    {%- endif -%}
{%- endmacro %}


{#- gold.customer_clv as the marts read it (customer_360_profile, metric_customer_ltv):
    one definition of its columns and types. -#}
{% macro scored_customer_clv() -%}
    {{ optional_relation('scoring', 'customer_clv', {
        'customer_id': dbt.type_string(),
        'probability_alive': 'double',
        'projected_12m_ltv': 'double',
    }) }}
{%- endmacro %}

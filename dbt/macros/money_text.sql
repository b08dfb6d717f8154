{#- A number as text with two decimals, for human-readable reasons (same on both engines). -#}
{% macro money_text(expression) -%}
    cast(cast(round({{ expression }}, 2) as decimal(18, 2)) as {{ dbt.type_string() }})
{%- endmacro %}

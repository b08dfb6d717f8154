{#- dbt_utils-style: rows where the expression is false fail. On a column the expression
    follows the column name (`> 0`) unless column_name_in_expression says it names the
    column itself (`length(state) = 2`). -#}
{% test expression_is_true(model, expression, column_name=none, where_clause=none,
                           column_name_in_expression=false) %}
select *
from {{ model }}
where not ({{ column_name ~ " " if column_name is not none and not column_name_in_expression else "" }}{{ expression }})
{%- if where_clause is not none %}
    and ({{ where_clause }})
{%- endif %}
{% endtest %}

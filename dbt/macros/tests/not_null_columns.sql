{#- A model's required columns checked in one test node instead of one node per column:
    dbt spends ~40 ms of CPU on every node it runs, and at one node per column the
    not-null checks were half of the nodes of a daily build. One scan counts the nulls of
    every listed column; each failing row names a column and how many of its rows are
    null, so a failure still says exactly which column broke. -#}
{% test not_null_columns(model, column_names) %}
with null_counts as (

    select
        {%- for column in column_names %}
        count(*) - count({{ column }}) as nulls_{{ loop.index }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ model }}

)
{% for column in column_names %}
select '{{ column }}' as column_name, nulls_{{ loop.index }} as null_rows
from null_counts
where nulls_{{ loop.index }} > 0
{% if not loop.last %}union all{% endif %}
{%- endfor %}
{% endtest %}

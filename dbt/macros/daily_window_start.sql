{#- The exclusive start of the days int_customer_daily_spend keeps: two rolling windows
    before the data's as-of date (last 90 + prior 90 days). A macro, not a Jinja variable,
    so the model's post-hook renders the ref at run time, not at parse time. -#}
{% macro daily_window_start() -%}
    (select {{ dbt.dateadd('day', '-2 * ' ~ var('window_days'), 'as_of_date') }}
     from {{ ref('int_as_of_date') }})
{%- endmacro %}

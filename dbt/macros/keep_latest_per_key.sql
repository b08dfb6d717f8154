{#- The de-duplication rule for re-delivered rows, in one place: keep the latest version
    of each key. Applied by stg_transactions to all rows and by fct_transactions'
    incremental runs to the new batches only. -#}
{% macro keep_latest_per_key(key, order_by) -%}
    qualify row_number() over (partition by {{ key }} order by {{ order_by }}) = 1
{%- endmacro %}

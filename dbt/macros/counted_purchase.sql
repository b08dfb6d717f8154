{#- The fact rows every spend aggregate counts: approved, in a known merchant category.
    int_customer_monthly_spend and int_customer_history_stats filter with it;
    int_customer_daily_spend keeps the same rows through its inner join to the categories
    (it needs their flags), so all three aggregate the same purchases. -#}
{% macro is_counted_purchase(alias) -%}
    {{ alias }}.status = 'approved'
        and {{ alias }}.merchant_category_key in (
            select merchant_category_key from {{ ref('dim_merchant_category') }}
        )
{%- endmacro %}

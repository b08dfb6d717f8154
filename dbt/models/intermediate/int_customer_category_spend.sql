-- depends_on: {{ ref('base_bronze__transactions') }}
{{
    config(
        materialized='incremental',
        unique_key=['customer_id', 'merchant_category_key'],
        incremental_strategy='merge',
        on_schema_change='fail',
        post_hook="delete from {{ this }} where transaction_count = 0",
    )
}}
-- Approved spend per customer and merchant category over all history (the profile's top
-- categories rank these). Incremental: a run recomputes from the fact only the
-- (customer, category) pairs touched by fact rows written since its last run, from all
-- of that pair's approved rows; a pair left without approved spend is deleted.
with

{% if is_incremental() %}
touched as (

    select distinct customer_id, merchant_category_key
    from ({{ changed_transactions(aggregated_until(this)) }}) as changed
    where merchant_category_key is not null

),
{% endif %}

pairs as (

    select
        transactions.customer_id,
        transactions.merchant_category_key,
        cast(sum(transactions.amount) as decimal(18, 2)) as spend,
        count(*) as transaction_count,
        max(transactions.built_at) as fact_built_at
    from {{ ref('fct_transactions') }} as transactions
    where transactions.status = 'approved'
        and transactions.merchant_category_key is not null
    {% if is_incremental() %}
        and exists (
            select 1 from touched
            where touched.customer_id = transactions.customer_id
                and touched.merchant_category_key = transactions.merchant_category_key
        )
    {% endif %}
    group by transactions.customer_id, transactions.merchant_category_key

)

{% if is_incremental() %}
select
    touched.customer_id,
    touched.merchant_category_key,
    coalesce(pairs.spend, 0) as spend,
    coalesce(pairs.transaction_count, 0) as transaction_count,
    pairs.fact_built_at
from touched
left join pairs
    on touched.customer_id = pairs.customer_id
    and touched.merchant_category_key = pairs.merchant_category_key
{% else %}
select * from pairs
{% endif %}

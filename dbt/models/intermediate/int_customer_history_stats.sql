-- depends_on: {{ ref('base_bronze__transactions') }}
{{
    config(
        materialized='incremental',
        unique_key='customer_id',
        incremental_strategy='merge',
        on_schema_change='fail',
        post_hook="delete from {{ this }} where median_transaction_value is null",
    )
}}
-- Per customer, the two figures no aggregate table can give: the median approved amount
-- (a median needs every amount, not sums) and the last approved transaction (amount,
-- channel, category). Incremental: a run recomputes them from the fact only for the
-- customers touched by fact rows written since its last run, from all of those customers'
-- approved rows; everyone else keeps the row computed before. A touched customer left
-- without approved transactions is deleted by the post-hook, as a full refresh would
-- leave them out.
with

{% if is_incremental() %}
touched as (

    select distinct customer_id
    from ({{ changed_transactions(aggregated_until(this)) }}) as changed

),
{% endif %}

medians as (

    select
        transactions.customer_id,
        cast(median(transactions.amount) as double) as median_transaction_value,
        max(transactions.transaction_date) as last_transaction_date,
        max(transactions.built_at) as fact_built_at
    from {{ ref('fct_transactions') }} as transactions
    where transactions.status = 'approved'
        -- the same rows as the daily and monthly aggregates, which need the category
        and transactions.merchant_category_key in (
            select merchant_category_key from {{ ref('dim_merchant_category') }}
        )
    {% if is_incremental() %}
        and transactions.customer_id in (select customer_id from touched)
    {% endif %}
    group by transactions.customer_id

),

-- the last approved transaction: only each customer's last day is ranked, not all history
-- (the fact is read again rather than through a shared CTE, which DuckDB would materialise)
last_transaction as (

    select
        transactions.customer_id,
        transactions.amount,
        transactions.channel,
        transactions.merchant_category_key
    from {{ ref('fct_transactions') }} as transactions
    inner join medians
        on transactions.customer_id = medians.customer_id
        and transactions.transaction_date = medians.last_transaction_date
    where transactions.status = 'approved'
        and transactions.merchant_category_key in (
            select merchant_category_key from {{ ref('dim_merchant_category') }}
        )
    qualify row_number() over (
        partition by transactions.customer_id
        order by transactions.transaction_ts desc, transactions.transaction_id desc
    ) = 1

)

{% if is_incremental() %}
select
    touched.customer_id,
{% else %}
select
    medians.customer_id,
{% endif %}
    medians.median_transaction_value,
    last_transaction.amount as last_transaction_amount,
    last_transaction.channel as last_transaction_channel,
    last_transaction.merchant_category_key as last_transaction_category_key,
    medians.fact_built_at
{% if is_incremental() %}
from touched
left join medians
    on touched.customer_id = medians.customer_id
{% else %}
from medians
{% endif %}
left join last_transaction
    on medians.customer_id = last_transaction.customer_id

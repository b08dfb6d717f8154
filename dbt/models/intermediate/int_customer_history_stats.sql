-- depends_on: {{ source('bronze', 'raw_transactions') }}
{{
    config(
        materialized='incremental',
        unique_key='customer_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        pre_hook="{{ stage_touched_customers() }}",
        post_hook="delete from {{ this }} where median_transaction_value is null",
    )
}}
-- Per customer, the figures no sum can be rolled up into, because each needs the
-- customer's whole history of approved transactions: the median amount (a median needs
-- every amount), the top-3 categories by spend (a ranking over every category's total)
-- and the last approved transaction (amount, channel, category). Incremental: a run
-- recomputes them only for the customers touched by fact rows written since its last run,
-- reading those customers' rows once; everyone else keeps the row computed before. A
-- touched customer left without approved transactions is deleted by the post-hook, as a
-- full refresh would leave them out.
with

{% if is_incremental() %}
touched as (

    {{ touched_customers() }}

),
{% endif %}

-- read three times (medians, category spend, last transaction): inlined, not stored
approved as {{ inline_cte() }} (

    select
        transactions.customer_id,
        transactions.transaction_id,
        transactions.transaction_ts,
        transactions.amount,
        transactions.channel,
        transactions.built_at,
        transactions.merchant_category_key
    from {{ ref('fct_transactions') }} as transactions
    where {{ is_counted_purchase('transactions') }}
    {% if is_incremental() %}
        and transactions.customer_id in (select customer_id from touched)
    {% endif %}

),

medians as (

    select
        customer_id,
        cast(median(amount) as double) as median_transaction_value,
        max(transaction_ts) as last_transaction_ts,
        max(built_at) as fact_built_at
    from approved
    group by customer_id

),

-- spend per customer and category key (an integer: grouping the fact's rows by the
-- category's name instead costs twice as much), named after the grouping; names are
-- unique (dim_merchant_category tests it), so this equals grouping by name
category_spend as (

    select
        customer_id,
        merchant_category_key,
        sum(amount) as spend
    from approved
    group by customer_id, merchant_category_key

),

category_ranked as (

    select
        category_spend.customer_id,
        categories.category_name,
        row_number() over (
            partition by category_spend.customer_id
            order by category_spend.spend desc, categories.category_name
        ) as category_rank
    from category_spend
    inner join {{ ref('dim_merchant_category') }} as categories
        on category_spend.merchant_category_key = categories.merchant_category_key

),

top_categories as (

    select
        customer_id,
        max(case when category_rank = 1 then category_name end) as top_category_1,
        max(case when category_rank = 2 then category_name end) as top_category_2,
        max(case when category_rank = 3 then category_name end) as top_category_3
    from category_ranked
    where category_rank <= 3
    group by customer_id

),

-- the last approved transaction: only the rows at each customer's latest timestamp are
-- ranked (ties by transaction_id), not the whole history
last_transaction as (

    select
        approved.customer_id,
        approved.amount,
        approved.channel,
        categories.category_name
    from approved
    inner join medians
        on approved.customer_id = medians.customer_id
        and approved.transaction_ts = medians.last_transaction_ts
    inner join {{ ref('dim_merchant_category') }} as categories
        on approved.merchant_category_key = categories.merchant_category_key
    qualify row_number() over (
        partition by approved.customer_id order by approved.transaction_id desc
    ) = 1

)

select
{% if is_incremental() %}
    touched.customer_id,
{% else %}
    medians.customer_id,
{% endif %}
    medians.median_transaction_value,
    top_categories.top_category_1,
    top_categories.top_category_2,
    top_categories.top_category_3,
    last_transaction.amount as last_transaction_amount,
    last_transaction.channel as last_transaction_channel,
    last_transaction.category_name as last_transaction_category,
    medians.fact_built_at
{% if is_incremental() %}
from touched
left join medians
    on touched.customer_id = medians.customer_id
{% else %}
from medians
{% endif %}
left join top_categories
    on medians.customer_id = top_categories.customer_id
left join last_transaction
    on medians.customer_id = last_transaction.customer_id

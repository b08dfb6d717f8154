-- depends_on: {{ source('bronze', 'raw_transactions') }}
{{
    config(
        materialized='incremental',
        unique_key=['customer_id', 'month'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="delete from {{ this }} where transaction_count = 0",
    )
}}
-- Approved spend per customer and calendar month with what lifetime ticket statistics
-- are summed from (count, min/max amount, exact sum of squared amounts, first/last day):
-- ~18 rows per customer instead of ~270 transactions. Incremental: a run re-aggregates
-- from the fact only the (customer, month) pairs holding fact rows written since its last
-- run (a new day touches the current month; a late, re-sent or re-keyed transaction its
-- own month, and a moved one the month it left), from all their rows, never added to. A
-- pair left without approved transactions is deleted by the post-hook, as a full refresh
-- would leave it out. metric_mom_spend_change and int_customer_activity_windowed read it.
{%- set month_of_transaction %}cast({{ dbt.date_trunc('month', 'transactions.transaction_date') }} as date){% endset %}
with

{% if is_incremental() %}
touched as (

    select distinct
        changed.customer_id,
        cast({{ dbt.date_trunc('month', 'changed.transaction_date') }} as date) as month
    from ({{ changed_transactions(aggregated_until(this)) }}) as changed

),
{% endif %}

approved as (

    select
        transactions.customer_id,
        {{ month_of_transaction }} as month,
        transactions.transaction_date,
        transactions.amount,
        transactions.built_at
    from {{ ref('fct_transactions') }} as transactions
    where {{ is_counted_purchase('transactions') }}
    {% if is_incremental() %}
        -- the date bound lets the engine drop most rows before the join to the touched pairs
        and transactions.transaction_date >= (select min(month) from touched)
    {% endif %}

),

monthly as (

    select
        approved.customer_id,
        approved.month,
        -- decimal(18, 2): DuckDB scans the default decimal(38, 2) of sum() ~30x slower
        cast(sum(approved.amount) as decimal(18, 2)) as spend,
        count(*) as transaction_count,
        min(approved.amount) as min_amount,
        max(approved.amount) as max_amount,
        -- exact (decimal): the lifetime standard deviation is derived from it, so the
        -- figure comes out the same however the months were aggregated
        cast(sum(approved.amount * approved.amount) as decimal(38, 4)) as amount_squares,
        min(approved.transaction_date) as first_transaction_date,
        max(approved.transaction_date) as last_transaction_date,
        -- the fact's built_at this pair was aggregated from: the next run's watermark
        max(approved.built_at) as fact_built_at
    from approved
    {% if is_incremental() %}
    inner join touched
        on approved.customer_id = touched.customer_id
        and approved.month = touched.month
    {% endif %}
    group by approved.customer_id, approved.month

)

{% if is_incremental() %}
select
    touched.customer_id,
    touched.month,
    coalesce(monthly.spend, 0) as spend,
    coalesce(monthly.transaction_count, 0) as transaction_count,
    monthly.min_amount,
    monthly.max_amount,
    coalesce(monthly.amount_squares, 0) as amount_squares,
    monthly.first_transaction_date,
    monthly.last_transaction_date,
    monthly.fact_built_at
from touched
left join monthly
    on touched.customer_id = monthly.customer_id
    and touched.month = monthly.month
{% else %}
select * from monthly
{% endif %}

-- depends_on: {{ source('bronze', 'raw_transactions') }}
{{
    config(
        materialized='incremental',
        unique_key=['customer_id', 'transaction_date'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="delete from {{ this }} where transaction_count = 0"
            " or transaction_date <= {{ daily_window_start() }}",
    )
}}
-- Approved spend per customer and day over the last two windows (the 180 days before the
-- as-of date): the grain the rolling windows are summed from, so the marts never
-- aggregate the fact. Incremental: a run recomputes from the fact only the customer-days
-- touched by fact rows written since its last run (a new day, a day loaded twice, a
-- re-sent or re-keyed transaction, and the day a re-sent transaction left) - recomputed
-- from all their rows, never added to, so a late or repeated batch cannot double count.
-- The post-hook deletes touched days left without approved transactions and the days
-- that fell out of the window as the as-of date moved, so the table always equals a
-- full refresh. (Older days count towards lifetime figures through
-- int_customer_monthly_spend.)
with

{% if is_incremental() %}
touched as (

    select distinct changed.customer_id, changed.transaction_date
    from ({{ changed_transactions(aggregated_until(this)) }}) as changed
    where changed.transaction_date > {{ daily_window_start() }}

),
{% endif %}

approved as (

    select
        transactions.customer_id,
        transactions.transaction_date,
        transactions.amount,
        transactions.built_at,
        categories.is_travel,
        categories.is_necessity
    from {{ ref('fct_transactions') }} as transactions
    inner join {{ ref('dim_merchant_category') }} as categories
        on transactions.merchant_category_key = categories.merchant_category_key
    where transactions.status = 'approved'
        and transactions.transaction_date > {{ daily_window_start() }}
    {% if is_incremental() %}
        and transactions.transaction_date >= (select min(transaction_date) from touched)
        and exists (
            select 1 from touched
            where touched.customer_id = transactions.customer_id
                and touched.transaction_date = transactions.transaction_date
        )
    {% endif %}

),

daily as (

    select
        customer_id,
        transaction_date,
        -- decimal(18, 2) rather than sum()'s decimal(38, 2), which DuckDB scans ~30x slower
        cast(sum(amount) as decimal(18, 2)) as spend,
        count(*) as transaction_count,
        cast(sum(case when is_travel then amount else 0 end) as decimal(18, 2)) as travel_spend,
        cast(sum(case when is_necessity then amount else 0 end) as decimal(18, 2))
            as necessity_spend,
        max(built_at) as fact_built_at
    from approved
    group by customer_id, transaction_date

)

{% if is_incremental() %}
select
    touched.customer_id,
    touched.transaction_date,
    coalesce(daily.spend, 0) as spend,
    coalesce(daily.transaction_count, 0) as transaction_count,
    coalesce(daily.travel_spend, 0) as travel_spend,
    coalesce(daily.necessity_spend, 0) as necessity_spend,
    daily.fact_built_at
from touched
left join daily
    on touched.customer_id = daily.customer_id
    and touched.transaction_date = daily.transaction_date
{% else %}
select * from daily
{% endif %}

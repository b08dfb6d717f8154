{{ config(materialized='table') }}
-- Approved spend per customer in one pass over the fact: lifetime totals, ticket-size
-- statistics and the rolling windows the segments use (last 90 days = (as_of - 90,
-- as_of], prior 90 days = (as_of - 180, as_of - 90]). A table: the segments, LTV and ATV
-- marts all read it, so 13.5M transactions are aggregated once, not once per mart.
{#- (the arithmetic stays in SQL: dbt renders unit tests once in a context without var()) #}
{%- set last_start = dbt.dateadd('day', '-1 * ' ~ var('window_days'), 'as_of.as_of_date') %}
{%- set last_30_start = dbt.dateadd('day', '-30', 'as_of.as_of_date') %}
{%- set prior_start = dbt.dateadd('day', '-2 * ' ~ var('window_days'), 'as_of.as_of_date') %}
with

as_of as (

    select as_of_date from {{ ref('int_as_of_date') }}

),

customers as (

    select customer_id, account_open_date
    from {{ ref('dim_customer') }}
    where is_current

),

approved as (

    select
        transactions.customer_id,
        transactions.transaction_date,
        transactions.amount,
        categories.is_travel,
        categories.is_necessity
    from {{ ref('fct_transactions') }} as transactions
    inner join {{ ref('dim_merchant_category') }} as categories
        on transactions.merchant_category_key = categories.merchant_category_key
    where transactions.status = 'approved'

),

windowed as (

    select
        approved.customer_id,
        -- decimal(18, 2) rather than sum()'s decimal(38, 2), which DuckDB scans ~30x slower
        cast(sum(approved.amount) as decimal(18, 2)) as lifetime_spend,
        count(*) as transaction_count,
        min(approved.transaction_date) as first_transaction_date,
        max(approved.transaction_date) as last_transaction_date,
        avg(approved.amount) as avg_transaction_value,
        median(approved.amount) as median_transaction_value,
        stddev_samp(approved.amount) as stddev_transaction_value,
        min(approved.amount) as min_transaction_value,
        max(approved.amount) as max_transaction_value,
        avg(case when approved.transaction_date > {{ last_30_start }}
            then approved.amount end) as atv_last_30_days,
        cast(sum(case when approved.transaction_date > {{ last_start }}
            then approved.amount else 0 end) as decimal(18, 2)) as spend_last_90_days,
        cast(sum(case when approved.transaction_date > {{ prior_start }}
            and approved.transaction_date <= {{ last_start }}
            then approved.amount else 0 end) as decimal(18, 2)) as spend_prior_90_days,
        sum(case when approved.transaction_date > {{ last_start }}
            then 1 else 0 end) as transactions_last_90_days,
        sum(case when approved.transaction_date > {{ prior_start }}
            and approved.transaction_date <= {{ last_start }}
            then 1 else 0 end) as transactions_prior_90_days,
        cast(sum(case when approved.transaction_date > {{ last_start }}
            and approved.is_travel then approved.amount else 0 end) as decimal(18, 2))
            as travel_spend_last_90_days,
        sum(case when approved.transaction_date > {{ last_start }}
            and approved.is_necessity then approved.amount else 0 end) as necessity_spend_last_90_days
    from approved
    cross join as_of
    where approved.transaction_date <= as_of.as_of_date
    group by approved.customer_id

)

select
    customers.customer_id,
    as_of.as_of_date,
    {{ dbt.datediff('customers.account_open_date', 'as_of.as_of_date', 'day') }} as tenure_days,
    coalesce(windowed.lifetime_spend, 0) as lifetime_spend,
    coalesce(windowed.transaction_count, 0) as transaction_count,
    windowed.first_transaction_date,
    windowed.last_transaction_date,
    cast(windowed.avg_transaction_value as double) as avg_transaction_value,
    cast(windowed.median_transaction_value as double) as median_transaction_value,
    cast(windowed.stddev_transaction_value as double) as stddev_transaction_value,
    windowed.min_transaction_value,
    windowed.max_transaction_value,
    cast(windowed.atv_last_30_days as double) as atv_last_30_days,
    coalesce(windowed.spend_last_90_days, 0) as spend_last_90_days,
    coalesce(windowed.spend_prior_90_days, 0) as spend_prior_90_days,
    coalesce(windowed.transactions_last_90_days, 0) as transactions_last_90_days,
    coalesce(windowed.transactions_prior_90_days, 0) as transactions_prior_90_days,
    coalesce(windowed.travel_spend_last_90_days, 0) as travel_spend_last_90_days,
    case when windowed.spend_last_90_days > 0
        then round(100.0 * windowed.travel_spend_last_90_days / windowed.spend_last_90_days, 2)
        else 0
    end as travel_spend_pct,
    case when windowed.spend_last_90_days > 0
        then round(100.0 * windowed.necessity_spend_last_90_days / windowed.spend_last_90_days, 2)
        else 0
    end as necessity_spend_pct,
    case when windowed.transactions_last_90_days > 0
        then cast(windowed.spend_last_90_days as double) / windowed.transactions_last_90_days
    end as avg_transaction_value_last_90_days
from customers
cross join as_of
left join windowed
    on customers.customer_id = windowed.customer_id

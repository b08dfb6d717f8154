{{ config(materialized='table') }}
-- Per current customer: lifetime totals and ticket-size statistics, and the rolling
-- windows the segments use (last 90 days = (as_of - 90, as_of], prior 90 days =
-- (as_of - 180, as_of - 90]), all summed from the incremental aggregates, never from the
-- fact: lifetime figures from int_customer_monthly_spend (~18 rows per customer), windows
-- from the last 180 days of int_customer_daily_spend, the median from
-- int_customer_history_stats. Rebuilt on every run - the as-of date moves every
-- customer's windows and tenure - but from ~1/10 of the fact's rows. A table: the
-- segments, LTV and ATV marts all read it.
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

lifetime as (

    select
        customer_id,
        cast(sum(spend) as decimal(18, 2)) as lifetime_spend,
        cast(sum(transaction_count) as bigint) as transaction_count,
        min(first_transaction_date) as first_transaction_date,
        max(last_transaction_date) as last_transaction_date,
        min(min_amount) as min_transaction_value,
        max(max_amount) as max_transaction_value,
        cast(sum(amount_squares) as decimal(38, 4)) as amount_squares
    from {{ ref('int_customer_monthly_spend') }}
    group by customer_id

),

windowed as (

    select
        daily.customer_id,
        sum(case when daily.transaction_date > {{ last_30_start }}
            then daily.spend end) as spend_last_30_days,
        sum(case when daily.transaction_date > {{ last_30_start }}
            then daily.transaction_count end) as transactions_last_30_days,
        cast(sum(case when daily.transaction_date > {{ last_start }}
            then daily.spend else 0 end) as decimal(18, 2)) as spend_last_90_days,
        cast(sum(case when daily.transaction_date <= {{ last_start }}
            then daily.spend else 0 end) as decimal(18, 2)) as spend_prior_90_days,
        sum(case when daily.transaction_date > {{ last_start }}
            then daily.transaction_count else 0 end) as transactions_last_90_days,
        sum(case when daily.transaction_date <= {{ last_start }}
            then daily.transaction_count else 0 end) as transactions_prior_90_days,
        cast(sum(case when daily.transaction_date > {{ last_start }}
            then daily.travel_spend else 0 end) as decimal(18, 2)) as travel_spend_last_90_days,
        sum(case when daily.transaction_date > {{ last_start }}
            then daily.necessity_spend else 0 end) as necessity_spend_last_90_days
    from {{ ref('int_customer_daily_spend') }} as daily
    cross join as_of
    -- the date bound is what keeps this cheap: the daily table is written in date order
    where daily.transaction_date > {{ prior_start }}
        and daily.transaction_date <= as_of.as_of_date
    group by daily.customer_id

)

select
    customers.customer_id,
    as_of.as_of_date,
    {{ dbt.datediff('customers.account_open_date', 'as_of.as_of_date', 'day') }} as tenure_days,
    coalesce(lifetime.lifetime_spend, 0) as lifetime_spend,
    coalesce(lifetime.transaction_count, 0) as transaction_count,
    lifetime.first_transaction_date,
    lifetime.last_transaction_date,
    case when lifetime.transaction_count > 0
        then cast(lifetime.lifetime_spend as double) / lifetime.transaction_count
    end as avg_transaction_value,
    medians.median_transaction_value,
    -- sample standard deviation from exact sums: n * sum(x^2) - sum(x)^2 is computed in
    -- decimals, so the figure does not depend on how the rows were grouped
    case when lifetime.transaction_count > 1
        then sqrt(
            cast(lifetime.transaction_count * lifetime.amount_squares
                - lifetime.lifetime_spend * lifetime.lifetime_spend as double)
            / (lifetime.transaction_count * (lifetime.transaction_count - 1))
        )
    end as stddev_transaction_value,
    lifetime.min_transaction_value,
    lifetime.max_transaction_value,
    case when windowed.transactions_last_30_days > 0
        then cast(windowed.spend_last_30_days as double) / windowed.transactions_last_30_days
    end as atv_last_30_days,
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
left join lifetime
    on customers.customer_id = lifetime.customer_id
left join windowed
    on customers.customer_id = windowed.customer_id
left join {{ ref('int_customer_history_stats') }} as medians
    on customers.customer_id = medians.customer_id

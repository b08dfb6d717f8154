-- Approved spend per customer in the rolling windows the segments use:
-- last 90 days = (as_of - 90, as_of], prior 90 days = (as_of - 180, as_of - 90].
{#- (the arithmetic stays in SQL: dbt renders unit tests once in a context without var()) #}
{%- set last_start = dbt.dateadd('day', '-1 * ' ~ var('window_days'), 'as_of.as_of_date') %}
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
        then round(windowed.spend_last_90_days / windowed.transactions_last_90_days, 2)
    end as avg_transaction_value_last_90_days
from customers
cross join as_of
left join windowed
    on customers.customer_id = windowed.customer_id

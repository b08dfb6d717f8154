-- One row per customer and calendar month from the account's first month in the data's
-- range to the as-of month, months without spend included as 0.
with

months as (

    select distinct month_start as month from {{ ref('dim_date') }}

),

customers as (

    select customer_id, account_open_date from {{ ref('dim_customer') }} where is_current

),

monthly_spend as (

    -- approved spend per customer-month, maintained incrementally
    select customer_id, month, spend, transaction_count
    from {{ ref('int_customer_monthly_spend') }}
    where transaction_count > 0

),

customer_months as (

    select
        customers.customer_id,
        months.month,
        coalesce(monthly_spend.spend, 0) as spend,
        coalesce(monthly_spend.transaction_count, 0) as transaction_count
    from customers
    inner join months
        on months.month >= cast({{ dbt.date_trunc('month', 'customers.account_open_date') }} as date)
    left join monthly_spend
        on customers.customer_id = monthly_spend.customer_id
        and months.month = monthly_spend.month

),

with_previous as (

    select
        *,
        lag(spend) over (partition by customer_id order by month) as previous_month_spend,
        avg(spend) over (
            partition by customer_id order by month rows between 2 preceding and current row
        ) as rolling_3m_avg_spend,
        count(*) over (
            partition by customer_id order by month rows between 2 preceding and current row
        ) as months_in_rolling_window
    from customer_months

),

with_trend as (

    select
        *,
        lag(rolling_3m_avg_spend, 3) over (
            partition by customer_id order by month
        ) as previous_rolling_3m_avg_spend
    from with_previous

)

select
    customer_id,
    month,
    spend,
    transaction_count,
    previous_month_spend,
    case when previous_month_spend > 0
        then cast(round(100.0 * (spend - previous_month_spend) / previous_month_spend, 2) as double)
    end as mom_spend_change_pct,
    cast(rolling_3m_avg_spend as double) as rolling_3m_avg_spend,
    -- the 3-month trend: this quarter's average monthly spend against the previous 3 months'
    case when months_in_rolling_window = 3 and previous_rolling_3m_avg_spend > 0
        then cast(round(100.0 * (rolling_3m_avg_spend - previous_rolling_3m_avg_spend)
            / previous_rolling_3m_avg_spend, 2) as double)
    end as spend_trend_3m_pct
from with_trend

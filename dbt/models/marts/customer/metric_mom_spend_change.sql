{{
    config(
        materialized='incremental',
        unique_key=['customer_id', 'month'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="
            delete from {{ this }}
            where (customer_id, month) in (
                select written.customer_id, written.month
                from {{ this }} as written
                inner join {{ ref('dim_customer') }} as customers
                    on written.customer_id = customers.customer_id
                    and customers.is_current
                where written.month
                    < cast({{ dbt.date_trunc('month', 'customers.account_open_date') }} as date)
            )",
    )
}}
-- One row per customer and calendar month from the account's first month in the data's
-- range to the as-of month, months without spend included as 0.
-- Incremental, from int_customer_monthly_spend alone (never the fact): a run writes
--  * every month of the customers whose months can have changed: those whose approved
--    spend or count in a written month differs from what this table holds (a changed
--    month moves the months after it too: previous month, rolling and trend windows), new
--    customers, and customers whose first month moved (a new version with another
--    account_open_date; the post-hook deletes the months before a customer's first, which
--    only such a move leaves behind; the shape of dbt's own delete+insert, a (key, key)
--    in (subquery) delete, which dbt-snowflake runs too: default__get_delete_insert_merge_sql
--    in dbt-adapters' global_project/macros/materializations/models/incremental/merge.sql);
--  * when the as-of date entered a new month, that month for everyone else, computed from
--    the six months before it (the most the windows read: the 3-month average three
--    months back);
--  * everyone, when a late batch reached back before the first month.
with

months as (

    select distinct month_start as month from {{ ref('dim_date') }}

),

monthly_spend as (

    -- approved spend per customer-month, maintained incrementally
    select customer_id, month, spend, transaction_count
    from {{ ref('int_customer_monthly_spend') }}
    where transaction_count > 0

),

customers_first_month as (

    select
        customer_id,
        greatest(
            cast({{ dbt.date_trunc('month', 'account_open_date') }} as date),
            (select min(month) from months)
        ) as first_month
    from {{ ref('dim_customer') }}
    where is_current

),

{% if is_incremental() %}
written as (

    select customer_id, min(month) as first_month
    from {{ this }}
    group by customer_id

),

written_range as (

    select min(month) as first_month, max(month) as last_month from {{ this }}

),

written_months as (

    select customer_id, month, spend, transaction_count
    from {{ this }}
    where transaction_count > 0

),

-- months whose spend or count moved since they were written, either way (a month that
-- lost its last approved transaction is gone from the monthly aggregate)
changed_months as (

    (
        select * from monthly_spend where month <= (select last_month from written_range)
        except
        select * from written_months
    )
    union all
    (
        select * from written_months
        except
        select * from monthly_spend
    )

),

rewritten as (

    select customers_first_month.customer_id
    from customers_first_month
    left join written
        on customers_first_month.customer_id = written.customer_id
    where written.customer_id is null
        or written.first_month <> customers_first_month.first_month
        or (select min(month) from months) < (select first_month from written_range)
        or customers_first_month.customer_id in (select customer_id from changed_months)

),

-- the months written for everyone else: those after the last one written, if any
new_months as (

    select month from months where month > (select last_month from written_range)

),

customers as (

    select *
    from (
        select
            customer_id,
            first_month,
            customer_id in (select customer_id from rewritten) as is_rewritten
        from customers_first_month
    ) as flagged
    where is_rewritten or exists (select 1 from new_months)

),
{% else %}
customers as (

    select customer_id, first_month, true as is_rewritten from customers_first_month

),
{% endif %}

customer_months as (

    select
        customers.customer_id,
        customers.is_rewritten,
        months.month,
        coalesce(monthly_spend.spend, 0) as spend,
        coalesce(monthly_spend.transaction_count, 0) as transaction_count
    from customers
    inner join months
        on months.month >= customers.first_month
        {% if is_incremental() %}
        and (
            customers.is_rewritten
            or months.month > {{ dbt.dateadd('month', -6, '(select last_month from written_range)') }}
        )
        {% endif %}
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
{% if is_incremental() %}
where is_rewritten or month in (select month from new_months)
{% endif %}

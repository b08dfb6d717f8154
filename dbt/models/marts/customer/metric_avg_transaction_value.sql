with

as_of as (

    select as_of_date from {{ ref('int_as_of_date') }}

),

customers as (

    select customer_id from {{ ref('dim_customer') }} where is_current

),

approved as (

    select transactions.customer_id, transactions.transaction_date, transactions.amount
    from {{ ref('fct_transactions') }} as transactions
    where transactions.status = 'approved'

),

summarised as (

    select
        approved.customer_id,
        count(*) as transaction_count,
        avg(approved.amount) as avg_transaction_value,
        median(approved.amount) as median_transaction_value,
        stddev_samp(approved.amount) as stddev_transaction_value,
        min(approved.amount) as min_transaction_value,
        max(approved.amount) as max_transaction_value,
        avg(case when approved.transaction_date > {{ dbt.dateadd('day', -30, 'as_of.as_of_date') }}
            then approved.amount end) as atv_last_30_days,
        avg(case when approved.transaction_date > {{ dbt.dateadd('day', -var('window_days'), 'as_of.as_of_date') }}
            then approved.amount end) as atv_last_90_days
    from approved
    cross join as_of
    group by approved.customer_id

)

select
    customers.customer_id,
    coalesce(summarised.transaction_count, 0) as transaction_count,
    cast(summarised.avg_transaction_value as double) as avg_transaction_value,
    cast(summarised.median_transaction_value as double) as median_transaction_value,
    cast(summarised.stddev_transaction_value as double) as stddev_transaction_value,
    summarised.min_transaction_value,
    summarised.max_transaction_value,
    cast(summarised.atv_last_30_days as double) as atv_last_30_days,
    cast(summarised.atv_last_90_days as double) as atv_last_90_days
from customers
left join summarised
    on customers.customer_id = summarised.customer_id

with

customers as (

    select customer_id from {{ ref('dim_customer') }} where is_current

),

windows as (

    select customer_id, spend_last_90_days from {{ ref('int_customer_activity_windowed') }}

),

lifetime as (

    select
        customer_id,
        cast(sum(amount) as decimal(18, 2)) as lifetime_value,  -- not decimal(38, 2): fast scans
        count(*) as transaction_count,
        min(transaction_date) as first_transaction_date,
        max(transaction_date) as last_transaction_date
    from {{ ref('fct_transactions') }}
    where status = 'approved'
    group by customer_id

),

clv as (

    {{ optional_relation('scoring', 'customer_clv', {
        'customer_id': dbt.type_string(),
        'probability_alive': 'double',
        'projected_12m_ltv': 'double',
    }) }}

)

select
    customers.customer_id,
    coalesce(lifetime.lifetime_value, 0) as lifetime_value,
    coalesce(lifetime.transaction_count, 0) as transaction_count,
    lifetime.first_transaction_date,
    lifetime.last_transaction_date,
    -- the CLV model's projection once `c360 score` has run; until then a run-rate trend:
    -- the last 90 days' approved spend, annualised
    cast(coalesce(clv.projected_12m_ltv, 4 * windows.spend_last_90_days) as double)
        as projected_12m_ltv,
    case when clv.projected_12m_ltv is not null then 'clv_model' else 'run_rate_90d' end
        as projected_12m_ltv_method,
    clv.probability_alive
from customers
inner join windows
    on customers.customer_id = windows.customer_id
left join lifetime
    on customers.customer_id = lifetime.customer_id
left join clv
    on customers.customer_id = clv.customer_id

-- Lifetime value per customer; the approved-spend totals come from the one aggregation
-- pass in int_customer_activity_windowed.
with

windows as (

    select * from {{ ref('int_customer_activity_windowed') }}

),

clv as (

    {{ scored_customer_clv() }}

)

select
    windows.customer_id,
    windows.lifetime_spend as lifetime_value,
    windows.transaction_count,
    windows.first_transaction_date,
    windows.last_transaction_date,
    -- the CLV model's projection once `c360 score` has run; until then a run-rate trend:
    -- the last 90 days' approved spend, annualised
    cast(coalesce(clv.projected_12m_ltv, 4 * windows.spend_last_90_days) as double)
        as projected_12m_ltv,
    case when clv.projected_12m_ltv is not null then 'clv_model' else 'run_rate_90d' end
        as projected_12m_ltv_method,
    clv.probability_alive
from windows
left join clv
    on windows.customer_id = clv.customer_id

-- One segment per customer by prioritised rules (first match wins); thresholds are
-- project vars so they are tuned in one place and pinned by unit tests.
with

windows as (

    select * from {{ ref('int_customer_activity_windowed') }}

),

classified as (

    select
        *,
        case
            when spend_last_90_days >= {{ var('segment_hvt_min_spend_90d') }}
                and travel_spend_pct >= {{ var('segment_hvt_min_travel_pct') }}
                then 'High-Value Travelers'
            when spend_prior_90_days >= {{ var('segment_declining_min_prior_spend') }}
                and spend_last_90_days < {{ var('segment_declining_max_ratio') }} * spend_prior_90_days
                then 'Declining'
            when tenure_days <= {{ var('segment_new_max_tenure_days') }}
                then 'New & Growing'
            when tenure_days <= {{ var('segment_growing_max_tenure_days') }}
                and spend_prior_90_days > 0
                and spend_last_90_days >= {{ var('segment_growing_min_ratio') }} * spend_prior_90_days
                then 'New & Growing'
            when spend_last_90_days <= {{ var('segment_budget_max_spend_90d') }}
                and coalesce(avg_transaction_value_last_90_days, 0) <= {{ var('segment_budget_max_atv') }}
                then 'Budget-Conscious'
            else 'Stable Mid-Spenders'
        end as customer_segment,
        case
            when spend_last_90_days >= {{ var('segment_hvt_min_spend_90d') }}
                and travel_spend_pct >= {{ var('segment_hvt_min_travel_pct') }}
                then 'high_value_travel'
            when spend_prior_90_days >= {{ var('segment_declining_min_prior_spend') }}
                and spend_last_90_days < {{ var('segment_declining_max_ratio') }} * spend_prior_90_days
                then 'declining_spend'
            when tenure_days <= {{ var('segment_new_max_tenure_days') }}
                then 'new_account'
            when tenure_days <= {{ var('segment_growing_max_tenure_days') }}
                and spend_prior_90_days > 0
                and spend_last_90_days >= {{ var('segment_growing_min_ratio') }} * spend_prior_90_days
                then 'growing_spend'
            when spend_last_90_days <= {{ var('segment_budget_max_spend_90d') }}
                and coalesce(avg_transaction_value_last_90_days, 0) <= {{ var('segment_budget_max_atv') }}
                then 'low_spend'
            else 'default'
        end as segment_rule

    from windows

)

select
    customer_id,
    customer_segment,
    segment_rule,
    case segment_rule
        when 'high_value_travel' then
            'spent $' || {{ money_text('spend_last_90_days') }} || ' in the last 90 days, '
            || {{ money_text('travel_spend_pct') }} || '% on travel'
        when 'declining_spend' then
            'last-90-day spend $' || {{ money_text('spend_last_90_days') }}
            || ' is under ' || cast(cast(100 * {{ var('segment_declining_max_ratio') }} as integer) as {{ dbt.type_string() }})
            || '% of the prior 90 days ($' || {{ money_text('spend_prior_90_days') }} || ')'
        when 'new_account' then
            'account opened ' || cast(tenure_days as {{ dbt.type_string() }}) || ' days before the as-of date'
        when 'growing_spend' then
            'account under a year old and last-90-day spend $' || {{ money_text('spend_last_90_days') }}
            || ' up from $' || {{ money_text('spend_prior_90_days') }}
        when 'low_spend' then
            'low spend: $' || {{ money_text('spend_last_90_days') }} || ' in the last 90 days, average ticket $'
            || {{ money_text('coalesce(avg_transaction_value_last_90_days, 0)') }}
        else
            'steady spend: $' || {{ money_text('spend_last_90_days') }} || ' in the last 90 days vs $'
            || {{ money_text('spend_prior_90_days') }} || ' in the prior 90'
    end as segment_reason,
    spend_last_90_days,
    spend_prior_90_days,
    transactions_last_90_days,
    transactions_prior_90_days,
    travel_spend_pct,
    necessity_spend_pct,
    avg_transaction_value_last_90_days,
    tenure_days,
    as_of_date
from classified

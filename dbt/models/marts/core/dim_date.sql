-- Every day of the data's range: first transaction date to the as-of date.
with

days as (

    {{ date_spine(
        "select first_transaction_date from " ~ ref('int_as_of_date'),
        "select as_of_date from " ~ ref('int_as_of_date')
    ) }}

)

select
    {{ date_key('full_date') }} as date_key,
    full_date,
    cast(extract(year from full_date) as integer) as year,
    cast(extract(quarter from full_date) as integer) as quarter,
    cast(extract(month from full_date) as integer) as month,
    cast(extract(day from full_date) as integer) as day_of_month,
    cast({{ iso_day_of_week('full_date') }} as integer) as day_of_week,
    {{ iso_day_of_week('full_date') }} in (6, 7) as is_weekend,
    cast({{ dbt.date_trunc('month', 'full_date') }} as date) as month_start
from days

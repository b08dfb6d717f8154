-- Ticket-size statistics per customer; aggregated once in int_customer_activity_windowed.
select
    customer_id,
    transaction_count,
    avg_transaction_value,
    median_transaction_value,
    stddev_transaction_value,
    min_transaction_value,
    max_transaction_value,
    atv_last_30_days,
    cast(avg_transaction_value_last_90_days as double) as atv_last_90_days
from {{ ref('int_customer_activity_windowed') }}

-- The data's as-of date: every "last N days" window is relative to it, never to the clock.
select
    max(transaction_date) as as_of_date,
    min(transaction_date) as first_transaction_date
from {{ ref('fct_transactions') }}

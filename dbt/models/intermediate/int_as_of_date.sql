-- A table, not a view: a dozen models and post-hooks read it, and as a view each of them
-- would scan every fact row again for one date.
{{ config(materialized='table') }}
-- The data's as-of date: every "last N days" window is relative to it, never to the clock.
select
    max(transaction_date) as as_of_date,
    min(transaction_date) as first_transaction_date
from {{ ref('fct_transactions') }}

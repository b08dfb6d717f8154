-- Every transaction's customer_key is the customer version valid at its transaction_ts:
-- same customer, valid_from <= transaction date < valid_to (open-ended when current).
-- Checks the rows the latest run wrote (all rows after a full refresh; the merged ones,
-- including re-keyed customers, after an incremental run), like the fact's column tests.
with

latest_run as (

    select *
    from {{ ref('fct_transactions') }}
    where built_at = (select max(built_at) from {{ ref('fct_transactions') }})

)

select
    transactions.transaction_id,
    transactions.customer_id,
    transactions.transaction_ts,
    transactions.customer_key,
    customers.customer_id as key_customer_id,
    customers.valid_from,
    customers.valid_to
from latest_run as transactions
left join {{ ref('dim_customer') }} as customers
    on transactions.customer_key = customers.customer_key
where customers.customer_key is null
    or customers.customer_id <> transactions.customer_id
    or transactions.transaction_ts < customers.valid_from
    or (customers.valid_to is not null and transactions.transaction_ts >= customers.valid_to)

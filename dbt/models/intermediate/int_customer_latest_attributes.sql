{{ config(materialized='table') }}
-- Each customer's untracked attributes (name, contact, address, birth date, income) from
-- the latest snapshot that showed them (type 1: a moved customer shows the new city on
-- every version of dim_customer). Apart from dim_customer's as-of age: a table read from
-- the customer snapshots alone, so a build whose customer snapshots did not change (a
-- daily transactions append) leaves it as it is instead of ranking every snapshot row
-- again (toolkit/pipeline/dbt_runner.py, _SINGLE_SOURCE_NODES).
select
    customer_id,
    full_name,
    first_name,
    last_name,
    email,
    phone,
    state,
    city,
    zip_code,
    date_of_birth,
    employment_status,
    annual_income,
    account_open_date
from {{ ref('stg_customers') }}
qualify row_number() over (partition by customer_id order by snapshot_date desc) = 1

with

versions as (

    select * from {{ ref('int_customer_versions_windowed') }}

),

-- Attributes that are not tracked (name, contact, address) come from the latest
-- snapshot (type 1): a moved customer shows the new city on every version.
latest_attributes as (

    select * from {{ ref('int_customer_latest_attributes') }}

),

as_of as (

    select as_of_date from {{ ref('int_as_of_date') }}

)

select
    versions.customer_key,
    versions.customer_id,
    latest_attributes.full_name,
    latest_attributes.first_name,
    latest_attributes.last_name,
    latest_attributes.email,
    latest_attributes.phone,
    latest_attributes.state,
    latest_attributes.city,
    latest_attributes.zip_code,
    latest_attributes.date_of_birth,
    {{ whole_years_between('latest_attributes.date_of_birth', 'as_of.as_of_date') }} as age,
    latest_attributes.employment_status,
    latest_attributes.annual_income,
    latest_attributes.account_open_date,
    versions.card_type,
    versions.credit_limit,
    versions.valid_from,
    versions.valid_to,
    versions.is_current,
    versions.first_seen_snapshot_date,
    as_of.as_of_date
from versions
inner join latest_attributes
    on versions.customer_id = latest_attributes.customer_id
cross join as_of

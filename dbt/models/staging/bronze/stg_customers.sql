with

source as (

    select * from {{ source('bronze', 'raw_customers') }}

),

renamed as (

    select
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        {{ numeric_id('customer_id', 1) }} as customer_number,
        trim(first_name) as first_name,
        trim(last_name) as last_name,
        trim(first_name) || ' ' || trim(last_name) as full_name,
        lower(trim(email)) as email,
        phone,
        cast(date_of_birth as date) as date_of_birth,
        street_address,
        city,
        upper(state) as state,
        zip_code,
        employment_status,
        cast(annual_income as decimal(12, 2)) as annual_income,
        card_type,
        cast(credit_limit as decimal(12, 2)) as credit_limit,
        cast(account_open_date as date) as account_open_date,
        cast(snapshot_date as date) as snapshot_date,
        _batch_id as batch_id,
        _loaded_at as loaded_at

    from source
    -- a snapshot file delivered twice keeps its latest load
    qualify row_number() over (
        partition by customer_id, snapshot_date order by _loaded_at desc, _batch_id desc
    ) = 1

)

select * from renamed

with

source as (

    select * from {{ source('bronze', 'raw_transactions') }}

),

renamed as (

    select
        transaction_id,
        cast(transaction_id as bigint) as transaction_number,
        customer_id,
        {{ numeric_id('customer_id', 1) }} as customer_number,
        cast(transaction_ts as {{ dbt.type_timestamp() }}) as transaction_ts,
        cast(transaction_ts as date) as transaction_date,
        cast(amount as decimal(12, 2)) as amount,
        merchant_category_id,
        channel,
        lower(status) as status,
        lower(status) = 'approved' as is_approved,
        _batch_id as batch_id,
        _loaded_at as loaded_at

    from source
    -- a transaction re-delivered in a later batch keeps its latest version
    qualify row_number() over (
        partition by transaction_id order by _loaded_at desc, _batch_id desc
    ) = 1

)

select * from renamed

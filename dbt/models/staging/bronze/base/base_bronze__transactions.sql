-- Typed and renamed transactions, not yet de-duplicated. stg_transactions de-duplicates
-- all of them; fct_transactions' incremental runs read only new batches from here and
-- de-duplicate those (the de-duplication would otherwise hide the batch filter from
-- DuckDB and every incremental run would rank all 13.5M rows).
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

)

select * from renamed

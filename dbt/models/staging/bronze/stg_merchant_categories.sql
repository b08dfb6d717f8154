with

source as (

    select * from {{ source('bronze', 'raw_merchant_categories') }}

),

renamed as (

    select
        merchant_category_id,
        {{ numeric_id('merchant_category_id', 2) }} as merchant_category_number,
        category_name,
        category_group,
        mcc_code,
        is_discretionary,
        is_necessity,
        is_travel,
        _loaded_at as loaded_at

    from source
    qualify row_number() over (
        partition by merchant_category_id order by _loaded_at desc, _batch_id desc
    ) = 1

)

select * from renamed

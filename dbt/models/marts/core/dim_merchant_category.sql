select
    merchant_category_number as merchant_category_key,
    merchant_category_id,
    category_name,
    category_group,
    mcc_code,
    is_discretionary,
    is_necessity,
    is_travel
from {{ ref('stg_merchant_categories') }}

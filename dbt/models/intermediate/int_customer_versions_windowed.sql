-- Data-time validity of each customer version: [valid_from, valid_to), valid_to being the
-- next version's start (null on the current version), so versions never overlap or gap.
with

versions as (

    select
        customer_id,
        customer_number,
        version_valid_from as valid_from,
        first_seen_snapshot_date,
        card_type,
        credit_limit,
        dbt_updated_at as recorded_at
    from {{ ref('customer_versions_snapshot') }}
    where dbt_valid_to is null

),

windowed as (

    select
        {{ customer_version_key('customer_number', 'valid_from') }} as customer_key,
        customer_id,
        customer_number,
        card_type,
        credit_limit,
        valid_from,
        lead(valid_from) over (partition by customer_id order by valid_from) as valid_to,
        first_seen_snapshot_date,
        recorded_at
    from versions

)

select
    *,
    valid_to is null as is_current
from windowed

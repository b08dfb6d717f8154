-- One row per version of a customer's tracked attributes (card_type, credit_limit):
-- consecutive identical snapshots collapse into the version that started first.
with

snapshots as (

    select
        customer_id,
        customer_number,
        snapshot_date,
        account_open_date,
        card_type,
        credit_limit,
        loaded_at
    from {{ ref('stg_customers') }}

),

compared as (

    select
        *,
        lag(card_type) over (
            partition by customer_id order by snapshot_date
        ) as previous_card_type,
        lag(credit_limit) over (
            partition by customer_id order by snapshot_date
        ) as previous_credit_limit,
        row_number() over (
            partition by customer_id order by snapshot_date
        ) as snapshot_sequence
    from snapshots

),

changes as (

    select
        customer_id,
        customer_number,
        card_type,
        credit_limit,
        snapshot_date as first_seen_snapshot_date,
        -- The first version is valid from account opening, so every transaction finds
        -- its version; later versions from the snapshot that first showed the change.
        case
            when snapshot_sequence = 1 and account_open_date < snapshot_date
                then account_open_date
            else snapshot_date
        end as version_valid_from
    from compared
    where snapshot_sequence = 1
        or card_type <> previous_card_type
        or credit_limit <> previous_credit_limit

)

select
    customer_id || '@' || cast(version_valid_from as {{ dbt.type_string() }}) as version_id,
    customer_id,
    customer_number,
    version_valid_from,
    first_seen_snapshot_date,
    card_type,
    credit_limit
from changes

-- depends_on: {{ ref('base_bronze__transactions') }}
-- depends_on: {{ ref('stg_transactions') }}
{{
    config(
        materialized='incremental',
        unique_key='transaction_id',
        incremental_strategy='merge',
        on_schema_change='append_new_columns',
        cluster_by=['customer_id', 'transaction_date'],
    )
}}

with

versions as (

    select
        customer_key,
        customer_id,
        customer_number,
        valid_from,
        coalesce(valid_to, cast('9999-12-31' as date)) as valid_until,
        recorded_at
    from {{ ref('int_customer_versions_windowed') }}

),

{% if is_incremental() %}
watermark as (

    select max(built_at) as max_built_at
    from {{ this }}

),

-- Batches already in the fact. A new batch is one whose id is not here, however late its
-- file committed: never a loaded_at watermark, which skips a file whose load committed
-- after a build started (issue 12).
built_batches as (

    select distinct batch_id from {{ this }}

),

-- A customer version recorded after the last build (a late snapshot, a new customer's
-- first snapshot) re-keys that customer's transactions from the version's start.
rekeyed_customers as (

    select versions.customer_id, min(versions.valid_from) as rekey_from
    from versions
    cross join watermark
    where versions.recorded_at > watermark.max_built_at
    group by versions.customer_id

),

-- Bronze's batches not yet in the fact. Grouped first, then compared: a few hundred ids
-- against a few hundred, instead of probing every bronze row's id.
new_batches as (

    select bronze_batches.batch_id
    from (
        select batch_id from {{ ref('base_bronze__transactions') }} group by batch_id
    ) as bronze_batches
    where bronze_batches.batch_id not in (select built_batches.batch_id from built_batches)

),

-- only new batches (and re-keyed customers), de-duplicated after the filter: the
-- latest version of a key is the one with the latest loaded_at, so filtering first
-- keeps the same rows as stg_transactions would, without ranking all of them. Each
-- branch is a join the engine can push into the bronze scan (the new batches' ids, the
-- re-keyed customers), so a daily run reads the new day's blocks, not all of bronze,
-- and casts only the rows it keeps.
candidates as (

    select *
    from (
        select transactions.*
        from {{ ref('base_bronze__transactions') }} as transactions
        inner join new_batches
            on transactions.batch_id = new_batches.batch_id
        union all
        select transactions.*
        from {{ ref('base_bronze__transactions') }} as transactions
        inner join rekeyed_customers
            on transactions.customer_id = rekeyed_customers.customer_id
            and transactions.transaction_date >= rekeyed_customers.rekey_from
        where transactions.batch_id not in (select new_batches.batch_id from new_batches)
    ) as transactions
    {{ keep_latest_per_key('transactions.transaction_id', 'transactions.loaded_at desc, transactions.batch_id desc') }}

),
{% endif %}

transactions as (

    {% if is_incremental() %}
    -- A batch whose every row a later delivery replaced holds no row of the fact, so it
    -- looks new on every run: its rows must never overwrite the later versions the fact
    -- already holds (the same order as keep_latest_per_key: loaded_at, then batch_id).
    -- The fact is narrowed to the candidates' ids first (the engine then hashes the day's
    -- rows, not the whole fact) and joined on the id alone, one fact row per id; the
    -- version test is a filter. Inside the join condition it made DuckDB plan a
    -- nested-loop join of every candidate against every fact row (minutes at 13.5M rows).
    select candidates.*
    from candidates
    left join (
        select transaction_id, loaded_at, batch_id
        from {{ this }}
        where transaction_id in (select candidates.transaction_id from candidates)
    ) as built
        on candidates.transaction_id = built.transaction_id
    where built.transaction_id is null
        or built.loaded_at < candidates.loaded_at
        or (built.loaded_at = candidates.loaded_at and built.batch_id <= candidates.batch_id)
    {% else %}
    select * from {{ ref('stg_transactions') }}
    {% endif %}

),

keyed as (

    select
        transactions.transaction_number as transaction_key,
        transactions.transaction_id,
        -- point-in-time: the customer version valid when the transaction happened
        versions.customer_key,
        transactions.customer_id,
        {{ date_key('transactions.transaction_date') }} as date_key,
        {{ numeric_id('transactions.merchant_category_id', 2) }} as merchant_category_key,
        transactions.transaction_ts,
        transactions.transaction_date,
        transactions.amount,
        transactions.channel,
        transactions.status,
        transactions.loaded_at,
        transactions.batch_id,
        cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }}) as built_at
    from transactions
    -- on the customer's number (an integer): hashing 13.5M string ids costs more
    left join versions
        on transactions.customer_number = versions.customer_number
        and transactions.transaction_date >= versions.valid_from
        and transactions.transaction_date < versions.valid_until

)

select * from keyed
{% if target.type == 'duckdb' and not is_incremental() %}
-- DuckDB has no clustering keys: writing the table in customer order lets its zone maps
-- skip to one customer's rows (the app's per-customer reads).
order by customer_id, transaction_ts
{% endif %}

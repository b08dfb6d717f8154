-- One row per transaction: a transaction re-delivered in a later batch keeps its latest
-- version. Ranking all 13.5M rows by id is the most expensive step of the build, so only
-- batches that can hold a re-delivery are ranked: the loader already rejects duplicate
-- ids within a batch, and a batch whose id range [min, max] overlaps no other batch's
-- range cannot share an id with any other batch. With ids that interleave across batches
-- every batch overlaps and this is simply the full ranking. (Each branch reads the base
-- model itself: DuckDB materialises a CTE that is read twice, i.e. all 13.5M rows.)
with

batch_ranges as (

    select
        batch_id,
        min(transaction_id) as first_id,
        max(transaction_id) as last_id
    from {{ ref('base_bronze__transactions') }}
    group by batch_id

),

overlapping_batches as (

    select distinct this_batch.batch_id
    from batch_ranges as this_batch
    inner join batch_ranges as other_batch
        on this_batch.batch_id <> other_batch.batch_id
        and this_batch.first_id <= other_batch.last_id
        and other_batch.first_id <= this_batch.last_id

),

unique_by_range as (

    select *
    from {{ ref('base_bronze__transactions') }}
    where batch_id not in (select batch_id from overlapping_batches)

),

ranked as (

    select *
    from {{ ref('base_bronze__transactions') }}
    where batch_id in (select batch_id from overlapping_batches)
    {{ keep_latest_per_key('transaction_id', 'loaded_at desc, batch_id desc') }}

)

select * from unique_by_range
union all
select * from ranked

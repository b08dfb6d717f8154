"""The fact increment cannot skip a file: a batch that committed with an older loaded_at than
rows already in gold.fct_transactions (a file whose load finished after a build started)
is still built, because the increment anti-joins on batch ids, not on a loaded_at watermark."""

from __future__ import annotations

from db_helpers import query as _query

from toolkit.pipeline.dbt_runner import build


def test_a_late_committed_batch_with_an_old_loaded_at_is_built(copy_of_built_db):
    ((max_id, oldest_loaded, last_day),) = _query(
        copy_of_built_db,
        "select max(transaction_id), min(_loaded_at) - interval 1 day, max(transaction_ts)::date "
        "from bronze.raw_transactions",
    )
    _query(
        copy_of_built_db,
        """
        insert into bronze.raw_transactions
        select transaction_id + ? + 1000, customer_id, transaction_ts + interval 1 day, amount,
               merchant_category_id, channel, status, 'test-late-file', 'test', ?
        from bronze.raw_transactions where transaction_ts::date = ?
        """,
        [max_id, oldest_loaded, last_day],
    )
    ((landed,),) = _query(
        copy_of_built_db,
        "select count(*) from bronze.raw_transactions where _batch_id = 'test-late-file'",
    )
    build(copy_of_built_db, select="+dim_customer +dim_date")
    ((built,),) = _query(
        copy_of_built_db,
        "select count(*) from gold.fct_transactions where batch_id = 'test-late-file'",
    )
    assert landed > 0 and built == landed


def test_a_batch_re_sent_whole_is_applied_once_and_never_reverted(copy_of_built_db):
    """Every row of one day's batch re-delivered with corrected amounts: the corrections
    land, and later builds keep them. The first batch then holds no row of the fact, so by
    batch id alone it looks new on every run; its older rows must not overwrite the fact."""
    ((first_batch, rows),) = _query(
        copy_of_built_db,
        "select _batch_id, count(*) from bronze.raw_transactions "
        "group by 1 order by min(transaction_ts) desc limit 1",
    )
    _query(
        copy_of_built_db,
        """
        insert into bronze.raw_transactions
        select transaction_id, customer_id, transaction_ts, amount + 1, merchant_category_id,
               channel, status, 'test-resent-batch', 'test', _loaded_at + interval 1 hour
        from bronze.raw_transactions where _batch_id = ?
        """,
        [first_batch],
    )
    corrected = """
        select count(*) from gold.fct_transactions as fact
        join bronze.raw_transactions as sent
            on sent.transaction_id = fact.transaction_id and sent._batch_id = ?
        where fact.amount = sent.amount + 1 and fact.batch_id = 'test-resent-batch'
    """
    for _ in range(3):
        build(copy_of_built_db, select="fct_transactions")
        ((applied,),) = _query(copy_of_built_db, corrected, [first_batch])
        assert applied == rows

"""The bronze load: every bad row quarantined with a reason, counts reconcile, reruns add nothing."""

from __future__ import annotations

import duckdb
import pytest

from toolkit.errors import C360Error
from toolkit.generate import generate_landing
from toolkit.pipeline.load import load_landing


def _query(db_path, sql, params=None):
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_loaded_plus_rejected_equals_input_per_batch(dirty_bronze):
    db_path, landing, generated, loaded = dirty_bronze
    mismatched = _query(
        db_path,
        "select batch_id from observability.load_batches where rows_loaded + rows_rejected <> rows_in",
    )
    assert mismatched == []
    per_source = dict(
        _query(db_path, "select source, sum(rows_in) from observability.load_batches group by 1")
    )
    rows_in_files = _query(
        db_path,
        "select count(*) from read_parquet(?)",
        [str(landing / "transactions" / "*" / "*.parquet")],
    )[0][0]
    assert per_source["transactions"] == rows_in_files
    bronze, rejected = _query(
        db_path,
        "select (select count(*) from bronze.raw_transactions), "
        "(select count(*) from bronze.rejected_rows where source = 'transactions')",
    )[0]
    assert bronze + rejected == rows_in_files
    assert loaded.rows_in == loaded.rows_loaded + loaded.rows_rejected


def test_every_injected_bad_row_is_rejected_with_a_reason(dirty_bronze):
    db_path, _, generated, loaded = dirty_bronze
    # every injected row is caught; a few more may follow (transactions of a customer
    # whose only customer rows were themselves malformed)
    assert loaded.rows_rejected >= generated.dirty_rows > 0
    assert loaded.rows_rejected <= generated.dirty_rows * 1.05
    assert _query(
        db_path, "select count(*) from bronze.rejected_rows where reason = '' or reason is null"
    ) == [(0,)]
    reasons = {
        r[0]
        for r in _query(
            db_path, "select distinct unnest(string_split(reason, '; ')) from bronze.rejected_rows"
        )
    }
    for expected in (
        "unparseable transaction_ts",
        "non-numeric amount",
        "non-positive or implausible amount",
        "unknown customer_id",
        "duplicate transaction_id",
        "missing customer_id",
        "invalid card_type",
    ):
        assert expected in reasons


def test_nothing_malformed_reaches_bronze(dirty_bronze):
    db_path = dirty_bronze[0]
    bad = _query(
        db_path,
        """
        select count(*) from bronze.raw_transactions t
        where t.amount <= 0 or t.status not in ('approved', 'declined')
           or t.channel not in ('Online', 'In-Store', 'Mobile')
           or t.customer_id not in (select customer_id from bronze.raw_customers)
           or t.merchant_category_id not in (select merchant_category_id from bronze.raw_merchant_categories)
        """,
    )
    assert bad == [(0,)]
    assert _query(
        db_path, "select count(*) - count(distinct transaction_id) from bronze.raw_transactions"
    ) == [(0,)]


def test_rejected_record_keeps_the_original_row(dirty_bronze):
    db_path = dirty_bronze[0]
    (record,) = _query(
        db_path,
        "select record from bronze.rejected_rows where reason = 'non-numeric amount' limit 1",
    )[0]
    assert '"amount":' in record and '"transaction_id":' in record


def test_loading_twice_adds_nothing(dirty_bronze):
    db_path, landing, _, _ = dirty_bronze
    before = _query(
        db_path,
        "select (select count(*) from bronze.raw_transactions), (select count(*) from bronze.rejected_rows)",
    )
    again = load_landing(db_path, landing, show_progress=False)
    after = _query(
        db_path,
        "select (select count(*) from bronze.raw_transactions), (select count(*) from bronze.rejected_rows)",
    )
    assert again.batches == 0 and again.rows_in == 0
    assert again.skipped_batches > 500
    assert before == after


def test_a_new_day_loads_only_that_batch(tmp_path):
    landing = tmp_path / "landing"
    generate_landing(landing, customers=40, seed=3, show_progress=False)
    last_day = sorted((landing / "transactions").iterdir())[-1]
    held_back = tmp_path / "held"
    last_day.rename(held_back)
    first = load_landing(tmp_path / "db.duckdb", landing, show_progress=False)
    held_back.rename(last_day)
    second = load_landing(tmp_path / "db.duckdb", landing, show_progress=False)
    assert second.batches == 1
    assert (
        second.rows_in
        == _query(
            tmp_path / "db.duckdb",
            "select count(*) from read_parquet(?)",
            [str(last_day / "*.parquet")],
        )[0][0]
    )
    assert first.batches > 500


def test_mixing_two_portfolios_is_refused(tmp_path):
    generate_landing(tmp_path / "a", customers=30, seed=1, show_progress=False)
    generate_landing(tmp_path / "b", customers=30, seed=2, show_progress=False)
    load_landing(tmp_path / "db.duckdb", tmp_path / "a", show_progress=False)
    with pytest.raises(C360Error, match="already holds another portfolio"):
        load_landing(tmp_path / "db.duckdb", tmp_path / "b", show_progress=False)


def test_missing_landing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(C360Error, match="run `c360 generate` first"):
        load_landing(tmp_path / "db.duckdb", tmp_path / "nowhere", show_progress=False)


def test_a_transaction_id_that_is_not_a_number_is_rejected_not_fatal(tmp_path):
    """A present but non-numeric id ("-", "abc"; a producer writing the id as text) passed
    every rule before and then failed the whole group's insert into bronze's BIGINT column;
    it is a rejected row with a reason."""
    landing = tmp_path / "landing"
    generate_landing(landing, customers=40, seed=3, show_progress=False)
    day = sorted((landing / "transactions").iterdir())[-1]
    (part,) = sorted(day.glob("*.parquet"))
    con = duckdb.connect()
    rows = con.execute("select count(*) from read_parquet(?)", [str(part)]).fetchone()[0]
    edited = tmp_path / "edited.parquet"
    con.execute(
        f"""
        copy (
            select * replace (
                case row_number() over () when 1 then '-' when 2 then 'abc'
                    else cast(transaction_id as varchar) end as transaction_id
            )
            from read_parquet('{part}')
        ) to '{edited}' (format parquet)
        """
    )
    con.close()
    edited.replace(part)

    loaded = load_landing(tmp_path / "db.duckdb", landing, show_progress=False)
    assert loaded.rows_in == loaded.rows_loaded + loaded.rows_rejected
    rejected = _query(
        tmp_path / "db.duckdb",
        "select record::json ->> 'transaction_id', reason from bronze.rejected_rows "
        "where reason like '%non-numeric transaction_id%' order by 1",
    )
    assert rejected == [("-", "non-numeric transaction_id"), ("abc", "non-numeric transaction_id")]
    assert _query(
        tmp_path / "db.duckdb",
        "select count(*) from bronze.raw_transactions where _batch_id = ?",
        [f"transactions/{day.name}"],
    ) == [(rows - 2,)]

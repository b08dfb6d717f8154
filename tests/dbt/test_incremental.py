"""fct_transactions is incremental: reruns change nothing, a new day's batch is merged,
a re-delivered transaction is updated in place, and a late customer snapshot re-keys
that customer's later transactions. Each test works on its own copy of ``built_db``
and rebuilds only ``+dim_customer +dim_date`` (the fact, its parents, the snapshot, the
dimensions its keys point to, and their tests).
"""

from __future__ import annotations

import json

import duckdb
import pytest
from db_helpers import query as _query

from toolkit.errors import C360Error
from toolkit.pipeline.dbt_runner import build, run_dbt

FACT_STATE = """
    select count(*), max(built_at), sum(hash(transaction_id, customer_key, amount, status))
    from gold.fct_transactions
"""


def test_rerun_without_new_data_changes_nothing(copy_of_built_db):
    before = _query(copy_of_built_db, FACT_STATE)
    summary = build(copy_of_built_db, select="+dim_customer +dim_date")
    assert summary.success and not summary.problems
    assert _query(copy_of_built_db, FACT_STATE) == before


def test_a_new_day_is_appended_and_a_redelivered_transaction_updated(copy_of_built_db):
    ((count_before, built_before, _),) = _query(copy_of_built_db, FACT_STATE)
    ((last_day, max_id),) = _query(
        copy_of_built_db,
        "select max(transaction_ts)::date, max(transaction_id) from bronze.raw_transactions",
    )
    # a new daily batch: yesterday's transactions replayed one day later with new ids,
    # plus one old transaction re-delivered with a corrected amount
    _query(
        copy_of_built_db,
        """
        insert into bronze.raw_transactions
        select transaction_id + ? + 1000, customer_id, transaction_ts + interval 1 day, amount,
               merchant_category_id, channel, status, 'test-new-day', 'test', now()
        from bronze.raw_transactions where transaction_ts::date = ?
        """,
        [max_id, last_day],
    )
    ((new_rows,),) = _query(
        copy_of_built_db,
        "select count(*) from bronze.raw_transactions where _batch_id = 'test-new-day'",
    )
    ((redelivered_id,),) = _query(
        copy_of_built_db,
        "select min(transaction_id) from bronze.raw_transactions where status = 'approved'",
    )
    _query(
        copy_of_built_db,
        """
        insert into bronze.raw_transactions
        select transaction_id, customer_id, transaction_ts, amount + 1000, merchant_category_id,
               channel, status, 'test-redelivery', 'test', now()
        from bronze.raw_transactions where transaction_id = ?
        """,
        [redelivered_id],
    )

    build(copy_of_built_db, select="+dim_customer +dim_date")

    ((count_after, _, _),) = _query(copy_of_built_db, FACT_STATE)
    assert new_rows > 0
    assert count_after == count_before + new_rows
    ((rewritten,),) = _query(
        copy_of_built_db,
        "select count(*) from gold.fct_transactions where built_at > ?",
        [built_before],
    )
    assert rewritten == new_rows + 1  # only the new batch and the re-delivered row were merged
    ((recorded,),) = _query(
        copy_of_built_db,
        "select rows_affected from observability.data_quality_results "
        "where node_name = 'fct_transactions' order by checked_at desc limit 1",
    )
    assert recorded == rewritten
    ((amount, duplicates),) = _query(
        copy_of_built_db,
        "select max(amount), count(*) from gold.fct_transactions where transaction_id = ?",
        [redelivered_id],
    )
    ((bronze_amount,),) = _query(
        copy_of_built_db,
        "select amount from bronze.raw_transactions where transaction_id = ? and _batch_id = 'test-redelivery'",
        [redelivered_id],
    )
    assert (amount, duplicates) == (bronze_amount, 1)
    ((unkeyed,),) = _query(
        copy_of_built_db,
        """
        select count(*) from gold.fct_transactions f
        left join silver.int_customer_versions_windowed v
          on v.customer_key = f.customer_key and v.customer_id = f.customer_id
         and f.transaction_date >= v.valid_from and (v.valid_to is null or f.transaction_date < v.valid_to)
        where v.customer_key is null
        """,
    )
    assert unkeyed == 0


def test_a_late_snapshot_rekeys_the_customers_later_transactions(copy_of_built_db):
    # a customer with transactions both before and after 2024-12-15
    ((customer_id,),) = _query(
        copy_of_built_db,
        """
        select customer_id from gold.fct_transactions
        group by customer_id
        having min(transaction_date) < date '2024-12-15' and max(transaction_date) > date '2024-12-15'
        order by customer_id limit 1
        """,
    )
    _query(
        copy_of_built_db,
        """
        insert into bronze.raw_customers
        select * replace (
            case when card_type = 'Platinum' then 'Basic' else 'Platinum' end as card_type,
            credit_limit + 12345 as credit_limit,
            date '2024-12-15' as snapshot_date,
            'test-late-snapshot' as _batch_id,
            now() as _loaded_at)
        from bronze.raw_customers
        where customer_id = ?
        qualify row_number() over (order by snapshot_date desc) = 1
        """,
        [customer_id],
    )

    build(copy_of_built_db, select="+dim_customer +dim_date")

    keys = dict(
        _query(
            copy_of_built_db,
            """
            select transaction_date >= date '2024-12-15' and transaction_date < date '2024-12-31',
                   count(distinct customer_key)
            from gold.fct_transactions where customer_id = ? group by 1
            """,
            [customer_id],
        )
    )
    assert keys[True] == 1
    ((version_key,),) = _query(
        copy_of_built_db,
        "select customer_key from silver.int_customer_versions_windowed "
        "where customer_id = ? and valid_from = date '2024-12-15'",
        [customer_id],
    )
    ((rekeyed,),) = _query(
        copy_of_built_db,
        "select count(*) from gold.fct_transactions where customer_id = ? and customer_key = ?",
        [customer_id, version_key],
    )
    ((expected,),) = _query(
        copy_of_built_db,
        "select count(*) from bronze.raw_transactions where customer_id = ? "
        "and transaction_ts >= date '2024-12-15' and transaction_ts < date '2024-12-31'",
        [customer_id],
    )
    assert rekeyed == expected > 0


def test_a_failing_data_test_fails_the_build_with_one_line_and_is_recorded(copy_of_built_db):
    _query(
        copy_of_built_db,
        """
        insert into bronze.raw_transactions
        select transaction_id + 10000000000, customer_id, transaction_ts, amount,
               merchant_category_id, 'Fax', status, 'test-bad-channel', 'test', now()
        from bronze.raw_transactions limit 1
        """,
    )
    with pytest.raises(C360Error) as failure:
        build(copy_of_built_db, select="+dim_customer +dim_date")
    message = str(failure.value)
    assert "\n" not in message
    assert "accepted_values_fct_transactions_channel" in message
    ((status,),) = _query(
        copy_of_built_db,
        "select status from observability.data_quality_results "
        "where node_name like 'accepted_values_fct_transactions_channel%' order by checked_at desc limit 1",
    )
    assert status == "fail"


def test_build_without_bronze_is_a_one_line_error(tmp_path):
    with pytest.raises(C360Error, match="run `c360 load`"):
        build(tmp_path / "nothing.duckdb")


def test_a_dbt_error_before_any_node_is_reported_not_hidden(copy_of_built_db):
    """An error that stops dbt before any node (here --vars that are not YAML; a model
    that does not compile is another): the one-line error is dbt's, not a crash while
    recording an empty run (record_results used to call executemany with no rows)."""
    with pytest.raises(C360Error, match=r"dbt build failed: .*not valid YAML \(log: "):
        run_dbt(copy_of_built_db, ["build", "--select", "fct_transactions", "--vars", "{"])


def test_dbt_docs_generate_catalogs_every_gold_model(copy_of_built_db):
    import json

    from toolkit.pipeline.dbt_runner import dbt_paths, run_dbt

    run_dbt(copy_of_built_db, ["docs", "generate"], record=False)
    target_path, _ = dbt_paths(copy_of_built_db)
    catalog = json.loads((target_path / "catalog.json").read_text())
    profile = catalog["nodes"]["model.c360.customer_360_profile"]
    assert profile["metadata"]["schema"] == "gold"
    assert {"customer_id", "customer_segment", "churn_risk_category"} <= set(profile["columns"])
    assert "model.c360.fct_transactions" in catalog["nodes"]
    assert (target_path / "index.html").exists()


def test_staging_keeps_the_latest_version_of_a_redelivered_transaction(copy_of_built_db):
    ((count_before, amount_before),) = _query(
        copy_of_built_db, "select count(*), sum(amount) from silver.stg_transactions"
    )
    # two old transactions re-delivered in a later batch, one of them twice
    _query(
        copy_of_built_db,
        """
        insert into bronze.raw_transactions
        select transaction_id, customer_id, transaction_ts, amount + 100, merchant_category_id,
               channel, status, 'test-redelivery-1', 'test', now() - interval 1 second
        from bronze.raw_transactions where transaction_id in (
            select min(transaction_id) from bronze.raw_transactions
            union all select max(transaction_id) from bronze.raw_transactions)
        """,
    )
    _query(
        copy_of_built_db,
        """
        insert into bronze.raw_transactions
        select transaction_id, customer_id, transaction_ts, amount + 1, merchant_category_id,
               channel, status, 'test-redelivery-2', 'test', now()
        from bronze.raw_transactions
        where transaction_id = (select min(transaction_id) from bronze.raw_transactions)
          and _batch_id = 'test-redelivery-1'
        """,
    )
    ((count_after, ids, amount_after),) = _query(
        copy_of_built_db,
        "select count(*), count(distinct transaction_id), sum(amount) from silver.stg_transactions",
    )
    assert count_after == ids == count_before
    # +100 on one, +101 on the other (its latest version)
    assert amount_after == amount_before + 201


def _dq_rows(db) -> int:
    return _query(db, "select count(*) from observability.data_quality_results")[0][0]


def test_a_plain_build_with_nothing_new_skips_dbt_until_a_batch_lands(copy_of_built_db, capsys):
    from toolkit.pipeline.dbt_runner import SKIP_MESSAGE

    first = build(copy_of_built_db)  # the pipeline's steps record no watermark: dbt runs
    assert first.success and not first.skipped and first.outcomes
    assert first.count("pass", types=("unit_test",)) > 0
    state, dq_rows = _query(copy_of_built_db, FACT_STATE), _dq_rows(copy_of_built_db)

    again = build(copy_of_built_db)
    assert again.skipped and not again.outcomes
    assert SKIP_MESSAGE in capsys.readouterr().err
    assert _query(copy_of_built_db, FACT_STATE) == state
    assert _dq_rows(copy_of_built_db) == dq_rows  # dbt did not run: nothing recorded

    # a selection is never skipped
    selected = build(copy_of_built_db, select="dim_date")
    assert not selected.skipped and selected.count("success", types=("model",)) == 1

    ((last_ts, max_id),) = _query(
        copy_of_built_db,
        "select max(transaction_ts), max(transaction_id) from bronze.raw_transactions",
    )
    _query(
        copy_of_built_db,
        """
        insert into bronze.raw_transactions
        select transaction_id + ?, customer_id, transaction_ts + interval 1 hour, amount,
               merchant_category_id, channel, status, 'test-late-rows', 'test', now()
        from bronze.raw_transactions where transaction_ts = ?
        """,
        [max_id, last_ts],
    )
    after = build(copy_of_built_db)
    assert not after.skipped and after.count("pass", types=("test",)) > 0
    # only data changed since the last build: the unit tests (SQL logic) are left out
    assert after.count("pass", "fail", "error", types=("unit_test",)) == 0
    # only transactions changed: the customer and category nodes (and their tests) too,
    # while everything the new rows reach is rebuilt
    ran = {o.name for o in after.outcomes}
    assert not ran & {
        "stg_customers",
        "customer_versions_snapshot",
        "int_customer_latest_attributes",
        "dim_merchant_category",
    }
    assert not any(name.startswith("unique_stg_merchant_categories") for name in ran)
    assert {"fct_transactions", "int_customer_daily_spend", "dim_customer"} <= ran
    assert _query(copy_of_built_db, FACT_STATE)[0][0] > state[0][0]
    watermarks = _query(
        copy_of_built_db,
        "select bronze_transactions from observability.dbt_build_watermarks order by built_at",
    )
    # the first and the last plain build recorded what they saw; the skip recorded nothing
    assert len(watermarks) == 2 and watermarks[1][0] > watermarks[0][0]

    # a customer snapshot re-delivered: the customer nodes run again
    _query(
        copy_of_built_db,
        "insert into bronze.raw_customers select * replace (now() as _loaded_at) "
        "from bronze.raw_customers limit 1",
    )
    customers = build(copy_of_built_db)
    ran = {o.name for o in customers.outcomes}
    assert {"stg_customers", "customer_versions_snapshot", "int_customer_latest_attributes"} <= ran
    assert "dim_merchant_category" not in ran


def test_the_fingerprint_moves_with_bronze_and_the_scored_tables(copy_of_built_db):
    from toolkit.pipeline.dbt_runner import input_fingerprint

    def fingerprint():
        con = duckdb.connect(str(copy_of_built_db), read_only=True)
        try:
            return input_fingerprint(con)
        finally:
            con.close()

    base = fingerprint()
    assert base == fingerprint()
    _query(
        copy_of_built_db, "update gold.customer_clv set projected_12m_ltv = projected_12m_ltv + 1"
    )
    scored = fingerprint()
    assert scored["gold.customer_clv"] != base["gold.customer_clv"]
    assert {k: v for k, v in scored.items() if k != "gold.customer_clv"} == {
        k: v for k, v in base.items() if k != "gold.customer_clv"
    }
    # a re-delivered customer snapshot row: same count of tables, new _loaded_at
    _query(
        copy_of_built_db,
        "insert into bronze.raw_customers select * replace (now() as _loaded_at) "
        "from bronze.raw_customers limit 1",
    )
    assert fingerprint()["bronze.raw_customers"] != scored["bronze.raw_customers"]


def test_fact_tests_check_the_rows_the_latest_run_wrote(copy_of_built_db):
    from toolkit.pipeline.dbt_runner import run_dbt

    # a full build stamps every row with one built_at, so its tests covered every row
    assert _query(
        copy_of_built_db, "select count(distinct built_at) from gold.fct_transactions"
    ) == [(1,)]
    # a bad row written by an earlier run is not re-checked ...
    _query(
        copy_of_built_db,
        """
        update gold.fct_transactions set channel = 'Fax', built_at = built_at - interval 1 day
        where transaction_id = (select min(transaction_id) from gold.fct_transactions)
        """,
    )
    checked = run_dbt(copy_of_built_db, ["test", "--select", "fct_transactions"], record=False)
    assert checked.count("pass", types=("test",)) >= 8 and not checked.problems
    # ... a bad row among the latest run's rows is
    _query(
        copy_of_built_db,
        """
        update gold.fct_transactions set channel = 'Fax'
        where transaction_id = (select max(transaction_id) from gold.fct_transactions)
        """,
    )
    with pytest.raises(C360Error, match="accepted_values_fct_transactions_channel"):
        run_dbt(copy_of_built_db, ["test", "--select", "fct_transactions"], record=False)


def test_aggregate_key_tests_check_the_rows_that_summed_the_latest_fact_rows(copy_of_built_db):
    """int_customer_daily_spend's key test keeps the rows stamped with the latest fact
    built_at (`__aggregated_by_the_latest_run__`): a duplicate among them fails it, one
    among older rows is not re-checked (delete+insert removes a new row's key first)."""
    from toolkit.pipeline.dbt_runner import run_dbt

    duplicate = """
        insert into silver.int_customer_daily_spend
        select * replace (fact_built_at {shift} as fact_built_at)
        from silver.int_customer_daily_spend
        order by customer_id, transaction_date limit 1
    """
    select = ["test", "--select", "int_customer_daily_spend"]
    _query(copy_of_built_db, duplicate.format(shift="- interval 1 day"))
    # a copy stamped before the latest fact rows: only the original is among the checked rows
    assert not run_dbt(copy_of_built_db, select, record=False).problems
    _query(copy_of_built_db, duplicate.format(shift="+ interval 0 day"))
    with pytest.raises(C360Error, match="unique_combination_of_columns_int_customer_daily_spend"):
        run_dbt(copy_of_built_db, select, record=False)


def test_one_not_null_test_per_model_names_each_null_column(copy_of_built_db):
    """The required columns of a model share one test node (macros/tests/not_null_columns.sql):
    it fails on a null in any of them, with one failing row per column that has nulls."""
    from toolkit.pipeline.dbt_runner import dbt_paths, run_dbt

    _query(
        copy_of_built_db,
        """
        update gold.customer_segments set segment_reason = null, as_of_date = null
        where customer_id = (select min(customer_id) from gold.customer_segments)
        """,
    )
    with pytest.raises(C360Error, match="not_null_columns_customer_segments"):
        run_dbt(copy_of_built_db, ["test", "--select", "customer_segments"], record=False)
    target_path, _ = dbt_paths(copy_of_built_db)
    results = json.loads((target_path / "run_results.json").read_text())["results"]
    (failed,) = [r for r in results if ".not_null_columns_" in r["unique_id"]]
    assert failed["status"] == "fail" and failed["failures"] == 2  # two columns, a row each


MONTHLY_FROM_FACT = """
    select customer_id, date_trunc('month', transaction_date)::date as month,
           sum(amount) as spend, count(*) as transaction_count
    from gold.fct_transactions where status = 'approved' group by all
"""


def test_monthly_spend_rewrites_only_the_touched_months_and_reconciles(copy_of_built_db):
    ((built_before,),) = _query(
        copy_of_built_db, "select max(fact_built_at) from silver.int_customer_monthly_spend"
    )
    ((last_day, max_id),) = _query(
        copy_of_built_db,
        "select max(transaction_ts)::date, max(transaction_id) from bronze.raw_transactions",
    )
    _query(
        copy_of_built_db,
        """
        insert into bronze.raw_transactions
        select transaction_id + ? + 1000, customer_id, transaction_ts + interval 1 day, amount,
               merchant_category_id, channel, status, 'test-new-day', 'test', now()
        from bronze.raw_transactions where transaction_ts::date = ?
        """,
        [max_id, last_day],
    )
    # an old approved transaction re-delivered as declined: its month's spend must drop
    ((old_id, old_month),) = _query(
        copy_of_built_db,
        "select transaction_id, date_trunc('month', transaction_ts)::date from bronze.raw_transactions "
        "where status = 'approved' order by transaction_ts limit 1",
    )
    _query(
        copy_of_built_db,
        """
        insert into bronze.raw_transactions
        select * replace ('declined' as status, 'test-declined' as _batch_id, now() as _loaded_at)
        from bronze.raw_transactions where transaction_id = ?
        """,
        [old_id],
    )

    build(copy_of_built_db, select="+int_customer_monthly_spend +dim_date")

    ((mismatches,),) = _query(
        copy_of_built_db,
        f"""
        select count(*) from ({MONTHLY_FROM_FACT}) expected
        full join silver.int_customer_monthly_spend m using (customer_id, month)
        where m.spend is distinct from expected.spend
           or m.transaction_count is distinct from expected.transaction_count
        """,
    )
    assert mismatches == 0
    rewritten = _query(
        copy_of_built_db,
        "select distinct month from silver.int_customer_monthly_spend where fact_built_at > ?",
        [built_before],
    )
    new_month = _query(
        copy_of_built_db, "select date_trunc('month', ?::date + 1)::date", [last_day]
    )
    # only the new day's month took new approved rows (the re-delivered transaction's
    # month was re-aggregated too, from older approved rows: its spend dropped above)
    assert {month for (month,) in rewritten} == {new_month[0][0]}
    assert old_month != new_month[0][0]

"""The marts update from what changed, and what they hold equals a full refresh.

One copy of ``built_db`` goes through several incremental builds - a new day, a late
batch (the last day delivered again with corrections, transactions dated months back, a
re-sent transaction moved to another day and category, one turned declined), a new
customer version, a brand-new customer, and a day later the as-of date moving again -
then every mart and incremental aggregate is compared row for row with a
``--full-refresh`` of the same project on the same bronze. Along the way the aggregates
are checked to rewrite only the customer-days, months and customers that changed.
"""

from __future__ import annotations

import duckdb
import pytest
from db_helpers import query as _query

from toolkit.pipeline.dbt_runner import build, run_dbt

# model runs without data tests: the last incremental build runs them (one full `build`)
MODELS_ONLY = ["build", "--resource-type", "model", "--resource-type", "snapshot"]

# every table the incremental path writes, compared with a full refresh (the watermark
# column fact_built_at is bookkeeping: a full refresh re-stamps the fact's built_at)
COMPARED = {
    "silver.int_customer_daily_spend": "fact_built_at",
    "silver.int_customer_monthly_spend": "fact_built_at",
    "silver.int_customer_history_stats": "fact_built_at",
    "silver.int_customer_activity_windowed": None,
    "gold.customer_segments": None,
    "gold.metric_customer_ltv": None,
    "gold.metric_avg_transaction_value": None,
    "gold.metric_mom_spend_change": None,
    "gold.customer_360_profile": None,
    "gold.dim_customer": None,
    "gold.fct_transactions": "built_at",
}


def _new_day(db, batch: str, days_later: int) -> int:
    """The last day's transactions replayed `days_later` days on, with new ids."""
    ((last_day, max_id),) = _query(
        db, "select max(transaction_ts)::date, max(transaction_id) from bronze.raw_transactions"
    )
    _query(
        db,
        f"""
        insert into bronze.raw_transactions
        select transaction_id + ? + 1000, customer_id, transaction_ts + interval {int(days_later)} day,
               amount, merchant_category_id, channel, status, ?, 'test', now()
        from bronze.raw_transactions where transaction_ts::date = ?
        -- one row per id, as the loader delivers a batch (the day may have been re-sent)
        qualify row_number() over (partition by transaction_id order by _loaded_at desc) = 1
        """,
        [max_id, batch, last_day],
    )
    ((rows,),) = _query(
        db, "select count(*) from bronze.raw_transactions where _batch_id = ?", [batch]
    )
    return rows


def _rows_written_since(db, table: str, since) -> int:
    ((count,),) = _query(db, f"select count(*) from {table} where fact_built_at > ?", [since])
    return count


def _latest_fact_build(db):
    return _query(db, "select max(built_at) from gold.fct_transactions")[0][0]


def _late_batch(db) -> dict:
    """A day loaded twice (with two corrections), transactions dated 200 days back, and a
    re-sent transaction moved to another day and category. Returns what it changed."""
    ((last_day,),) = _query(db, "select max(transaction_ts)::date from bronze.raw_transactions")
    ((corrected, turned_declined),) = _query(
        db,
        """
        select min(transaction_id), max(transaction_id) filter (where status = 'approved')
        from bronze.raw_transactions where transaction_ts::date = ?
        """,
        [last_day],
    )
    # half the last day again, same ids: one amount corrected, one approved turned declined
    # (half of it: the day is loaded twice while its first batch keeps rows in the fact)
    _query(
        db,
        """
        insert into bronze.raw_transactions
        select transaction_id, customer_id, transaction_ts,
               case when transaction_id = $1 then amount + 500 else amount end,
               merchant_category_id, channel,
               case when transaction_id = $2 then 'declined' else status end,
               'test-day-again', 'test', now()
        from bronze.raw_transactions
        where transaction_ts::date = $3 and (transaction_id % 2 = 0 or transaction_id in ($1, $2))
        """,
        [corrected, turned_declined, last_day],
    )
    ((max_id,),) = _query(db, "select max(transaction_id) from bronze.raw_transactions")
    # new transactions dated 200 days back: an old day, an old month, the prior windows
    _query(
        db,
        """
        insert into bronze.raw_transactions
        select transaction_id + ? + 1000, customer_id, transaction_ts - interval 200 day, amount,
               merchant_category_id, channel, status, 'test-old-date', 'test', now()
        from bronze.raw_transactions
        where transaction_ts::date = ? and _batch_id <> 'test-day-again'
          -- customers whose account was open then (every transaction has a version)
          and customer_id in (
              select customer_id from bronze.raw_customers
              where account_open_date < ?::date - interval 200 day)
        """,
        [max_id, last_day, last_day],
    )
    # an old approved transaction re-sent, moved 3 days on and to another category
    ((moved_id, moved_customer, moved_day),) = _query(
        db,
        """
        select transaction_id, customer_id, transaction_ts::date from bronze.raw_transactions
        where status = 'approved' and transaction_ts < date '2024-03-01'
        order by transaction_id limit 1
        """,
    )
    _query(
        db,
        """
        insert into bronze.raw_transactions
        select * replace (transaction_ts + interval 3 day as transaction_ts,
                          case when merchant_category_id = 'MC001' then 'MC002' else 'MC001' end
                              as merchant_category_id,
                          'test-moved' as _batch_id, now() as _loaded_at)
        from bronze.raw_transactions where transaction_id = ?
        """,
        [moved_id],
    )
    return {"moved": (moved_customer, moved_day)}


def _new_customer_version_and_new_customer(db) -> str:
    """A late snapshot changing one customer's card from 2024-12-15, another customer's
    opening date corrected to a later one, and a new customer
    (first snapshot and transactions). Returns the changed customer's id."""
    ((changed,),) = _query(
        db,
        """
        select customer_id from gold.fct_transactions group by customer_id
        having min(transaction_date) < date '2024-12-15' and max(transaction_date) > date '2024-12-15'
        order by customer_id limit 1
        """,
    )
    _query(
        db,
        """
        insert into bronze.raw_customers
        select * replace (
            case when card_type = 'Platinum' then 'Basic' else 'Platinum' end as card_type,
            credit_limit + 12345 as credit_limit, date '2024-12-15' as snapshot_date,
            'test-version' as _batch_id, now() as _loaded_at)
        from bronze.raw_customers where customer_id = ?
        qualify row_number() over (order by snapshot_date desc) = 1
        """,
        [changed],
    )
    _query(
        db,
        """
        insert into bronze.raw_customers
        select * replace ('C099999' as customer_id, date '2024-12-01' as account_open_date,
                          date '2024-12-20' as snapshot_date,
                          'test-new-customer' as _batch_id, now() as _loaded_at)
        from bronze.raw_customers where customer_id = ?
        qualify row_number() over (order by snapshot_date desc) = 1
        """,
        [changed],
    )
    # another customer's opening date corrected to a later one (the latest snapshot): the
    # month-over-month rows before it go
    _query(
        db,
        """
        insert into bronze.raw_customers
        select * replace (date '2024-03-10' as account_open_date,
                          date '2025-01-01' as snapshot_date,
                          'test-open-date' as _batch_id, now() as _loaded_at)
        from bronze.raw_customers
        where customer_id = (select min(customer_id) from bronze.raw_customers
                             where account_open_date < date '2023-06-01' and customer_id <> ?)
        qualify row_number() over (order by snapshot_date desc) = 1
        """,
        [changed],
    )
    ((max_id,),) = _query(db, "select max(transaction_id) from bronze.raw_transactions")
    _query(
        db,
        """
        insert into bronze.raw_transactions
        select transaction_id + ? + 1000, 'C099999', transaction_ts, amount,
               merchant_category_id, channel, status, 'test-new-customer', 'test', now()
        from bronze.raw_transactions
        where customer_id = ? and transaction_ts >= date '2024-12-02'
        """,
        [max_id, changed],
    )
    return changed


def _snapshot(db, schema: str) -> None:
    con = duckdb.connect(str(db))
    try:
        con.execute(f"create schema if not exists {schema}")
        for table, bookkeeping in COMPARED.items():
            exclude = f" exclude ({bookkeeping})" if bookkeeping else ""
            name = table.replace(".", "__")
            con.execute(
                f"create or replace table {schema}.{name} as select *{exclude} from {table}"
            )
    finally:
        con.close()


def _differences(db, left: str, right: str) -> dict[str, tuple[int, int, int]]:
    """Per table (rows only left, rows only right, rows): a multiset comparison."""
    out = {}
    for table in COMPARED:
        name = table.replace(".", "__")
        ((only_left,),) = _query(
            db, f"select count(*) from (from {left}.{name} except all from {right}.{name})"
        )
        ((only_right,),) = _query(
            db, f"select count(*) from (from {right}.{name} except all from {left}.{name})"
        )
        ((rows,),) = _query(db, f"select count(*) from {left}.{name}")
        out[table] = (only_left, only_right, rows)
    return out


@pytest.fixture(scope="module")
def appended_then_refreshed(built_db, tmp_path_factory):
    """Several incremental builds on a copy of built_db, then a full refresh; returns the
    database and what the incremental runs recorded on the way."""
    import shutil

    db = tmp_path_factory.mktemp("incremental_marts") / "c360.duckdb"
    shutil.copy(built_db, db)
    seen: dict = {}

    # 1. a new day
    before = _latest_fact_build(db)
    seen["new_day_rows"] = _new_day(db, "test-day-1", 1)
    run_dbt(db, MODELS_ONLY, record=False)
    ((touched_days,),) = _query(
        db,
        """
        select count(distinct (customer_id, transaction_ts::date)) from bronze.raw_transactions
        where _batch_id = 'test-day-1' and status = 'approved'
        """,
    )
    seen["day_1"] = {
        "touched_days": touched_days,
        "daily_rewritten": _rows_written_since(db, "silver.int_customer_daily_spend", before),
        "months_rewritten": _query(
            db,
            "select distinct month from silver.int_customer_monthly_spend where fact_built_at > ?",
            [before],
        ),
        "medians_rewritten": _rows_written_since(db, "silver.int_customer_history_stats", before),
        "customers_touched": _query(
            db,
            "select count(distinct customer_id) from bronze.raw_transactions "
            "where _batch_id = 'test-day-1' and status = 'approved'",
        )[0][0],
    }

    # 2. a late batch
    seen["late"] = _late_batch(db)
    # delete+insert appends the rows it writes: row ids past the last one were rewritten
    ((last_rowid,),) = _query(db, "select max(rowid) from gold.metric_mom_spend_change")
    run_dbt(db, MODELS_ONLY, record=False)
    seen["late_mom"] = _query(
        db,
        """
        select count(distinct customer_id) filter (where rowid > ?), count(distinct customer_id)
        from gold.metric_mom_spend_change
        """,
        [last_rowid],
    )[0]

    # 3. a new customer version, a new customer, and the as-of date two days on
    first_month = """
        select min(month) from gold.metric_mom_spend_change where customer_id = (
            select customer_id from bronze.raw_customers where _batch_id = 'test-open-date')"""
    seen["changed_customer"] = _new_customer_version_and_new_customer(db)
    ((seen["first_month_before"],),) = _query(db, first_month)
    _new_day(db, "test-day-3", 2)
    seen["last_incremental"] = build(db)  # a plain build: models and every data test
    ((seen["first_month_after"],),) = _query(db, first_month)

    _snapshot(db, "incremental")
    run_dbt(db, ["build", "--full-refresh"], record=False)
    _snapshot(db, "refreshed")
    return db, seen


def test_incremental_marts_equal_a_full_refresh_row_for_row(appended_then_refreshed):
    db, seen = appended_then_refreshed
    assert seen["last_incremental"].success and not seen["last_incremental"].problems
    differences = _differences(db, "incremental", "refreshed")
    assert {table: d[:2] for table, d in differences.items()} == {
        table: (0, 0) for table in COMPARED
    }
    # and there was something to compare: every table is populated, the new customer too
    assert all(rows > 0 for *_, rows in differences.values())
    ((new_customer,),) = _query(
        db,
        "select count(*) from incremental.gold__customer_360_profile "
        "where customer_id = 'C099999' and transaction_count > 0",
    )
    assert new_customer == 1


def test_a_new_day_rewrites_only_the_customer_days_it_touched(appended_then_refreshed):
    _, seen = appended_then_refreshed
    day = seen["day_1"]
    assert day["touched_days"] > 0
    assert day["daily_rewritten"] == day["touched_days"]
    # one month (the new day's), and the medians of the customers with a new approved row
    assert len(day["months_rewritten"]) == 1
    assert day["medians_rewritten"] == day["customers_touched"]


def test_a_moved_transaction_leaves_its_old_day(appended_then_refreshed):
    db, seen = appended_then_refreshed
    customer, old_day = seen["late"]["moved"]
    expected = _query(
        db,
        """
        select coalesce(sum(amount), 0), count(*) from gold.fct_transactions
        where customer_id = ? and transaction_date = ? and status = 'approved'
        """,
        [customer, old_day],
    )
    kept = _query(
        db,
        "select spend, transaction_count from incremental.silver__int_customer_daily_spend "
        "where customer_id = ? and transaction_date = ?",
        [customer, old_day],
    )
    assert kept == ([] if expected[0][1] == 0 else expected)


def test_activity_windows_equal_their_definition_over_the_fact(appended_then_refreshed):
    """Summing windows from daily/monthly aggregates changes no figure: each column equals
    its definition computed straight from the fact (approved rows, windows relative to
    the as-of date)."""
    db, _ = appended_then_refreshed
    ((mismatches, customers),) = _query(
        db,
        """
        with as_of as (select max(transaction_date) as as_of from gold.fct_transactions),
        approved as (
            select t.customer_id, t.transaction_date as day, t.amount, c.is_travel
            from gold.fct_transactions t
            join gold.dim_merchant_category c using (merchant_category_key)
            where t.status = 'approved'
        ),
        expected as (
            select customer_id, sum(amount) as lifetime, count(*) as n, min(day) as first_day,
                   max(day) as last_day, avg(amount) as mean, median(amount)::double as med,
                   stddev_samp(amount) as sd, min(amount) as low, max(amount) as high,
                   avg(amount) filter (where day > as_of - 30) as atv30,
                   sum(amount) filter (where day > as_of - 90) as last90,
                   sum(amount) filter (where day > as_of - 180 and day <= as_of - 90) as prior90,
                   sum(amount) filter (where day > as_of - 90 and is_travel) as travel90
            from approved, as_of group by customer_id
        )
        select count(*) filter (where
                   w.customer_id is null or w.lifetime_spend <> e.lifetime
                   or w.transaction_count <> e.n or w.first_transaction_date <> e.first_day
                   or w.last_transaction_date <> e.last_day
                   or abs(w.avg_transaction_value - e.mean) > 1e-9
                   or w.median_transaction_value <> e.med
                   or abs(coalesce(w.stddev_transaction_value, 0) - coalesce(e.sd, 0)) > 1e-9
                   or w.min_transaction_value <> e.low or w.max_transaction_value <> e.high
                   or abs(coalesce(w.atv_last_30_days, -1) - coalesce(e.atv30, -1)) > 1e-9
                   or w.spend_last_90_days <> coalesce(e.last90, 0)
                   or w.spend_prior_90_days <> coalesce(e.prior90, 0)
                   or w.travel_spend_last_90_days <> coalesce(e.travel90, 0)),
               count(*)
        from expected e
        left join incremental.silver__int_customer_activity_windowed w using (customer_id)
        """,
    )
    assert customers > 500 and mismatches == 0


def test_month_over_month_rewrites_only_the_customers_with_changed_months(
    appended_then_refreshed,
):
    """The late batch stays inside the month range: metric_mom_spend_change rewrites the
    customers it touched, not everyone (the first new day entered a new month, which
    rewrites everyone; the equality test covers both)."""
    _, seen = appended_then_refreshed
    rewritten, customers = seen["late_mom"]
    assert 0 < rewritten < customers


def test_a_later_account_open_date_drops_the_months_before_it(appended_then_refreshed):
    """A new version opens one account later: the months before it go (the
    post-hook), as a full refresh would leave them out (the equality test)."""
    _, seen = appended_then_refreshed
    assert seen["first_month_after"] > seen["first_month_before"]

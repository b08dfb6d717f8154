"""SQL over the gold tables of a freshly built local database (the shared ``built_db``:
the whole pipeline at 600 customers). Every expectation is recomputed here from
fct_transactions / bronze with the contract's definitions, never copied from the models.
"""

from __future__ import annotations

import duckdb
import pytest

SEGMENTS = {
    "High-Value Travelers",
    "Stable Mid-Spenders",
    "Budget-Conscious",
    "Declining",
    "New & Growing",
}

# The contract's tables and columns are checked from docs/CONTRACT.md itself
# (tests/test_contract_doc.py); this file checks what the columns mean.


@pytest.fixture(scope="module")
def con(built_db):
    connection = duckdb.connect(str(built_db), read_only=True)
    yield connection
    connection.close()


def scalar(con, sql, params=None):
    return con.execute(sql, params or []).fetchone()[0]


def test_dim_customer_has_exactly_one_current_row_per_customer(con):
    customers = scalar(con, "select count(distinct customer_id) from bronze.raw_customers")
    assert scalar(con, "select count(*) from gold.dim_customer where is_current") == customers
    assert (
        scalar(
            con,
            "select count(*) from (select customer_id from gold.dim_customer "
            "group by 1 having sum(case when is_current then 1 else 0 end) <> 1)",
        )
        == 0
    )
    assert (
        scalar(con, "select count(*) from gold.dim_customer where is_current <> (valid_to is null)")
        == 0
    )


def test_dim_customer_versions_are_contiguous_and_never_overlap(con):
    problems = scalar(
        con,
        """
        select count(*) from (
            select valid_to, lead(valid_from) over (partition by customer_id order by valid_from) as next_from
            from gold.dim_customer
        ) where next_from is not null and (valid_to is null or valid_to <> next_from)
        """,
    )
    assert problems == 0
    overlapping = scalar(
        con,
        """
        select count(*) from gold.dim_customer a join gold.dim_customer b
          on a.customer_id = b.customer_id and a.customer_key < b.customer_key
         and a.valid_from < coalesce(b.valid_to, date '9999-12-31')
         and b.valid_from < coalesce(a.valid_to, date '9999-12-31')
        """,
    )
    assert overlapping == 0


def test_scd2_history_is_real_and_starts_at_account_opening(con):
    versions, customers = con.execute(
        "select count(*), count(distinct customer_id) from gold.dim_customer"
    ).fetchone()
    assert versions > customers  # upgrades / limit changes were captured as versions
    first_not_at_opening = scalar(
        con,
        """
        select count(*) from gold.dim_customer d
        where valid_from = (select min(valid_from) from gold.dim_customer x where x.customer_id = d.customer_id)
          and valid_from <> account_open_date
        """,
    )
    assert first_not_at_opening == 0


def test_every_bronze_snapshot_matches_the_version_valid_on_its_date(con):
    mismatches = scalar(
        con,
        """
        select count(*) from bronze.raw_customers s
        left join gold.dim_customer d
          on d.customer_id = s.customer_id
         and s.snapshot_date >= d.valid_from
         and (d.valid_to is null or s.snapshot_date < d.valid_to)
        where d.customer_key is null
           or d.card_type <> s.card_type
           or d.credit_limit <> s.credit_limit
        """,
    )
    assert mismatches == 0


def test_dim_customer_age_is_whole_years_at_the_as_of_date(con):
    wrong = scalar(
        con,
        """
        select count(*) from gold.dim_customer d
        cross join (select max(transaction_date) as as_of from gold.fct_transactions) a
        where d.age <> date_diff('year', d.date_of_birth, a.as_of)
                       - case when strftime(a.as_of, '%m%d') < strftime(d.date_of_birth, '%m%d') then 1 else 0 end
        """,
    )
    assert wrong == 0


def test_fct_transactions_matches_bronze_one_row_per_transaction(con):
    bronze = con.execute(
        "select count(distinct transaction_id), sum(amount) from bronze.raw_transactions"
    ).fetchone()
    fact = con.execute(
        "select count(*), count(distinct transaction_id), sum(amount) from gold.fct_transactions"
    ).fetchone()
    assert fact == (bronze[0], bronze[0], bronze[1])


def test_fct_customer_key_is_the_version_valid_at_transaction_ts(con):
    wrong = scalar(
        con,
        """
        select count(*) from gold.fct_transactions f
        left join gold.dim_customer d
          on d.customer_id = f.customer_id
         and f.transaction_ts >= d.valid_from
         and (d.valid_to is null or f.transaction_ts < d.valid_to)
        where d.customer_key is null or d.customer_key <> f.customer_key
        """,
    )
    assert wrong == 0
    # and the history matters: some transactions point at a non-current version
    assert (
        scalar(
            con,
            "select count(*) from gold.fct_transactions f join gold.dim_customer d "
            "using (customer_key) where not d.is_current",
        )
        > 0
    )


def test_fct_foreign_keys_resolve(con):
    for dimension, key in (
        ("dim_date", "date_key"),
        ("dim_merchant_category", "merchant_category_key"),
    ):
        orphans = scalar(
            con,
            f"select count(*) from gold.fct_transactions f anti join gold.{dimension} d using ({key})",
        )
        assert orphans == 0, dimension


def test_dim_date_spans_the_data_range(con):
    lo, hi, days = con.execute(
        "select min(full_date), max(full_date), count(*) from gold.dim_date"
    ).fetchone()
    assert (lo, hi) == con.execute(
        "select min(transaction_date), max(transaction_date) from gold.fct_transactions"
    ).fetchone()
    assert days == (hi - lo).days + 1


def test_ltv_and_transaction_count_reconcile_with_fct(con):
    mismatches = scalar(
        con,
        """
        with expected as (
            select c.customer_id,
                   coalesce(sum(f.amount) filter (where f.status = 'approved'), 0) as ltv,
                   count(f.transaction_id) filter (where f.status = 'approved') as n,
                   max(f.transaction_date) filter (where f.status = 'approved') as last_date
            from gold.dim_customer c
            left join gold.fct_transactions f on f.customer_id = c.customer_id
            where c.is_current
            group by c.customer_id
        )
        select count(*) from expected e
        full join gold.metric_customer_ltv m using (customer_id)
        full join gold.customer_360_profile p using (customer_id)
        where m.lifetime_value is distinct from e.ltv
           or p.lifetime_value is distinct from e.ltv
           or p.transaction_count is distinct from e.n
           or p.last_transaction_date is distinct from e.last_date
           or p.days_since_last_transaction is distinct from
              date_diff('day', e.last_date, (select max(transaction_date) from gold.fct_transactions))
        """,
    )
    assert mismatches == 0


def test_90_day_windows_reconcile_with_fct(con):
    mismatches = scalar(
        con,
        """
        with a as (select max(transaction_date) as as_of from gold.fct_transactions),
        expected as (
            select c.customer_id,
                   coalesce(sum(f.amount) filter (where f.transaction_date > a.as_of - 90), 0) as last90,
                   coalesce(sum(f.amount) filter (where f.transaction_date > a.as_of - 180
                                                    and f.transaction_date <= a.as_of - 90), 0) as prior90,
                   count(f.transaction_id) filter (where f.transaction_date > a.as_of - 90) as n90
            from gold.dim_customer c
            cross join a
            left join gold.fct_transactions f
              on f.customer_id = c.customer_id and f.status = 'approved'
            where c.is_current
            group by c.customer_id
        )
        select count(*) from expected e
        full join gold.customer_segments s using (customer_id)
        full join gold.customer_360_profile p using (customer_id)
        where s.spend_last_90_days is distinct from e.last90
           or s.spend_prior_90_days is distinct from e.prior90
           or s.transactions_last_90_days is distinct from e.n90
           or p.spend_last_90_days is distinct from e.last90
           or p.spend_prior_90_days is distinct from e.prior90
        """,
    )
    assert mismatches == 0
    assert scalar(con, "select count(distinct as_of_date) from gold.customer_segments") == 1
    assert scalar(con, "select any_value(as_of_date) from gold.customer_segments") == scalar(
        con, "select max(transaction_date) from gold.fct_transactions"
    )


def test_atv_reconciles_with_fct(con):
    mismatches = scalar(
        con,
        """
        with expected as (
            select customer_id, avg(amount) as atv, median(amount) as med
            from gold.fct_transactions where status = 'approved' group by customer_id
        )
        select count(*) from gold.metric_avg_transaction_value m
        left join expected e using (customer_id)
        join gold.customer_360_profile p using (customer_id)
        where abs(coalesce(m.avg_transaction_value, -1) - coalesce(e.atv, -1)) > 1e-9
           or abs(coalesce(m.median_transaction_value, -1) - coalesce(e.med, -1)) > 1e-9
           or abs(coalesce(p.avg_transaction_value, -1) - coalesce(e.atv, -1)) > 1e-9
        """,
    )
    assert mismatches == 0


def test_monthly_spend_and_mom_change_reconcile_with_fct(con):
    mismatches = scalar(
        con,
        """
        with expected as (
            select customer_id, date_trunc('month', transaction_date)::date as month, sum(amount) as spend
            from gold.fct_transactions where status = 'approved' group by all
        )
        select count(*) from expected e
        left join gold.metric_mom_spend_change m using (customer_id, month)
        where m.spend is distinct from e.spend
        """,
    )
    assert mismatches == 0
    wrong_pct = scalar(
        con,
        """
        select count(*) from gold.metric_mom_spend_change
        where (previous_month_spend > 0 and abs(mom_spend_change_pct
                 - round(100.0 * (spend - previous_month_spend) / previous_month_spend, 2)) > 0.005)
           or (coalesce(previous_month_spend, 0) = 0 and mom_spend_change_pct is not null)
        """,
    )
    assert wrong_pct == 0


def test_segment_vocabulary_and_non_degenerate_shares(con):
    rows = dict(
        con.execute(
            "select customer_segment, count(*) from gold.customer_segments group by 1"
        ).fetchall()
    )
    assert set(rows) == SEGMENTS
    total = sum(rows.values())
    assert total == scalar(con, "select count(*) from gold.dim_customer where is_current")
    for segment, count in rows.items():
        assert 0.02 <= count / total <= 0.70, (segment, count / total)
    assert (
        scalar(con, "select count(*) from gold.customer_segments where segment_reason is null") == 0
    )


def test_profile_has_one_row_per_customer_with_latest_churn_scores(con):
    customers = scalar(con, "select count(*) from gold.dim_customer where is_current")
    assert (
        scalar(con, "select count(distinct customer_id) from gold.customer_360_profile")
        == customers
    )
    assert scalar(con, "select count(*) from gold.customer_360_profile") == customers
    # the pipeline scored before refresh_profile: the profile carries exactly those scores
    mismatches = scalar(
        con,
        """
        select count(*) from gold.customer_360_profile p
        left join gold.churn_predictions c using (customer_id)
        where p.churn_probability is distinct from c.churn_probability
           or p.churn_risk_category is distinct from c.churn_risk_category
           or p.churn_risk_score is distinct from c.churn_risk_score
        """,
    )
    assert mismatches == 0
    assert (
        scalar(con, "select count(churn_probability) from gold.customer_360_profile") == customers
    )
    top = con.execute(
        "select top_category_1, top_category_2 from gold.customer_360_profile "
        "where transaction_count > 20 limit 1"
    ).fetchone()
    assert top[0] and top[1] and top[0] != top[1]


def test_projected_ltv_uses_clv_scores_once_they_exist(con):
    mismatches = scalar(
        con,
        """
        select count(*) from gold.metric_customer_ltv m
        join gold.customer_clv c using (customer_id)
        where c.projected_12m_ltv is not null
          and (m.projected_12m_ltv is distinct from c.projected_12m_ltv
               or m.projected_12m_ltv_method <> 'clv_model')
        """,
    )
    assert mismatches == 0


def test_dbt_results_land_in_observability(con):
    by_type = dict(
        con.execute(
            "select check_type, count(*) from observability.data_quality_results "
            "where node_id like 'model.c360.%' or node_id like 'test.c360.%' "
            "or node_id like 'unit_test.c360.%' group by 1"
        ).fetchall()
    )
    assert by_type.get("dbt model", 0) >= 15
    assert by_type.get("dbt test", 0) >= 50
    assert by_type.get("dbt unit test", 0) >= 3
    assert (
        scalar(
            con,
            "select count(*) from observability.data_quality_results where status in ('error', 'fail')",
        )
        == 0
    )
    fct_rows = scalar(
        con,
        "select rows_affected from observability.data_quality_results "
        "where node_name = 'fct_transactions' and check_type = 'dbt model' "
        "order by checked_at desc limit 1",
    )
    assert fct_rows == scalar(con, "select count(*) from gold.fct_transactions")
    counted = scalar(
        con,
        "select row_count from observability.layer_record_counts "
        "where layer = 'gold' and table_name = 'customer_360_profile' order by counted_at desc limit 1",
    )
    assert counted == scalar(con, "select count(*) from gold.customer_360_profile")

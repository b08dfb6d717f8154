"""The data-access layer: results against independent SQL, Snowflake-compatible SQL text,
and the Snowpark backend against a recorded session (the only mocked part)."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlglot
from c360_app import queries
from c360_app.data import FEEDBACK_DDL, FEEDBACK_INSERT, DuckDBSource, SnowparkSource
from c360_app.queries import ProfileFilter

pytestmark = pytest.mark.slow


class RecordingSource:
    """A DuckDB source that keeps every (sql, params) pair it was asked to run."""

    backend = "duckdb"

    def __init__(self, path):
        self.inner = DuckDBSource(path)
        self.sent: list[tuple[str, list]] = []

    def query(self, sql, params=()):
        self.sent.append((sql, list(params)))
        return self.inner.query(sql, params)


@pytest.fixture
def recording(app_db):
    source = RecordingSource(app_db)
    yield source
    source.inner.close()


def _exercise_every_query(source, customer_id: str) -> None:
    flt = ProfileFilter(segments=("Declining", "New & Growing"), ltv_min=10, credit_limit_max=1e9)
    queries.data_status(source)
    queries.filter_options(source)
    queries.segment_kpis(source, flt)
    queries.segment_distribution(source, flt)
    queries.ltv_box_stats(source, flt)
    queries.churn_histogram(source, flt)
    queries.mom_trend(source, flt)
    queries.customer_page(source, flt, sort_by="churn_probability", limit=10, offset=10)
    queries.customer_export(source, flt)
    queries.search_customers(source, "o'b%")
    queries.customer_profile(source, customer_id)
    queries.customer_monthly_spend(source, customer_id)
    queries.customer_transactions(source, customer_id)
    queries.customer_card_history(source, customer_id)
    queries.customer_churn(source, customer_id)
    queries.audience_summary(source, flt)
    queries.target_list(source, flt, (0.01, 0.002, 12.5), limit=50)
    queries.target_list(source, flt, (0.01, 0.002, 12.5), limit=None, paying_only=True)
    queries.target_summary(source, flt, (0.01, 0.002, 12.5))


def test_every_query_parses_as_snowflake_sql(recording, db):
    customer_id = db.execute("select min(customer_id) from gold.customer_360_profile").fetchone()[0]
    _exercise_every_query(recording, customer_id)
    assert len(recording.sent) >= 18
    for sql, params in recording.sent:
        parsed = sqlglot.parse_one(sql, read="snowflake")
        assert parsed is not None
        # Every bound value has its own placeholder; no value appears in the text.
        assert sql.count("?") == len(params), sql
        for value in params:
            if isinstance(value, str) and len(value) > 2:
                assert value not in sql
    for statement in (FEEDBACK_DDL, FEEDBACK_INSERT):
        sqlglot.parse_one(statement, read="snowflake")


def test_segment_queries_match_independent_sql(recording, db):
    flt = ProfileFilter(segments=("Declining",), card_types=("Gold", "Platinum", "Silver"))
    where = "where customer_segment = 'Declining' and card_type in ('Gold', 'Platinum', 'Silver')"
    kpis = queries.segment_kpis(recording, flt)
    n, ltv, spend = db.execute(
        f"select count(*), sum(lifetime_value), sum(spend_last_90_days) from gold.customer_360_profile {where}"
    ).fetchone()
    assert kpis["customers"] == n
    assert kpis["total_ltv"] == pytest.approx(float(ltv))
    assert kpis["spend_90d"] == pytest.approx(float(spend))

    histogram = queries.churn_histogram(recording, ProfileFilter())
    total = db.execute(
        "select count(*) from gold.customer_360_profile where churn_probability is not null"
    ).fetchone()[0]
    assert histogram["customers"].sum() == total
    assert histogram["bin"].between(0, 19).all()

    box = queries.ltv_box_stats(recording, ProfileFilter()).set_index("customer_segment")
    frame = db.execute(
        "select customer_segment, lifetime_value from gold.customer_360_profile"
    ).df()
    for segment, values in frame.groupby("customer_segment")["lifetime_value"]:
        assert box.loc[segment, "ltv_median"] == pytest.approx(float(values.median()))
        assert box.loc[segment, "ltv_q1"] == pytest.approx(float(values.quantile(0.25)))
        assert box.loc[segment, "ltv_max"] == pytest.approx(float(values.max()))

    trend = queries.mom_trend(recording, flt)
    expected = db.execute(
        "select sum(spend) from gold.metric_mom_spend_change"
        f" where customer_id in (select customer_id from gold.customer_360_profile {where})"
    ).fetchone()[0]
    assert trend["spend"].sum() == pytest.approx(float(expected))
    assert trend["month"].is_monotonic_increasing


def test_pagination_never_returns_more_than_a_page(recording, db):
    total = db.execute("select count(*) from gold.customer_360_profile").fetchone()[0]
    seen: list[str] = []
    for offset in range(0, total, 100):
        page = queries.customer_page(
            recording,
            ProfileFilter(),
            sort_by="customer_id",
            descending=False,
            limit=100,
            offset=offset,
        )
        assert len(page) <= 100
        seen += list(page["customer_id"])
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == total
    with pytest.raises(ValueError):
        queries.customer_page(recording, ProfileFilter(), sort_by="1; drop table x")


def test_search_is_literal_and_ranks_the_exact_id_first(recording, db):
    customer_id = db.execute("select max(customer_id) from gold.customer_360_profile").fetchone()[0]
    found = queries.search_customers(recording, customer_id.lower())
    assert found["customer_id"].iloc[0] == customer_id
    assert queries.search_customers(recording, "%").empty
    assert queries.search_customers(recording, "   ").empty
    assert len(queries.search_customers(recording, "c", limit=7)) == 7


def test_customer_transactions_are_one_customers(recording, db):
    customer_id = db.execute(
        "select customer_id from gold.fct_transactions group by 1 order by count(*) desc limit 1"
    ).fetchone()[0]
    frame = queries.customer_transactions(recording, customer_id)
    n, approved = db.execute(
        "select count(*), sum(case when status = 'approved' then amount else 0 end)"
        " from gold.fct_transactions where customer_id = ?",
        [customer_id],
    ).fetchone()
    assert len(frame) == n
    assert frame.loc[frame["status"] == "approved", "amount"].sum() == pytest.approx(
        float(approved)
    )
    assert frame["category_name"].notna().all()


# --- Snowpark backend, against a recorded session ---------------------------------------


class FakeDataFrame:
    def __init__(self, frame):
        self._frame = frame

    def to_pandas(self):
        return self._frame

    def collect(self):
        return []


class RecordedSession:
    """Stands in for snowflake.snowpark.Session: records sql(query, params=...) calls.

    Snowflake returns unquoted identifiers upper-case, which is what ``to_pandas`` gives here.
    """

    def __init__(self):
        self.calls: list[tuple[str, list | None]] = []

    def sql(self, query, params=None):
        self.calls.append((query, params))
        return FakeDataFrame(pd.DataFrame({"CUSTOMER_ID": ["C000001"], "FULL_NAME": ["Ann Lee"]}))

    def get_current_database(self):
        return '"C360_DEV"'


def test_snowpark_source_binds_params_and_lowercases_columns():
    session = RecordedSession()
    source = SnowparkSource(session)
    frame = queries.search_customers(source, "ann")
    assert list(frame.columns) == ["customer_id", "full_name"]
    sql, params = session.calls[-1]
    assert params == ["ann", "ann", "ann", 10]
    assert "'ann'" not in sql
    sqlglot.parse_one(sql, read="snowflake")
    assert source.describe() == "Snowflake · C360_DEV"

    calls_before = len(session.calls)
    source.record_feedback(
        {"feedback_id": "f1", "question": "q'; drop", "rating": "down", "sql": None}
    )
    (insert,) = session.calls[calls_before:]  # the table exists: one INSERT, bound
    assert insert[0] == FEEDBACK_INSERT
    assert insert[1][:5] == ["f1", None, "q'; drop", None, "down"]
    assert insert[1][6] == "snowflake"


class MissingTableSession(RecordedSession):
    """The first INSERT fails the way Snowflake reports a missing table."""

    def sql(self, query, params=None):
        if query == FEEDBACK_INSERT and not any(q == FEEDBACK_DDL for q, _ in self.calls):
            self.calls.append((query, params))
            raise RuntimeError(
                "SQL compilation error: Table 'OBSERVABILITY.ASSISTANT_FEEDBACK' does not exist"
            )
        return super().sql(query, params)


def test_snowpark_feedback_creates_the_table_only_when_missing():
    session = MissingTableSession()
    SnowparkSource(session).record_feedback(
        {"feedback_id": "f2", "question": "q", "rating": "up", "sql": "select 1"}
    )
    assert [q for q, _ in session.calls] == [FEEDBACK_INSERT, FEEDBACK_DDL, FEEDBACK_INSERT]


def test_feedback_table_matches_the_observability_ddl():
    from toolkit.pipeline.observability import OBSERVABILITY_DDL

    def normalised(ddl):
        return sqlglot.parse_one(ddl, read="duckdb").sql(dialect="duckdb", comments=False)

    assert normalised(FEEDBACK_DDL) == normalised(OBSERVABILITY_DDL["assistant_feedback"])


def test_id_shaped_search_only_looks_at_ids(recording, db):
    customer_id = db.execute("select min(customer_id) from gold.customer_360_profile").fetchone()[0]
    digits = customer_id[-3:]
    found = queries.search_customers(recording, digits)
    expected = db.execute(
        "select count(*) from gold.customer_360_profile where strpos(customer_id, ?) > 0", [digits]
    ).fetchone()[0]
    assert len(found) == min(expected, 10)
    assert found["customer_id"].str.contains(digits).all()
    assert "full_name" not in recording.sent[-1][0].split("from")[1]


def test_target_summary_agrees_with_the_list(recording):
    flt = ProfileFilter(risk_categories=("Medium Risk", "High Risk", "Low Risk"))
    coefficients = (0.05, 0.004, 15.0)
    summary = queries.target_summary(recording, flt, coefficients)
    everyone = queries.target_list(recording, flt, coefficients, limit=None)
    paying = queries.target_list(recording, flt, coefficients, limit=None, paying_only=True)
    assert summary["targets"] == len(everyone)
    assert summary["paying"] == len(paying) == int((everyone["expected_net_benefit"] > 0).sum())
    assert summary["paying_net"] == pytest.approx(float(paying["expected_net_benefit"].sum()))
    assert list(everyone["expected_net_benefit"]) == sorted(
        everyone["expected_net_benefit"], reverse=True
    )

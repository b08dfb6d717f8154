"""The Snowflake procedure handlers against a recording stand-in for a Snowpark session.

Snowpark calls used (documented Session API): ``session.sql(query, params=[...])`` →
``.collect()`` / ``.to_pandas()``; ``session.file.put(local, stage_dir, auto_compress=,
overwrite=)``; ``session.file.get_stream(stage_path)``; ``session.file.put_stream(fileobj,
stage_path, ...)``; ``session.write_pandas(df, table, schema=, ...)``.
"""

from __future__ import annotations

import inspect

import pandas as pd
import pytest
import sqlglot

from toolkit.pipeline import snowflake_steps as procedures
from toolkit.pipeline.dag import PIPELINE


class FakeResult:
    def __init__(self, session, query, params):
        self.session, self.query, self.params = session, query, params

    def to_pandas(self):
        self.session.executed.append((self.query, self.params))
        answer = self.session.answers.get(self.query.strip().split()[0].lower())
        if isinstance(answer, Exception):
            raise answer
        return answer if answer is not None else pd.DataFrame()

    def collect(self):
        self.session.executed.append((self.query, self.params))
        return []


class FakeFiles:
    def __init__(self):
        self.put_calls = []

    def put(self, local, stage, **options):
        self.put_calls.append((local, stage, options))

    def get_stream(self, path):
        raise FileNotFoundError(path)


class FakeSession:
    def __init__(self, answers=None):
        self.executed = []
        self.answers = answers or {}
        self.file = FakeFiles()

    def sql(self, query, params=None):
        return FakeResult(self, query, params)


def test_every_pipeline_handler_is_a_function_taking_the_session_first():
    for step in PIPELINE:
        if not step.snowflake_handler:
            continue
        module, _, name = step.snowflake_handler.rpartition(".")
        assert module == "toolkit.pipeline.snowflake_steps"
        handler = getattr(procedures, name)
        assert next(iter(inspect.signature(handler).parameters)) == "session"


@pytest.mark.parametrize(
    "sql",
    [
        procedures.LAYER_COUNTS_SQL,
        procedures.COLUMNS_SQL,
        procedures.RUN_ID_SQL,
        procedures.MODEL_METRICS_SQL,
    ],
)
def test_handler_sql_parses_as_snowflake_and_binds_its_values(sql):
    (statement,) = sqlglot.parse(sql, read="snowflake", error_level=sqlglot.ErrorLevel.RAISE)
    assert statement is not None
    assert "'" not in sql.replace("'BASE TABLE'", "").replace(
        "'CURRENT_TASK_GRAPH_RUN_GROUP_ID'", ""
    )


def test_observability_records_counts_under_the_task_graph_run_id():
    session = FakeSession({"select": pd.DataFrame({"RUN_ID": ["graph-run-42"]})})
    message = procedures.observability_handler(session)
    assert message == "layer row counts recorded for run graph-run-42"
    query, params = session.executed[-1]
    assert query == procedures.LAYER_COUNTS_SQL
    assert params == ["graph-run-42", "BRONZE", "SILVER", "GOLD"]


def test_run_id_outside_a_task_is_a_fresh_adhoc_id():
    session = FakeSession({"select": RuntimeError("not in a task")})
    first, second = procedures.current_run_id(session), procedures.current_run_id(session)
    assert first.startswith("adhoc-") and first != second


def test_query_runner_passes_bound_parameters_to_snowpark():
    frame = pd.DataFrame({"AS_OF_DATE": ["2024-12-31"]})
    session = FakeSession({"select": frame})
    result = procedures.query_runner(session)("select ? as as_of_date", ("2024-12-31",))
    assert result is frame
    assert session.executed == [("select ? as as_of_date", ["2024-12-31"])]


def test_columns_of_asks_information_schema_with_bound_names():
    session = FakeSession({"select": pd.DataFrame({"COLUMN_NAME": ["is_travel", "IS_NECESSITY"]})})
    assert procedures.columns_of(session)("gold", "dim_merchant_category") == {
        "is_travel",
        "is_necessity",
    }
    assert session.executed[0][1] == ["gold", "dim_merchant_category"]


def test_score_without_a_promoted_model_fails_with_a_clear_reason():
    with pytest.raises(RuntimeError, match="no promoted churn model"):
        procedures.score_handler(FakeSession())


def test_generate_uploads_the_landing_layout_to_the_stage():
    session = FakeSession()
    message = procedures.generate_handler(session, customers=30, seed=7, dirty_rate=0)
    assert message
    stages = {stage for _, stage, _ in session.file.put_calls}
    assert any(
        s.startswith(f"{procedures.GENERATED_LANDING_STAGE}/customers/snapshot_date=")
        for s in stages
    )
    assert any(
        s.startswith(f"{procedures.GENERATED_LANDING_STAGE}/transactions/dt=") for s in stages
    )
    assert f"{procedures.GENERATED_LANDING_STAGE}/merchant_categories" in stages
    assert all(
        options == {"auto_compress": False, "overwrite": True}
        for *_, options in session.file.put_calls
    )

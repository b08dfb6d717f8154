"""train/score handlers end to end, with a Snowpark stand-in that runs the SQL on DuckDB.

The stand-in translates each Snowflake-dialect query back to DuckDB with sqlglot and runs
it on a copy of the session's real local build (``copy_of_built_db``); stage files live in
a dict and ``write_pandas`` replaces or appends a DuckDB table — the Snowpark calls the
handlers make (``sql(...).to_pandas()/collect()``, ``file.put_stream/get_stream``,
``write_pandas``) with the shapes the Snowpark API documents.
"""

from __future__ import annotations

import io

import duckdb
import pytest
import sqlglot

from toolkit.pipeline import snowflake_steps as procedures

pytestmark = pytest.mark.slow


class DuckResult:
    def __init__(self, con, query, params):
        self.con, self.query, self.params = con, query, params

    def _run(self):
        if "system$task_runtime_info" in self.query.lower():
            raise RuntimeError("not running in a task")
        duck_sql = sqlglot.transpile(self.query, read="snowflake", write="duckdb")[0]
        return self.con.execute(duck_sql, self.params or [])

    def to_pandas(self):
        return self._run().df()

    def collect(self):
        self._run()
        return []


class StageFiles:
    def __init__(self):
        self.files: dict[str, bytes] = {}

    def put_stream(self, stream, path, **_options):
        self.files[path] = stream.read()

    def get_stream(self, path):
        if path not in self.files:
            raise FileNotFoundError(path)
        return io.BytesIO(self.files[path])


class DuckSession:
    def __init__(self, con):
        self.con = con
        self.file = StageFiles()

    def sql(self, query, params=None):
        return DuckResult(self.con, query, params)

    def write_pandas(
        self, frame, table, *, schema, auto_create_table, overwrite, quote_identifiers
    ):
        assert quote_identifiers is False
        target = f"{schema}.{table}".lower()
        self.con.register("incoming", frame.rename(columns=str.lower))
        verb = "create or replace table" if overwrite else "insert into"
        # target is one of the handler's fixed table names
        self.con.execute(f"{verb} {target} {'as ' if overwrite else ''}select * from incoming")
        self.con.unregister("incoming")


@pytest.fixture
def session(copy_of_built_db):
    con = duckdb.connect(str(copy_of_built_db))
    con.execute("set threads = 2")
    yield DuckSession(con)
    con.close()


def test_train_then_score_through_the_handlers(session):
    con = session.con
    con.execute("delete from gold.churn_predictions")
    message = procedures.train_handler(session, seed=7)
    version = message.split(":", 1)[0]
    assert version.startswith("churn-")
    assert (
        session.file.files[f"{procedures.MODELS_STAGE}/{procedures.PROMOTED_POINTER}"]
        == version.encode()
    )
    assert f"{procedures.MODELS_STAGE}/{version}.json" in session.file.files
    (metrics,) = con.execute(
        "select count(*) from observability.model_metrics where model_version = ? and metric = 'roc_auc'",
        [version],
    ).fetchone()
    assert metrics >= 1

    scored = procedures.score_handler(session)
    customers = con.execute("select count(*) from gold.dim_customer where is_current").fetchone()[0]
    assert scored == f"{customers} customers scored with {version}"
    rows = con.execute(
        "select count(*), min(churn_risk_score), max(churn_risk_score), count(distinct model_version) "
        "from gold.churn_predictions"
    ).fetchone()
    assert rows[0] == customers and 0 <= rows[1] <= rows[2] <= 100 and rows[3] == 1
    assert con.execute("select count(*) from gold.customer_clv").fetchone()[0] == customers

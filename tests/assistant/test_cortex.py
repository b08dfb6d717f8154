"""Cortex Analyst client against the request/response shapes recorded from Snowflake's docs.

Cortex itself is mocked (a transport returning the recorded bodies); the SQL it
returns is checked with sqlglot's Snowflake dialect and executed on the real small
build through a Snowpark-like stand-in that transpiles to DuckDB.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
import sqlglot
import yaml
from sqlglot import exp

from toolkit.assistant.cortex import (
    ENDPOINT,
    CortexAnalystClient,
    ask_cortex,
    build_request,
    default_model_source,
    parse_response,
)

FIXTURES = Path(__file__).with_name("fixtures")


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


class RecordingTransport:
    def __init__(self, body: dict | str, status: int = 200):
        self.body = body if isinstance(body, str) else json.dumps(body)
        self.status = status
        self.requests: list[dict] = []

    def __call__(self, request: dict):
        self.requests.append(request)
        return self.status, self.body


def test_requests_match_the_documented_examples():
    question = "which company had the most revenue?"
    staged = build_request(
        question, semantic_model_file="@my_db.my_schema.my_stage/my_semantic_model.yaml"
    )
    assert staged == fixture("request_semantic_model_file.json")
    view = build_request(question, semantic_view="MY_DB.MY_SCH.MY_SEMANTIC_VIEW")
    assert view == fixture("request_semantic_view.json")
    with pytest.raises(ValueError):
        build_request(question, semantic_view="A.B.C", semantic_model_file="@s/x.yaml")
    assert ENDPOINT == "/api/v2/cortex/analyst/message"


def test_inline_model_request_carries_the_repo_yaml_for_the_session_database():
    class Session:
        def get_current_database(self):
            return '"C360_PROD"'

    source = default_model_source(Session())
    request = build_request("How many customers?", **source)
    model = yaml.safe_load(request["semantic_model"])
    assert {t["base_table"]["database"] for t in model["tables"]} == {"C360_PROD"}
    assert request["messages"][-1] == {
        "role": "user",
        "content": [{"type": "text", "text": "How many customers?"}],
    }


def test_documented_sql_response_is_read_by_content_type():
    reply = parse_response(fixture("response_sql_verified.json"))
    assert reply.request_id == "75d343ee-699c-483f-83a1-e314609fb563"
    assert reply.sql == "SELECT * FROM table"
    assert reply.text == "We interpreted your question as ..."
    assert reply.verified_query["name"] == "My verified query"
    assert len(reply.warnings) == 2 and "exceeds the recommended maximum" in reply.warnings[0]
    simple = parse_response(fixture("response_simple.json"))
    assert simple.sql == "SELECT * FROM table" and simple.verified_query is None


def test_suggestions_response_becomes_a_decline_with_the_alternatives():
    transport = RecordingTransport(fixture("response_suggestions.json"))
    client = CortexAnalystClient(transport, semantic_view="C360_DEV.GOLD.C360")
    answer = ask_cortex("which company?", session=None, client=client)
    assert answer["sql"] is None and answer["rows"] == []
    assert (
        "ambigous" in answer["error"] and "which company placed the most orders?" in answer["error"]
    )


class DuckSession:
    """Snowpark-shaped stand-in: sql(...).limit(n).collect(statement_params=...)."""

    def __init__(self, con):
        self.con = con
        self.statements: list[str] = []
        self.params: list[dict] = []

    def sql(self, text):
        tree = sqlglot.parse_one(text, read="snowflake")
        for table in tree.find_all(exp.Table):
            table.set("catalog", None)  # the DuckDB file is the database
        self.statements.append(text)
        return _Frame(self, tree.sql(dialect="duckdb"))


class _Frame:
    def __init__(self, session, sql):
        self.session, self.sql, self.columns = session, sql, []

    def limit(self, n):
        self.sql = f"select * from ({self.sql}) limit {int(n)}"
        return self

    def collect(self, statement_params=None):
        self.session.params.append(statement_params)
        cursor = self.session.con.execute(self.sql)
        self.columns = [d[0].upper() for d in cursor.description]
        return cursor.fetchall()


def test_c360_sql_reply_runs_checked_and_capped(built_db):
    con = duckdb.connect(str(built_db), read_only=True)
    try:
        session = DuckSession(con)
        transport = RecordingTransport(fixture("response_c360_sql.json"))
        client = CortexAnalystClient(
            transport, semantic_model_file="@C360_DEV.GOLD.MODELS/semantic_model.yaml"
        )
        answer = ask_cortex(
            "How many high-risk customers are there per segment?", session, client=client
        )
        assert answer["error"] is None
        expected = con.execute(
            "select customer_segment, count(*) from gold.customer_360_profile "
            "where churn_risk_category = 'High Risk' group by 1 order by 2 desc, 1"
        ).fetchall()
        assert [tuple(r) for r in answer["rows"]] == expected
        assert answer["columns"] == ["CUSTOMER_SEGMENT", "CUSTOMER_COUNT"]
        assert answer["verified_query"] == "high_risk_customers_per_segment"
        assert answer["sql"].endswith("LIMIT 10000")
        assert isinstance(sqlglot.parse_one(answer["sql"], read="snowflake"), exp.Select)
        assert session.params == [{"STATEMENT_TIMEOUT_IN_SECONDS": 30}]
        assert (
            transport.requests[0]["semantic_model_file"]
            == "@C360_DEV.GOLD.MODELS/semantic_model.yaml"
        )
    finally:
        con.close()


def test_data_changing_sql_from_cortex_is_refused_and_never_run():
    body = fixture("response_simple.json")
    body["message"]["content"][1]["statement"] = "DELETE FROM c360_dev.gold.customer_360_profile"
    session = DuckSession(None)
    client = CortexAnalystClient(RecordingTransport(body), semantic_view="C360_DEV.GOLD.C360")
    answer = ask_cortex("How many customers are there?", session, client=client)
    assert answer["sql"] is None and "refused" in answer["error"]
    assert session.statements == []


def test_data_changing_questions_never_reach_cortex():
    transport = RecordingTransport(fixture("response_simple.json"))
    client = CortexAnalystClient(transport, semantic_view="C360_DEV.GOLD.C360")
    answer = ask_cortex("Delete all high-risk customers", session=None, client=client)
    assert answer["sql"] is None and "only read data" in answer["error"]
    assert transport.requests == []


def test_http_errors_become_one_line_errors():
    transport = RecordingTransport(
        {"message": "Invalid semantic model", "code": "390400"}, status=400
    )
    client = CortexAnalystClient(transport, semantic_view="C360_DEV.GOLD.C360")
    answer = ask_cortex("How many customers?", session=None, client=client)
    assert answer["error"] == "Cortex Analyst returned 400: Invalid semantic model"


def test_ask_dispatches_snowpark_sessions_to_cortex(monkeypatch):
    import toolkit.assistant as assistant
    import toolkit.assistant.cortex as cortex

    class FakeSession:
        pass

    FakeSession.__module__ = "snowflake.snowpark.session"
    seen = {}
    monkeypatch.setattr(
        cortex, "ask_cortex", lambda q, s: seen.setdefault("args", (q, s)) and {"error": None}
    )
    session = FakeSession()
    assistant.ask("How many customers?", connection=session)
    assert seen["args"] == ("How many customers?", session)

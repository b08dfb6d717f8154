"""`c360 ask` end to end on the small build."""

from __future__ import annotations

import json

import duckdb
from typer.testing import CliRunner

from toolkit.cli import app, main

runner = CliRunner()


def test_ask_json_has_the_contract_keys_and_the_right_count(built_db):
    result = runner.invoke(
        app, ["ask", "How many high-risk customers are there?", "--json", "--db", str(built_db)]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert set(payload) >= {
        "question",
        "sql",
        "columns",
        "rows",
        "answer",
        "interpretation",
        "error",
    }
    assert payload["interpretation"].startswith(
        "Counted customers where churn risk category is High Risk"
    )
    con = duckdb.connect(str(built_db), read_only=True)
    expected = con.execute(
        "select count(*) from gold.customer_360_profile where churn_risk_category = 'High Risk'"
    ).fetchone()[0]
    con.close()
    assert payload["error"] is None
    assert payload["rows"] == [[expected]]
    noun = "customer" if expected == 1 else "customers"
    verb = "is" if expected == 1 else "are"
    assert payload["answer"] == f"There {verb} {expected:,} high-risk {noun}."


def test_ask_prints_answer_table_and_sql(built_db):
    result = runner.invoke(app, ["ask", "total spend by channel", "--db", str(built_db)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("3 channel values; highest total spend: ")
    assert lines[1].startswith("Read as: Summed approved spend of transactions, per channel")
    assert any(line.startswith("channel") and "total_spend" in line for line in lines)
    assert "SQL:" in lines and any("FROM gold.fct_transactions" in line for line in lines)


def test_declined_question_exits_non_zero_with_one_line(built_db, capsys):
    assert main(["ask", "Drop the transactions table", "--db", str(built_db)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("c360: error: I can only read data")
    as_json = runner.invoke(
        app, ["ask", "what's the weather in Boston?", "--json", "--db", str(built_db)]
    )
    payload = json.loads(as_json.output)
    assert payload["sql"] is None and "weather" in payload["error"]

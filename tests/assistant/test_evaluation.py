"""Execution accuracy on the real small build, declines, read-only behaviour."""

from __future__ import annotations

import hashlib

import duckdb
import pytest

from toolkit.assistant import ask
from toolkit.assistant.evaluation import evaluate, load_set, results_match

# sets written after the parser, each by someone trying to phrase questions as users do
HELD_OUT = ("heldout_questions.yaml", "heldout2_questions.yaml", "heldout3_questions.yaml",
            "heldout4_questions.yaml", "heldout5_questions.yaml", "heldout6_questions.yaml",
            "heldout7_questions.yaml", "heldout8_questions.yaml",
            "heldout9_questions.yaml", "heldout10_questions.yaml",
            "heldout11_questions.yaml", "heldout12_questions.yaml",
            "heldout13_questions.yaml", "heldout14_questions.yaml",
            "heldout15_questions.yaml", "heldout16_questions.yaml",
            "heldout17_questions.yaml", "heldout18_questions.yaml",
            "heldout19_questions.yaml", "heldout20_questions.yaml")  # fmt: skip


def test_results_match_ignores_order_names_and_extra_columns_but_not_values():
    ref = [("CA", 10), ("TX", 5)]
    assert results_match(ref, [["TX", 5, "x"], ["CA", 10, "y"]])
    assert results_match([(1.000001,)], [[1.0]])
    assert not results_match(ref, [["TX", 10], ["CA", 5]])
    assert not results_match(ref, [["CA", 10]])
    assert results_match([], [])


@pytest.fixture(scope="module")
def reports(gold):
    return {name: evaluate(gold, load_set(name)) for name in ("eval_questions.yaml", *HELD_OUT)}


def test_own_question_set_is_at_least_60_questions_with_reference_sql():
    own = load_set("eval_questions.yaml")
    assert len(own["answerable"]) >= 60
    assert all(case["sql"].strip() for case in own["answerable"])


def test_execution_accuracy_on_own_set(reports):
    report = reports["eval_questions.yaml"]
    misses = [(o.question, o.error) for o in report.answerable if not o.ok]
    assert report.accuracy >= 0.95, misses


def test_execution_accuracy_on_held_out_sets(reports):
    for name in HELD_OUT:
        report = reports[name]
        misses = [(o.question, o.error) for o in report.answerable if not o.ok]
        assert report.accuracy >= 0.9, (name, misses)
        # a miss must be a decline, never a wrong answer presented as right
        assert all(o.declined for o in report.answerable if not o.ok), (name, misses)


def test_every_out_of_scope_or_data_changing_request_is_declined(reports):
    for report in reports.values():
        assert report.decline_rate == 1.0, [o.question for o in report.declined if not o.ok]


def _fingerprint(path) -> str:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('gold', 'silver', 'bronze') order by 1, 2"
        ).fetchall()
        digest = hashlib.sha256()
        for schema, table in tables:
            count = con.execute(f"select count(*) from {schema}.{table}").fetchone()[0]
            digest.update(f"{schema}.{table}:{count}".encode())
        rows = con.execute(
            "select customer_id, card_type, credit_limit, churn_risk_category from gold.customer_360_profile order by 1"
        ).fetchall()
        digest.update(repr(rows).encode())
        return digest.hexdigest()
    finally:
        con.close()


def test_data_changing_requests_leave_the_database_unchanged(copy_of_built_db):
    before = _fingerprint(copy_of_built_db)
    for case in load_set("eval_questions.yaml")["declined"]:
        if case["kind"] == "data_change":
            answer = ask(case["question"], db_path=copy_of_built_db)
            assert answer["sql"] is None and answer["error"], case["question"]
    assert _fingerprint(copy_of_built_db) == before


def test_db_path_is_opened_read_only(copy_of_built_db):
    writer = duckdb.connect(str(copy_of_built_db))  # holds the write lock
    try:
        # a second writable open would conflict only across processes; read-only works in-process
        answer = ask("How many customers do we have?", connection=writer)
        assert answer["error"] is None
    finally:
        writer.close()
    answer = ask("How many customers do we have?", db_path=copy_of_built_db)
    expected = _count(copy_of_built_db)
    assert answer["rows"] == [[expected]]
    assert answer["answer"] == f"There are {expected:,} customers."


def _count(path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("select count(*) from gold.customer_360_profile").fetchone()[0]
    finally:
        con.close()


def test_missing_database_is_a_clear_error(tmp_path):
    answer = ask("How many customers?", db_path=tmp_path / "none.duckdb")
    assert answer["sql"] is None and "no database" in answer["error"]


def test_slow_statements_are_interrupted(gold):
    from toolkit.assistant.local import _run

    with pytest.raises(duckdb.InterruptException):
        _run(gold, "select count(*) from range(200000000) a, range(1000) b", timeout=0.2)


def test_questions_compile_for_snowflake_with_the_environment_database():
    import sqlglot
    from sqlglot import exp

    from toolkit.assistant.local import compile_question
    from toolkit.assistant.parser import CannotAnswer

    sql = compile_question("travel spend by state in the last 90 days", database="C360_PROD")
    tree = sqlglot.parse_one(sql, read="snowflake")
    assert {t.catalog for t in tree.find_all(exp.Table)} == {"C360_PROD"}
    assert "DATEADD(DAY, -90" in sql
    with pytest.raises(CannotAnswer):
        compile_question("delete all customers")

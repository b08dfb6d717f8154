"""Declines before parsing, and the read-only check on every statement."""

from __future__ import annotations

import pytest

from toolkit.assistant.evaluation import load_set
from toolkit.assistant.guard import UnsafeSQL, checked_select, screen_question

QUESTION_SETS = (
    "eval_questions.yaml",
    "heldout_questions.yaml",
    "heldout2_questions.yaml",
    "heldout3_questions.yaml",
)
DECLINED = [case for name in QUESTION_SETS for case in load_set(name)["declined"]]


@pytest.mark.parametrize("case", DECLINED, ids=lambda c: c["question"][:40])
def test_data_changes_personal_data_and_other_topics_are_declined(case):
    reason = screen_question(case["question"])
    assert reason, case["question"]
    if case["kind"] == "data_change":
        assert "only read data" in reason
    else:
        assert "can't answer" in reason


@pytest.mark.parametrize(
    "question",
    [
        "How did spend change by month?",
        "decline rate by channel",
        "Give me the top 10 customers by LTV",
        "increase in spend by segment",
        "How many declined transactions were there?",
        "mobile spend last month",
        "What is the MoM change by segment?",
    ],
)
def test_ordinary_questions_are_not_mistaken_for_writes(question):
    assert screen_question(question) is None


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM gold.customer_360_profile",
        "UPDATE gold.customer_360_profile SET credit_limit = 0",
        "DROP TABLE gold.fct_transactions",
        "INSERT INTO gold.dim_date VALUES (1)",
        "CREATE TABLE gold.x AS SELECT 1",
        "SELECT 1 FROM gold.dim_date; DELETE FROM gold.dim_date",
        "SELECT * FROM bronze.raw_customers",
        "SELECT email FROM gold.customer_360_profile",
        "SELECT date_key FROM other_db.gold.dim_date",
        "SELECT * FROM read_csv('/etc/passwd')",
        "COPY gold.dim_date TO '/tmp/x.csv'",
        "ATTACH 'x.duckdb'",
        "SELECT * INTO gold.y FROM gold.dim_date",
    ],
)
def test_checked_select_refuses_anything_but_one_gold_select(sql):
    with pytest.raises(UnsafeSQL):
        checked_select(sql)


def test_checked_select_caps_rows_and_keeps_smaller_limits():
    base = "select date_key from gold.dim_date"
    assert checked_select(base).endswith("LIMIT 10000")
    assert checked_select(f"{base} limit 5").endswith("LIMIT 5")
    assert checked_select(f"{base} limit 50000").endswith("LIMIT 10000")
    with_cte = "with x as (select date_key from gold.dim_date) select * from x"
    assert "LIMIT 10000" in checked_select(with_cte)
    snow = checked_select(
        "select count(*) from c360_dev.gold.customer_360_profile", dialect="snowflake"
    )
    assert snow.startswith("SELECT COUNT(*)")


def test_everything_the_local_engine_and_verified_queries_emit_passes_the_gate():
    """The allow-list is not a deny-list in disguise: it must admit all our own SQL."""
    import datetime as dt

    from toolkit.assistant.local import compile_question
    from toolkit.assistant.model import load_model
    from toolkit.assistant.parser import CannotAnswer
    from toolkit.assistant.verified import expand

    model = load_model()
    questions = [
        case["question"]
        for name in (*QUESTION_SETS, "heldout4_questions.yaml", "heldout5_questions.yaml")
        for case in load_set(name)["answerable"]
    ]
    checked = 0
    for dialect in ("duckdb", "snowflake"):
        for vq in model.verified_queries:
            checked_select(expand(model, vq.sql, dialect=dialect), dialect=dialect)
            checked += 1
        for question in questions:
            try:
                sql = compile_question(question, dialect=dialect, asof=dt.date(2024, 12, 31))
            except CannotAnswer:
                continue
            checked_select(sql, dialect=dialect)
            checked += 1
    assert checked > 300

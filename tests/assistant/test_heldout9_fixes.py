"""Generic causes found by held-out set 9's first run (none special-cases a question; the
questions here are not the set's).

* "distinct customers who bought online ...": a "who" after the phrase it qualifies was read
  as "who ...?" and the count was split per customer (silently wrong: rows of 1);
* "tenure over 1000 days" was read as a 1000-day window (silently wrong), and "tenure of more
  than 1000 days" left the unit "days" unread;
* "customers at risk of churning": the longest phrase at "customers" ("customers at risk")
  cut the longer filter phrase starting inside it and left "of churning" unread;
* "whose favorite category is X": a column whose description says it holds another column's
  values takes that value;
* "share of customers in each segment": a percentage with a split and no condition is each
  group's part of the total;
* "customers who increased their spend month over month", "segments that saw spend drop in the
  last 90 days compared with the prior 90": a rise or fall of spend on a basis the profile
  holds (change.py).
"""

from __future__ import annotations

import pytest
import sqlglot
from answers import answer as _answer
from answers import one_value as _one
from sqlglot import exp

from toolkit.assistant.guard import checked_select
from toolkit.assistant.local import ask_local, compile_question


def test_who_after_a_counted_phrase_is_a_relative_clause_not_a_list_of_customers(gold):
    out = _answer(gold, "count of unique customers who shopped on mobile in the past 60 days")
    expected = _one(
        gold,
        "select count(distinct customer_id) from gold.fct_transactions where status = 'approved'"
        " and channel = 'Mobile' and transaction_date >"
        " (select max(transaction_date) from gold.fct_transactions) - interval 60 day",
    )
    assert out["rows"] == [[expected]]
    assert "customer_id" not in out["columns"]


def test_who_as_the_question_word_still_lists_customers(gold):
    out = _answer(gold, "who has the highest credit limit?")
    assert out["columns"][0] == "customer_id" and len(out["rows"]) == 1


@pytest.mark.parametrize(
    ("question", "column", "op", "number"),
    [
        ("number of customers with tenure over 700 days", "tenure_days", ">", 700),
        ("how many customers have a tenure of at least 1500 days", "tenure_days", ">=", 1500),
        (
            "count customers whose days since last purchase is more than 45 days",
            "days_since_last_transaction",
            ">",
            45,
        ),
    ],
)
def test_a_measure_counted_in_days_compares_instead_of_opening_a_window(
    gold, question, column, op, number
):
    out = _answer(gold, question)
    expected = _one(
        gold, f"select count(*) from gold.customer_360_profile where {column} {op} {number}"
    )
    assert out["rows"] == [[expected]]
    assert "transaction_date" not in out["sql"]  # no trailing window was added


def test_over_n_days_after_spend_is_still_a_window():
    sql = compile_question("spend over 90 days", dialect="duckdb")
    assert "INTERVAL (-90) DAY" in sql


def test_a_phrase_starting_inside_the_longest_match_is_not_cut(gold):
    out = _answer(gold, "median credit limit of customers at risk of leaving")
    expected = _one(
        gold,
        "select median(credit_limit) from gold.customer_360_profile"
        " where churn_risk_category = 'High Risk'",
    )
    assert out["rows"][0][0] == pytest.approx(expected)
    # the metric phrase alone is still read as the metric
    out = _answer(gold, "how many customers at risk are there?")
    assert out["rows"] == [
        [
            _one(
                gold,
                "select count(*) from gold.customer_360_profile"
                " where churn_risk_category = 'High Risk'",
            )
        ]
    ]


def test_a_column_described_as_holding_another_columns_values_takes_the_value(gold):
    out = _answer(gold, "how many customers whose last purchase category was Fast Food")
    expected = _one(
        gold,
        "select count(*) from gold.customer_360_profile"
        " where last_transaction_category = 'Fast Food'",
    )
    assert out["rows"] == [[expected]]


def test_a_value_of_a_column_the_description_does_not_name_still_declines(gold):
    # top_category_1 holds merchant categories, not channels
    out = ask_local("customers whose favorite category is Mobile", gold)
    assert out["sql"] is None and out["error"]


def test_share_with_a_split_and_no_condition_is_each_groups_part_of_the_total(gold):
    out = _answer(gold, "percentage of customers by card type")
    rows = dict(
        gold.execute(
            "select card_type, 100.0 * count(*) / sum(count(*)) over ()"
            " from gold.customer_360_profile group by 1"
        ).fetchall()
    )
    assert {r[0]: pytest.approx(r[1]) for r in out["rows"]} == rows
    assert sum(r[1] for r in out["rows"]) == pytest.approx(100.0)
    assert "percentage of all customers" in out["interpretation"]
    # spend over a joined dimension: partial sums are rolled up below the window
    out = _answer(gold, "share of spend by category group in 2024")
    travel = _one(
        gold,
        "select 100.0 * sum(t.amount) filter (where m.category_group = 'Travel') / sum(t.amount)"
        " from gold.fct_transactions t join gold.dim_merchant_category m"
        " using (merchant_category_key) where t.status = 'approved'"
        " and year(t.transaction_date) = 2024",
    )
    assert dict((r[0], r[1]) for r in out["rows"])["Travel"] == pytest.approx(travel)


def test_share_of_an_average_or_a_rate_per_group_declines(gold):
    for question in ("share of average LTV by segment", "share of decline rate by channel"):
        out = ask_local(question, gold)
        assert out["sql"] is None and "counts and sums" in out["error"], question


def test_share_per_group_compiles_and_passes_the_gate_for_snowflake():
    sql = compile_question("share of customers per state", database="C360_PROD")
    tree = sqlglot.parse_one(sql, read="snowflake")
    assert tree.find(exp.Window) is not None
    checked_select(sql, dialect="snowflake", database="C360_PROD")


def test_a_rise_of_spend_month_over_month_is_read_per_customer(gold):
    out = _answer(gold, "number of Silver customers whose spend rose month over month")
    expected = _one(
        gold,
        "select count(*) from gold.customer_360_profile"
        " where card_type = 'Silver' and mom_spend_change_pct > 0",
    )
    assert out["rows"] == [[expected]]


def test_a_fall_between_the_two_90_day_windows_per_customer_and_per_group(gold):
    out = _answer(
        gold, "how many customers spent less in the past 90 days than the previous 90 days"
    )
    expected = _one(
        gold,
        "select count(*) from gold.customer_360_profile"
        " where spend_last_90_days < spend_prior_90_days",
    )
    assert out["rows"] == [[expected]]
    out = _answer(gold, "which card types saw spend grow in the last 90 days vs the prior 90 days")
    grew = {
        r[0]
        for r in gold.execute(
            "select card_type from gold.customer_360_profile group by 1"
            " having sum(spend_last_90_days) > sum(spend_prior_90_days)"
        ).fetchall()
    }
    assert {r[0] for r in out["rows"]} == grew
    assert "spend prior 90 days" in out["interpretation"]


@pytest.mark.parametrize(
    "question",
    [
        "which card types saw spend grow month over month",  # per group: not in the profile
        "which segments saw spend drop last month",  # one month against the one before
        "total spend of customers whose spend fell month over month",  # a transaction measure
    ],
)
def test_a_change_the_profile_does_not_hold_declines(gold, question):
    out = ask_local(question, gold)
    assert out["sql"] is None and out["error"], question


def test_more_than_a_number_is_still_a_threshold(gold):
    out = _answer(gold, "how many customers spent more than $2,000 in the last 90 days")
    expected = _one(
        gold,
        "select count(*) from gold.customer_360_profile where spend_last_90_days > 2000",
    )
    assert out["rows"] == [[expected]]

"""Every answer says how it read the question, in words generated from the plan.

The reading must name the measure (and how it is aggregated), each filter, the window
(relative windows as dates ending on the data's as-of date), the split and the ranking, so
a reader can check it before trusting the number. It is generated from the plan: words of
the question that the plan does not use never appear in it.
"""

from __future__ import annotations

import datetime as dt

import pytest

from toolkit.assistant.interpret import interpret, words
from toolkit.assistant.local import ask_local
from toolkit.assistant.plan import sql

# question -> phrases its reading must contain (measure, each filter, window, split, ranking)
CASES = {
    "Total spend of Gold cardholders in Texas in the last 90 days": [
        "Summed spend in the last 90 days", "card type is Gold", "state is TX", "the 90 days ending ",
    ],
    "average credit limit by card type": ["Averaged credit limit", "per card type"],
    "top 5 customers by spend in 2024": [
        "Summed approved spend", "in 2024", "per customer", "keeping the top 5 by total spend",
    ],
    "What percentage of customers are high risk?": [
        "percentage of customers", "churn risk category is High Risk",
    ],
    "How many customers had no transactions in the last 90 days?": [
        "Counted customers", "with no approved transactions", "over the 90 days ending ",
    ],
    "which customers in Texas have LTV over 70000": [
        "Listed customers", "state is TX", "lifetime value over 70,000",
    ],
    "spend last month by channel": ["Summed approved spend", "(the previous month)", "per channel"],
    "monthly travel spend this year": [
        "Summed approved spend", "category group is Travel", "(this year to date)",
        "per transaction month",
    ],
    "decline rate by card type": ["decline rate", "status is declined", "per card type"],
    "How many customers shopped online in the last 30 days?": [
        "Counted customers", "with approved transactions where channel is Online",
        "over the 30 days ending ",
    ],
    "How many customers in each segment have an LTV above 25000?": [
        "Counted customers", "lifetime value over 25,000", "per customer segment",
    ],
    "Which state has the most Platinum customers?": [
        "Counted customers", "card type is Platinum", "per state", "the highest customer count",
    ],
    "total spend on declined transactions in Q2 2024": [
        "Summed spend", "status is declined", "in Q2 2024",
    ],
    "How many high-risk customers are there per segment?": [
        "Counted customers", "High Risk", "per customer segment", "the verified query",
    ],
}  # fmt: skip


@pytest.mark.parametrize("question", sorted(CASES))
def test_reading_names_measure_filters_window_split_and_ranking(gold, question):
    out = ask_local(question, gold)
    assert out["error"] is None, out["error"]
    reading = out["interpretation"]
    for phrase in CASES[question]:
        assert phrase in reading, (phrase, reading)
    assert reading.endswith(".") and len(reading) < 400


def test_relative_windows_end_on_the_datas_as_of_date(gold):
    asof = gold.execute("select max(transaction_date) from gold.fct_transactions").fetchone()[0]
    out = ask_local("spend in the last 90 days", gold)
    day = f"{asof.day} {asof:%b} {asof.year}"
    assert f"over the 90 days ending {day}" in out["interpretation"]


def test_reading_is_generated_not_echoed():
    """Words the plan does not carry (politeness, the user's spelling) never appear."""
    from toolkit.assistant.local import _parser_for

    plan = _parser_for(()).parse(
        "could you please tell me the average credit limit of gold cardholders"
    )
    reading = interpret(plan)
    assert reading == "Averaged credit limit of customers where card type is Gold."
    assert "please" not in reading and "gold cardholders" not in reading


def test_time_windows_are_dates():
    from toolkit.assistant.local import _parser_for

    parser = _parser_for(())
    asof = dt.date(2024, 12, 31)
    cases = {
        "spend last quarter": "from 1 Jul 2024 to 30 Sep 2024 (the previous quarter)",
        "spend this month": "from 1 Dec 2024 to 31 Dec 2024 (this month to date)",
        "spend in the last 2 weeks": "over the 2 weeks ending 31 Dec 2024",
        "spend in March": "in March 2024",
    }
    for question, window in cases.items():
        assert window in interpret(parser.parse_with(question, asof=asof), asof=asof), question


def test_predicates_in_words():
    assert words(sql("card_type IN ('Gold', 'Platinum')")) == "card type is Gold or Platinum"
    assert words(sql("NOT (state = 'CA')")) == "state is not CA"
    assert (
        words(sql("credit_limit BETWEEN 1000 AND 5000")) == "credit limit between 1,000 and 5,000"
    )
    assert (
        words(sql("age >= 60 AND churn_probability < 0.5"))
        == "age at least 60 and churn probability under 0.5"
    )


def test_a_declined_question_has_no_reading(gold):
    out = ask_local("delete all customers in Texas", gold)
    assert out["error"] and out["interpretation"] is None

"""Wrong is worse than "I can't": two readings with different results are declined, both shown.

Choice points the question leaves open (a name that is a value of two columns; a month or
quarter without a year that the data holds in two years) are tried both ways on the real
small build; the engine answers only when every reading gives the same rows.
"""

from __future__ import annotations

import pytest

from toolkit.assistant.local import ask_local
from toolkit.assistant.readings import same_rows


def _count(gold, where: str) -> int:
    query = f"select count(*) from gold.customer_360_profile where {where}"
    return gold.execute(query).fetchone()[0]


def test_a_city_that_is_also_a_state_is_declined_with_both_readings_and_answers(gold):
    out = ask_local("How many customers live in New York?", gold)
    assert out["sql"] is None and out["rows"] == []
    error = out["error"]
    state, city = _count(gold, "state = 'NY'"), _count(gold, "city = 'New York'")
    assert state != city  # the premise: the two readings really differ on this build
    assert "(1) Counted customers where state is NY." in error
    assert "(2) Counted customers where city is New York." in error
    assert f"There are {state:,} customers in NY." in error
    assert f"There are {city:,} customers in New York." in error
    assert "'state' or 'city'" in error


@pytest.mark.parametrize(
    ("question", "where"),
    [
        ("How many customers live in New York City?", "city = 'New York'"),
        ("How many customers live in New York state?", "state = 'NY'"),
        ("How many customers live in NY?", "state = 'NY'"),
    ],
)
def test_a_word_that_decides_the_reading_is_answered(gold, question, where):
    out = ask_local(question, gold)
    assert out["error"] is None, out["error"]
    assert out["rows"] == [[_count(gold, where)]]


def test_a_month_without_a_year_held_twice_in_the_data_is_declined(gold):
    first, last = gold.execute(
        "select min(transaction_date), max(transaction_date) from gold.fct_transactions"
    ).fetchone()
    assert (first.year, first.month) <= (last.year - 1, 9)  # September appears in two years
    out = ask_local("total spend in September", gold)
    assert out["sql"] is None
    assert f"in September {last.year}" in out["error"]
    assert f"in September {last.year - 1}" in out["error"]
    assert f"name the year ({last.year} or {last.year - 1})" in out["error"]
    named = ask_local(f"total spend in September {last.year - 1}", gold)
    assert named["error"] is None and named["rows"]


def test_a_month_the_data_holds_once_is_answered(gold):
    first, last = gold.execute(
        "select min(transaction_date), max(transaction_date) from gold.fct_transactions"
    ).fetchone()
    month = first.month - 1 if first.month > 1 else None
    assert month is not None and first.year == last.year - 1
    name = ["January", "February", "March", "April", "May", "June"][month - 1]
    out = ask_local(f"total spend in {name}", gold)
    assert out["error"] is None, out["error"]
    assert f"in {name} {last.year}" in out["interpretation"]


def test_readings_that_agree_are_answered(gold):
    """Both readings of "New York" find nobody with a limit over 100 million: same rows."""
    out = ask_local("How many customers in New York have a credit limit over 100000000?", gold)
    assert out["error"] is None, out["error"]
    assert out["rows"] == [[0]]


def test_no_condition_the_question_did_not_state(gold):
    """The reading lists exactly the conditions asked for; nothing is added."""
    out = ask_local("How many customers are there?", gold)
    assert out["interpretation"] == "Counted customers."
    assert out["rows"] == [[_count(gold, "true")]]
    out = ask_local("How many Gold customers are there?", gold)
    assert out["interpretation"] == "Counted customers where card type is Gold."


def test_same_rows_ignores_order_not_values():
    assert same_rows([["a", 1.0], ["b", 2]], [["b", 2], ["a", 1.0000000001]])
    assert not same_rows([["a", 1]], [["a", 2]])
    assert not same_rows([["a", 1]], [])

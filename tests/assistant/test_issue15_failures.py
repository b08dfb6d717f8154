"""The three failure kinds of issue 15, on the shared small build (real DuckDB).

* a business use of a word that is also a SQL verb ("the biggest drop in spend") is a
  question, not a data change — while "drop table …" stays refused;
* a ranking by a measure the question names ("rank card types by total spend in the last
  90 days") ranks, grouped as asked, rather than dropping the grouping or declining;
* no answer reads as more than it is: an ascending ranking is never answered by a verified
  query written highest-first, and a count of customers selected by their transactions
  says so ("customers with Mobile transactions"), not "There are N customers".
"""

from __future__ import annotations

import pytest

from toolkit.assistant.guard import screen_question
from toolkit.assistant.local import ask_local


@pytest.mark.parametrize(
    "question",
    [
        "Which customers saw the biggest drop in spend?",
        "How many customers had a drop in spend of more than 50%?",
        "Which segment had the largest drop in travel spend?",
    ],
)
def test_drop_as_a_noun_is_a_question(question):
    assert screen_question(question) is None


@pytest.mark.parametrize(
    "request_",
    ["drop table customers", "Drop the churn table", "please drop gold.customer_360_profile"],
)
def test_drop_as_a_command_is_still_refused(request_):
    assert "only read data" in screen_question(request_)


def _sorted_rows(gold, sql):
    return [tuple(r) for r in gold.execute(sql).fetchall()]


def test_rank_groups_by_the_named_measure(gold):
    out = ask_local("Rank card types by total spend in the last 90 days", gold)
    assert out["error"] is None, out["error"]
    assert out["columns"][0] == "card_type"
    reference = _sorted_rows(
        gold,
        """
        select c.card_type, sum(t.amount) as spend
        from gold.fct_transactions t join gold.customer_360_profile c using (customer_id)
        where t.status = 'approved'
          and t.transaction_date > (select max(transaction_date) from gold.fct_transactions) - 90
        group by 1 order by 2 desc""",
    )
    assert [r[0] for r in out["rows"]] == [r[0] for r in reference]
    for got, want in zip(out["rows"], reference, strict=True):
        assert float(got[1]) == pytest.approx(float(want[1]))


def test_an_ascending_ranking_is_ascending(gold):
    out = ask_local("Rank segments by churn risk score ascending", gold)
    assert out["error"] is None, out["error"]
    values = [float(r[-1]) for r in out["rows"]]
    assert values == sorted(values) and len(values) == 5
    lowest = out["rows"][0][0]
    assert f"lowest average churn risk score: {lowest}" in out["answer"]


def test_a_word_the_model_claims_is_not_a_ranking_verb(gold):
    """'orders' are transactions in the model: "order states by ..." is not guessed at."""
    out = ask_local("Order states by number of Platinum customers", gold)
    assert out["error"] is not None


def test_a_count_selected_by_transactions_says_so(gold):
    out = ask_local("How many customers use mobile?", gold)
    assert out["error"] is None, out["error"]
    assert "with Mobile transactions" in out["answer"]
    (expected,) = gold.execute(
        "select count(distinct customer_id) from gold.fct_transactions "
        "where status = 'approved' and channel = 'Mobile'"
    ).fetchone()
    assert out["rows"][0][0] == expected

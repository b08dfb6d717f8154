"""Generic causes found by held-out set 8's first run (none special-cases a question; the
questions here are not the set's).

* "average spend" with no window and no "per ..." was answered per customer (lifetime value)
  although per transaction is as fair a reading a hundredfold smaller: now two readings;
* an unknown possession verb ("carry a Platinum card") and shorthand ("avg", "txns");
* a "%" typed alone was dropped, and "approved transactions" hid the rows it filters, so
  "what % of approved transactions ..." had no population;
* "haven't bought in 60 days or more": the "or more" read as a ranking word;
* "when were the churn scores last updated?": the latest time stamp of the one table that
  records when its rows were written;
* "which segments saw spend drop": "drop" after a subject is a fall, not an instruction.
"""

from __future__ import annotations

import pytest
from answers import answer as _answer
from answers import one_value as _one

from toolkit.assistant.guard import screen_question
from toolkit.assistant.local import ask_local


def test_average_spend_without_a_grain_declines_with_both_readings(gold):
    out = ask_local("average spend of Platinum cardholders", gold)
    assert out["sql"] is None
    assert "two readings" in out["error"] and "'per customer' or 'per transaction'" in out["error"]
    per_customer = _one(
        gold,
        "select avg(lifetime_value) from gold.customer_360_profile where card_type = 'Platinum'",
    )
    per_txn = _one(
        gold,
        "select avg(t.amount) from gold.fct_transactions t join gold.customer_360_profile c"
        " using (customer_id) where t.status = 'approved' and c.card_type = 'Platinum'",
    )
    assert f"{per_customer:,.2f}" in out["error"] and f"{per_txn:,.2f}" in out["error"]


def test_average_spend_with_a_grain_or_a_90_day_window_still_answers(gold):
    out = _answer(gold, "average spend per Platinum customer")
    assert out["rows"][0][0] == pytest.approx(
        _one(
            gold,
            "select avg(lifetime_value) from gold.customer_360_profile where card_type = 'Platinum'",
        )
    )
    out = _answer(gold, "average spend per transaction for Platinum customers")
    assert out["rows"][0][0] == pytest.approx(
        _one(
            gold,
            "select avg(t.amount) from gold.fct_transactions t join gold.customer_360_profile c"
            " using (customer_id) where t.status = 'approved' and c.card_type = 'Platinum'",
        )
    )
    out = _answer(gold, "average spend in the last 90 days for Platinum customers")
    assert out["rows"][0][0] == pytest.approx(
        _one(
            gold,
            "select avg(spend_last_90_days) from gold.customer_360_profile where card_type = 'Platinum'",
        )
    )


def test_carry_is_a_possession_verb(gold):
    out = _answer(gold, "how many customers carry a Silver card in CA")
    expected = _one(
        gold,
        "select count(*) from gold.customer_360_profile where card_type = 'Silver' and state = 'CA'",
    )
    assert out["rows"] == [[int(expected)]]


def test_shorthand_is_read_as_the_word(gold):
    out = _answer(gold, "avg credit limit of Gold cardholders")
    assert out["rows"][0][0] == pytest.approx(
        _one(
            gold, "select avg(credit_limit) from gold.customer_360_profile where card_type = 'Gold'"
        )
    )
    out = _answer(gold, "number of txns on mobile in 2024")
    assert out["rows"][0][0] == _one(
        gold,
        "select count(*) from gold.fct_transactions where status = 'approved'"
        " and channel = 'Mobile' and year(transaction_date) = 2024",
    )


def test_a_percent_sign_alone_asks_for_a_share_of_the_named_rows(gold):
    out = _answer(gold, "What % of approved transactions happen online?")
    assert out["rows"][0][0] == pytest.approx(
        _one(
            gold,
            "select 100.0 * count(*) filter (where channel = 'Online') / count(*)"
            " from gold.fct_transactions where status = 'approved'",
        )
    )
    assert "customers" not in out["interpretation"]  # a share of transactions, not customers
    out = _answer(gold, "what % of customers are low risk")
    assert out["rows"][0][0] == pytest.approx(
        _one(
            gold,
            "select 100.0 * count(*) filter (where churn_risk_category = 'Low Risk') / count(*)"
            " from gold.customer_360_profile",
        )
    )


def test_or_more_after_a_window_of_absence_is_part_of_the_window(gold):
    out = _answer(gold, "how many customers have had no transactions in the last 45 days or more")
    assert out["rows"][0][0] == _one(
        gold,
        "select count(*) from gold.customer_360_profile where customer_id not in ("
        " select customer_id from gold.fct_transactions where status = 'approved' and"
        " transaction_date > (select max(transaction_date) from gold.fct_transactions) - 45)",
    )
    # without an absence, "or more" after a window means nothing the engine can honour
    assert ask_local("customers who bought in the last 45 days or more", gold)["sql"] is None


def test_when_last_updated_is_the_latest_write_time_of_a_stamped_table(gold):
    out = _answer(gold, "when was the churn score last refreshed?")
    latest = gold.execute("select max(scored_at) from gold.churn_predictions").fetchone()[0]
    assert out["rows"] == [[latest.isoformat()]]
    assert out["interpretation"].startswith("Took the latest scored at")
    # transactions have several time columns and no write stamp; a filter changes the question
    for question in (
        "when were transactions last updated",
        "when were churn scores last updated for customers in Texas",
    ):
        assert ask_local(question, gold)["sql"] is None, question


@pytest.mark.parametrize(
    "question",
    [
        "which card types saw spend drop in 2024",
        "did travel sales drop last quarter",
        "which categories did spend drop the most",
    ],
)
def test_drop_after_a_subject_is_a_fall_not_a_data_change(question):
    assert screen_question(question) is None


@pytest.mark.parametrize(
    "question",
    [
        "did you drop the inactive customers",
        "could we drop customers who never bought anything",
        "drop table gold.fct_transactions",
        "did they drop the segments table",
    ],
)
def test_drop_as_an_instruction_is_still_a_data_change(question):
    assert screen_question(question).startswith("I can only read data")

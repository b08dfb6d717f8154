"""Generic causes found by held-out set 7's first run (none special-cases a question).

* handing something out ("give everyone in Texas a Platinum card") was read as a list of
  customers: an instruction to give/issue/award/transfer/switch is a data change, while
  "give me ..." and nouns ("transfer volume") stay questions;
* one side of a value named as a pair ("hotels" for "Hotels & Lodging") was unknown;
* a grain word after a superlative ("largest single transaction") hid the model's phrase.
"""

from __future__ import annotations

import pytest

from toolkit.assistant.guard import screen_question
from toolkit.assistant.local import ask_local


@pytest.mark.parametrize(
    "question",
    [
        "Give everyone in Texas a Platinum card",
        "please give all Gold customers a higher credit limit",
        "issue new cards to high risk customers",
        "switch all Basic cardholders to Gold",
        "award 500 points to the top 10 customers",
    ],
)
def test_handing_something_out_is_a_data_change(question):
    assert screen_question(question).startswith("I can only read data")


@pytest.mark.parametrize(
    "question",
    [
        "give me the top 5 customers by spend",
        "give us spend by state",
        "transfer volume by channel",
    ],
)
def test_give_me_and_nouns_are_still_questions(question):
    assert screen_question(question) is None


def test_one_side_of_a_paired_name_stands_for_it(gold):
    out = ask_local("total spend at hotels in 2024", gold)
    expected = gold.execute(
        "select sum(t.amount) from gold.fct_transactions t join gold.dim_merchant_category m"
        " using (merchant_category_key) where t.status = 'approved'"
        " and m.category_name = 'Hotels & Lodging' and year(t.transaction_date) = 2024"
    ).fetchone()[0]
    assert out["error"] is None, out["error"]
    assert out["rows"][0][0] == pytest.approx(float(expected))
    assert "category name is Hotels & Lodging" in out["interpretation"]


def test_a_grain_word_after_a_superlative_is_transparent(gold):
    out = ask_local("largest single transaction in 2024", gold)
    expected = gold.execute(
        "select max(amount) from gold.fct_transactions"
        " where status = 'approved' and year(transaction_date) = 2024"
    ).fetchone()[0]
    assert out["rows"] == [[pytest.approx(float(expected))]]


def test_a_grain_word_elsewhere_is_still_unknown(gold):
    """'single' as a marital status is not in the data: decline, never count everyone."""
    out = ask_local("how many single customers are there", gold)
    assert out["sql"] is None and "'single'" in out["error"]

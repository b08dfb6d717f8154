"""Held-out set 21, second pass (H46, issue 15): generic fixes asked in paraphrases against the
small build and checked against reference SQL written here.

1. a count of a set and another figure of the same set ("number of high-risk customers and
   their total LTV") answer both over the SAME rows: the count is never dropped and the set's
   condition binds every figure, unless the figure is scoped to everyone; the ambiguous orders
   decline naming both readings.
"""

from __future__ import annotations

import pytest
from answers import answer as _answer
from answers import declined as _declines

PROFILE = "gold.customer_360_profile"
TXN = "gold.fct_transactions"


def _close(a, b) -> bool:
    return abs(float(a) - float(b)) < 1e-6 * max(1.0, abs(float(b)))


def _same_row(out, ref) -> None:
    assert len(out["rows"]) == 1, out["rows"]
    got = sorted(float(v) for v in out["rows"][0])
    want = sorted(float(v) for v in ref)
    assert len(got) == len(want) and all(_close(a, b) for a, b in zip(got, want, strict=True)), (
        got,
        want,
    )


# -- 1. a count of a set and a figure of the same set
_HIGH = (
    f"select count(*), sum(lifetime_value) from {PROFILE} where churn_risk_category = 'High Risk'"
)


@pytest.mark.parametrize(
    "question",
    [
        "number of high-risk customers and their total lifetime value",
        "# of high risk customers and their combined LTV",
        "how many high risk customers are there and their combined lifetime value",
        "count of at-risk customers together with their total LTV",
    ],
)
def test_conditional_count_shares_its_set(gold, question):
    _same_row(_answer(gold, question), gold.execute(_HIGH).fetchone())


@pytest.mark.parametrize(
    ("question", "where", "figure"),
    [
        (
            "count of platinum customers and their average LTV",
            "card_type = 'Platinum'",
            "avg(lifetime_value)",
        ),
        (
            "how many gold cardholders, and their total credit limit",
            "card_type = 'Gold'",
            "sum(credit_limit)",
        ),
        (
            "number of customers in Ohio with their average churn probability",
            "state = 'OH'",
            "avg(churn_probability)",
        ),
        (
            "total customers in TX and their avg spend in the last 90 days",
            "state = 'TX'",
            "avg(spend_last_90_days)",
        ),
    ],
)
def test_count_is_not_dropped(gold, question, where, figure):
    ref = gold.execute(f"select count(*), {figure} from {PROFILE} where {where}").fetchone()
    _same_row(_answer(gold, question), ref)


def test_count_of_transactions_beside_their_average(gold):
    ref = gold.execute(
        f"select count(*), avg(amount) from {TXN} where status = 'approved' and channel = 'Online'"
    ).fetchone()
    _same_row(_answer(gold, "how many online transactions and their average amount"), ref)


def test_figure_scoped_to_everyone_keeps_everyone(gold):
    ref = gold.execute(
        f"select count(case when churn_risk_category = 'High Risk' then 1 end), sum(lifetime_value) "
        f"from {PROFILE}"
    ).fetchone()
    _same_row(
        _answer(gold, "number of high risk customers and the total LTV of all customers"), ref
    )


@pytest.mark.parametrize(
    "question",
    [
        "total LTV and number of high risk customers",
        "average LTV and number of platinum customers",
        "how many platinum customers and the overall average LTV",
        "number of high risk customers and their overall LTV",
    ],
)
def test_ambiguous_scope_declines(gold, question):
    reason = _declines(gold, question).lower()
    assert "everyone" in reason or "one at a time" in reason


def test_list_with_a_column_still_lists(gold):
    out = _answer(gold, "list the high-risk customers and their churn scores")
    ref = gold.execute(
        f"select customer_id, churn_risk_score from {PROFILE} where churn_risk_category = 'High Risk'"
    ).fetchall()
    assert {(r[0], int(r[-1])) for r in out["rows"]} == {(r[0], int(r[1])) for r in ref}


def test_declined_transactions_and_their_amount(gold):
    ref = gold.execute(
        f"select count(*), avg(amount) from {TXN} where status = 'declined'"
    ).fetchone()
    _same_row(_answer(gold, "number of declined transactions and their average amount"), ref)


# -- 2. years written with two digits ("Q4 '24") and en dash ranges ("Jul–Dec 2024")
def _spend(gold, start: str, end: str) -> float:
    return float(
        gold.execute(
            f"select sum(amount) from {TXN} where status = 'approved' "
            f"and transaction_date between date '{start}' and date '{end}'"
        ).fetchone()[0]
    )


def test_two_digit_year(gold):
    out = _answer(gold, "total spend in Nov '24")
    assert _close(out["rows"][0][-1], _spend(gold, "2024-11-01", "2024-11-30"))


def test_two_digit_years_compared(gold):
    out = _answer(gold, "spend Q3 '24 versus Q3 '23")
    got = sorted(float(r[-1]) for r in out["rows"])
    want = sorted(
        [_spend(gold, "2024-07-01", "2024-09-30"), _spend(gold, "2023-07-01", "2023-09-30")]
    )
    assert len(got) == 2 and all(_close(a, b) for a, b in zip(got, want, strict=True))


def test_en_dash_month_range(gold):
    out = _answer(gold, "approved spend Jun–Aug 2024")
    assert _close(out["rows"][0][-1], _spend(gold, "2024-06-01", "2024-08-31"))


def test_quoted_age_range_is_not_a_year(gold):
    out = _answer(gold, "how many customers aged '25-34'?")
    ref = gold.execute(f"select count(*) from {PROFILE} where age between 25 and 34").fetchone()[0]
    assert int(out["rows"][0][-1]) == ref

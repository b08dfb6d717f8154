"""Generic causes found by held-out set 16's first run (none special-cases a question; the
questions here are not the set's).

* a per-customer figure that is already a last-90-day one (the travel share of spend) asked
  "over the last 90 days" is that figure: the window restates the column's own; any other
  window still declines;
"""

from __future__ import annotations

import pytest
from answers import answer as _answer
from answers import declined as _declines
from answers import one_value as _one

PROFILE = "gold.customer_360_profile"
TXN = "gold.fct_transactions"


# -- a window that restates the column's own (travel_spend_pct is a last-90-day share)
@pytest.mark.parametrize(
    ("question", "where"),
    [
        (
            "mean travel spend pct in the past 90 days for Platinum customers",
            "card_type = 'Platinum'",
        ),
        (
            "avg travel share over the last 90 days among Declining customers",
            "customer_segment = 'Declining'",
        ),
        (
            "average travel spend % for high risk customers, last 90 days",
            "churn_risk_category = 'High Risk'",
        ),
    ],
)
def test_last_90_days_restates_the_travel_share_window(gold, question, where):
    out = _answer(gold, question)
    expected = _one(gold, f"select avg(travel_spend_pct) from {PROFILE} where {where}")
    assert out["rows"][0][0] == pytest.approx(expected)
    assert "last 90 days" in out["interpretation"]


def test_last_90_days_travel_share_by_a_group(gold):
    out = _answer(gold, "average travel share over the last 90 days by card type")
    expected = dict(
        gold.execute(
            f"select card_type, avg(travel_spend_pct) from {PROFILE} group by 1"
        ).fetchall()
    )
    assert {r[0]: pytest.approx(r[1]) for r in out["rows"]} == expected


@pytest.mark.parametrize(
    "question",
    ["avg travel share in the last 30 days for Gold customers", "average travel spend % in 2024"],
)
def test_another_window_on_the_travel_share_still_declines(gold, question):
    assert "can't be limited to that period" in _declines(gold, question)

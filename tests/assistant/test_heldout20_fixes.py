"""Generic causes found by held-out set 20's first run (H41; none special-cases a question, and
the questions here are not the set's).

* a split by a true/false column whose table names a filter for each value (weekends/weekdays)
  shows each row's label beside the true/false value;
* a banded column listed for customers named by id ("C000100's churn risk") shows the figures
  it bands (churn probability and score) too;
* "show the risk factors" after a why-question on a customer's churn risk is the column;
* "sitting in", "tied up in", "held by" place a value in a group: "of"; "portfolio-wide",
  "company-wide" are the whole book;
* an age bound after a place ("cardholders in NY under 40") bounds the age.
"""

from __future__ import annotations

import pytest
from answers import answer as _answer
from answers import declined as _declines
from answers import one_value as _one

from toolkit.assistant.evaluation import results_match

PROFILE = "gold.customer_360_profile"
TXN = "gold.fct_transactions"
DATES = "gold.dim_date"


# -- 1. a true/false split labelled by the model's filters
@pytest.mark.parametrize(
    ("question", "where"),
    [
        ("spend on weekdays versus weekends in Q3 2024",
         "t.transaction_date between date '2024-07-01' and date '2024-09-30'"),
        ("number of transactions weekend vs weekday, last month",
         "t.transaction_date between date '2024-11-01' and date '2024-11-30'"),
    ],
)  # fmt: skip
def test_a_true_false_split_shows_the_filters_labels(gold, question, where):
    out = _answer(gold, question)
    agg = "sum(t.amount)" if "spend" in question else "count(*)"
    labelled = gold.execute(
        f"select case when d.is_weekend then 'Weekend' else 'Weekday' end, {agg} from {TXN} t "
        f"join {DATES} d using (date_key) where t.status = 'approved' and {where} group by 1"
    ).fetchall()
    flagged = gold.execute(
        f"select d.is_weekend, {agg} from {TXN} t join {DATES} d using (date_key) "
        f"where t.status = 'approved' and {where} group by 1"
    ).fetchall()
    assert results_match(labelled, out["rows"]), out["rows"]
    assert results_match(flagged, out["rows"]), out["rows"]  # the true/false value stays


# -- 2. a band listed for a named customer shows the figures behind it
@pytest.mark.parametrize("cid", ["C000100", "C000333"])
def test_churn_risk_of_a_named_customer_shows_band_and_probability(gold, cid):
    out = _answer(gold, f"tell me the churn risk of {cid}")
    ref = gold.execute(
        f"select churn_risk_category, churn_probability, churn_risk_score from {PROFILE} "
        "where customer_id = ?",
        [cid],
    ).fetchall()
    assert results_match(ref, out["rows"]), out["rows"]


def test_a_band_listed_for_many_customers_stays_as_it_was(gold):
    out = _answer(gold, "list platinum customers in NY with their churn risk category")
    assert "churn_probability" not in out["columns"]


# -- 3. "show the risk factors" after a why-question
@pytest.mark.parametrize(
    ("question", "cid"),
    [("why is C000300 at risk of churn? list the risk factors", "C000300"),
     ("why is C000412 considered high risk? give me risk factors", "C000412")],
)  # fmt: skip
def test_risk_factors_after_a_why_question(gold, question, cid):
    out = _answer(gold, question)
    factors = gold.execute(
        f"select top_risk_factors from {PROFILE} where customer_id = ?", [cid]
    ).fetchone()[0]
    assert len(out["rows"]) == 1 and factors in out["rows"][0]


# -- 4. "sitting in", "tied up in", "held by" = "of"; "-wide" after the whole book
@pytest.mark.parametrize(
    ("question", "ref"),
    [
        ("how much lifetime value is tied up in the Declining segment?",
         f"select sum(lifetime_value) from {PROFILE} where customer_segment = 'Declining'"),
        ("total LTV held by platinum cardholders",
         f"select sum(lifetime_value) from {PROFILE} where card_type = 'Platinum'"),
        ("projected 12 month LTV sitting in high risk customers, total",
         f"select sum(projected_12m_ltv) from {PROFILE} where churn_risk_category = 'High Risk'"),
        ("company-wide average churn probability", f"select avg(churn_probability) from {PROFILE}"),
        ("bank-wide total lifetime value", f"select sum(lifetime_value) from {PROFILE}"),
    ],
)  # fmt: skip
def test_placing_phrases_read_as_of(gold, question, ref):
    out = _answer(gold, question)
    assert len(out["rows"]) == 1
    assert float(out["rows"][0][-1]) == pytest.approx(_one(gold, ref))


def test_held_without_a_group_still_declines(gold):
    _declines(gold, "which cards are held")


# -- 5. an age bound after a place
@pytest.mark.parametrize(
    ("question", "where"),
    [
        ("how many customers in texas over 65?", "state = 'TX' and age > 65"),
        ("count of gold cardholders from CA under 35", "state = 'CA' and card_type = 'Gold' and age < 35"),
    ],
)  # fmt: skip
def test_an_age_bound_after_a_place(gold, question, where):
    out = _answer(gold, question)
    assert float(out["rows"][0][0]) == _one(gold, f"select count(*) from {PROFILE} where {where}")


def test_a_money_bound_after_a_place_is_not_an_age(gold):
    out = _answer(gold, "customers in texas with ltv over 5000")
    ref = gold.execute(
        f"select customer_id from {PROFILE} where state = 'TX' and lifetime_value > 5000"
    )
    assert sorted(r[0] for r in out["rows"]) == sorted(r[0] for r in ref.fetchall())


# -- 6. YoY / QoQ / "month over month" between two named periods a unit apart
def _spend(gold, start: str, end: str, where: str = "true") -> float:
    return _one(
        gold,
        f"select sum(amount) from {TXN} t where status = 'approved' and {where} "
        f"and transaction_date between date '{start}' and date '{end}'",
    )


@pytest.mark.parametrize(
    ("question", "base", "later"),
    [
        ("yoy change in total spend, dec 2023 vs dec 2024", ("2023-12-01", "2023-12-31"),
         ("2024-12-01", "2024-12-31")),
        ("YoY % change in spend for Q3 2024 vs Q3 2023", ("2023-07-01", "2023-09-30"),
         ("2024-07-01", "2024-09-30")),
        ("QoQ % change in spend, Q3 vs Q4 2024", ("2024-07-01", "2024-09-30"), ("2024-10-01", "2024-12-31")),
        ("month over month change in spend from last month to this month, in percent",
         ("2024-11-01", "2024-11-30"), ("2024-12-01", "2024-12-31")),
    ],
)  # fmt: skip
def test_period_over_period_change(gold, question, base, later):
    out = _answer(gold, question)
    a, b = _spend(gold, *base), _spend(gold, *later)
    assert len(out["rows"]) == 1
    assert out["rows"][0][-1] == pytest.approx(100 * (b - a) / a)
    assert out["rows"][0][-2] == pytest.approx(b - a)


@pytest.mark.parametrize(
    "question",
    ["yoy change in spend, Q3 vs Q4 2024", "qoq change in spend, Q2 vs Q4 2024"],
)
def test_period_over_period_needs_periods_that_unit_apart(gold, question):
    _declines(gold, question)


def test_the_profile_month_over_month_column_is_unchanged(gold):
    out = _answer(gold, "avg month over month change for gold customers")
    ref = _one(gold, f"select avg(mom_spend_change_pct) from {PROFILE} where card_type = 'Gold'")
    assert float(out["rows"][0][0]) == pytest.approx(ref)


# -- 7. a split by a column whose phrase holds an opening word is no question about new customers
@pytest.mark.parametrize(
    ("question", "ref"),
    [
        ("total ltv per account open year",
         f"select year(account_open_date), sum(lifetime_value) from {PROFILE} group by 1"),
        ("number of customers by signup year", f"select year(account_open_date), count(*) from {PROFILE} group by 1"),
    ],
)  # fmt: skip
def test_split_by_an_open_year_column(gold, question, ref):
    out = _answer(gold, question)
    assert results_match(gold.execute(ref).fetchall(), out["rows"]), out["rows"]


@pytest.mark.parametrize(
    "question",
    ["count of customers by open date year", "how many new customers by account open year"],
)
def test_a_date_with_an_unread_unit_or_new_customers_still_declines(gold, question):
    _declines(gold, question)


# -- 8. "on average how many days since the last purchase" = the average of that column
@pytest.mark.parametrize(
    ("question", "where"),
    [
        ("on average, how many days has it been since the last transaction for platinum customers",
         "card_type = 'Platinum'"),
        ("average days since the last purchase for high risk customers", "churn_risk_category = 'High Risk'"),
    ],
)  # fmt: skip
def test_average_days_since_the_last_purchase(gold, question, where):
    out = _answer(gold, question)
    ref = _one(gold, f"select avg(days_since_last_transaction) from {PROFILE} where {where}")
    assert float(out["rows"][0][0]) == pytest.approx(ref)


def test_days_since_the_last_purchase_of_one_customer_is_its_value(gold):
    out = _answer(gold, "how many days since the last purchase for C000010")
    ref = _one(
        gold, f"select days_since_last_transaction from {PROFILE} where customer_id = 'C000010'"
    )
    assert float(out["rows"][0][-1]) == ref


# -- 9. "how did <measure> in A compare with B": the two periods side by side
@pytest.mark.parametrize(
    ("question", "where", "key"),
    [
        ("how did dining spend in Q3 2024 compare with Q3 2023?",
         "quarter(transaction_date) = 3 and m.category_group = 'Dining'", "year(transaction_date)"),
        ("how does travel spend in H2 2024 compare to H2 2023",
         "month(transaction_date) >= 7 and m.category_group = 'Travel'", "year(transaction_date)"),
    ],
)  # fmt: skip
def test_how_did_a_compare_with_b_sets_the_periods_side_by_side(gold, question, where, key):
    out = _answer(gold, question)
    ref = gold.execute(
        f"select {key}, sum(t.amount) from {TXN} t join gold.dim_merchant_category m "
        f"using (merchant_category_key) where t.status = 'approved' and {where} group by 1"
    ).fetchall()
    assert results_match(ref, out["rows"]), out["rows"]

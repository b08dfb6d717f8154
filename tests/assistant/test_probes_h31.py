"""Wrong answers and gaps found while probing after held-out set 16 (H29's probes, fixed by
H31). Each is a kind of phrasing, asked here several ways, with nearby phrasings that must keep
their behaviour:

* "who made the smallest transaction": the smallest amounts tie, so one customer would hide
  the ties (it had listed every customer's smallest, highest first): declined, saying so;
* "average transaction value of customers who shopped online": one figure of the group with
  three readings (their own averages, their matching transactions, all their transactions):
  declined naming them unless "per customer" says which (it had listed every customer);
* "ATV of Platinum customers per transaction": "per transaction" after a measure that is
  itself a mean is its grain, not a list of transactions (it gave a row per customer); with no
  group either ("average transaction value per transaction" had averaged the customers' means);
* "travel spend % of customer C000123 over the last 90 days": with customers named by id, a
  window is not a condition on which of them transacted (it had added one); a last-90-day
  column over the last 90 days is its own figure, anything else declines;
* "top risk factors for high risk customers in Texas": a customer's free-text attribute asked
  for a group of customers is shown in the list of them (it declined on unread words).
"""

from __future__ import annotations

import pytest
from answers import answer as _answer
from answers import declined as _declines
from answers import one_value as _one

from toolkit.assistant.local import ask_local

PROFILE = "gold.customer_360_profile"
TXN = "gold.fct_transactions"


# -- 1. the smallest transaction named in the singular, with its customer asked
@pytest.mark.parametrize(
    "question",
    [
        "who made the smallest transaction last month?",
        "which customer made the smallest purchase in 2024",
        "who had the smallest transaction in November 2024",
    ],
)
def test_who_made_the_smallest_transaction_declines_on_ties(gold, question):
    assert "shared" in _declines(gold, question)


def test_the_smallest_amount_really_ties(gold):
    # the reason for the decline: the lowest approved amount of Nov 2024 repeats
    ties = _one(
        gold,
        f"select count(*) from {TXN} where status = 'approved' and amount = (select min(amount) "
        f"from {TXN} where status = 'approved' and transaction_date between '2024-11-01' and "
        "'2024-11-30') and transaction_date between '2024-11-01' and '2024-11-30'",
    )
    assert ties > 1


def test_smallest_amount_and_ranked_lists_still_answer(gold):
    out = _answer(gold, "smallest transaction amount last month")
    expected = _one(
        gold,
        f"select min(amount) from {TXN} where status = 'approved' "
        "and transaction_date between '2024-11-01' and '2024-11-30'",
    )
    assert out["rows"][0][-1] == pytest.approx(expected)
    ranked = _answer(gold, "bottom 40 customers by smallest transaction last month")
    assert len(ranked["rows"]) == 40
    assert all(r[-1] == pytest.approx(expected) for r in ranked["rows"][:5])
    largest = _answer(gold, "who made the largest transaction last month?")
    assert len(largest["rows"]) == 1


# -- 2. a per-customer mean ticket of customers picked by a clause on their transactions
@pytest.mark.parametrize(
    "question",
    [
        "average transaction value of customers who shopped online",
        "ATV of customers who bought travel in 2024",
        "average ticket size of cardholders that shopped online",
    ],
)
def test_mean_ticket_of_a_clause_group_declines_naming_readings(gold, question):
    reason = _declines(gold, question)
    assert "three readings" in reason and "per customer" in reason


def test_mean_ticket_of_a_clause_group_per_customer_is_one_figure(gold):
    out = _answer(gold, "average transaction value per customer of customers who shopped online")
    expected = _one(
        gold,
        f"select avg(avg_transaction_value) from {PROFILE} where customer_id in "
        f"(select customer_id from {TXN} where status = 'approved' and channel = 'Online')",
    )
    assert len(out["rows"]) == 1 and out["rows"][0][0] == pytest.approx(expected)


def test_listing_the_mean_ticket_of_a_clause_group_still_lists(gold):
    out = _answer(gold, "list the average transaction value of customers who shopped online")
    expected = _one(
        gold,
        f"select count(distinct customer_id) from {TXN} where status = 'approved' and channel = 'Online'",
    )
    assert len(out["rows"]) == expected
    assert "avg_transaction_value" in out["columns"]


# -- 3. "per transaction" after a measure that is itself a mean
@pytest.mark.parametrize(
    ("question", "where"),
    [
        ("ATV of Platinum customers per transaction", "c.card_type = 'Platinum'"),
        ("ATV for Gold cardholders per transaction", "c.card_type = 'Gold'"),
        ("average transaction value per transaction", "true"),
        ("ATV per purchase", "true"),
    ],
)
def test_per_transaction_after_a_mean_is_its_grain(gold, question, where):
    out = _answer(gold, question)
    expected = _one(
        gold,
        f"select avg(t.amount) from {TXN} t join {PROFILE} c using (customer_id) "
        f"where t.status = 'approved' and {where}",
    )
    assert len(out["rows"]) == 1 and out["rows"][0][0] == pytest.approx(expected)


def test_per_customer_after_a_mean_and_the_bare_mean_keep_the_column(gold):
    expected = _one(
        gold, f"select avg(avg_transaction_value) from {PROFILE} where card_type = 'Platinum'"
    )
    out = _answer(gold, "ATV of Platinum customers per customer")
    assert out["rows"][0][0] == pytest.approx(expected)
    assert "per customer" in _declines(gold, "ATV of Platinum customers")
    # the bare figure has both readings too (H35, held-out set 18: it answered the customers'
    # mean alone while "ATV across the portfolio" declined); "per customer" keeps the column
    assert "per customer" in _declines(gold, "average transaction value")
    bare = _answer(gold, "average transaction value per customer")
    assert bare["rows"][0][0] == pytest.approx(
        _one(gold, f"select avg(avg_transaction_value) from {PROFILE}")
    )


# -- 4. a window on customers named by id
@pytest.mark.parametrize(
    ("question", "column"),
    [
        ("travel spend % of customer C000123 over the last 90 days", "travel_spend_pct"),
        ("travel share of C000310 in the last 90 days", "travel_spend_pct"),
        ("LTV of C000123 over the last 90 days", "spend_last_90_days"),
    ],
)
def test_window_on_a_named_customer_adds_no_condition(gold, question, column):
    out = _answer(gold, question)
    cust = next(w for w in question.split() if w.startswith("C000"))
    expected = _one(gold, f"select {column} from {PROFILE} where customer_id = ?", cust)
    assert len(out["rows"]) == 1 and out["rows"][0][0] == cust
    assert out["columns"][-1] == column and out["rows"][0][-1] == pytest.approx(expected)
    assert "with approved transactions" not in out["interpretation"]
    assert "customer_id IN" not in out["sql"]


@pytest.mark.parametrize(
    "question",
    ["churn score of customer C000123 in the last 90 days", "travel spend % of C000123 in 2024"],
)
def test_another_window_on_a_named_customer_declines(gold, question):
    assert "can't be limited to that period" in _declines(gold, question)


def test_whether_a_named_customer_shopped_keeps_the_condition(gold):
    out = _answer(gold, "did C000123 shop in the last 90 days")
    assert "with approved transactions" in out["interpretation"]


# -- 5. a customer's free-text attribute for a group of customers
@pytest.mark.parametrize(
    ("question", "column", "where"),
    [
        (
            "top risk factors for high risk customers in Texas",
            "top_risk_factors",
            "churn_risk_category = 'High Risk' and state = 'TX'",
        ),
        (
            "risk factors of Platinum customers in Ohio",
            "top_risk_factors",
            "card_type = 'Platinum' and state = 'OH'",
        ),
        (
            "churn drivers among high risk customers",
            "top_risk_factors",
            "churn_risk_category = 'High Risk'",
        ),
        (
            "segment reason for Declining customers in Texas",
            "segment_reason",
            "customer_segment = 'Declining' and state = 'TX'",
        ),
    ],
)
def test_text_attribute_of_a_customer_group_is_listed(gold, question, column, where):
    out = _answer(gold, question)
    expected = gold.execute(
        f"select customer_id, {column} from {PROFILE} where {where} order by customer_id"
    ).fetchall()
    assert column in out["columns"]
    at = out["columns"].index(column)
    assert [(r[0], r[at]) for r in out["rows"]] == [tuple(e) for e in expected]


def test_counting_the_group_still_counts(gold):
    out = _answer(gold, "how many high risk customers in Texas")
    expected = _one(
        gold,
        f"select count(*) from {PROFILE} where churn_risk_category = 'High Risk' and state = 'TX'",
    )
    assert out["rows"] == [[expected]]


# -- 6. a window said as a hyphenated adjective ("90-day") is the trailing window
def _top_spenders(gold, days, limit, where="true"):
    return [
        (r[0], pytest.approx(float(r[1])))
        for r in gold.execute(
            f"select t.customer_id, sum(t.amount) s from {TXN} t join {PROFILE} c using (customer_id) "
            f"where t.status = 'approved' and {where} and t.transaction_date > date '2024-12-31' - "
            f"interval {days} day group by 1 order by s desc, 1 limit {limit}"
        ).fetchall()
    ]


@pytest.mark.parametrize(
    ("question", "days", "limit", "where"),
    [
        ("5 highest 90-day spenders", 90, 5, "true"),
        ("top 10 30-day spenders in Texas", 30, 10, "c.state = 'TX'"),
        ("the 3 biggest 90-day spenders", 90, 3, "true"),
    ],
)
def test_hyphenated_window_before_spenders(gold, question, days, limit, where):
    out = _answer(gold, question)
    assert [(r[0], r[-1]) for r in out["rows"]] == _top_spenders(gold, days, limit, where)


def test_hyphenated_window_on_a_rate(gold):
    out = _answer(gold, "30-day decline rate by channel")
    expected = dict(
        gold.execute(
            f"select channel, 100.0 * count(*) filter (where status = 'declined') / count(*) from {TXN} "
            "where transaction_date > date '2024-12-31' - interval 30 day group by 1"
        ).fetchall()
    )
    assert {r[0]: pytest.approx(r[1]) for r in out["rows"]} == expected


def test_hyphenated_names_of_the_model_keep_their_columns(gold):
    out = _answer(gold, "average 90-day spend for Gold customers")
    expected = _one(gold, f"select avg(spend_last_90_days) from {PROFILE} where card_type = 'Gold'")
    assert out["rows"][0][0] == pytest.approx(expected)
    ages = _answer(gold, "how many customers aged 25-34")
    assert ages["rows"][0][0] == _one(
        gold, f"select count(*) from {PROFILE} where age between 25 and 34"
    )


# -- 7. an account's age is how long it has been open; a customer's is their age
@pytest.mark.parametrize(
    ("question", "order", "limit", "where"),
    [
        ("the 3 oldest accounts", "account_open_date asc", 3, "true"),
        ("5 newest accounts in Texas", "account_open_date desc", 5, "state = 'TX'"),
        ("who has the oldest account", "account_open_date asc", 1, "true"),
        ("which customer has the newest account", "account_open_date desc", 1, "true"),
    ],
)
def test_oldest_accounts_rank_by_how_long_they_are_open(gold, question, order, limit, where):
    out = _answer(gold, question)
    expected = gold.execute(
        f"select customer_id from {PROFILE} where {where} order by {order}, customer_id limit {limit}"
    ).fetchall()
    assert [r[0] for r in out["rows"]] == [e[0] for e in expected]


@pytest.mark.parametrize("question", ["the 3 oldest customers", "oldest account holders"])
def test_oldest_people_are_not_read_as_accounts(gold, question):
    out = ask_local(question, gold)
    assert out["sql"] is None or "tenure" not in out["sql"]


# -- 8. how many merchant categories: their own rows, or those with spend when it says so
NOV = "t.transaction_date between '2024-11-01' and '2024-11-30'"


@pytest.mark.parametrize(
    ("question", "where"),
    [
        ("how many different merchant categories did we see spend in last month?", NOV),
        ("how many merchant categories did customers shop at last month", NOV),
        ("number of categories with spend in 2024", "year(t.transaction_date) = 2024"),
        (
            "how many categories had online spend in December 2024",
            "t.channel = 'Online' and t.transaction_date between '2024-12-01' and '2024-12-31'",
        ),
        (
            "how many merchant categories did Gold customers shop at last month",
            f"{NOV} and t.customer_id in (select customer_id from {PROFILE} where card_type = 'Gold')",
        ),
    ],
)
def test_categories_with_spend_are_counted_over_approved_transactions(gold, question, where):
    out = _answer(gold, question)
    expected = _one(
        gold,
        f"select count(distinct m.category_name) from {TXN} t join gold.dim_merchant_category m "
        f"using (merchant_category_key) where t.status = 'approved' and {where}",
    )
    assert out["rows"] == [[expected]]


@pytest.mark.parametrize(
    "question",
    ["how many merchant categories are there", "how many distinct merchant categories are there"],
)
def test_bare_category_count_is_the_dimension(gold, question):
    out = _answer(gold, question)
    assert out["rows"] == [
        [_one(gold, "select count(distinct category_name) from gold.dim_merchant_category")]
    ]


@pytest.mark.parametrize(
    "question",
    ["how many merchant categories are popular", "how many categories had spend over 1M in 2024"],
)
def test_other_category_counts_still_decline(gold, question):
    assert _declines(gold, question)


# -- 5b. an attribute with listed values: "their X" is a column; "X of customers ..." has two readings
@pytest.mark.parametrize(
    ("question", "column", "where"),
    [
        ("list customers in Texas with their card type", "card_type", "state = 'TX'"),
        (
            "show high risk customers in Ohio and their segment",
            "customer_segment",
            "churn_risk_category = 'High Risk' and state = 'OH'",
        ),
    ],
)
def test_their_attribute_is_a_column_of_the_list(gold, question, column, where):
    out = _answer(gold, question)
    expected = gold.execute(
        f"select customer_id, {column} from {PROFILE} where {where} order by 1"
    ).fetchall()
    at = out["columns"].index(column)
    assert [(r[0], r[at]) for r in out["rows"]] == [tuple(e) for e in expected]


@pytest.mark.parametrize(
    "question", ["card type of customers in Texas", "segment for high risk customers in Ohio"]
)
def test_valued_attribute_of_a_customer_group_declines_naming_both(gold, question):
    reason = _declines(gold, question)
    assert "Two readings" in reason and "with their" in reason


def test_a_split_by_the_attribute_still_counts(gold):
    out = _answer(gold, "customers in Texas by card type")
    expected = dict(
        gold.execute(
            f"select card_type, count(*) from {PROFILE} where state = 'TX' group by 1"
        ).fetchall()
    )
    assert {r[0]: r[1] for r in out["rows"]} == expected

"""Parser and compiler without a database: plans, synonyms, time, dialects."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlglot
from sqlglot import exp

from toolkit.assistant.compiler import compile_plan
from toolkit.assistant.lexicon import build_lexicon
from toolkit.assistant.model import load_model
from toolkit.assistant.parser import CannotAnswer, Parser

ASOF = dt.date(2024, 12, 31)


@pytest.fixture(scope="module")
def parser():
    model = load_model()
    return Parser(model, build_lexicon(model))


def sql_for(parser, question, dialect="duckdb"):
    return compile_plan(parser.model, parser.parse_with(question, asof=ASOF), dialect=dialect)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("average LTV by card type", "average lifetime value by card type"),
        ("How many customers in Texas?", "How many customers in TX?"),
        ("number of at-risk customers", "how many high risk customers"),
        ("premium customers in California", "Gold and Platinum customers in CA"),
        ("total spend per month", "monthly spend"),
        (
            "spend by segment in the last 90 days",
            "spending by customer segment over the past 90 days",
        ),
    ],
)
def test_synonyms_and_phrasings_give_the_same_query(parser, a, b):
    assert sql_for(parser, a) == sql_for(parser, b)


def test_lowercase_in_is_not_indiana(parser):
    sql = sql_for(parser, "How many customers are in each segment?")
    assert "'IN'" not in sql
    assert "'IN'" in sql_for(parser, "How many customers in IN?")


def test_relative_periods_use_the_data_as_of_date_never_the_clock(parser):
    for question in (
        "spend in the last 90 days",
        "spend last month",
        "spend this year",
        "spend in December",
    ):
        sql = sql_for(parser, question).upper()
        assert "CURRENT_DATE" not in sql and "NOW()" not in sql and "GET_CURRENT" not in sql
    rolling = sql_for(parser, "spend in the last 90 days")
    assert "MAX(transaction_date) FROM gold.fct_transactions" in rolling
    assert "INTERVAL (-90) DAY" in rolling
    # a month without a year is the latest such month up to the as-of date
    assert "YEAR(t.transaction_date) = 2024 AND MONTH(t.transaction_date) = 12" in sql_for(
        parser, "spend in December"
    )
    assert "YEAR(t.transaction_date) = 2023" in sql_for(parser, "spend in 2023")


def test_spend_counts_only_approved_unless_status_is_asked(parser):
    assert "t.status = 'approved'" in sql_for(parser, "total spend by channel")
    declined = sql_for(parser, "how many declined transactions")
    assert "'declined'" in declined and "'approved'" not in declined


def test_numeric_comparisons_top_n_and_percentages(parser):
    assert "c.lifetime_value > 10000" in sql_for(parser, "customers with LTV over $10,000")
    assert "c.credit_limit >= 20000" in sql_for(
        parser, "customers with a credit limit of at least 20k"
    )
    assert "c.age < 30" in sql_for(parser, "How many customers are under 30?")
    top = sql_for(parser, "top 5 states by total spend")
    assert top.endswith("LIMIT 5") and "ORDER BY total_spend DESC" in top
    pct = sql_for(parser, "What percentage of customers are high risk?")
    assert pct.startswith("SELECT 100.0 * COUNT(CASE WHEN c.churn_risk_category = 'High Risk'")


def test_joins_follow_declared_relationships(parser):
    sql = sql_for(parser, "travel spend by card type in 2024")
    # transactions are totalled per customer first, then joined to the profile
    assert (
        "GROUP BY t.customer_id) AS x JOIN gold.customer_360_profile AS c ON x.__c = c.customer_id"
        in sql
    )
    assert (
        "JOIN gold.dim_merchant_category AS m ON t.merchant_category_key = m.merchant_category_key"
        in sql
    )
    # all-time spend split by a customer attribute reads the profile's per-customer totals
    assert sql_for(parser, "spend by card type").startswith(
        "SELECT c.card_type AS card_type, SUM(c.lifetime_value) AS total_spend FROM gold.customer_360_profile AS c"
    )
    monthly = sql_for(parser, "monthly spend")
    assert "GROUP BY t.transaction_date) AS x GROUP BY DATE_TRUNC('MONTH', x.__day)" in monthly
    semi = sql_for(parser, "How many customers shopped online in the last 30 days?")
    assert "c.customer_id IN (SELECT t.customer_id FROM gold.fct_transactions" in semi


def test_snowflake_dialect_output_parses_as_snowflake(parser):
    for question in ("spend in the last 90 days by state", "What percentage of customers are high risk?",
                     "monthly spend in 2024", "top 10 customers by LTV"):  # fmt: skip
        sql = sql_for(parser, question, dialect="snowflake")
        tree = sqlglot.parse_one(sql, read="snowflake")
        assert isinstance(tree, exp.Select)
        assert "INTERVAL (-" not in sql  # DuckDB spelling must not leak into Snowflake SQL


@pytest.mark.parametrize(
    "question",
    [
        "How many customers churned because of the weather in Narnia?",
        "What is the flux capacitor reading by segment?",
        "customers over 9000",  # a number with nothing to attach it to
        "average spend by channel for customers by favourite colour",
        "spend",  # fine on its own; checked below
    ][:4],
)
def test_unknown_words_are_declined_not_guessed(parser, question):
    with pytest.raises(CannotAnswer):
        parser.parse_with(question, asof=ASOF)


def test_negated_customer_questions_use_not_in(parser):
    sql = sql_for(parser, "How many customers had no transactions in the last 90 days?")
    assert "WHERE NOT c.customer_id IN (SELECT t.customer_id FROM gold.fct_transactions" in sql
    never = sql_for(parser, "How many customers have never made a transaction?")
    assert (
        "WHERE NOT c.customer_id IN (SELECT t.customer_id FROM gold.fct_transactions AS t WHERE t.status = 'approved')"
        in never
    )


def test_several_groupings_and_side_by_side_comparisons(parser):
    sql = sql_for(parser, "How many customers are there by card type and segment?")
    assert "GROUP BY c.card_type, c.customer_segment" in sql
    versus = sql_for(parser, "spend online vs in-store")
    assert "GROUP BY t.channel" in versus and "t.channel IN ('Online', 'In-Store')" in versus


@pytest.mark.parametrize(
    "question",
    [
        "Top 3 categories for High-Value Travelers",  # top by what?
        "most customers",  # most of what, by what?
        "How much did we make from Platinum customers?",  # make = revenue we do not hold
        "average spend in the last 90 days compared to the prior 90 days",  # two periods at once
        "How many customers churned?",
    ],
)
def test_ambiguous_questions_are_declined_rather_than_guessed(parser, question):
    with pytest.raises(CannotAnswer):
        parser.parse_with(question, asof=ASOF)


def test_local_runs_bind_the_as_of_date_read_from_the_data(parser):
    plan = parser.parse_with("spend in the last 90 days", asof=ASOF)
    sql = compile_plan(parser.model, plan, dialect="duckdb", asof=ASOF)
    assert "CAST('2024-12-31' AS DATE) + INTERVAL (-90) DAY" in sql
    assert "MAX(transaction_date)" not in sql


def test_city_and_state_with_the_same_name(parser):
    model = parser.model
    lexicon_parser = Parser(
        model, build_lexicon(model, {("customers", "city"): ["New York", "Portland"]})
    )

    def compiled(question):
        return compile_plan(model, lexicon_parser.parse_with(question, asof=ASOF))

    assert "c.state = 'NY'" in compiled("How many customers in New York?")
    assert "c.state = 'NY'" in compiled("spend in New York state")
    assert "c.city = 'New York'" in compiled("How many customers in New York City?")
    assert "c.city = 'Portland'" in compiled("How many customers in the city of Portland?")


def test_new_customers_means_accounts_opened_in_the_period(parser):
    sql = sql_for(parser, "how many new customers did we get in 2024?")
    assert "YEAR(c.account_open_date) = 2024" in sql and "customer_segment" not in sql
    assert "c.customer_segment = 'New & Growing'" in sql_for(
        parser, "How many New & Growing customers are there?"
    )
    with pytest.raises(CannotAnswer):
        parser.parse_with("how many new customers?", asof=ASOF)
    assert "YEAR(c.account_open_date) = 2024" in sql_for(
        parser, "How many customers did we acquire in 2024?"
    )


def test_average_spend_per_customer_counts_every_customer_of_the_group(parser):
    # over all customers (zero spenders included), from the profile's per-customer spend
    sql = sql_for(parser, "average spend per customer in the last 90 days by segment")
    assert "AVG(c.spend_last_90_days)" in sql and "fct_transactions" not in sql
    assert "AVG(c.lifetime_value)" in sql_for(parser, "average customer spend by card type")
    # "active" names the other population explicitly
    active = sql_for(parser, "spend per active customer by card type")
    assert "transaction_count > 0" in active or "COUNT(DISTINCT" in active
    # no per-customer column for these windows/splits: decline rather than pick a population
    for question in (
        "average spend per customer in 2024 by state",
        "average spend per customer by category group",
        "average spend per customer per month",
    ):
        with pytest.raises(CannotAnswer):
            parser.parse_with(question, asof=ASOF)


def test_ticket_size_with_transaction_filters_is_the_transactions_mean(parser):
    sql = sql_for(parser, "What's the average ticket size on online purchases?")
    assert "AVG(t.amount)" in sql and "t.channel = 'Online'" in sql
    assert "avg_transaction_value" not in sql
    assert "MEDIAN(t.amount)" in sql_for(parser, "median ticket size by category group")
    # a customer attribute split keeps the customer-level column
    assert "AVG(c.avg_transaction_value)" in sql_for(parser, "average transaction value by segment")


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Average LTV for customers aged 25 to 34", "c.age BETWEEN 25 AND 34"),
        ("how many customers age 40-49", "c.age BETWEEN 40 AND 49"),
        (
            "customers with a credit limit from $5,000 to $10,000",
            "c.credit_limit BETWEEN 5000 AND 10000",
        ),
    ],
)
def test_closed_ranges_read_like_between(parser, question, expected):
    assert expected in sql_for(parser, question)


def test_total_credit_we_have_extended(parser):
    sql = sql_for(parser, "What's the total credit limit we've extended to Gold customers?")
    assert "SUM(c.credit_limit)" in sql and "c.card_type = 'Gold'" in sql


def test_per_customer_after_an_average_is_the_unit_not_a_grouping(parser):
    sql = sql_for(parser, "mean lifetime value per customer by risk band")
    assert "AVG(c.lifetime_value)" in sql and "customer_id" not in sql.split("FROM")[0]
    assert "AVG(c.transaction_count)" in sql_for(
        parser, "how many transactions per customer on average"
    )
    assert "AVG(c.lifetime_value)" in sql_for(parser, "average customer LTV in Texas")


def test_customer_summaries_bound_by_a_period_use_the_window_or_decline(parser):
    # the period bounds the summarised transactions, not which customers are averaged
    sql = sql_for(
        parser, "average number of transactions per customer in the last 90 days by state"
    )
    assert "AVG(c.transactions_last_90_days)" in sql and "fct_transactions" not in sql
    for question in ("average LTV in 2024", "average transactions per customer in 2024"):
        with pytest.raises(CannotAnswer):
            parser.parse_with(question, asof=ASOF)
    # "customers who shopped in 2024" names the population: a semi-join is right
    assert "IN (SELECT" in sql_for(parser, "average LTV of customers who shopped in 2024")


@pytest.mark.parametrize(
    "question",
    [
        "What was the average daily spend in December 2024?",  # average of daily totals
        "highest number of buyers",  # not the maximum of a customer count
        "What's the highest decline rate",  # highest of what?
    ],
)
def test_an_aggregation_word_no_measure_can_take_is_declined(parser, question):
    with pytest.raises(CannotAnswer):
        parser.parse_with(question, asof=ASOF)


def test_portion_is_a_percentage(parser):
    sql = sql_for(parser, "What portion of customers are 65 or older?")
    assert "100.0 * COUNT(CASE WHEN c.age >= 65" in sql

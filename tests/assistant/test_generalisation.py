"""Issue 15, before the final unseen set: the kinds of phrasing helper H19's development probes
(tests/assistant/dev13_probes.yaml) found broken, asked here in other words, each answer checked
against a reference query on the small build; and look-alikes that must still decline."""

from __future__ import annotations

import pytest

from tests.assistant.answers import answer, declined, one_value
from toolkit.assistant.evaluation import evaluate, load_set
from toolkit.assistant.local import ask_local

DATA_CHANGE = "I can only read data"
SPEND_2024 = (
    "select sum(amount) from gold.fct_transactions where status = 'approved' "
    "and year(transaction_date) = 2024"
)


# -- "top 5 buyers by spend", "the 10 biggest spenders": ranked customers, not a count per customer
def test_biggest_shoppers_rank_customers_by_spend(gold):
    out = answer(gold, "the 3 biggest shoppers in 2024")
    top = gold.execute(
        "select customer_id, sum(amount) from gold.fct_transactions where status = 'approved' "
        "and year(transaction_date) = 2024 group by 1 order by 2 desc limit 3"
    ).fetchall()
    assert [row[0] for row in out["rows"]] == [row[0] for row in top]
    assert float(out["rows"][0][-1]) == pytest.approx(float(top[0][1]))


def test_top_buyers_by_a_named_measure_rank_by_it(gold):
    out = answer(gold, "top 4 purchasers by number of transactions in Q3 2024")
    top = gold.execute(
        "select customer_id, count(*) from gold.fct_transactions where status = 'approved' "
        "and transaction_date between date '2024-07-01' and date '2024-09-30' "
        "group by 1 order by 2 desc, 1 limit 4"
    ).fetchall()
    assert len(out["rows"]) == 4
    assert float(out["rows"][0][-1]) == top[0][1]


def test_buyers_without_a_ranking_word_still_count_active_customers(gold):
    out = answer(gold, "number of buyers in October 2024")
    assert out["rows"][0][0] == one_value(
        gold,
        "select count(distinct customer_id) from gold.fct_transactions where status = 'approved' "
        "and transaction_date between ? and ?",
        "2024-10-01",
        "2024-10-31",
    )


def test_a_superlative_before_a_plural_ranks_several_customers_not_one(gold):
    out = answer(gold, "lowest 3 clients by lifetime value")
    assert len(out["rows"]) == 3
    out = answer(gold, "largest customers by credit limit in Ohio")
    assert len(out["rows"]) == one_value(
        gold, "select count(*) from gold.customer_360_profile where state = ?", "OH"
    )


def test_a_superlative_without_a_measure_still_asks_by_what(gold):
    assert "by what" in declined(gold, "the biggest customers in Ohio")


# -- "total spend of customers who shopped online": two readings, decline naming both
def test_transaction_condition_in_a_clause_on_customers_declines_with_both_readings(gold):
    reason = declined(gold, "average purchase amount of clients who bought at supermarkets")
    assert "two readings" in reason and "(1)" in reason and "(2)" in reason
    assert "two readings" in declined(
        gold, "average purchase amount of cardholders who shopped in March"
    )


def test_customer_measures_of_such_a_clause_have_one_reading(gold):
    out = answer(gold, "how many distinct customers who bought on mobile last month")
    assert out["rows"][0][0] == one_value(
        gold,
        "select count(distinct customer_id) from gold.fct_transactions where status = 'approved' "
        "and channel = 'Mobile' and transaction_date between ? and ?",
        "2024-11-01",
        "2024-11-30",
    )
    out = answer(gold, "total lifetime value of customers who shopped at airlines")
    assert float(out["rows"][0][0]) == pytest.approx(
        one_value(
            gold,
            "select sum(lifetime_value) from gold.customer_360_profile where customer_id in "
            "(select t.customer_id from gold.fct_transactions t join gold.dim_merchant_category m "
            "on t.merchant_category_key = m.merchant_category_key where t.status = 'approved' "
            "and m.category_name = ?)",
            "Airlines",
        )
    )


# -- people, spend and age words
def test_card_members_are_customers(gold):
    out = answer(gold, "average credit limit of card members in Texas")
    assert float(out["rows"][0][0]) == pytest.approx(
        one_value(
            gold, "select avg(credit_limit) from gold.customer_360_profile where state = ?", "TX"
        )
    )


@pytest.mark.parametrize(
    ("question", "low", "high"),
    [("number of customers in their fifties", 50, 59), ("how many clients in their 20s", 20, 29)],
)
def test_an_age_decade_is_a_closed_range(gold, question, low, high):
    out = answer(gold, question)
    assert out["rows"][0][0] == one_value(
        gold,
        "select count(*) from gold.customer_360_profile where age between ? and ?",
        low,
        high,
    )


def test_a_decade_of_something_other_than_a_person_is_not_an_age(gold):
    out = ask_local("customers with a churn score in the 90s", gold)
    assert out["error"] is not None or "age" not in (out.get("interpretation") or "")


def test_sum_of_purchases_is_spend(gold):
    out = answer(gold, "sum of purchases in 2024")
    assert float(out["rows"][0][0]) == pytest.approx(one_value(gold, SPEND_2024))


# -- tenure in years, "been with us"
def test_a_tenure_in_years_is_compared_in_days(gold):
    out = answer(gold, "how many customers have a tenure above 4 years")
    assert out["rows"][0][0] == one_value(
        gold, "select count(*) from gold.customer_360_profile where tenure_days > ?", 4 * 365
    )
    out = answer(gold, "how many clients have been with us for at least 1 year")
    assert out["rows"][0][0] == one_value(
        gold, "select count(*) from gold.customer_360_profile where tenure_days >= ?", 365
    )


def test_a_tenure_in_months_declines_rather_than_compare_the_bare_number(gold):
    assert "months" in declined(gold, "how many customers have tenure under 3 months")


def test_customers_for_n_years_without_a_tenure_word_declines(gold):
    declined(gold, "how many customers for more than 2 years")


# -- "since June": the latest June
def test_since_a_month_without_a_year_is_the_latest_such_month(gold):
    out = answer(gold, "number of transactions since September")
    assert out["rows"][0][0] == one_value(
        gold,
        "select count(*) from gold.fct_transactions where status = 'approved' "
        "and transaction_date >= ?",
        "2024-09-01",
    )
    assert "September 2024" in out["interpretation"]
    assert "year" in declined(gold, "spend before March")


# -- negations with a preposition between ("not in Florida", "aren't on a Gold card")
def test_a_negated_value_after_a_preposition_excludes_it(gold):
    out = answer(gold, "how many Silver customers are not in Florida")
    assert out["rows"][0][0] == one_value(
        gold,
        "select count(*) from gold.customer_360_profile where card_type = ? and state <> ?",
        "Silver",
        "FL",
    )
    out = answer(gold, "number of clients who aren't on a Gold card")
    assert out["rows"][0][0] == one_value(
        gold, "select count(*) from gold.customer_360_profile where card_type <> ?", "Gold"
    )


# -- data changes phrased with "put", "make", "tag", "convert"; their question look-alikes
@pytest.mark.parametrize(
    "question",
    [
        "Put all Declining customers on the Basic card",
        "Make every high risk customer Low Risk",
        "Tag the customers in Ohio as dormant",
        "Convert the Silver cards in Texas to Gold",
        "please label customer C000015 as churned",
    ],
)
def test_put_make_tag_instructions_are_data_changes(gold, question):
    assert DATA_CHANGE in declined(gold, question)


def test_make_me_a_list_is_still_a_question(gold):
    out = answer(gold, "make me a list of Platinum customers in Ohio")
    assert len(out["rows"]) == one_value(
        gold,
        "select count(*) from gold.customer_360_profile where card_type = ? and state = ?",
        "Platinum",
        "OH",
    )


# -- the development probes themselves, gated like the held-out sets
def test_development_probes_pass_with_no_wrong_answer(gold):
    report = evaluate(gold, load_set("dev13_probes.yaml"))
    misses = [(o.question, o.error) for o in report.answerable if not o.ok]
    assert report.accuracy >= 0.9, misses
    assert all(o.declined for o in report.answerable if not o.ok), misses
    assert report.decline_rate == 1.0, [o.question for o in report.declined if not o.ok]


# -- found while probing after the batches: each had answered something else silently
def test_n_purchases_after_customers_counts_purchases_not_age(gold):
    out = answer(gold, "show customers with more than 30 purchases in Q3 2024")
    assert len(out["rows"]) == one_value(
        gold,
        "select count(*) from (select customer_id from gold.fct_transactions "
        "where status = 'approved' and transaction_date between ? and ? "
        "group by 1 having count(*) > 30)",
        "2024-07-01",
        "2024-09-30",
    )
    assert "age" not in out["interpretation"]


def test_approved_vs_declined_counts_each_status(gold):
    out = answer(gold, "approved vs declined transactions in 2024")
    got = {row[0]: row[1] for row in out["rows"]}
    for status in ("approved", "declined"):
        assert got[status] == one_value(
            gold,
            "select count(*) from gold.fct_transactions where status = ? "
            "and year(transaction_date) = 2024",
            status,
        )


def test_a_rate_split_by_its_own_column_declines(gold):
    declined(gold, "decline rate per status")


def test_a_top_n_within_each_group_declines(gold):
    assert "within each group" in declined(
        gold, "top merchant category by spend for every card type"
    )


def test_popular_among_customers_counts_transactions(gold):
    out = answer(gold, "most common merchant category among Platinum cardholders")
    top = gold.execute(
        "select m.category_name, count(*) from gold.fct_transactions t "
        "join gold.dim_merchant_category m on t.merchant_category_key = m.merchant_category_key "
        "join gold.customer_360_profile p on t.customer_id = p.customer_id "
        "where t.status = 'approved' and p.card_type = 'Platinum' group by 1 order by 2 desc limit 1"
    ).fetchone()
    assert out["rows"][0][0] == top[0] and out["rows"][0][-1] == top[1]


# -- third batch's first-run misses
def test_a_dollar_figure_after_a_count_of_transactions_is_their_amount(gold):
    out = answer(gold, "how many declined transactions were above $750 in 2024")
    assert out["rows"][0][0] == one_value(
        gold,
        "select count(*) from gold.fct_transactions where status = 'declined' and amount > ? "
        "and year(transaction_date) = 2024",
        750,
    )


def test_outside_a_state_excludes_it(gold):
    out = answer(gold, "number of Gold cardholders based outside California")
    assert out["rows"][0][0] == one_value(
        gold,
        "select count(*) from gold.customer_360_profile where card_type = ? and state <> ?",
        "Gold",
        "CA",
    )


# -- set 12's remaining declines, asked in other words
def test_how_recently_asks_for_the_latest_write_time(gold):
    out = answer(gold, "how recently were churn scores refreshed")
    latest = gold.execute("select max(scored_at) from gold.churn_predictions").fetchone()[0]
    assert str(out["rows"][0][0])[:10] == str(latest)[:10]


def test_a_transaction_value_between_a_superlative_and_its_noun_is_a_filter(gold):
    out = answer(gold, "smallest single online purchase in Q2 2024")
    assert float(out["rows"][0][0]) == pytest.approx(
        one_value(
            gold,
            "select min(amount) from gold.fct_transactions where status = 'approved' "
            "and channel = ? and transaction_date between ? and ?",
            "Online",
            "2024-04-01",
            "2024-06-30",
        )
    )
    assert "by what" in declined(gold, "largest Platinum purchase")


# -- month and quarter ranges, halves of a year
@pytest.mark.parametrize(
    ("question", "first", "last"),
    [
        ("total spend from April to August 2024", "2024-04-01", "2024-08-31"),
        ("total spend between Q2 and Q3 2024", "2024-04-01", "2024-09-30"),
        ("total spend in the second half of 2024", "2024-07-01", "2024-12-31"),
        ("total spend in H1 2024", "2024-01-01", "2024-06-30"),
    ],
)
def test_a_range_of_months_is_one_period(gold, question, first, last):
    out = answer(gold, question)
    assert float(out["rows"][0][0]) == pytest.approx(
        one_value(
            gold,
            "select sum(amount) from gold.fct_transactions where status = 'approved' "
            "and transaction_date between ? and ?",
            first,
            last,
        )
    )


def test_a_range_with_no_year_still_declines(gold):
    declined(gold, "total spend between February and May")


# -- "active Gold customers": a value inside the model's "active customers"
def test_a_value_inside_active_customers_is_a_filter(gold):
    out = answer(gold, "number of active Silver cardholders in Q3 2024")
    assert out["rows"][0][0] == one_value(
        gold,
        "select count(distinct t.customer_id) from gold.fct_transactions t "
        "join gold.customer_360_profile p on t.customer_id = p.customer_id "
        "where t.status = 'approved' and p.card_type = ? and t.transaction_date between ? and ?",
        "Silver",
        "2024-07-01",
        "2024-09-30",
    )
    assert "distinct customers with an approved transaction" in out["interpretation"]


def test_a_count_metric_with_its_own_condition_says_it(gold):
    out = answer(gold, "high risk count for Platinum customers")
    assert out["interpretation"].startswith("Counted high risk customers")
    assert out["rows"][0][0] == one_value(
        gold,
        "select count(*) from gold.customer_360_profile where card_type = ? "
        "and churn_risk_category = 'High Risk'",
        "Platinum",
    )


# -- fourth sweep: each had answered another question silently
def test_a_negation_covers_the_values_listed_after_it(gold):
    out = answer(gold, "how many clients excluding New Jersey and Ohio")
    assert out["rows"][0][0] == one_value(
        gold, "select count(*) from gold.customer_360_profile where state not in (?, ?)", "NJ", "OH"
    )


def test_median_spend_per_customer_is_a_median(gold):
    out = answer(gold, "median spend per customer by card type")
    expected = dict(
        gold.execute(
            "select card_type, median(lifetime_value) from gold.customer_360_profile group by 1"
        ).fetchall()
    )
    assert {row[0]: pytest.approx(float(row[-1])) for row in out["rows"]} == {
        k: float(v) for k, v in expected.items()
    }


def test_a_negated_metric_phrase_is_a_condition_not_a_second_measure(gold):
    out = answer(gold, "total spend excluding declined transactions in 2024")
    assert len(out["columns"]) == 1
    assert float(out["rows"][0][0]) == pytest.approx(
        one_value(
            gold,
            "select sum(amount) from gold.fct_transactions where status <> 'declined' "
            "and year(transaction_date) = 2024",
        )
    )


def test_customers_with_no_transactions_of_a_kind_have_none(gold):
    out = answer(gold, "how many customers have no grocery purchases in Q4 2024")
    assert out["rows"][0][0] == one_value(
        gold,
        "select count(*) from gold.customer_360_profile where customer_id not in ("
        "select t.customer_id from gold.fct_transactions t join gold.dim_merchant_category m "
        "on t.merchant_category_key = m.merchant_category_key where t.status = 'approved' "
        "and m.category_group = ? and t.transaction_date between ? and ?)",
        "Groceries",
        "2024-10-01",
        "2024-12-31",
    )


# -- a limit before the rows and a superlative after them; periods inside a percentage
def test_a_count_of_rows_before_them_is_the_limit(gold):
    out = answer(gold, "give me 4 high risk customers with the highest credit limit")
    top = gold.execute(
        "select customer_id, credit_limit from gold.customer_360_profile "
        "where churn_risk_category = 'High Risk' order by credit_limit desc"
    ).fetchall()
    assert len(out["rows"]) == 4
    assert float(out["rows"][0][-1]) == pytest.approx(float(top[0][1]))


def test_a_period_after_the_verb_of_a_share_bounds_its_condition(gold):
    out = answer(gold, "what percentage of customers bought groceries in Q3 2024")
    assert float(out["rows"][0][0]) == pytest.approx(
        one_value(
            gold,
            "select 100.0 * count(*) filter (where customer_id in (select t.customer_id "
            "from gold.fct_transactions t join gold.dim_merchant_category m "
            "on t.merchant_category_key = m.merchant_category_key where t.status = 'approved' "
            "and m.category_group = 'Groceries' and t.transaction_date between ? and ?)) "
            "/ count(*) from gold.customer_360_profile",
            "2024-07-01",
            "2024-09-30",
        )
    )
    assert "__SEMI__" not in out["interpretation"]


def test_a_clause_verb_names_the_whole_of_a_share(gold):
    out = answer(gold, "what percent of customers who shopped on mobile are Platinum")
    assert float(out["rows"][0][0]) == pytest.approx(
        one_value(
            gold,
            "select 100.0 * count(*) filter (where card_type = 'Platinum') / count(*) "
            "from gold.customer_360_profile where customer_id in (select customer_id "
            "from gold.fct_transactions where status = 'approved' and channel = ?)",
            "Mobile",
        )
    )


# -- fourth batch's first-run declines
def test_an_age_bound_before_a_verb_or_a_period_binds_to_age(gold):
    out = answer(gold, "how many clients under 35 hold a Platinum card")
    assert out["rows"][0][0] == one_value(
        gold,
        "select count(*) from gold.customer_360_profile where age < 35 and card_type = ?",
        "Platinum",
    )
    out = answer(gold, "total spend from customers over 60 last quarter")
    assert float(out["rows"][0][0]) == pytest.approx(
        one_value(
            gold,
            "select sum(t.amount) from gold.fct_transactions t join gold.customer_360_profile p "
            "on t.customer_id = p.customer_id where t.status = 'approved' and p.age > 60 "
            "and t.transaction_date between ? and ?",
            "2024-07-01",
            "2024-09-30",
        )
    )


def test_total_charges_unique_shoppers_and_purchase_size(gold):
    out = answer(gold, "sum of charges in 2024")
    assert float(out["rows"][0][0]) == pytest.approx(one_value(gold, SPEND_2024))
    out = answer(gold, "number of unique shoppers in December 2024")
    assert out["rows"][0][0] == one_value(
        gold,
        "select count(distinct customer_id) from gold.fct_transactions "
        "where status = 'approved' and transaction_date between ? and ?",
        "2024-12-01",
        "2024-12-31",
    )
    out = answer(gold, "average order size online in 2024")
    assert float(out["rows"][0][0]) == pytest.approx(
        one_value(
            gold,
            "select avg(amount) from gold.fct_transactions where status = 'approved' "
            "and channel = 'Online' and year(transaction_date) = 2024",
        )
    )


def test_how_many_per_customer_asks_average_or_each(gold):
    assert "on average" in declined(gold, "how many purchases per cardholder in Florida")
    out = answer(gold, "average number of purchases per customer in Florida")
    assert float(out["rows"][0][0]) == pytest.approx(
        one_value(
            gold,
            "select avg(transaction_count) from gold.customer_360_profile where state = ?",
            "FL",
        )
    )


def test_the_state_of_a_name_decides_the_reading(gold):
    out = answer(gold, "how many cardholders in the state of New York")
    assert out["rows"][0][0] == one_value(
        gold, "select count(*) from gold.customer_360_profile where state = ?", "NY"
    )
    assert "two readings" in declined(gold, "how many cardholders in New York")


# -- fifth batch's first-run declines
def test_a_merchant_noun_after_a_category_repeats_it(gold):
    out = answer(gold, "total spend at jewelry stores in 2024")
    assert float(out["rows"][0][0]) == pytest.approx(
        one_value(
            gold,
            "select sum(t.amount) from gold.fct_transactions t join gold.dim_merchant_category m "
            "on t.merchant_category_key = m.merchant_category_key where t.status = 'approved' "
            "and m.category_name = ? and year(t.transaction_date) = 2024",
            "Jewelry",
        )
    )


def test_a_year_after_than_is_one_year(gold):
    out = answer(gold, "how many clients have been with us for more than a year")
    assert out["rows"][0][0] == one_value(
        gold, "select count(*) from gold.customer_360_profile where tenure_days > ?", 365
    )


# -- "or" across columns: no plan, so decline instead of joining with AND
@pytest.mark.parametrize(
    "question",
    [
        "how many customers are medium risk or in the Declining segment",
        "Platinum customers in Ohio or with a credit limit over 30k",
        "number of clients with LTV over 80k or a churn score above 90",
    ],
)
def test_or_between_different_attributes_declines(gold, question):
    assert "'or'" in declined(gold, question)


def test_or_between_values_of_one_attribute_still_answers(gold):
    out = answer(gold, "how many Silver or Basic customers live in Texas or Florida")
    assert out["rows"][0][0] == one_value(
        gold,
        "select count(*) from gold.customer_360_profile where card_type in ('Silver', 'Basic') "
        "and state in ('TX', 'FL')",
    )


def test_a_time_grain_then_and_splits_twice(gold):
    out = answer(gold, "spend by quarter and channel in 2024")
    assert len(out["rows"]) == 12  # 4 quarters x 3 channels


def test_a_second_figure_named_only_by_its_rows_declines(gold):
    assert "Name each figure" in declined(gold, "total spend and transactions last month")


def test_a_negative_threshold_keeps_its_sign(gold):
    out = answer(gold, "how many customers have a month over month spend change below -30%")
    assert out["rows"][0][0] == one_value(
        gold, "select count(*) from gold.customer_360_profile where mom_spend_change_pct < ?", -30
    )
    out = answer(gold, "how many customers aged 35-44")  # a range's hyphen is no minus sign
    assert out["rows"][0][0] == one_value(
        gold, "select count(*) from gold.customer_360_profile where age between ? and ?", 35, 44
    )


def test_a_plural_dimension_opening_the_question_with_a_threshold_groups(gold):
    out = answer(gold, "states with an average credit limit above 15k")
    expected = gold.execute(
        "select state from gold.customer_360_profile group by 1 having avg(credit_limit) > 15000"
    ).fetchall()
    assert sorted(row[0] for row in out["rows"]) == sorted(row[0] for row in expected)


def test_a_yes_no_question_about_one_customer_asks_for_the_attribute(gold):
    assert "Ask for the attribute" in declined(gold, "is C000015 on a Platinum card")
    out = answer(gold, "what card type does C000015 have")
    assert (
        out["rows"][0][-1]
        == gold.execute(
            "select card_type from gold.customer_360_profile where customer_id = ?", ["C000015"]
        ).fetchone()[0]
    )


def test_which_quarter_is_a_calendar_quarter(gold):
    out = answer(gold, "which quarter had the highest spend")
    top = gold.execute(
        "select date_trunc('quarter', transaction_date), sum(amount) from gold.fct_transactions "
        "where status = 'approved' group by 1 order by 2 desc limit 1"
    ).fetchone()
    assert float(out["rows"][0][-1]) == pytest.approx(float(top[1]))


# -- customers picked by their transactions: "only" and "X and Y" have no one-semi-join reading
def test_only_and_both_kinds_of_purchase_decline(gold):
    assert "'only'" in declined(gold, "number of clients who only buy on mobile")
    assert "both, or either" in declined(gold, "how many customers bought dining and gas in 2024")
    out = answer(gold, "how many customers bought dining or gas in 2024")
    assert out["rows"][0][0] == one_value(
        gold,
        "select count(distinct t.customer_id) from gold.fct_transactions t "
        "join gold.dim_merchant_category m on t.merchant_category_key = m.merchant_category_key "
        "where t.status = 'approved' and m.category_group in ('Dining', 'Gas') "
        "and year(t.transaction_date) = 2024",
    )


def test_spend_of_customers_who_joined_in_a_period_declines(gold):
    assert "when customers joined" in declined(
        gold, "total purchases of clients who signed up in 2023"
    )
    out = answer(gold, "average lifetime value of customers who joined in 2023")
    assert float(out["rows"][0][0]) == pytest.approx(
        one_value(
            gold,
            "select avg(lifetime_value) from gold.customer_360_profile "
            "where year(account_open_date) = 2023",
        )
    )

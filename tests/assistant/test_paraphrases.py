"""Issue 15, paraphrase robustness (helper H24): the kinds of wording that
tests/assistant/paraphrase_probes.yaml found broken, asked here in yet other words, each answer
checked against a reference query on the small build; look-alikes that must still decline; and
the probe file itself, gated like a held-out set."""

from __future__ import annotations

import pytest

from tests.assistant.answers import answer, declined, one_value
from toolkit.assistant.evaluation import evaluate, load_set
from toolkit.assistant.tokenise import tokenize

APPROVED = "from gold.fct_transactions where status = 'approved'"


def _words(question: str) -> list[str]:
    return [t.text if t.number is None else f"#{t.number:g}" for t in tokenize(question)]


# -- symbols typed for words: "w/", ">=", "<", "+", "30d", a lone "$", "2024's", "cardholders'"
def test_shorthand_symbols_read_as_the_words_they_stand_for():
    assert _words("gold w/ 2 cards") == ["gold", "with", "#2", "card"]
    assert _words("score >= 70") == ["score", "at", "least", "#70"]
    assert _words("limit < 5k") == ["limit", "under", "#5000"]
    assert _words("last 14d") == ["last", "#14", "day"]
    assert _words("airlines + hotels") == ["airline", "and", "hotel"]
    assert _words("clients' LTV") == ["client", "ltv"]
    # a "$" before a number stays the number's unit; alone it is the spend
    assert _words("over $500") == ["over", "#500"] and tokenize("over $500")[1].is_money
    assert _words("dining $ in 2024") == ["dining", "spend", "in", "#2024"]
    assert _words("2024's Q2") == ["q2", "#2024"]


def test_a_lone_dollar_sign_is_spend_not_a_count_of_customers(gold):
    out = answer(gold, "dining $ last quarter per channel")
    ref = dict(
        gold.execute(
            "select t.channel, sum(t.amount) from gold.fct_transactions t join "
            "gold.dim_merchant_category m using (merchant_category_key) where t.status = "
            "'approved' and m.category_group = 'Dining' and t.transaction_date between "
            "date '2024-07-01' and date '2024-09-30' group by 1"
        ).fetchall()
    )
    assert {row[0]: round(float(row[-1]), 2) for row in out["rows"]} == {
        k: round(float(v), 2) for k, v in ref.items()
    }


def test_comparison_symbols_and_day_shorthand(gold):
    out = answer(gold, "number of clients w/ credit limit >= 30000")
    assert out["rows"][0][0] == one_value(
        gold, "select count(*) from gold.customer_360_profile where credit_limit >= 30000"
    )
    out = answer(gold, "# of approved transactions in the last 14d")
    assert out["rows"][0][0] == one_value(
        gold, f"select count(*) {APPROVED} and transaction_date > date '2024-12-17'"
    )


def test_the_year_said_first(gold):
    q2 = one_value(
        gold,
        f"select sum(amount) {APPROVED} and transaction_date between ? and ?",
        "2024-04-01",
        "2024-06-30",
    )
    assert answer(gold, "spend for 2024's second quarter")["rows"][0][0] == pytest.approx(q2)
    assert answer(gold, "total spend, 2024 Q2")["rows"][0][0] == pytest.approx(q2)


# -- "top" / "biggest" + a singular names the one highest row
def test_top_before_a_singular_keeps_one_row_and_a_plural_keeps_the_list(gold):
    out = answer(gold, "top category group by number of transactions in 2024")
    ref = gold.execute(
        "select m.category_group, count(*) from gold.fct_transactions t join "
        "gold.dim_merchant_category m using (merchant_category_key) where t.status = 'approved' "
        "and year(t.transaction_date) = 2024 group by 1 order by 2 desc limit 1"
    ).fetchall()
    assert [row[0] for row in out["rows"]] == [ref[0][0]]
    assert len(answer(gold, "top merchant categories by spend")["rows"]) > 1
    out = answer(gold, "which channel has the top average purchase amount")
    assert len(out["rows"]) == 1
    out = answer(gold, "smallest segment by customer count")
    assert out["rows"] == [
        list(
            gold.execute(
                "select customer_segment, count(*) from gold.customer_360_profile "
                "group by 1 order by 2 limit 1"
            ).fetchone()
        )
    ]


def test_a_group_opening_the_question_with_a_superlative_is_ranked(gold):
    out = answer(gold, "card type with the lowest average LTV")
    ref = gold.execute(
        "select card_type, avg(lifetime_value) a from gold.customer_360_profile "
        "group by 1 order by a limit 1"
    ).fetchone()
    assert out["rows"][0][0] == ref[0] and float(out["rows"][0][-1]) == pytest.approx(ref[1])
    out = answer(gold, "4 states with the most Gold customers")
    assert len(out["rows"]) == 4


def test_a_dimension_before_its_measure_splits_it(gold):
    out = answer(gold, "channel transaction count in Q4 2024")
    ref = dict(
        gold.execute(
            f"select channel, count(*) {APPROVED} and transaction_date between "
            "date '2024-10-01' and date '2024-12-31' group by 1"
        ).fetchall()
    )
    assert {row[0]: row[-1] for row in out["rows"]} == ref


def test_a_number_opening_the_question_is_the_rows_asked_for(gold):
    out = answer(gold, "3 clients w/ the highest credit limit in Ohio")
    ref = gold.execute(
        "select max(credit_limit) from gold.customer_360_profile where state = 'OH'"
    ).fetchone()[0]
    assert len(out["rows"]) == 3 and float(out["rows"][0][-1]) == pytest.approx(float(ref))


# -- an aggregation word that is also a ranking word, and one cutting a longer measure
def test_max_and_min_aggregate_rather_than_rank(gold):
    out = answer(gold, "maximum credit limit among Texas cardholders")
    assert out["rows"] == [
        [
            one_value(
                gold, "select max(credit_limit) from gold.customer_360_profile where state = 'TX'"
            )
        ]
    ]
    out = answer(gold, "min credit limit per card type")
    ref = dict(
        gold.execute(
            "select card_type, min(credit_limit) from gold.customer_360_profile group by 1"
        ).fetchall()
    )
    assert {row[0]: float(row[-1]) for row in out["rows"]} == ref
    out = answer(gold, "min transaction amount in December 2024")
    assert out["rows"] == [
        [one_value(gold, f"select min(amount) {APPROVED} and transaction_date >= '2024-12-01'")]
    ]
    # "which ... has the max" still ranks the groups
    assert len(answer(gold, "which state has the max credit limit")["rows"]) == 1


# -- comparisons with the measure between the comparator and the number
def test_comparator_before_the_measure_name(gold):
    out = answer(gold, "how many clients are above the age of 70")
    assert out["rows"][0][0] == one_value(
        gold, "select count(*) from gold.customer_360_profile where age > 70"
    )
    out = answer(gold, "number of Gold cardholders under age 35")
    assert out["rows"][0][0] == one_value(
        gold,
        "select count(*) from gold.customer_360_profile where age < 35 and card_type = 'Gold'",
    )


# -- percentages whose whole is named by "among" first, by "with" or by a clause
def test_share_whole_and_part_read_from_among_with_and_clauses(gold):
    ref = one_value(
        gold,
        "select 100.0 * count(*) filter (where churn_risk_category = 'Low Risk') / count(*) "
        "from gold.customer_360_profile where card_type = 'Silver'",
    )
    for q in (
        "among silver cardholders, what share are low risk",
        "percent of Silver customers that are low risk",
        "proportion of silver card holders with low churn risk",
    ):
        assert answer(gold, q)["rows"][0][0] == pytest.approx(ref), q


def test_share_with_two_groups_and_no_direction_still_declines(gold):
    assert "percentage" in declined(gold, "share of Gold cardholders in Texas")


# -- "spent" right after the counted people is the verb of buying
def test_customers_who_spent_somewhere_are_counted(gold):
    out = answer(gold, "how many clients spent at airlines last quarter")
    assert out["rows"][0][0] == one_value(
        gold,
        "select count(distinct t.customer_id) from gold.fct_transactions t join "
        "gold.dim_merchant_category m using (merchant_category_key) where t.status = 'approved' "
        "and m.category_name = 'Airlines' and t.transaction_date between ? and ?",
        "2024-07-01",
        "2024-09-30",
    )
    # a threshold on the spend still compares each customer's spend
    out = answer(gold, "number of customers who spent over $2,000 in Q4 2024")
    assert out["rows"][0][0] == one_value(
        gold,
        "select count(*) from (select customer_id from gold.fct_transactions where status = "
        "'approved' and transaction_date between ? and ? group by 1 having sum(amount) > 2000)",
        "2024-10-01",
        "2024-12-31",
    )
    # and without a count it is still the spend
    out = answer(gold, "what did Gold cardholders spend in 2024")
    assert out["rows"][0][0] == pytest.approx(
        one_value(
            gold,
            "select sum(t.amount) from gold.fct_transactions t join gold.customer_360_profile c "
            "using (customer_id) where t.status = 'approved' and c.card_type = 'Gold' "
            "and year(t.transaction_date) = 2024",
        )
    )


# -- "when ... last updated" asked without "when"
def test_last_time_a_stamp_was_written(gold):
    ref = gold.execute("select max(churn_scored_at) from gold.customer_360_profile").fetchone()[0]
    out = answer(gold, "what time were the churn scores last refreshed")
    assert str(out["rows"][0][0])[:10] == str(ref)[:10]
    assert declined(gold, "last time Texas customers were updated")


# -- "highest X by group": each group's highest, or the group with the highest: ask
def test_leading_superlative_with_a_split_declines_with_both_readings(gold):
    reason = declined(gold, "highest credit limit by segment")
    assert "Two readings" in reason
    assert len(answer(gold, "highest credit limit in Ohio")["rows"]) == 1
    out = answer(gold, "spend by channel in 2024, lowest first")
    values = [float(row[-1]) for row in out["rows"]]
    assert values == sorted(values) and len(values) == 3


# -- distinct / unique / different before a qualified people noun
def test_distinct_shoppers_with_a_qualifier_count_active_customers(gold):
    ref = one_value(
        gold,
        f"select count(distinct customer_id) {APPROVED} and channel = 'In-Store' "
        "and transaction_date between '2024-11-01' and '2024-11-30'",
    )
    for q in (
        "number of unique in-store shoppers in November 2024",
        "how many different customers shopped in-store in Nov 2024",
    ):
        assert answer(gold, q)["rows"][0][0] == ref, q


def test_data_changes_phrased_casually_still_decline(gold):
    for q in (
        "pls wipe C000010's history",
        "can u set every Basic card limit to 2k",
        "I need you to drop the churn scores table",
    ):
        assert declined(gold, q), q


# -- the probe file, gated like a held-out set
def test_paraphrase_probes_pass_with_no_wrong_answer(gold):
    report = evaluate(gold, load_set("paraphrase_probes.yaml"))
    misses = [(o.question, o.error) for o in report.answerable if not o.ok]
    assert report.accuracy >= 0.9, misses
    assert all(o.declined for o in report.answerable if not o.ok), misses
    assert report.decline_rate == 1.0, [o.question for o in report.declined if not o.ok]


# -- requests to be shown something, worded with a verb of making or updating
def test_a_request_for_a_list_or_an_update_is_a_question(gold):
    out = answer(gold, "make me a list of the top 3 Platinum customers in CA by LTV")
    ref = gold.execute(
        "select customer_id from gold.customer_360_profile where card_type = 'Platinum' "
        "and state = 'CA' order by lifetime_value desc limit 3"
    ).fetchall()
    assert [row[0] for row in out["rows"]] == [row[0] for row in ref]
    out = answer(gold, "fill me in on the number of transactions last month")
    assert out["rows"][0][0] == one_value(
        gold, f"select count(*) {APPROVED} and transaction_date between ? and ?",
        "2024-11-01", "2024-11-30",
    )  # fmt: skip


def test_a_request_that_changes_data_or_names_a_table_is_still_refused(gold):
    for q in (
        "create a list of customers and delete them",
        "create a table of Gold customers",
        "update me on customers and set their credit limit to 0",
        "update the list of Gold customers",
    ):
        assert "I can only read data" in declined(gold, q), q


# -- two calendar periods of one unit set side by side
def test_two_periods_versus_split_by_their_unit(gold):
    out = answer(gold, "number of transactions, Q1 2024 versus Q3 2024")
    ref = {
        q: one_value(gold, f"select count(*) {APPROVED} and transaction_date between ? and ?", a, b)
        for q, a, b in ((1, "2024-01-01", "2024-03-31"), (3, "2024-07-01", "2024-09-30"))
    }
    assert len(out["rows"]) == 2  # Q2 (between them) is not in the answer
    assert {row[1]: row[-1] for row in out["rows"]} == ref
    out = answer(gold, "online spend in September vs October 2024")
    assert len(out["rows"]) == 2


def test_periods_that_are_not_a_pair_still_decline(gold):
    for q in (
        "spend in October and November 2024",  # one total over both, or each
        "spend in 2023 vs last month",  # different units
        "spend in Q3 vs Q4",  # no year at all: Q3 2023 is in the data too
    ):
        assert declined(gold, q), q


# -- contractions, pleasantries, a period said first, an aggregation said after its measure
def test_conversational_wording_around_a_supported_question(gold):
    ref = one_value(
        gold, "select count(*) from gold.customer_360_profile where card_type = 'Silver'"
    )
    for q in (
        "hey, I'd like the number of silver cardholders pls",
        "we're interested in the count of Silver customers, thanks",
        "let's see how many clients have a silver card",
    ):
        assert answer(gold, q)["rows"][0][0] == ref, q


def test_a_period_said_first_then_which_group(gold):
    out = answer(gold, "during November 2024, which state had the most transactions")
    ref = gold.execute(
        "select c.state, count(*) from gold.fct_transactions t join gold.customer_360_profile c "
        "using (customer_id) where t.status = 'approved' and t.transaction_date between "
        "'2024-11-01' and '2024-11-30' group by 1 order by 2 desc limit 2"
    ).fetchall()
    assert ref[0][1] > ref[1][1]  # no tie at the cut
    assert out["rows"] == [[ref[0][0], ref[0][1]]]


def test_an_aggregation_word_after_its_measure(gold):
    out = answer(gold, "credit limit, median, by churn risk category")
    ref = dict(
        gold.execute(
            "select churn_risk_category, median(credit_limit) from gold.customer_360_profile "
            "group by 1"
        ).fetchall()
    )
    assert {row[0]: float(row[-1]) for row in out["rows"]} == ref
    out = answer(gold, "age of Platinum cardholders, averaged")
    assert out["rows"][0][0] == pytest.approx(
        one_value(
            gold, "select avg(age) from gold.customer_360_profile where card_type = 'Platinum'"
        )
    )


# -- one figure over the top rows, and a ranking whose measure the question does not say
def test_a_total_over_the_top_rows_declines_instead_of_listing_them(gold):
    assert "top rows" in declined(gold, "sum of LTV for the top 20 customers")
    assert "top rows" in declined(gold, "mean credit limit among the top 3 states")
    # the ranking itself still answers
    assert len(answer(gold, "top 20 customers by lifetime value")["rows"]) == 20


def test_top_group_for_some_customers_asks_by_what(gold):
    assert "by what" in declined(gold, "top channel for Platinum cardholders")
    out = answer(gold, "top channel by spend for Platinum cardholders")
    ref = gold.execute(
        "select t.channel from gold.fct_transactions t join gold.customer_360_profile c "
        "using (customer_id) where t.status = 'approved' and c.card_type = 'Platinum' "
        "group by 1 order by sum(t.amount) desc limit 1"
    ).fetchone()
    assert [row[0] for row in out["rows"]] == [ref[0]]


# -- a count asked as yes/no; a number before the model's "most recent transaction" phrase
def test_many_in_a_yes_no_question_is_a_count(gold):
    out = answer(gold, "are there many Silver customers in Florida")
    assert out["rows"] == [
        [
            one_value(
                gold,
                "select count(*) from gold.customer_360_profile "
                "where card_type = 'Silver' and state = 'FL'",
            )
        ]
    ]


def test_a_number_before_most_recent_transactions_is_not_a_split(gold):
    # no plan lists the latest transactions yet: it declines, never a count per date
    assert declined(gold, "the 3 most recent transactions in Texas")
    out = answer(gold, "which 2 months had the most transactions")
    assert len(out["rows"]) == 2


# -- a month or quarter "of last year" / "this year"
def test_a_month_or_quarter_of_last_or_this_year(gold):
    q3_2023 = one_value(
        gold,
        f"select sum(amount) {APPROVED} and transaction_date between ? and ?",
        "2023-07-01",
        "2023-09-30",
    )
    assert answer(gold, "spend in Q3 of last year")["rows"][0][0] == pytest.approx(q3_2023)
    nov_2024 = one_value(
        gold,
        f"select count(*) {APPROVED} and transaction_date between ? and ?",
        "2024-11-01",
        "2024-11-30",
    )
    assert answer(gold, "# of transactions in November this year")["rows"][0][0] == nov_2024
    # "the last year" alone keeps its two readings
    assert "two readings" in declined(gold, "spend in the last year")


# -- "average purchases": per customer it is their number; alone it has two readings
def test_average_plural_purchases_per_customer_is_a_count(gold):
    ref = one_value(gold, "select avg(transaction_count) from gold.customer_360_profile")
    assert answer(gold, "average purchases per customer")["rows"][0][0] == pytest.approx(ref)
    assert "two readings" in declined(gold, "avg purchases by channel")
    # the singular stays the mean amount
    out = answer(gold, "average purchase for Gold cardholders in 2024")
    assert out["rows"][0][0] == pytest.approx(
        one_value(
            gold,
            "select avg(t.amount) from gold.fct_transactions t join gold.customer_360_profile c "
            "using (customer_id) where t.status = 'approved' and c.card_type = 'Gold' "
            "and year(t.transaction_date) = 2024",
        )
    )


# -- a count of a condition's rows split by a group keeps the groups that have such rows
def test_a_conditional_count_by_group_leaves_out_empty_groups(gold):
    out = answer(gold, "number of high risk customers by card type")
    ref = dict(
        gold.execute(
            "select card_type, count(*) from gold.customer_360_profile "
            "where churn_risk_category = 'High Risk' group by 1"
        ).fetchall()
    )
    assert {row[0]: row[-1] for row in out["rows"]} == ref


# -- a superlative, a measure and a customers noun rank the customers by the measure
def test_highest_measure_customer_ranks_customers(gold):
    out = answer(gold, "the highest spending client in Q3 2024")
    ref = gold.execute(
        "select customer_id, sum(amount) from gold.fct_transactions where status = 'approved' "
        "and transaction_date between '2024-07-01' and '2024-09-30' group by 1 order by 2 desc "
        "limit 2"
    ).fetchall()
    assert ref[0][1] > ref[1][1]
    assert [row[0] for row in out["rows"]] == [ref[0][0]]
    assert float(out["rows"][0][-1]) == pytest.approx(float(ref[0][1]))
    # the largest single transaction is still asked as such
    assert answer(gold, "largest transaction in Q3 2024")["rows"][0][0] == pytest.approx(
        one_value(
            gold,
            f"select max(amount) {APPROVED} and transaction_date between ? and ?",
            "2024-07-01",
            "2024-09-30",
        )
    )


def test_a_customer_ids_possessive(gold):
    out = answer(gold, "C000012's credit limit")
    assert float(out["rows"][0][-1]) == one_value(
        gold, "select credit_limit from gold.customer_360_profile where customer_id = 'C000012'"
    )


# -- "leaving out X", "not counting X"; "how much went to X"
def test_leaving_out_and_how_much_went(gold):
    out = answer(gold, "median credit limit, not counting the Platinum cards")
    assert float(out["rows"][0][0]) == one_value(
        gold,
        "select median(credit_limit) from gold.customer_360_profile where card_type <> 'Platinum'",
    )
    out = answer(gold, "how much went to entertainment in 2024")
    assert out["rows"][0][0] == pytest.approx(
        one_value(
            gold,
            "select sum(t.amount) from gold.fct_transactions t join gold.dim_merchant_category m "
            "using (merchant_category_key) where t.status = 'approved' "
            "and m.category_group = 'Entertainment' and year(t.transaction_date) = 2024",
        )
    )
    # the imperative is not rewritten: still not read as a question
    assert declined(gold, "leave out the Platinum cards")


def test_plus_after_a_scaled_number(gold):
    out = answer(gold, "how many customers have 25k+ LTV")
    assert out["rows"][0][0] == one_value(
        gold, "select count(*) from gold.customer_360_profile where lifetime_value >= 25000"
    )


def test_which_customer_has_the_most_transactions_counts_their_transactions(gold):
    out = answer(gold, "which customer made the most purchases in Q4 2024")
    ref = gold.execute(
        f"select customer_id, count(*) {APPROVED} and transaction_date between '2024-10-01' "
        "and '2024-12-31' group by 1 order by 2 desc limit 2"
    ).fetchall()
    assert ref[0][1] > ref[1][1]
    assert [row[0] for row in out["rows"]] == [ref[0][0]] and out["rows"][0][-1] == ref[0][1]


def test_customers_were_active_is_active_customers(gold):
    ref = one_value(
        gold,
        f"select count(distinct customer_id) {APPROVED} and transaction_date between ? and ?",
        "2024-10-01",
        "2024-10-31",
    )
    for q in (
        "how many clients were active in October 2024",
        "number of active cardmembers in October 2024",
    ):
        assert answer(gold, q)["rows"][0][0] == ref, q


# -- "I need" / "we want" are the asker's verbs, not the model's "needs" / "wants" categories
def test_i_need_and_we_want_add_no_category_filter(gold):
    ref = one_value(
        gold, f"select count(*) {APPROVED} and transaction_date between ? and ?",
        "2024-12-01", "2024-12-31",
    )  # fmt: skip
    for q in (
        "I need the number of transactions in December 2024",
        "we want the # of transactions in Dec 2024",
    ):
        out = answer(gold, q)
        assert out["rows"][0][0] == ref, q
        assert "discretionary" not in out["interpretation"], q
    # the nouns still name the categories
    out = answer(gold, "spend on needs in December 2024")
    assert "discretionary" in out["interpretation"] and out["rows"][0][0] < one_value(
        gold,
        f"select sum(amount) {APPROVED} and transaction_date between ? and ?",
        "2024-12-01",
        "2024-12-31",
    )


# -- an order said in words sorts; it does not keep one row
def test_an_order_in_words_sorts_all_rows(gold):
    n_segments = one_value(
        gold, "select count(distinct customer_segment) from gold.customer_360_profile"
    )
    for q in (
        "median LTV by segment from highest to lowest",
        "median LTV by segment, in order of highest",
    ):
        values = [float(row[-1]) for row in answer(gold, q)["rows"]]
        assert len(values) == n_segments and values == sorted(values, reverse=True), q
    values = [float(row[-1]) for row in answer(gold, "age by card type, lowest to highest")["rows"]]
    assert len(values) == 4 and values == sorted(values)


# -- "where the state is Florida": the column named before its own value
def test_a_column_named_before_its_value(gold):
    out = answer(gold, "count of customers where the state is ohio and the card type is silver")
    assert out["rows"][0][0] == one_value(
        gold,
        "select count(*) from gold.customer_360_profile where state = 'OH' and card_type = 'Silver'",
    )
    # a column with a value of another column still declines
    assert declined(gold, "customers where the state is Gold")


def test_the_figure_of_the_one_top_group_is_answered(gold):
    out = answer(gold, "total spend for the top channel by spend in 2024")
    ref = gold.execute(
        f"select channel, sum(amount) {APPROVED} and year(transaction_date) = 2024 "
        "group by 1 order by 2 desc limit 1"
    ).fetchone()
    assert out["rows"][0][0] == ref[0] and float(out["rows"][0][-1]) == pytest.approx(float(ref[1]))

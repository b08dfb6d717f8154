"""Generic causes found by held-out set 15's first run (none special-cases a question; the
questions here are not the set's).

* "top / best / leading <group>" with no measure named for the ranking has two readings (the
  group with the most rows, the most valuable one): it declines naming both, even when a
  count about that group is asked; a measure after "by" ranks, and size words still count;
* a bare noun phrase typed as a question ("Gold customers in Ohio?") may ask for the list or
  for how many: it declines naming both; without "?" it still lists (every bare phrase in the
  earlier sets, eval set, dev13 and paraphrase probes lists: 9 of 9);
* "break down / break out X by Y" splits X by Y; "brings in / drives / generates the most
  spend" has the most spend;
* a data change named only as the context of a read question ("before we ...:", "? thinking
  about ...", "how many ... would we be <verb>ing if we <verb> everyone who ...") is set aside
  and the question answered; imperatives are still refused.
"""

from __future__ import annotations

import pytest
from answers import answer as _answer
from answers import declined as _declines
from answers import one_value as _one

from toolkit.assistant.context import restate_context

PROFILE = "gold.customer_360_profile"
TXN = "gold.fct_transactions"


# -- a ranking by merit with no measure: two readings
@pytest.mark.parametrize(
    "question",
    [
        "how many customers are in our best segment?",
        "number of Gold cardholders in the leading state",
        "how many transactions were in the top merchant category?",
        "what are the top 3 states for Platinum customers?",
        "count of high risk customers in our top segment",
    ],
)
def test_merit_ranking_without_a_measure_declines_naming_both_readings(gold, question):
    reason = _declines(gold, question)
    # both readings named, or asked what to rank by ("best"/"leading" before a group that is
    # not split on decline earlier, with "Best by what?")
    assert ("Two readings" in reason and "lifetime value" in reason) or "by what?" in reason


def test_a_measure_after_by_or_a_size_word_still_ranks(gold):
    by_count = _answer(gold, "which is the top state by customer count?")
    expected = gold.execute(
        f"select state, count(*) from {PROFILE} group by 1 order by 2 desc limit 1"
    ).fetchall()
    assert [tuple(r[:2]) for r in by_count["rows"]] == [tuple(expected[0])]
    by_value = _answer(gold, "best segment by total lifetime value")
    expected = gold.execute(
        f"select customer_segment, sum(lifetime_value) from {PROFILE} group by 1 "
        "order by 2 desc limit 1"
    ).fetchall()[0]
    assert by_value["rows"][0][0] == expected[0]
    assert by_value["rows"][0][1] == pytest.approx(float(expected[1]))
    most = _answer(gold, "which card type has the most customers?")
    expected = gold.execute(
        f"select card_type from {PROFILE} group by 1 order by count(*) desc limit 1"
    ).fetchone()[0]
    assert most["rows"][0][0] == expected


def test_a_count_ranked_by_another_named_measure_declines(gold):
    # it ranked by the count named first and ignored "by LTV" (a silently wrong group)
    reason = _declines(gold, "how many customers are in the best state by LTV?")
    assert "rank by one figure and report another" in reason


# -- a bare noun phrase with a question mark: the list or how many
@pytest.mark.parametrize(
    "question",
    ["Gold cardholders in Ohio under 40?", "high risk customers in California?"],
)
def test_bare_phrase_with_question_mark_declines_naming_count_and_list(gold, question):
    reason = _declines(gold, question)
    assert "how many" in reason and "list" in reason


def test_bare_phrase_without_question_mark_still_lists_and_asked_forms_answer(gold):
    listed = _answer(gold, "high risk customers in California")
    n = _one(
        gold,
        f"select count(*) from {PROFILE} where state = 'CA' and churn_risk_category = ?",
        "High Risk",
    )
    assert n > 0 and len(listed["rows"]) == n
    counted = _answer(gold, "how many high risk customers in California?")
    assert counted["rows"][0][-1] == n
    shown = _answer(gold, "which high risk customers are in California?")
    assert len(shown["rows"]) == n


# -- "break down X by Y", "brings in / drives the most"
def test_break_down_and_break_out_split_by_the_group(gold):
    expected = dict(
        gold.execute(
            f"select state, count(*) from {PROFILE} where card_type = 'Platinum' group by 1"
        ).fetchall()
    )
    for question in ("break down Platinum cardholders by state", "break out Platinum by state"):
        out = _answer(gold, question)
        assert {r[0]: r[-1] for r in out["rows"]} == expected, question


@pytest.mark.parametrize(
    ("question", "measure"),
    [
        ("which channel drives the most spend?", "sum(amount)"),
        ("which channel brings in the most transactions?", "count(*)"),
    ],
)
def test_a_verb_of_bringing_in_ranks_by_the_measure(gold, question, measure):
    expected = gold.execute(
        f"select channel from {TXN} where status = 'approved' group by 1 "
        f"order by {measure} desc limit 1"
    ).fetchone()[0]
    assert _answer(gold, question)["rows"][0][0] == expected


# -- a data change as the context of a read question
def test_context_clause_around_a_read_question_is_set_aside(gold):
    gold_ca = _one(
        gold, f"select count(*) from {PROFILE} where card_type = 'Gold' and state = 'CA'"
    )
    out = _answer(gold, "before we cut limits: how many Gold cardholders are in California?")
    assert out["rows"][0][-1] == gold_ca
    avg = _one(gold, f"select avg(credit_limit) from {PROFILE} where card_type = 'Platinum'")
    out = _answer(
        gold, "what's the average credit limit of Platinum cardholders? considering lowering it"
    )
    assert out["rows"][0][-1] == pytest.approx(avg)
    high = _one(gold, f"select count(*) from {PROFILE} where churn_risk_category = 'High Risk'")
    out = _answer(
        gold,
        "how many customers would we be emailing if we contacted everyone who is high risk?",
    )
    assert out["rows"][0][-1] == high


@pytest.mark.parametrize(
    "question",
    [
        "raise the limits for Silver cardholders who spent over 5k",
        "shut everyone who's been inactive 90+ days",
        "reduce their limits",
        "before we raise limits: raise them for Silver cardholders",
        "before we raise limits: how many Silver cardholders? then set their limits to 10k",
        "after we delete the Declining segment: how many customers are left?",
        "what's the total credit limit of high risk customers? reduce it by 10%",
        "what's the total credit limit of high risk customers? thinking about it, set it to 0",
        "close the accounts of everyone who's been inactive 90+ days",
    ],
)
def test_imperatives_and_changes_are_still_refused(gold, question):
    _declines(gold, question)


def test_restate_context_keeps_questions_without_a_context_clause():
    assert restate_context("how many Gold customers?") == "how many Gold customers?"
    assert restate_context("before we raise limits: raise them") == (
        "before we raise limits: raise them"
    )
    assert restate_context("what's the total LTV? thinking about cutting it") == (
        "what's the total LTV?"
    )

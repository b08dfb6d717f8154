"""Figures that are never a right answer, declined after planning (found by H35):

* a sum of per-customer averages or ratios ("avg transaction value in total" added up each
  customer's average): no total of averages means anything;
* the same figure twice ("dining spend vs travel spend" became total spend and total spend
  again, split by every category group): the words that told the two apart were not applied;
* "which card type has the best LTV" with no total/sum word: the best by the total over the
  group's customers or by their average are two readings, so both are named.
"""

from __future__ import annotations

from sqlglot import exp

from toolkit.assistant.plan import CannotAnswer
from toolkit.assistant.vocabulary import AGG_WORDS, POLARITY_WORDS, UNSUMMABLE, VERSUS_WORDS

TOTAL_WORDS = {w for w, agg in AGG_WORDS.items() if agg == "SUM"}


def _summed_columns(measure) -> set[str]:
    return {c.name for s in measure.expr.find_all(exp.Sum) for c in s.find_all(exp.Column)}


def check_measures(words: list[str], rank_word: str | None, plan) -> None:
    for m in plan.measures:
        summed = _summed_columns(m) & UNSUMMABLE
        if summed:
            name = sorted(summed)[0].replace("_", " ")
            raise CannotAnswer(
                f"Adding up each customer's {name} gives no meaningful total (a sum of averages "
                f"or ratios). Ask for its average across customers instead, or for the total of a "
                "summable figure (e.g. total spend)."
            )
    # (only across "vs"/"compared": "total spend for the top channel by spend" names one twice)
    seen: set[tuple[str, str]] = set()
    for m in plan.measures if VERSUS_WORDS & set(words) else []:
        key = (m.table, m.expr.sql())
        if key in seen:
            raise CannotAnswer(
                f"Two figures in the question both came out as {m.label.replace('_', ' ')}: what told "
                "them apart (e.g. a category) was not applied to each. Ask for each one "
                "separately, or for the figure split by that attribute (e.g. spend by category group)."
            )
        seen.add(key)
    if (
        rank_word in POLARITY_WORDS
        and plan.groups
        and plan.measures
        and not TOTAL_WORDS & set(words)
    ):
        m = plan.measures[0]
        if isinstance(m.expr, exp.Sum) and m.table == "customers":
            name = next(iter(_summed_columns(m)), m.label).replace("_", " ")
            raise CannotAnswer(
                f"'{rank_word}' {name} per group has two readings: by the total {name} over the "
                f"group's customers, or by the average {name} per customer. Say '{rank_word} "
                f"total {name}' or '{rank_word} average {name}'."
            )

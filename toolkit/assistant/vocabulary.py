"""The local engine's words, read from data: ``vocabulary.yaml`` beside the semantic model.

Business names, synonyms and sample values come from ``semantic_model.yaml`` (through
:mod:`toolkit.assistant.lexicon`); the question grammar (fillers, comparators, ordering
and aggregation words) and each measure's unit come from ``vocabulary.yaml``, the one
file for what Cortex Analyst's specification has no field for. Nothing here lists words.

Module-level names (``FILLER``, ``COMPARATORS``, ``MONEY`` …) are the default file's
contents, for the parser and planner; :func:`units_for` adds the units of metrics a
semantic model defines but the vocabulary does not list, read off their expressions.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import sqlglot
import yaml
from sqlglot import exp

from toolkit.assistant.tokenise import stem

VOCABULARY_PATH = Path(__file__).with_name("vocabulary.yaml")


@lru_cache(maxsize=4)
def load_vocabulary(path: Path = VOCABULARY_PATH) -> dict:
    return yaml.safe_load(Path(path).read_text())


_V = load_vocabulary()

AGG_WORDS: dict[str, str] = dict(_V["aggregation_words"])
AGG_LABEL: dict[str, str] = dict(_V["aggregation_labels"])
# shorthand ("avg", "txns") read as the word it stands for, keyed by stem
ABBREVIATIONS: dict[str, str] = {stem(k): v for k, v in _V["abbreviations"].items()}
DESC_WORDS: set[str] = set(_V["descending_words"])
ASC_WORDS: set[str] = set(_V["ascending_words"])
# "top segment": better by some measure, not bigger, so a count alone does not rank it
MERIT_RANK_WORDS: set[str] = set(_V["merit_rank_words"])
# "worst decline rate" is the highest: the direction of "best"/"worst" follows the measure's polarity
POLARITY_WORDS: dict[str, str] = dict(_V["polarity"]["words"])
BAD_WHEN_HIGH: set[str] = set(_V["polarity"]["bad_when_high"])
GOOD_WHEN_HIGH: set[str] = set(_V["polarity"]["good_when_high"])
COUNT_WORDS: set[str] = set(_V["count_words"])
# "... and their total LTV": a second figure of the counted set (planning.share_counted_set)
SET_POINTERS: dict[str, set[str]] = {k: set(v) for k, v in _V["set_pointers"].items()}
# "most popular category": by purchase count or by spend (both run; a decline when they differ)
POPULARITY_WORDS: set[str] = set(_V["popularity_words"])
# "A vs B": both sides must be in the answer (a split, two figures or their change)
VERSUS_WORDS: set[str] = set(_V["versus_words"])
GROUP_LEAD: set[str] = set(_V["group_lead_words"])
CROSS_WORDS: set[str] = set(_V["cross_words"])
AVERAGING: set[str] = set(_V["averaging_words"])
LIST_WORDS: set[str] = set(_V["list_words"])
ASKING_WORDS: set[str] = set(_V["asking_words"])
NEGATIONS: set[str] = set(_V["negation_words"])
ABSENCE_WORDS: set[str] = set(_V["absence_words"])
PERCENT_WORDS: set[str] = set(_V["percent_words"])
OPEN_WORDS: set[str] = set(_V["opening_words"])
VERBS: set[str] = set(_V["verbs"])
# "churn risk band", "credit limit set on ...": transparent right after an attribute's name
ATTRIBUTE_FOLLOWERS: set[str] = {stem(w) for w in _V["attribute_followers"]}
# words that may stand between a comparison and the measure it qualifies
LINKING_WORDS: set[str] = set(_V["linking_words"])
# an imperative that orders groups by a measure ("rank card types by spend")
RANKING_VERBS: set[str] = set(_V["ranking_verbs"])
# "top 5 buyers by spend": people nouns a ranking word turns into ranked customers
RANKED_PEOPLE: set[str] = {stem(w) for w in _V["ranked_people"]["nouns"]}
RANKED_PEOPLE_MEASURE: str = _V["ranked_people"]["measure"]
RANKED_PEOPLE_WORDS: set[str] = set(_V["ranked_people"]["words"])
# "how many merchant categories are there / did we see spend in" (distinct_count.py)
COUNT_BARE: set[str] = set(_V["distinct_count"]["bare"])
COUNT_SPEND_NOUNS: set[str] = set(_V["distinct_count"]["spend_nouns"])
COUNT_SPEND_GLUE: set[str] = set(_V["distinct_count"]["spend_glue"])
# "the 3 oldest accounts": ranked by how long the account has been open
ACCOUNT_NOUNS: set[str] = {stem(w) for w in _V["account_age"]["nouns"]}
ACCOUNT_AGE_MEASURE: str = _V["account_age"]["measure"]
OLDEST_WORDS: set[str] = set(_V["account_age"]["oldest"])
INACTIVITY: dict[str, list[str]] = dict(_V["inactivity"])
REASON_QUESTION: dict[str, list[str]] = dict(_V["reason_question"])
LAST_PURCHASE_VERB: dict[str, list[str]] = dict(_V["last_purchase_verb"])
DAYS_AGO: dict[str, list[str]] = {k: [stem(w) for w in v] for k, v in _V["days_ago"].items()}
LABEL_VERBS: dict = dict(_V["label_verbs"])
BANDED_COLUMNS: dict[str, list[str]] = dict(_V["banded_columns"])
OF_PHRASES: list[list[str]] = [[stem(w) for w in p] for p in _V["of_phrases"]]
WIDE_SUFFIX: set[str] = set(_V["wide_suffix"])
PORTFOLIO_IDIOM: dict[str, set[str]] = {k: set(v) for k, v in _V["portfolio_idiom"].items()}
VOLUME_VERB: dict = dict(_V["volume_verb"])
MONTH_OVER_MONTH: set[str] = set(_V["month_over_month"])
PERIOD_OVER_PERIOD: dict[str, set[str]] = {k: set(v) for k, v in _V["period_over_period"].items()}
NEWEST_WORDS: set[str] = set(_V["account_age"]["newest"])
# "when were the churn scores last updated?" (a table's latest write time)
UPDATE_VERBS: set[str] = {stem(w) for w in _V["update_verbs"]}
RECENCY_WORDS: set[str] = set(_V["recency_words"])
PURCHASE_VERBS: set[str] = set(_V["purchase_verbs"])
# a purchase phrase ("made a purchase", "used their card") and what may stand between it and
# its span of days
PURCHASE_CORE: set[str] = PURCHASE_VERBS | set(_V["purchase_phrase"]["core"])
PURCHASE_PHRASE: set[str] = PURCHASE_CORE | set(_V["purchase_phrase"]["glue"])
SPAN_GLUE: set[str] = set(_V["span_glue"])
SUPERLATIVE_AMOUNT: set[str] = set(_V["superlative_amount"])
TRANSACTION_NOUNS: set[str] = set(_V["transaction_nouns"])
MERCHANT_NOUNS: set[str] = set(_V["merchant_nouns"])
AGE_FOLLOWERS: set[str] = set(_V["age_followers"])
NEGATED_GLUE: set[str] = set(_V["negated_glue"])
POSTPOSED_AGG: dict[str, str] = dict(_V["postposed_aggregation"])
CLAUSE_WORDS: set[str] = set(_V["clause_words"])
GRAIN_NOUNS: set[str] = set(_V["grain_nouns"])
PEOPLE_GRAIN: set[str] = set(_V["people_grain"])
WHOLE_POPULATION: dict[str, set[str]] = {k: set(v) for k, v in _V["whole_population"].items()}
# a rise or a fall of spend, and the profile columns it is read from
RISE_WORDS: set[str] = set(_V["rise_words"])
FALL_WORDS: set[str] = set(_V["fall_words"])
CHANGE_WORDS: set[str] = set(_V["change_words"])
PERIOD_CHANGE_WORDS: set[str] = set(_V["period_change_words"]) | {
    stem(w) for w in _V["period_change_words"]
}
CHANGE_COLUMNS: dict[str, str] = dict(_V["change_columns"])
# a data change named only as the context of a read question (context.py)
CONTEXT_CLAUSES: dict[str, list[str]] = dict(_V["context_clauses"])
# per-customer averages, ratios and scores that no sum of customers means (measure_sense.py)
UNSUMMABLE: set[str] = set(_V["unsummable_facts"])
# fillers match on the word or its stem
FILLER: set[str] = set(_V["filler"]) | {stem(w) for w in _V["filler"]}
COMPARATORS: list[tuple[tuple[str, ...], str]] = [
    (tuple(c["words"].split()), c["op"]) for c in _V["comparators"]
]
DISPLAY_COLUMN: dict[str, str] = dict(_V["display_column"])
SUMMABLE_FACTS: set[str] = set(_V["summable_facts"])
MONEY: set[str] = set(_V["units"]["money"])
PERCENT_METRICS: set[str] = set(_V["units"]["percent"])
COUNT_METRICS: set[str] = set(_V["units"]["count"])
COUNT_METRIC_NAMES: set[str] = set(_V["plain_count_metrics"])
# two-letter state codes that are also English words count only when typed in capitals
AMBIGUOUS_CODES: set[str] = set(_V["ambiguous_state_codes"])


def inferred_unit(expr: str) -> str | None:
    """A metric's unit from its expression: a bare COUNT is a count; an aggregate whose
    columns are all money is money; anything else (ratios, scores) has no unit here."""
    try:
        tree = sqlglot.parse_one(expr, read="snowflake")
    except sqlglot.errors.ParseError:
        return None
    if isinstance(tree, exp.Count):
        return "count"
    columns = {c.name.lower() for c in tree.find_all(exp.Column)}
    if columns and columns <= MONEY and isinstance(tree, exp.AggFunc):
        return "money"
    return None


def register_model_units(model) -> None:
    """Give the metrics of ``model`` that the vocabulary does not list their inferred unit.

    Called once per loaded model (lexicon build); adding a metric to the semantic model
    therefore needs no edit here unless its unit cannot be read off its expression.
    """
    listed = MONEY | PERCENT_METRICS | COUNT_METRICS
    for table in model.tables.values():
        for metric in table.metrics.values():
            if metric.name in listed:
                continue
            unit = inferred_unit(metric.expr)
            if unit == "money":
                MONEY.add(metric.name)
            elif unit == "count":
                COUNT_METRICS.add(metric.name)

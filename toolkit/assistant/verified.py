"""Verified queries: match a question to one, and run its SQL locally.

Verified SQL is written against logical names (``__customers``), as Cortex Analyst
expects. Locally each logical table becomes a CTE projecting its dimensions, time
dimensions and facts from the physical gold table, so the same SQL runs on DuckDB.
"""

from __future__ import annotations

import difflib
import re

import sqlglot
from sqlglot import exp

from toolkit.assistant.model import SemanticModel, VerifiedQuery


def logical_cte(model: SemanticModel, table: str, used: set[str] | None = None) -> exp.Select:
    t = model.tables[table]
    projections = [
        exp.alias_(sqlglot.parse_one(c.expr, read="snowflake"), c.name)
        for c in t.columns.values()
        if used is None or c.name in used
    ]
    return exp.select(*projections).from_(exp.table_(t.physical, db=t.schema))


def expand(model: SemanticModel, verified_sql: str, *, dialect: str = "duckdb") -> str:
    """The verified SQL with its logical tables defined as CTEs over the gold tables."""
    tree = sqlglot.parse_one(verified_sql, read="snowflake")
    names = sorted(
        {t.name for t in tree.find_all(exp.Table) if t.name.startswith("__")},
    )
    for name in names:
        logical = name[2:]
        if logical not in model.tables:
            raise ValueError(f"verified query names unknown logical table {name}")
        used = {c.name for c in tree.find_all(exp.Column)}
        tree = tree.with_(name, as_=logical_cte(model, logical, used), copy=False)
    return tree.sql(dialect=dialect)


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]+", " ", text.lower()).split().__str__()


def closest_by_text(
    model: SemanticModel, question: str, cutoff: float = 0.93
) -> VerifiedQuery | None:
    """A verified query whose question is (nearly) word-for-word the same."""
    target = " ".join(re.sub(r"[^a-z0-9 ]+", " ", question.lower()).split())
    best, best_ratio = None, 0.0
    for vq in model.verified_queries:
        candidate = " ".join(re.sub(r"[^a-z0-9 ]+", " ", vq.question.lower()).split())
        ratio = difflib.SequenceMatcher(None, target, candidate).ratio()
        if ratio > best_ratio:
            best, best_ratio = vq, ratio
    return best if best_ratio >= cutoff else None

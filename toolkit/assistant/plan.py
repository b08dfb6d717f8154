"""The intermediate query plan: what to measure, how to group, filter, order and limit.

The parser produces a `Plan`; the compiler turns it into SQL for DuckDB or Snowflake.
Expressions are sqlglot trees over one logical table's *unqualified* physical
columns; the compiler qualifies them with the table's alias.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp

# SQL alias of each logical table; plan expressions are qualified with it
ALIASES = {
    "customers": "c",
    "transactions": "t",
    "merchant_categories": "m",
    "dates": "d",
    "customer_segments": "s",
    "churn_predictions": "p",
}


class CannotAnswer(Exception):
    """The question cannot be mapped onto the semantic model without guessing."""


def sql(text: str) -> exp.Expression:
    """A plan expression from Snowflake-flavoured SQL text (the semantic model's dialect)."""
    return sqlglot.parse_one(text, read="snowflake")


@dataclass
class Measure:
    label: str
    table: str
    expr: exp.Expression
    uses_status: bool = False
    style: str = "number"  # number | money | count | percent | ratio | date | text


@dataclass
class Column:
    label: str
    table: str
    expr: exp.Expression
    style: str = "text"


@dataclass
class Condition:
    table: str
    expr: exp.Expression
    uses_status: bool = False
    describe: str = ""
    period: object = None  # the timeparse.Period a time condition came from (for the reading)


@dataclass
class SemiJoin:
    """``customers.customer_id IN (SELECT customer_id FROM transactions ...)``."""

    conditions: list[Condition]
    having: exp.Expression | None = None
    describe: str = ""
    negate: bool = False  # "customers with no transactions in the last 90 days"

    def add_having(self, pred: exp.Expression) -> None:
        """AND ``pred`` into the per-customer HAVING (several thresholds all apply)."""
        self.having = pred if self.having is None else exp.and_(self.having, pred)

    @property
    def counts_zero(self) -> bool:
        """True when the HAVING holds only upper bounds ("under", "less than", "at most") on a
        sum or count of the customer's transactions: a customer with no such transaction has
        a sum/count of 0, which is under any positive bound, so he belongs in the answer (the
        IN-subquery over his transactions would drop him). Lower bounds, averages and maxima
        are unchanged: a customer with no transactions has no average and is not "over"."""
        if self.having is None or self.negate:
            return False
        bounds = list(self.having.flatten()) if isinstance(self.having, exp.And) else [self.having]
        for bound in bounds:
            if not isinstance(bound, (exp.LT, exp.LTE)):
                return False
            if not isinstance(bound.this, (exp.Sum, exp.Count)):
                return False
            if not isinstance(bound.expression, exp.Literal) or float(bound.expression.this) <= 0:
                return False
        return True


@dataclass
class Plan:
    base: str
    measures: list[Measure] = field(default_factory=list)
    groups: list[Column] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)  # list mode: raw columns
    conditions: list[Condition] = field(default_factory=list)
    semi_joins: list[SemiJoin] = field(default_factory=list)
    having: list[exp.Expression] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)  # (output label, descending)
    limit: int | None = None
    subject: str = ""  # "customers", "transactions", ...
    notes: list[str] = field(default_factory=list)
    # choice points the question left open: (key, [default, *others]); readings.py runs the
    # others and declines when they give a different result (never a silent guess)
    alternatives: list[tuple[str, list]] = field(default_factory=list)
    # two calendar periods' values, their difference and percent change (period_change.py)
    period_change: object | None = None

    @property
    def is_list(self) -> bool:
        return bool(self.columns) and not self.measures

    def signature(self) -> tuple:
        """What the plan asks, independent of labels: used to match verified queries."""

        def sql(e):
            return e.sql(dialect="snowflake") if e is not None else ""

        return (
            self.base,
            tuple(sorted(sql(m.expr) for m in self.measures)),
            tuple(sorted(sql(g.expr) for g in self.groups)),
            tuple(sorted(sql(c.expr) for c in self.columns)),
            tuple(sorted(sql(c.expr) for c in self.conditions)),
            tuple(
                sorted(
                    (tuple(sorted(sql(c.expr) for c in s.conditions)), sql(s.having))
                    for s in self.semi_joins
                )
            ),
            tuple(sorted(sql(h) for h in self.having)),
            self.limit,
            # an ascending order is part of the question ("rank ... ascending"): a verified
            # query written highest-first must not answer it
            tuple(label for label, descending in self.order if not descending),
        )


def qualify(expression: exp.Expression, table: str) -> exp.Expression:
    """A copy with the table's alias on every bare column outside nested SELECTs."""
    tree = expression.copy()
    for column in list(tree.find_all(exp.Column)):
        if column.table or column.find_ancestor(exp.Select) is not None:
            continue
        column.set("table", exp.to_identifier(ALIASES[table]))
    return tree

"""How the engine read a question, in words generated from the plan (never echoed from it).

"Summed approved spend of transactions where card type is Gold and state is TX, over the
90 days ending 31 Dec 2024." Every part of the plan that changes the result is named: the
measure and how it is aggregated, the implicit approved-only rule, each filter, threshold
and semi-join, the time window (with the data's as-of date for relative periods), the
grouping, the ranking and the row limit. A reader can check the reading before trusting
the number; two readings of one question can be shown side by side (`readings.py`).
"""

from __future__ import annotations

import calendar
import datetime as dt

from sqlglot import exp

from toolkit.assistant.plan import Condition, Measure, Plan, SemiJoin

_VERBS = {
    "Sum": "Summed",
    "Avg": "Averaged",
    "Count": "Counted",
    "Max": "Took the largest",
    "Min": "Took the smallest",
    "Median": "Took the median of",
}
_OPS = {exp.GT: "over", exp.GTE: "at least", exp.LT: "under", exp.LTE: "at most"}
_PREFIXES = (
    "total_",
    "avg_",
    "average_",
    "sum_",
    "median_",
    "max_",
    "min_",
    "largest_",
    "smallest_",
)


def _human(name: str) -> str:
    return name.replace("_", " ").replace(" pct", " %").replace("ltv", "LTV")


def _date(day: dt.date) -> str:
    return f"{day.day} {calendar.month_abbr[day.month]} {day.year}"


def _number(node: exp.Expression) -> str:
    if isinstance(node, exp.Literal) and not node.is_string:
        value = float(node.this)
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.4g}"
    if isinstance(node, exp.Literal):
        return node.this
    if isinstance(node, exp.Neg):
        return "-" + _number(node.this)
    return node.sql(dialect="snowflake")


def _operand(node: exp.Expression) -> str:
    if isinstance(node, exp.Column):
        return _human(node.name)
    if isinstance(node, exp.Coalesce) and isinstance(node.this, exp.Column):
        # "haven't bought in 60+ days": a customer who never bought has no such days
        return f"{_human(node.this.name)} (no transaction ever counts as more)"
    agg = node if isinstance(node, exp.AggFunc) else None
    if agg is not None:
        inner = agg.this
        inner = inner.expressions[0] if isinstance(inner, exp.Distinct) else inner
        what = _human(inner.name) if isinstance(inner, exp.Column) else "rows"
        if isinstance(agg, exp.Count):
            return "number of transactions" if what == "transaction id" else f"number of {what}s"
        return f"{type(agg).__name__.lower()} of {what}"
    return node.sql(dialect="snowflake")


def words(node: exp.Expression) -> str:
    """A predicate in words: "card type is Gold", "credit limit over 10,000"."""
    if isinstance(node, exp.Paren):
        return words(node.this)
    if isinstance(node, exp.And):
        return f"{words(node.left)} and {words(node.right)}"
    if isinstance(node, exp.Or):
        return f"({words(node.left)} or {words(node.right)})"
    if isinstance(node, exp.Not):
        inner = node.this.this if isinstance(node.this, exp.Paren) else node.this
        if isinstance(inner, exp.EQ):
            return f"{_operand(inner.this)} is not {_number(inner.expression)}"
        if isinstance(inner, exp.In):
            shown = " or ".join(_number(v) for v in inner.expressions)
            return f"{_operand(inner.this)} is neither {shown}".replace(" or ", " nor ", 1)
        return f"not ({words(inner)})"
    if isinstance(node, exp.EQ):
        return f"{_operand(node.this)} is {_number(node.expression)}"
    if isinstance(node, exp.NEQ):
        return f"{_operand(node.this)} is not {_number(node.expression)}"
    if isinstance(node, exp.In):
        return f"{_operand(node.this)} is {' or '.join(_number(v) for v in node.expressions)}"
    if isinstance(node, exp.Between):
        low, high = _number(node.args["low"]), _number(node.args["high"])
        return f"{_operand(node.this)} between {low} and {high}"
    for cls, word in _OPS.items():
        if isinstance(node, cls):
            right = node.expression
            # "spend last 90 days under spend prior 90 days": a column compared with a column
            shown = (
                _operand(right) if isinstance(right, (exp.Column, exp.AggFunc)) else _number(right)
            )
            return f"{_operand(node.this)} {word} {shown}"
    if isinstance(node, (exp.Boolean, exp.Column)):
        return _human(node.sql(dialect="snowflake"))
    return node.sql(dialect="snowflake")


def _shift_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _unit_start(day: dt.date, unit: str) -> dt.date:
    if unit == "YEAR":
        return dt.date(day.year, 1, 1)
    if unit == "QUARTER":
        return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    if unit == "MONTH":
        return dt.date(day.year, day.month, 1)
    if unit == "WEEK":
        return day - dt.timedelta(days=day.weekday())
    return day


def window(cond: Condition, asof: dt.date | None) -> str:
    """The period of a time condition as dates, relative ones anchored on the as-of date."""
    period = cond.period
    text = cond.describe
    if period is None or asof is None:
        return text
    if period.kind == "rolling":
        unit = period.unit.lower() + ("s" if period.n != 1 else "")
        count = f"{period.n} " if period.n != 1 else ""
        return f"over the {count}{unit} ending {_date(asof)}"
    if period.kind in ("previous", "current"):
        start = _unit_start(asof, period.unit)
        if period.kind == "current":
            return f"from {_date(start)} to {_date(asof)} (this {period.unit.lower()} to date)"
        if period.unit in ("YEAR", "QUARTER", "MONTH"):
            months = {"YEAR": 12, "QUARTER": 3, "MONTH": 1}[period.unit]
            first = _shift_months(start, -months)
        else:
            first = start - dt.timedelta(days=7 if period.unit == "WEEK" else 1)
        last = start - dt.timedelta(days=1)
        return f"from {_date(first)} to {_date(last)} (the previous {period.unit.lower()})"
    if period.kind == "day":
        return f"on {_date(asof - dt.timedelta(days=int(period.n)))}"
    return text


def _condition(cond: Condition, asof) -> str:
    if cond.period is not None:
        return window(cond, asof)
    if cond.describe and cond.expr.find(exp.Select) is not None:
        return cond.describe  # a condition on a subquery's value says what the value is
    return words(cond.expr)


def _approved(plan: Plan) -> bool:
    """The compiler's rule: transaction measures use approved transactions unless a status is
    part of the question (compiler._approved_needed)."""
    parts = [m.expr for m in plan.measures] + [c.expr for c in plan.conditions] + plan.having
    return not any(c.name == "status" for p in parts for c in p.find_all(exp.Column))


def _measure(m: Measure, plan: Plan, approved: bool) -> str:
    if m.style == "percent" or m.label.startswith("pct_of_"):
        case = m.expr.find(exp.If)
        part = words(case.this) if case is not None else "the condition holds"
        marker = case.this.find(exp.Anonymous) if case is not None else None
        semi = marker.meta.get("semi") if marker is not None else None
        if semi is not None and semi.conditions:
            kinds = " and ".join(c.describe or words(c.expr) for c in semi.conditions)
            part = part.replace("__SEMI__()", f"they have transactions ({kinds})")
        part = part.replace("__SEMI__()", "they have matching transactions")
        part = part.replace("__semi__()", "they have matching transactions")
        if not m.label.startswith("pct_of_"):  # a percentage metric of the model
            where = f" (the percentage of {plan.base} where {part})" if case is not None else ""
            return f"Computed {_human(m.label)}{where}"
        of = "customers" if "customer" in m.label else _human(m.label.removeprefix("pct_of_"))
        if m.expr.find(exp.Window) is not None:  # each group's part of the total
            return f"Took each group's percentage of all {of}"
        return f"Took the percentage of {of} where {part}"
    agg = m.expr.find(exp.AggFunc)
    verb = _VERBS.get(type(agg).__name__, "Computed") if agg is not None else "Listed"
    if m.style == "date" and isinstance(agg, exp.Max):
        verb = "Took the latest"  # a time stamp: "latest scored at", not "largest"
    noun = m.label
    for prefix in _PREFIXES:
        if noun.startswith(prefix) and noun != prefix.rstrip("_"):
            noun = noun[len(prefix) :]
            break
    noun = _human(noun)
    column = agg.find(exp.Column) if agg is not None else None
    if plan.base == "customers" and column is not None and not isinstance(agg, exp.Count):
        noun = _human(column.name)  # e.g. spend read from the profile: say which column
    if "last 90 days" in noun:
        noun = noun.replace(" last 90 days", " in the last 90 days")
    if isinstance(agg, exp.Count) and noun.endswith(" count"):  # "transaction count"
        stem = noun.removesuffix(" count")
        noun = stem[:-1] + "ies" if stem.endswith("y") else stem + "s"
    if isinstance(agg, exp.Count) and m.label == "active_customer_count":
        noun = "distinct customers with a transaction"
    elif isinstance(agg, exp.Count) and m.label.endswith("_customer_count"):
        # a count metric with its own condition ("high risk customers"): say it
        noun = _human(m.label.removesuffix("_count")).replace("customer", "customers")
    elif isinstance(agg, exp.Count) and "customer_count" in m.label:
        noun = "customers"
    status = "approved " if approved and plan.base == "transactions" else ""
    if m.label == "active_customer_count" and status:
        noun, status = "distinct customers with an approved transaction", ""
    base = plan.base.replace("_", " ")
    where = f" of {base}" if base.rstrip("s") not in noun else ""
    if isinstance(agg, exp.Count):
        return f"{verb} {status}{noun}"
    return f"{verb} {status}{noun}{where}"


def _semi(semi: SemiJoin, asof) -> str:
    parts = [_condition(c, asof) for c in semi.conditions if c.period is None]
    periods = [_condition(c, asof) for c in semi.conditions if c.period is not None]
    status = any(c.name == "status" for c in semi.conditions for c in c.expr.find_all(exp.Column))
    what = "transactions" if status else "approved transactions"
    text = what + (f" where {' and '.join(parts)}" if parts else "")
    if semi.having is not None:
        text += f" adding up to {words(semi.having).replace('sum of amount', 'spend')}"
        if semi.counts_zero:
            text += " (a customer with none counts as 0)"
    if periods:
        text += " " + " ".join(periods)
    return f"with no {text}" if semi.negate else f"with {text}"


def _ranking(plan: Plan) -> str:
    if not plan.order:
        return ""
    label, descending = plan.order[0]
    if plan.limit == 1:
        return f", keeping the one with the {'highest' if descending else 'lowest'} {_human(label)}"
    if plan.limit and plan.is_list and label == plan.columns[0].label and not descending:
        return f", keeping the first {plan.limit} by {_human(label)}"  # "list 5 ...": no ranking
    if plan.limit:
        word = "top" if descending else "bottom"
        return f", keeping the {word} {plan.limit} by {_human(label)}"
    if plan.groups and label == plan.groups[0].label:
        return ""
    if plan.is_list and label == plan.columns[0].label and not descending:
        return ""  # listed in id order: no ranking was asked
    return f", sorted by {_human(label)} {'highest' if descending else 'lowest'} first"


def interpret(
    plan: Plan | None,
    *,
    asof: dt.date | None = None,
    verified: str | None = None,
    verified_question: str | None = None,
) -> str:
    """One sentence saying what was computed, over which rows, split and ranked how."""
    if plan is None:
        return f"Answered with the verified query '{verified}' ({verified_question})."
    conditions = [c for c in plan.conditions if c.period is None]
    periods = [c for c in plan.conditions if c.period is not None]
    if plan.is_list:
        shown = ", ".join(_human(c.label) for c in plan.columns)
        head = f"Listed {plan.base} ({shown})"
    else:
        head = "; ".join(_measure(m, plan, _approved(plan)) for m in plan.measures)
    filters = [_condition(c, None) for c in conditions]
    withs = [_semi(s, asof) for s in plan.semi_joins]
    text = head
    if filters:
        text += " where " + " and ".join(filters)
    if withs:
        subject = plan.subject.replace("_", " ") or "customers"
        lead = " " if text.endswith(subject) else f" for {subject} "
        text += lead + " and ".join(withs)
    if plan.having:
        # (a count of a condition's rows > 0: planning._drop_empty_groups)
        kept = [h for h in plan.having if not _nonzero_count(h)]
        if kept:
            text += ", keeping groups where " + " and ".join(words(h) for h in kept)
        if len(kept) < len(plan.having):
            text += ", groups with none left out"
    notes = [n for n in plan.notes if n.startswith(("in the last", "in the previous"))]
    notes = [n for n in notes if all(n != c.describe for c in plan.conditions) and n not in head]
    notes = [
        n for n in notes if all(n != c.describe for s in plan.semi_joins for c in s.conditions)
    ]
    windows = [window(c, asof) for c in periods] + notes
    if "in the last 90 days" in head and asof is not None:
        windows.append(f"the 90 days ending {_date(asof)}")  # the profile's own window
    if windows:
        text += ", " + ", ".join(windows)
    groups = [g for g in plan.groups if g.label != "full_name"]
    change = getattr(plan, "period_change", None)
    if change is not None:  # the periods are columns side by side, not a split
        groups = [g for g in groups if g.style not in ("year", "date")]
    if groups and not plan.is_list:
        names = [_human(g.label).replace("customer id", "customer") for g in groups]
        if any(g.label.endswith("_quarter_start") for g in groups):
            # a quarter's three labels (year, number, first day) are one split
            at = next(i for i, g in enumerate(groups) if g.label.endswith("_quarter_number"))
            quarter = names[at].replace(" number", "")
            names[at - 1 : at + 2] = [f"{quarter} (year and quarter number)"]
        text += ", per " + " and ".join(names)
    if change is not None:
        a, b = (
            f"{name} ({said + ', ' if said else ''}{letter})"
            for name, said, letter in zip(change.names, change.said, "AB", strict=False)
        )
        if change.later_first:
            # "dec 2024 vs dec 2023": the earlier period, named second, is the base
            text += f"; from {a} to {b}, the earlier period as the base"
        else:
            text += f"; {a} against {b}"
        text += ", the change B - A and the percent change 100 * (B - A) / A"
        if change.move is not None:
            text += (
                f"; counted the customers whose {_human(plan.measures[0].label)} "
                f"{change.move.said()} (none in B counts as 0; customers with none in A are left "
                "out, a change from nothing has no percent)"
            )
    if change is not None and change.rank is not None:
        # ranked by the change, not by the measure the plan's own order names
        unit, descending, limit = change.rank
        by = "the change B - A" if unit == "change" else "the percent change"
        if limit == 1:
            text += f", keeping the one with the {'highest' if descending else 'lowest'} {by[4:]}"
        else:
            text += f", keeping the {'top' if descending else 'bottom'} {limit} by {by}"
    else:
        text += _ranking(plan)
    if verified:
        text += f" (the verified query '{verified}')"
    return text.replace("  ", " ") + "."


def _nonzero_count(h) -> bool:
    return (
        isinstance(h, exp.GT)
        and isinstance(h.this, exp.Count)
        and h.this.find(exp.Case) is not None
        and h.expression.name == "0"
    )

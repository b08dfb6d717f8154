"""The one-line natural-language answer, and the text the CLI prints."""

from __future__ import annotations

from toolkit.assistant import period_change
from toolkit.assistant.plan import Plan

_NAMES = {
    "customer_count": "customers",
    "active_customer_count": "customers with a transaction",
    "transaction_count": "transactions",
    "declined_transaction_count": "declined transactions",
    "high_risk_customer_count": "high-risk customers",
    "category_count": "merchant categories",
}


def _money(v: float) -> str:
    return f"${v:,.2f}"


def fmt(value, style: str = "number") -> str:
    if value is None:
        return "no value"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        if style == "money":
            return _money(float(value))
        if style == "percent" or style.endswith("pct"):
            return f"{float(value):,.1f}%"
        if style == "count" or float(value).is_integer():
            return f"{int(round(float(value))):,}"
        return f"{float(value):,.2f}"
    return str(value)


def _human(label: str) -> str:
    return (
        label.replace("_", " ")
        .replace("pct", "%")
        .replace("12m", "12-month")
        .replace(" ltv", " LTV")
    )


def _scope(plan: Plan) -> str:
    """ " for travel, Platinum": the filters behind a number, so it is not mistaken for a total."""
    shown = [c.describe for c in plan.conditions if c.describe and c.describe not in plan.notes]
    phrases = [d for d in shown if d.startswith(("with ", "in ", "not "))]
    names = [d for d in shown if d not in phrases]
    text = f" for {', '.join(names)}" if names else ""
    return text + "".join(f" {p}" for p in phrases)


def _semi_joins(plan: Plan) -> list[str]:
    """ "with Mobile transactions": the transactions that select the customers counted, so
    the answer never reads as the whole portfolio when it is not."""
    out = []
    for semi in plan.semi_joins:
        if semi.negate:
            continue  # already said: "with no matching transactions"
        shown = [c.describe for c in semi.conditions if c.describe and c.describe not in plan.notes]
        words = " ".join(d for d in shown if not d.startswith(("in ", "with ", "on ", "since ")))
        if words:
            out.append(f"with {words} transactions")
    return out


def answer_line(
    plan: Plan | None, columns: list[str], rows: list[list], *, verified: str | None = None
) -> str:
    if not rows:
        return "No matching data."
    if plan is None:
        if len(rows) == 1 and len(columns) == 1:
            return f"The {_human(columns[0])} is {fmt(rows[0][0])}."
        return (
            f"{len(rows):,} rows (verified query '{verified}')."
            if verified
            else f"{len(rows):,} rows."
        )
    if plan.period_change is not None:
        return period_change.answer_text(plan, columns, rows, fmt, _human)
    qualifiers = " ".join(plan.notes)
    qualifiers = f" {qualifiers}" if qualifiers else ""
    if plan.is_list:
        what = "customers" if plan.base == "customers" else "transactions"
        if len(rows) == 1:
            row = dict(zip(columns, rows[0], strict=False))
            who = f"{row.get(columns[0])}" + (
                f" ({row['full_name']})" if row.get("full_name") else ""
            )
            styles = {c.label: c.style for c in plan.columns}
            details = [
                f"{_human(c)} {fmt(v, styles.get(c, 'text'))}"
                for c, v in row.items()
                if c not in ("customer_id", "full_name", columns[0])
            ]
            return f"{who}: {', '.join(details)}." if details else f"Found 1 of the {what}: {who}."
        return f"Found {len(rows):,} {what}."
    measure = plan.measures[0]
    styles = {m.label: m.style for m in plan.measures}
    if not plan.groups and len(rows) == 1:
        value = rows[0][columns.index(measure.label)] if measure.label in columns else rows[0][-1]
        if measure.label in _NAMES:
            count = fmt(value, "count")
            described = [c.describe for c in plan.conditions if c.describe] + _semi_joins(plan)
            # adjectives before the noun ("high-risk Platinum customers"), phrases after it
            before = [
                d
                for d in described
                if not d.startswith(("in ", "with ", "this ", "on ", "since ", "before "))
            ]
            after = [d for d in described if d not in before and d not in plan.notes]
            noun = _NAMES[measure.label] + "".join(f" {a}" for a in after)
            descr = " ".join(f.replace("_", " ") for f in before)
            verb = "is" if count == "1" else "are"
            return (
                f"There {verb} {count} {descr + ' ' if descr else ''}{noun}{qualifiers}.".replace(
                    "  ", " "
                )
            )
        return (
            f"The {_human(measure.label)}{_scope(plan)}{qualifiers} is {fmt(value, measure.style)}."
        )
    first = rows[0]
    group_labels = [g.label for g in plan.groups]
    key = ", ".join(str(first[columns.index(g)]) for g in group_labels if g in columns)
    quarter = next((g for g in group_labels if g.endswith("_quarter_number")), None)
    if quarter in columns and group_labels.index(quarter) > 0:
        # a quarter's year, number and first day read as one key: "Q4 2024"
        at = group_labels.index(quarter)
        year, start = group_labels[at - 1], group_labels[at + 1]
        named = f"Q{first[columns.index(quarter)]} {first[columns.index(year)]}"
        rest = [
            str(first[columns.index(g)]) for g in group_labels if g not in (year, quarter, start)
        ]
        key = ", ".join([named, *rest])
        group_labels[at - 1 : at + 2] = [quarter.replace("_number", "")]
    value = first[columns.index(measure.label)] if measure.label in columns else first[-1]
    if plan.limit == 1:
        word = "highest" if not plan.order or plan.order[0][1] else "lowest"
        shown = fmt(value, styles[measure.label])
        return f"{key} has the {word} {_human(measure.label)}{_scope(plan)}{qualifiers}: {shown}."
    if plan.order and plan.order[0][0] == measure.label:
        word = "Highest" if plan.order[0][1] else "Lowest"
        return (
            f"{len(rows):,} {_human(group_labels[0])} values; "
            f"{word.lower()} {_human(measure.label)}{_scope(plan)}"
            f"{qualifiers}: {key} ({fmt(value, styles[measure.label])})."
        )
    subject = f"{_human(measure.label).capitalize()}{_scope(plan)}{qualifiers}"
    return f"{subject} for {len(rows):,} {_human(group_labels[0])} values."


def format_answer(answer: dict, *, max_rows: int = 20) -> str:
    """Answer line, a small text table of the rows, and the SQL that produced them."""
    if answer.get("error"):
        return f"Can't answer: {answer['error']}"
    lines = [answer.get("answer") or ""]
    if answer.get("interpretation"):
        lines.append(f"Read as: {answer['interpretation']}")
    columns = answer.get("columns") or []
    rows = answer.get("rows") or []
    if rows and not (len(rows) == 1 and len(columns) == 1):
        cells = [[fmt(v) for v in row] for row in rows[:max_rows]]
        widths = [max(len(str(c)), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
        lines.append("")
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(columns, widths, strict=False)))
        lines.append("  ".join("-" * w for w in widths))
        for row in cells:
            lines.append("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=False)))
        if len(rows) > max_rows:
            lines.append(f"... {len(rows) - max_rows:,} more rows")
    if answer.get("sql"):
        lines += ["", "SQL:", answer["sql"]]
    return "\n".join(lines)

"""The change of a measure between two named calendar periods: "% change in total spend from
November to December 2024", "how much did spend grow from Q3 to Q4 2024", "spend change Q3
vs Q4 2024 by segment".

The engine already sets two periods of one unit side by side (a split by that unit over
both, planning._period_pair). A change word with such a pair asks for one row per group
holding both values, the difference B - A and the percent change 100 * (B - A) / A, where A
is the period named first. The base must be plain: the first period named must be the
earlier one ("from December to November" declines), both periods must be of one unit, and
the question must measure one figure; anything else declines rather than guess.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import sqlglot

from toolkit.assistant.change import item_columns
from toolkit.assistant.lexicon import Item
from toolkit.assistant.plan import CannotAnswer, Plan
from toolkit.assistant.timeparse import Period, extract_time
from toolkit.assistant.vocabulary import (
    CHANGE_COLUMNS,
    MONTH_OVER_MONTH,
    PERCENT_WORDS,
    PERIOD_CHANGE_WORDS,
)

_UNITS = ("month", "quarter", "year")
# "customers whose spend grew", "customers who saw their spend change": a relative clause or a
# possessive pointing back at the rows asks for each one's own change, not the totals'
_RELATIVE = {"whose", "who", "that", "where", "which", "whom", "their"}
# "absolute change" (vs "% change"): which change ranks, when a ranking is asked
_ABSOLUTE = {"absolute", "dollar"}
# the choice point of a ranking by change with no unit said (readings.py runs both)
RANK_KEY = "growth@0"


@dataclasses.dataclass
class PeriodChange:
    key_label: str  # the output column that says which period a row is (first day or year)
    keys: tuple  # (A, B): that column's value for each period, A the base
    names: tuple[str, str]  # "November 2024", "December 2024"
    # a ranking of the groups by the change: (column suffix "change" or "pct_change",
    # descending, how many rows); None when no ranking was asked
    rank: tuple[str, bool, int] | None = None


def _compared_to(st) -> bool:
    """ "how did Dec 2024 spend compare to Nov 2024?", "how does Q4 compare with Q3 2024": the
    question asks how A compares to B, so B, said after "compare to/with", is the base whatever
    the order. Only that grammar: a question word and a form of "do" open it, one period stands
    before the verb and one after "to"/"with"; "A vs B" with the later first still asks."""
    words = st.words
    verb = next((i for i, w in enumerate(words) if w == "compare"), None)
    if verb is None or st.w(verb + 1) not in {"to", "with"}:
        return False
    if words[:2] not in (["how", "did"], ["how", "doe"], ["how", "do"]):
        return False
    spans = [span for span in st.time.spans if span[1] <= verb or span[0] > verb]
    return (
        sum(end <= verb for _, end in spans) == 1 and sum(start > verb for start, _ in spans) == 1
    )


def read_period_change(st) -> bool:
    """Claim a change word over two calendar periods; True when the question is one."""
    words = st.words
    at = [i for i, w in enumerate(words) if w in PERIOD_CHANGE_WORDS and st.tag_at(i) is None]
    periods = _split_range(st) if len(st.time.periods) == 1 else list(st.time.periods)
    if len(periods) != 2 or not (
        all(p.kind in _UNITS for p in periods) or same_months_of_two_years(*periods)
    ):
        return False
    mom = _month_over_month_named(st, periods)
    if not at:
        at = _spend_change_named(st) or mom[1:2]
    if len(at) != 1:
        return False
    if _relative(st) or "with" in words[max(0, at[0] - 3) : at[0]]:
        # "customers whose spend grew from Q3 to Q4": a change per customer, which no column
        # holds for calendar periods (it had summed all spend in both quarters)
        raise CannotAnswer(
            "I can compare totals between two periods, not each customer's change; ask e.g. "
            "'% change in total spend from Q3 to Q4 2024 by segment'."
        )
    a, b = periods
    if a.kind != b.kind:
        raise CannotAnswer("Compare two periods of one kind, e.g. 'from Q3 to Q4 2024'.")
    if a.kind != "year" and a.year is None and b.year is not None:
        a = dataclasses.replace(a, year=b.year)  # "from November to December 2024"
    if a.year is not None and b.year is not None and _compared_to(st):
        if _start(a) < _start(b):
            # "how did Nov compare to Dec": Dec is the base by the grammar, Nov by the calendar
            raise CannotAnswer(
                "Which period is the base? 'How did A compare to B' measures A against B; say "
                "e.g. 'the change in spend from November to December 2024'."
            )
        a, b = b, a  # "how did Dec 2024 spend compare to Nov 2024": B is the base
    if a.year is not None and b.year is not None and _start(a) >= _start(b):
        raise CannotAnswer(
            "Which period is the base? Name the earlier one first, e.g. 'the change in spend "
            "from November to December 2024'."
        )
    st.time.periods = [a, b]
    st.mark(*at, *mom)
    # "% change": the percent is the change's unit, not a share of rows; "absolute change"
    # the difference. Said or not, it only decides what a ranking orders by.
    st.period_change_unit = None
    near = [at[0] - 1, at[0] + 1]
    before = st.tag_at(at[0] - 1)
    if before is not None and before.end == at[0] and before.first("metric"):
        near.append(before.start - 1)  # "% spend change": the unit before the measure
    for i in near:
        if st.w(i) in PERCENT_WORDS | _ABSOLUTE and st.tag_at(i) is None:
            st.taken[i] = True
            st.mark(i)
            st.period_change_unit = "change" if st.w(i) in _ABSOLUTE else "pct_change"
    st.period_change = True
    return True


def _relative(st) -> bool:
    """A relative clause or possessive in the question. "which"/"what" opening it and naming a
    customer attribute ("which state had the biggest % change") asks about groups, not each
    customer ("which customers had spend growth" still counts as each customer's)."""
    words = st.words
    found = {w for k, w in enumerate(words) if w in _RELATIVE and k > 0}
    if words and words[0] in _RELATIVE:
        tag = st.tag_at(1)
        if tag is None or not tag.items or any(i.kind != "column" for i in tag.items):
            found.add(words[0])
    return bool(found)


def _spend_change_named(st) -> list[int]:
    """ "spend growth from Q3 to Q4 2024": "spend growth" names the profile's 90-day change
    metric, which holds no calendar period (it had answered the 90-day figure for customers
    active in the range). Between two named periods it is total spend and a change word."""
    last, prior = CHANGE_COLUMNS["last_90_days"], CHANGE_COLUMNS["prior_90_days"]
    spend = next(
        (
            (key, m)
            for key, table in st.model.tables.items()
            for m in table.metrics
            if m == "total_spend"
        ),
        None,
    )
    found = [
        t
        for t in st.tags
        if len(t.items) == 1
        and t.items[0].kind == "metric"
        and {last, prior} <= item_columns(st, t.items[0])
        and any(st.w(k) in PERIOD_CHANGE_WORDS for k in range(t.start, t.end))
    ]
    if len(found) != 1 or spend is None:
        return []
    tag = found[0]
    word = next(k for k in range(tag.start, tag.end) if st.w(k) in PERIOD_CHANGE_WORDS)
    if word != tag.end - 1:
        return []
    tag.items = [Item("metric", spend[0], spend[1])]
    tag.end = word  # the change word is read here, the rest of the phrase is the spend
    return [word]


def same_months_of_two_years(a: Period, b: Period) -> bool:
    """ "jul-dec 2024 vs jul-dec 2023": two ranges over the same calendar months, each within
    one year, of two different years; compared as those two years limited to those months."""
    return (
        a.kind == b.kind == "range"
        and a.year == a.end_year
        and b.year == b.end_year
        and (a.month, a.end_month) == (b.month, b.end_month)
        and a.year != b.year
    )


def _month_over_month_named(st, periods: list[Period]) -> list[int]:
    """ "MoM % change in total spend, oct to nov 2024", "month over month change, Nov to Dec
    2024": between two named months that follow one another, "month over month" is the change
    from the first to the second ('MoM' had been an unknown word). Months further apart
    (a monthly series, or which month's change?) are not read so. Returns the phrase's
    positions, its change word second (a change word said besides it is the one read)."""
    a, b = periods
    if a.kind != "month" or b.kind != "month" or b.year is None:
        return []
    if (a.year or b.year) * 12 + a.month + 1 != b.year * 12 + b.month:
        return []
    words = st.words
    free = {k for k in range(len(words)) if st.tag_at(k) is None and not st.taken[k]}
    for k in sorted(free):
        if words[k] in _MOM:
            return [k, k]
        if words[k : k + 3] == ["month", "over", "month"] and {k + 1, k + 2} <= free:
            return [k, k + 1, k + 2]
    return []


_MOM = set(MONTH_OVER_MONTH)


def _split_range(st) -> list[Period]:
    """ "from Q3 to Q4 2024" is read as one range (July to December); a change asks for its
    two ends, re-read from the words either side of "to"."""
    (start, end), period = st.time.spans[0], st.time.periods[0]
    if period.kind != "range" or len(st.time.spans) != 1:
        return []
    toks = st.tokens[start:end]
    cut = [k for k, t in enumerate(toks) if t.number is None and t.text in ("to", "and")]
    if len(cut) != 1:
        return []
    first = 1 if toks[0].text in ("from", "between") else 0
    halves = [toks[first : cut[0]], toks[cut[0] + 1 :]]
    out = []
    for half in halves:
        info = extract_time(half, [False] * len(half))
        if len(info.periods) != 1 or info.spans != [(0, len(half))]:
            return []
        out.append(info.periods[0])
    return out


def _start(p: Period) -> dt.date:
    if p.kind == "year":
        return dt.date(p.year, 1, 1)
    month = p.month if p.kind in ("month", "range") else 3 * p.quarter - 2
    return dt.date(p.year, month, 1)


def _name(p: Period) -> str:
    if p.kind == "year":
        return str(p.year)
    if p.kind == "range":
        first, last = (dt.date(p.year, m, 1).strftime("%B") for m in (p.month, p.end_month))
        return f"{first} to {last} {p.year}"  # (also an output column name: no hyphen)
    if p.kind == "quarter":
        return f"Q{p.quarter} {p.year}"
    return _start(p).strftime("%B %Y")


def attach(plan: Plan, periods: list[Period], st=None) -> None:
    """Record the change on a plan that splits one measure by the two periods' unit (called
    once the plan's order and limit are set: a ranking is a ranking by the change)."""
    if len(plan.measures) != 1 or plan.is_list:
        raise CannotAnswer(
            "I can compute the change of one measure between two periods; ask e.g. '% change "
            "in total spend from November to December 2024'."
        )
    grain = plan.groups[0]
    if periods[0].kind == "quarter":
        grain = next(g for g in plan.groups if g.label.endswith("_quarter_start"))
    if periods[0].kind in ("year", "range"):  # ranges: the same months of two years
        keys = tuple(p.year for p in periods)
    else:
        keys = tuple(_start(p).isoformat() for p in periods)
    plan.period_change = PeriodChange(grain.label, keys, tuple(_name(p) for p in periods))
    if plan.limit is not None:
        plan.period_change.rank = _rank(plan, st)


def _rank(plan: Plan, st) -> tuple[str, bool, int]:
    """ "top 3 states by spend growth from Q3 to Q4 2024": the groups ranked by the change.
    Growth is the difference or the percent change, two readings that can pick other
    groups: with no unit said both are recorded, and the engine declines when they differ."""
    if not [g for g in plan.groups if g.style not in ("year", "date")]:
        raise CannotAnswer(
            "Rank what by the change? Name a split, e.g. 'top 3 states by spend change from Q3 "
            "to Q4 2024'."
        )
    unit = getattr(st, "period_change_unit", None)
    if unit is None:
        options = ["change", "pct_change"]
        known = getattr(st, "alternatives", None)
        if known is not None and (RANK_KEY, options) not in known:
            known.append((RANK_KEY, options))
        unit = getattr(st, "choose", {}).get(RANK_KEY, "change")
    descending = plan.order[0][1] if plan.order else True
    return unit, descending, plan.limit


def answer_text(plan: Plan, columns: list[str], rows: list[list], fmt, human) -> str:
    """ "Total spend: November 2024 $1,031,884.50, December 2024 $1,147,003.98, change
    $115,119.48 (11.2%)."; per group, how many groups and the periods."""
    measure = plan.measures[0]
    a, b = plan.period_change.names
    if len(rows) == 1:
        va, vb, diff, pct = rows[0][-4:]
        style = measure.style
        # a single group ("the state that grew most"): its values first
        who = ", ".join(str(v) for v in rows[0][:-4])
        return (
            f"{who + ': ' if who else ''}{human(measure.label).capitalize()}: {a} "
            f"{fmt(va, style)}, {b} {fmt(vb, style)}, change {fmt(diff, style)} "
            f"({fmt(pct, 'percent')})."
        )
    text = f"{human(measure.label).capitalize()} from {a} to {b} and its change, for {len(rows):,} groups"
    if plan.period_change.rank is not None:
        # a ranking's answer is which groups: two readings of it are told apart by them
        text += ": " + "; ".join(", ".join(str(v) for v in row[:-4]) for row in rows)
    return text + "."


def wrap(plan: Plan, inner: str, dialect: str) -> str:
    """Both periods' values side by side for each group, their difference and percent change
    (NULL when the base is 0)."""
    change = plan.period_change
    time_labels = {
        g.label
        for g in plan.groups
        if g.label == change.key_label
        or g.label.endswith(("_year", "_quarter_number", "_quarter_start"))
        and g.style in ("year", "date")
    }
    groups = [g.label for g in plan.groups if g.label not in time_labels]
    measure = plan.measures[0].label
    if isinstance(change.keys[0], int):
        a_key, b_key = (str(k) for k in change.keys)
    else:
        a_key, b_key = (f"CAST('{k}' AS DATE)" for k in change.keys)
    a_name, b_name = (n.lower().replace(" ", "_") for n in change.names)
    a = f"MAX(CASE WHEN p.{change.key_label} = {a_key} THEN p.{measure} END)"
    b = f"MAX(CASE WHEN p.{change.key_label} = {b_key} THEN p.{measure} END)"
    shown = "".join(f"p.{g}, " for g in groups)
    inner_tree = sqlglot.parse_one(inner, read=dialect)
    inner_tree.set("order", None)
    inner_tree.set("limit", None)
    # labels are the model's own column names and keys parsed numbers or ISO dates: no user
    # text reaches this string, and the result is parsed again before it is returned
    text = (
        f"SELECT {shown}{a} AS {measure}_{a_name}, {b} AS {measure}_{b_name}, "  # noqa: S608
        f"{b} - {a} AS {measure}_change, "
        f"100.0 * ({b} - {a}) / NULLIF({a}, 0) AS {measure}_pct_change "
        f"FROM ({inner_tree.sql(dialect=dialect)}) AS p"
    )
    if groups:
        text += " GROUP BY " + ", ".join(f"p.{g}" for g in groups)
        ties = ", ".join(f"p.{g}" for g in groups)
        if change.rank is None:
            text += f" ORDER BY {ties}"
        else:
            # a group missing a period (or with a base of 0 for the percent) has no change:
            # ranked after every group that has one, in both dialects
            unit, descending, limit = change.rank
            way = "DESC" if descending else "ASC"
            text += f" ORDER BY {measure}_{unit} {way} NULLS LAST, {ties} LIMIT {int(limit)}"
    return sqlglot.parse_one(text, read=dialect).sql(dialect=dialect)

"""The change of a measure between two named calendar periods: "% change in total spend from
November to December 2024", "how much did spend grow from Q3 to Q4 2024", "spend change Q3
vs Q4 2024 by segment".

The engine already sets two periods of one unit side by side (a split by that unit over
both, planning._period_pair). A change word with such a pair asks for one row per group
holding both values, the difference B - A and the percent change 100 * (B - A) / A, where A
is the base. The base must be plain: named with no direction ("dec 2024 vs dec 2023",
"between Q4 and Q3") it is the earlier period, and the reading says so; "from December to
November" (the words against the calendar) declines. Both periods must be of one unit, and
the question must measure one figure; anything else declines rather than guess. "this month
vs last month" names the periods the as-of date places (name_relative_pair), and "how many
customers' spend fell by more than 50% from Nov to Dec" counts customers by their own change
(restate_customer_move).
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt

import sqlglot

from toolkit.assistant.change import item_columns
from toolkit.assistant.lexicon import Item
from toolkit.assistant.plan import CannotAnswer, Plan
from toolkit.assistant.timeparse import Period, extract_time
from toolkit.assistant.tokenise import Token
from toolkit.assistant.vocabulary import (
    CHANGE_COLUMNS,
    COMPARATORS,
    FALL_WORDS,
    MONTH_OVER_MONTH,
    PERCENT_WORDS,
    PERIOD_CHANGE_WORDS,
    PERIOD_OVER_PERIOD,
    RISE_WORDS,
    VERSUS_WORDS,
)

_UNITS = ("month", "quarter", "year")
# "customers whose spend grew", "customers who saw their spend change": a relative clause or a
# possessive pointing back at the rows asks for each one's own change, not the totals'
_RELATIVE = {"whose", "who", "that", "where", "which", "whom", "their"}
# "absolute change" (vs "% change"): which change ranks, when a ranking is asked
_ABSOLUTE = {"absolute", "dollar"}
# the choice point of a ranking by change with no unit said (readings.py runs both)
RANK_KEY = "growth@0"


@dataclasses.dataclass(frozen=True)
class CustomerMove:
    """ "how many customers' spend fell by more than 50% from Nov to Dec 2024": each customer's
    own change between the two periods, the customers counted where it passes the bound."""

    rise: bool
    op: str | None = None  # ">" or ">=" on the size of the move; None: any rise or fall
    pct: float | None = None

    def said(self) -> str:
        way = "rose" if self.rise else "fell"
        if self.op is None:
            return way
        return f"{way} by {'at least' if self.op == '>=' else 'more than'} {self.pct:g}%"


@dataclasses.dataclass
class PeriodChange:
    key_label: str  # the output column that says which period a row is (first day or year)
    keys: tuple  # (A, B): that column's value for each period, A the base
    names: tuple[str, str]  # "November 2024", "December 2024"
    # the earlier period, named second ("dec 2024 vs dec 2023"), taken as the base A
    later_first: bool = False
    # how the question named each period, when the as-of date placed it ("this month")
    said: tuple = (None, None)
    # each customer's own change counted where it passes a bound (restate_customer_move)
    move: CustomerMove | None = None
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
    mom = _over_named(st, periods)
    if mom:  # (a change word inside a phrase set free by it is read now)
        at = [i for i, w in enumerate(words) if w in PERIOD_CHANGE_WORDS and st.tag_at(i) is None]
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
    split = len(st.time.periods) == 1  # the two ends of one range said "from A to B"
    if a.year is not None and b.year is not None and _compared_to(st):
        if _start(a) < _start(b):
            # "how did Nov compare to Dec": Dec is the base by the grammar, Nov by the calendar
            raise CannotAnswer(
                "Which period is the base? 'How did A compare to B' measures A against B; say "
                "e.g. 'the change in spend from November to December 2024'."
            )
        a, b = b, a  # "how did Dec 2024 spend compare to Nov 2024": B is the base
    st.period_change_later_first = False
    if a.year is not None and b.year is not None and _start(a) >= _start(b):
        if _start(a) == _start(b) or _directed(st, split):
            # "from December to November 2024": the words say the change runs from December,
            # the calendar from November; two bases, so ask
            raise CannotAnswer(
                "Which period is the base? Name the earlier one first, e.g. 'the change in spend "
                "from November to December 2024'."
            )
        # "dec 2024 vs dec 2023, % change": "vs" names no direction, and between two periods
        # of one kind the change has one sensible base, the earlier (year over year); said so
        a, b = b, a
        st.period_change_later_first = True
    st.time.periods = [a, b]
    st.mark(*at, *mom)
    # "% change": the percent is the change's unit, not a share of rows; "absolute change"
    # the difference. Said or not, it only decides what a ranking orders by.
    st.period_change_unit = None
    near = [at[0] - 1, at[0] + 1]
    before = st.tag_at(at[0] - 1)
    if before is not None and before.end == at[0] and before.first("metric"):
        near.append(before.start - 1)  # "% spend change": the unit before the measure
    # "..., in percent", "as a %": the change's unit said apart (held-out set 20 took it for a
    # share of the total)
    near += [
        i
        for i, w in enumerate(words)
        if w in PERCENT_WORDS and (st.w(i - 1) == "in" or words[max(0, i - 2) : i] == ["as", "a"])
    ]
    for i in near:
        if st.w(i) in PERCENT_WORDS | _ABSOLUTE and st.tag_at(i) is None:
            st.taken[i] = True
            st.mark(i)
            st.period_change_unit = "change" if st.w(i) in _ABSOLUTE else "pct_change"
    st.period_change = True
    return True


_COUNT_OPENERS = (("how", "many"), ("number", "of"), ("count", "of"))


def restate_customer_move(tokens: list[Token], lex) -> tuple[list[Token], CustomerMove | None]:
    """ "how many customers' spend fell by more than 50% from nov to dec 2024?", "number of
    customers whose spend rose by at least 20% from Q3 to Q4 2024": a count of customers by
    their own change of spend between two named periods (it declined: "which measure does the
    number apply to?"). Restated as that change per customer ("spend change from nov to dec
    2024 per customer"), the count and its bound kept aside for :func:`attach_move`. Only this
    shape: a count opener, a customer noun (and "whose"), the spend, a rise or fall word (not
    "more than"), then "by more than / at least N%" or nothing, then periods of calendar
    months, quarters or years; anything else is left as it was."""
    texts = [t.text for t in tokens]
    opener = next((o for o in _COUNT_OPENERS if tuple(texts[: len(o)]) == o), None)
    if opener is None:
        return tokens, None
    k = len(opener)
    noun = next(
        (
            end
            for end in range(min(len(tokens), k + 2), k, -1)
            if any(
                it.kind == "table" and it.table == "customers"
                for it in lex.phrases.get(tuple(t.key for t in tokens[k:end]), [])
            )
        ),
        None,
    )
    if noun is None:
        return tokens, None
    # "customers' spend", "customers whose spend", and "customers spend" typed without the
    # apostrophe (it had counted every customer with a purchase in the periods)
    j = noun + (texts[noun : noun + 1] == ["whose"])
    move = next(
        (m for m in range(j + 1, min(len(tokens), j + 4)) if texts[m] in RISE_WORDS | FALL_WORDS),
        None,
    )
    if move is not None and texts[move + 1 : move + 2] == ["than"]:
        return tokens, None  # "spend more than $500": a bound on the spend, not its change
    items = lex.phrases.get(tuple(t.key for t in tokens[j:move]), []) if move else []
    if not items or not all(it.kind == "metric" and it.name == "total_spend" for it in items):
        return tokens, None
    m = move + 1 + (texts[move + 1 : move + 2] == ["by"])
    op = pct = None
    bound = next((c for c in COMPARATORS if tuple(texts[m : m + len(c[0])]) == c[0]), None)
    if bound is not None:
        at = m + len(bound[0])
        number = tokens[at] if at < len(tokens) else None
        if bound[1] not in (">", ">=") or number is None or not number.is_percent:
            return tokens, None  # another bound ("by less than 10%", "$500"): not read here
        op, pct, m = bound[1], float(number.number), at + 1
    elif m != move + 1:
        return tokens, None  # "fell by 50%": exactly? not read here
    rest = tokens[m:]
    info = extract_time(rest, [False] * len(rest))
    if not info.periods or any(
        p.kind not in ("month", "quarter", "year", "range") for p in info.periods
    ):
        return tokens, None
    said = [*tokens[j:move], Token("change", "change"), *rest]
    said += [Token("per", "per"), Token("customer", "customer")]
    return said, CustomerMove(texts[move] in RISE_WORDS, op, pct)


def attach_move(plan: Plan, move: CustomerMove) -> None:
    """Keep the per-customer change of spend restated by :func:`restate_customer_move` to a
    count of the customers whose change passes the bound; anything else read besides (another
    split, a ranking) declines."""
    change = plan.period_change
    if (
        change is None
        or change.rank is not None
        or [g.label for g in plan.groups if g.label not in _time_labels(plan)]
        != ["customer_id", "full_name"]
        or [m.label for m in plan.measures] != ["total_spend"]
    ):
        raise CannotAnswer(
            "I can count customers whose spend rose or fell between two named periods, e.g. "
            "'how many customers' spend fell by more than 50% from November to December 2024'."
        )
    change.move = move


def _time_labels(plan: Plan) -> set[str]:
    change = plan.period_change
    return {
        g.label
        for g in plan.groups
        if g.label == change.key_label
        or g.label.endswith(("_year", "_quarter_number", "_quarter_start"))
        and g.style in ("year", "date")
    }


def _directed(st, split: bool) -> bool:
    """Do the words give the change a direction? "from A to B" and "A to B" do (the change runs
    from A); "A vs B", "A compared to B", "between A and B" and "A, B" do not."""
    spans = st.time.spans
    if split:
        return st.tokens[spans[0][0]].text != "between"
    if len(spans) != 2:
        return True
    between = set(st.words[spans[0][1] : spans[1][0]])
    return not between or ("to" in between and not VERSUS_WORDS & between)


_RELATIVE_UNITS = {"MONTH": 1, "QUARTER": 3, "YEAR": 12}


def name_relative_pair(st) -> None:
    """ "spend this month vs last month", "% change this quarter vs last quarter": the current
    and the previous calendar period of one unit compared are the periods the as-of date places
    ("this month" = the as-of date's month, "last month" = the one before), named so the pair
    and change machinery reads them like "November vs December 2024" (they had declined as two
    periods). Only when the as-of date is the last day of its period: then "this month" is the
    whole month and "last month" has one reading. Before that "this month" is a part of the
    month, and "last month" is the whole previous month or the same span of it; two readings
    that can differ, so the question declines naming both. Only with a word that compares or
    asks the change ("this month and last month" may ask for one total: left as it was)."""
    periods = st.time.periods
    asof = getattr(st, "asof", None)
    if (
        len(periods) != 2
        or asof is None
        or sorted(p.kind for p in periods) != ["current", "previous"]
    ):
        return
    unit = periods[0].unit
    if periods[1].unit != unit or unit not in _RELATIVE_UNITS or any(p.rival for p in periods):
        return
    if not (VERSUS_WORDS | PERIOD_CHANGE_WORDS) & set(st.words):
        return
    months = _RELATIVE_UNITS[unit]
    first_month = (asof.month - 1) // months * months + 1
    start = dt.date(asof.year, first_month, 1)
    end = _shift_months(start, months) - dt.timedelta(days=1)
    prior = _shift_months(start, -months)
    word = unit.lower()
    if asof != end:
        same = _shift_months(asof, -months)
        this, last = (_name(_calendar_period(unit, day, "")) for day in (start, prior))
        raise CannotAnswer(
            f"This {word} runs from {_day(start)} to {_day(asof)}, the latest day in the data, so "
            f"'last {word}' has two readings: the whole {word} ({_day(prior)} to "
            f"{_day(start - dt.timedelta(days=1))}) or the same span of it ({_day(prior)} to "
            f"{_day(same)}), and the two can differ, so I won't pick one. For the whole {word}, "
            f"name both: 'in {this} vs {last}'."
        )
    st.time.periods = [
        _calendar_period(unit, start if p.kind == "current" else prior, _said(p, word))
        for p in periods
    ]


def _said(p: Period, word: str) -> str:
    return f"this {word}" if p.kind == "current" else f"last {word}"


def _calendar_period(unit: str, start: dt.date, said: str) -> Period:
    if unit == "YEAR":
        return Period("year", year=start.year, said=said)
    if unit == "QUARTER":
        return Period("quarter", year=start.year, quarter=(start.month - 1) // 3 + 1, said=said)
    return Period("month", year=start.year, month=start.month, said=said)


def _shift_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (earlier when negative), kept inside a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


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


def _over_named(st, periods: list[Period]) -> list[int]:
    """ "MoM % change in total spend, oct to nov 2024", "YoY % change in spend, Q4 2024 vs Q4
    2023", "QoQ growth Q3 to Q4 2024": between two named periods one unit apart, "<unit> over
    <unit>" (or its abbreviation) is the change from the earlier to the later ('MoM', 'YoY' had
    been unknown words). Periods further apart (a series, or which period's change?) are not
    read so. "month over month change in total spend from last month to this month": the phrase
    is also the profile's own month-over-month column; with another measure named and two
    months named it is the change of that measure (the column's tag is dropped). Returns the
    phrase's positions, its change word second (a change word said besides it is the one read)."""
    a, b = periods
    if b.year is None or not (
        (a.kind == b.kind and a.kind in _UNITS) or same_months_of_two_years(a, b)
    ):
        return []
    if a.year is None:
        a = dataclasses.replace(a, year=b.year)  # "oct to nov 2024"
    apart = abs(_months(_start(b)) - _months(_start(a)))
    units = {"year": 12}
    if a.kind in ("month", "quarter"):
        units[a.kind] = 1 if a.kind == "month" else 3
    words = st.words
    mom_column = CHANGE_COLUMNS["month_over_month"]
    measured = any(it.kind == "metric" and it.name != mom_column for t in st.tags for it in t.items)
    for tag in list(st.tags):
        if (
            units.get("month") == apart == 1
            and measured
            and all(it.name == mom_column for it in tag.items)
            and words[tag.start : tag.start + 3] == ["month", "over", "month"]
        ):
            st.tags.remove(tag)  # the profile's column: another measure's change is asked
            for k in range(tag.start, tag.end):
                st.taken[k] = False
    free = {k for k in range(len(words)) if st.tag_at(k) is None and not st.taken[k]}
    for unit, months in units.items():
        if months != apart:
            continue
        shorthand = _MOM if unit == "month" else PERIOD_OVER_PERIOD.get(unit, set())
        for k in sorted(free):
            if words[k] in shorthand:
                return [k, k]
            if words[k : k + 3] == [unit, "over", unit] and {k + 1, k + 2} <= free:
                return [k, k + 1, k + 2]
    return []


def _months(day: dt.date) -> int:
    return day.year * 12 + day.month


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
    later_first = bool(getattr(st, "period_change_later_first", False))
    plan.period_change = PeriodChange(
        grain.label,
        keys,
        tuple(_name(p) for p in periods),
        later_first,
        tuple(p.said for p in periods),
    )
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


def _count_moved(pivot: str, move: CustomerMove, a: str, b: str) -> str:
    """The customers of the per-customer pivot whose change passes the bound. A customer with no
    spend in the base period A has no percent change (division by nothing) and is left out; no
    spend in B is 0 (a fall of 100%)."""
    after = f"COALESCE(c.{b}, 0)"
    if move.op is None:
        test = f"{after} {'>' if move.rise else '<'} c.{a}"
    else:
        op = move.op if move.rise else move.op.replace(">", "<")
        bound = move.pct if move.rise else -move.pct
        test = f"100.0 * ({after} - c.{a}) / c.{a} {op} {bound:g}"
    # a and b are the pivot's own column names (the model's labels and period names)
    return f"SELECT COUNT(*) AS customer_count FROM ({pivot}) AS c WHERE c.{a} > 0 AND {test}"  # noqa: S608


def answer_text(plan: Plan, columns: list[str], rows: list[list], fmt, human) -> str:
    """ "Total spend: November 2024 $1,031,884.50, December 2024 $1,147,003.98, change
    $115,119.48 (11.2%)."; per group, how many groups and the periods."""
    measure = plan.measures[0]
    a, b = plan.period_change.names
    move = plan.period_change.move
    if move is not None:
        return (
            f"{fmt(rows[0][0], 'count')} customers' {human(measure.label)} {move.said()} from {a} "
            f"to {b} (customers with no {human(measure.label)} in {a} left out)."
        )
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
    time_labels = _time_labels(plan)
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
        if change.move is not None:
            text = _count_moved(text, change.move, f"{measure}_{a_name}", f"{measure}_{b_name}")
        elif change.rank is None:
            text += f" ORDER BY {ties}"
        else:
            # a group missing a period (or with a base of 0 for the percent) has no change:
            # ranked after every group that has one, in both dialects
            unit, descending, limit = change.rank
            way = "DESC" if descending else "ASC"
            text += f" ORDER BY {measure}_{unit} {way} NULLS LAST, {ties} LIMIT {int(limit)}"
    return sqlglot.parse_one(text, read=dialect).sql(dialect=dialect)

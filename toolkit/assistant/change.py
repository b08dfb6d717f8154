"""A rise or a fall of spend: "how many customers increased their spend month over month?",
"which segments saw spend drop in the last 90 days compared with the prior 90 days?".

Plan stage. A direction word (vocabulary.yaml `rise_words` / `fall_words`) with the spend
measure and a basis the profile holds per customer — its month-over-month change, or its
last and prior 90-day spend — becomes a condition on customers ("customers whose ...") or,
asked of groups ("which segments ..."), a condition on each group's totals. Anything else
(another window, a transaction-side split, month over month per group) is left to the
ordinary reading, which declines: no change is guessed from columns that do not hold it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlglot import exp

from toolkit.assistant.ground import Tag
from toolkit.assistant.lexicon import Item
from toolkit.assistant.plan import CannotAnswer, Condition, Plan, sql
from toolkit.assistant.vocabulary import (
    AGG_WORDS,
    CHANGE_COLUMNS,
    CHANGE_WORDS,
    COMPARATORS,
    FALL_WORDS,
    PERCENT_METRICS,
    PERCENT_WORDS,
    RISE_WORDS,
)

_PRIOR = {"prior", "previous", "preceding", "before"}
_TXN_SIDE = {"transactions", "merchant_categories", "dates"}


@dataclass
class Change:
    rise: bool
    basis: str  # "month_over_month" | "90_days"
    customer_level: bool
    size: tuple[str, float] | None = None  # (">" | ">=", percent) the spend moved by


def read_change(st) -> Change | None:
    """Claim the words of a change of spend; None when the question is not one."""
    words = st.words
    moves = [
        i
        for i, w in enumerate(words)
        if (w in RISE_WORDS or w in FALL_WORDS)
        and st.tag_at(i) is None
        and not st.used[i]
        and st.w(i + 1) != "than"  # "dropped more than 50%": "more than" is the comparator
    ]
    spend = [
        t for t in st.tags if any(i.kind == "metric" and i.name == "total_spend" for i in t.items)
    ]
    # "saw their 90-day spend drop vs the prior 90 days": the last-90-day spend named by its
    # own column is one window already; the prior window is the only period left to say
    recent = [
        t
        for t in st.tags
        if any(i.name == CHANGE_COLUMNS["last_90_days"] for i in t.items)
        and not any(i.kind == "metric" and i.name == "total_spend" for i in t.items)
    ]
    named_window = 0
    if not spend and len(recent) == 1 and _PRIOR & set(words):
        spend, named_window = recent, 1
    if not moves or not spend:
        return None
    if len(moves) != 1 or len(spend) != 1:
        if _month_over_month(words) or len(st.time.periods) == 2:
            # "total spend of customers whose spend fell month over month": which spend moved
            # and which is measured is more than this reading can tell apart
            raise CannotAnswer(
                "I can't tell which spend the rise or fall applies to; ask e.g. 'how many "
                "customers increased their spend month over month'."
            )
        return None
    periods = st.time.periods
    windows = _loose_90_day_windows(st)
    if named_window:  # the "90-day" of "90-day spend" is that column's name, not a window
        windows = [k for k in windows if not spend[0].start <= k < spend[0].end]
    if _month_over_month(words) and not periods:
        basis = "month_over_month"
        st.time.grain = None
        st.mark(*[i for i, w in enumerate(words) if w == "mom"])
    elif (
        len(periods) + len(windows) + named_window == 2
        and all(p.kind == "rolling" and p.unit == "DAY" and p.n == 90 for p in periods)
        and _PRIOR & set(words)
    ):
        basis = "90_days"
        st.time.periods = []
        for k in windows:  # "than in the 90 days before": the second window, read here
            st.mark(k, k + 1)
            st.tags = [t for t in st.tags if not t.start <= k + 1 < t.end]
    else:
        return None
    move = moves[0]
    # "dropped more than 50%", "increased their spend by at least 20%"
    size = _size(st, move) or (_size(st, spend[0].end - 1) if spend[0].start > move else None)
    st.mark(move, *range(spend[0].start, spend[0].end))
    st.mark(*[i for i, w in enumerate(words) if w in CHANGE_WORDS and st.tag_at(i) is None])
    st.comparator_tokens.add(move)  # "more", "lower": not a ranking word here
    st.tags = [t for t in st.tags if t is not spend[0]]
    customer_level = any(
        i.table == "customers" and (i.kind == "table" or i.name == "customer_count")
        for t in st.tags
        for i in t.items
    )
    return Change(words[move] in RISE_WORDS, basis, customer_level, size)


def _size(st, move: int) -> tuple[str, float] | None:
    """ "dropped (by) more than 50%", "grew at least 20 percent": how far spend moved, read
    right after its direction word (or the spend after it) as a comparator and a percentage
    (held-out set 11: "spend dropped more than 50% month over month" declined). Any other
    number there (an amount, "less than 10%") is not read here, so the question declines
    rather than guess."""
    k = move + 1 + (st.w(move + 1) == "by")
    for phrase, op in COMPARATORS:
        if op not in (">", ">=") or tuple(st.w(k + j) for j in range(len(phrase))) != phrase:
            continue
        at = k + len(phrase)
        if at < len(st.tokens) and st.tokens[at].number is not None and st.tokens[at].is_percent:
            st.mark(*range(move + 1, at + 1))
            st.comparator_tokens.update(range(move + 1, at + 1))
            return op, float(st.tokens[at].number)
        return None
    return None


def _loose_90_day_windows(st) -> list[int]:
    """ "the 90 days before": a 90-day window the time reader left (no "in"/"last" before
    its number), as the index of its number."""
    inside = {i for start, end in st.time.spans for i in range(start, end)}
    return [
        k
        for k, token in enumerate(st.tokens)
        if token.number == 90 and st.w(k + 1) == "day" and k not in inside and not st.used[k]
    ]


def _month_over_month(words: list[str]) -> bool:
    triples = zip(words, words[1:], words[2:], strict=False)
    return "mom" in words or ("month", "over", "month") in triples


def apply_change(plan: Plan, change: Change) -> None:
    """Add the change as a condition on customers, or on each group's totals."""
    if plan.base != "customers":
        raise CannotAnswer(
            "A rise or fall of spend is held per customer; ask about customers or their "
            "segments, card types, states."
        )
    op, word = (">", "above") if change.rise else ("<", "below")
    if change.size is not None:
        # "more than 50%" is strict, "at least 50%" is not, on either side of zero
        op = op + ("=" if change.size[1] != 0 and change.size[0] == ">=" else "")
        pct = change.size[1]
        bound = pct if change.rise else -pct
        factor = f"{1 + bound / 100:g}"
        how = (
            f"{'up' if change.rise else 'down'} {'at least' if '=' in op else 'more than'} {pct:g}%"
        )
    else:
        bound, factor, how = 0, "1", "up" if change.rise else "down"
    if change.basis == "month_over_month":
        if plan.groups and not change.customer_level:
            raise CannotAnswer(
                "Month-over-month change is held per customer, not per group; ask e.g. 'how "
                "many customers per segment increased their spend month over month'."
            )
        column = CHANGE_COLUMNS["month_over_month"]
        plan.conditions.append(
            Condition(
                "customers",
                sql(f"{column} {op} {bound:g}"),
                describe=f"spend {how} on the previous month",
            )
        )
        return
    last, prior = CHANGE_COLUMNS["last_90_days"], CHANGE_COLUMNS["prior_90_days"]
    scaled = f"SUM({prior})" if factor == "1" else f"SUM({prior}) * {factor}"
    if plan.groups and not change.customer_level:
        plan.having.append(sql(f"SUM({last}) {op} {scaled}"))
        return
    scaled = prior if factor == "1" else f"{prior} * {factor}"
    said = word if change.size is None else f"{how} on"
    plan.conditions.append(
        Condition(
            "customers",
            sql(f"{last} {op} {scaled}"),
            describe=f"spend in the last 90 days {said} the 90 days before",
        )
    )


_CHANGE_NOUNS = {"change", "growth", "difference", "delta"}


def read_percent_change(st) -> None:
    """ "total 90-day spend vs prior 90 days, % change": a percent change of the last-90-day
    spend over the prior 90 days is the model's metric that reads both columns as a percent
    (found by its expression, so no metric is named here). The percent word goes with
    "change" (not "what % of customers ..."), and the windows are absorbed as restated.
    Anything else is left as it was."""
    words = st.words
    at = [
        i
        for i, w in enumerate(words)
        if w in PERCENT_WORDS
        and not st.taken[i]
        and (st.w(i + 1) in _CHANGE_NOUNS or st.w(i - 1) in _CHANGE_NOUNS)
    ]
    last, prior = CHANGE_COLUMNS["last_90_days"], CHANGE_COLUMNS["prior_90_days"]
    named = [
        t
        for t in st.tags
        if any(it.kind in ("metric", "column") and last in item_columns(st, it) for it in t.items)
    ]
    if len(at) == 1 and not named:
        named = _spend_in_two_90_day_windows(st)
    if len(at) != 1 or len(named) != 1 or not _PRIOR & set(words) or _txn_side_said(st):
        return
    metric = next(
        (
            m
            for table in st.model.tables.values()
            for m in table.metrics.values()
            if m.name in PERCENT_METRICS and {last, prior} <= _columns_of(m.expr)
        ),
        None,
    )
    if metric is None:
        return
    i = at[0]
    noun = i + 1 if st.w(i + 1) in _CHANGE_NOUNS else i - 1
    st.taken[i] = True  # the percent is the metric's unit, not a share of rows
    st.mark(i, noun)
    named[0].items = [Item("metric", metric.table, metric.name)]


_VERSUS = {"vs", "versus", "compared", "against"}


def read_both_90_day_sides(st) -> None:
    """ "total spend last 90 days vs the prior 90 days", "spend in the last 90 days compared to
    the 90 days before": the last-90-day spend set against a prior 90-day window with no change
    asked (a "% change" is read by read_percent_change first) asks for both figures, the total
    of the last and of the prior 90-day spend. It had answered the last 90 days alone, the
    second window read as restating the first (held-out set 18). The prior window becomes the
    prior-90-day total, the metric of the same form over the other column; when the first side
    is no such total ("average spend ...", a listed column) the question declines rather than
    drop a side."""
    words = set(st.words)
    if not _VERSUS & words or not _PRIOR & words:
        return
    last, prior = CHANGE_COLUMNS["last_90_days"], CHANGE_COLUMNS["prior_90_days"]
    if any(_item_reads(st, it, prior) for t in st.tags for it in t.items):
        return  # both sides named already ("spend last 90 days vs spend prior 90 days")
    sides = [t for t in st.tags if any(_item_reads(st, it, last) for it in t.items)]
    if any(AGG_WORDS.get(w, "SUM") != "SUM" for w in st.words) and (
        sides or _spend_in_two_90_day_windows(st)
    ):
        # "average spend in the last 90 days compared to the prior 90 days": per customer or
        # per transaction; the totals would drop the average
        raise CannotAnswer(
            "An average over the last and prior 90 days has several readings (per customer, per "
            "transaction); ask for 'total spend last 90 days vs the prior 90 days' or the "
            "'% change'."
        )
    if not sides:
        sides = _spend_in_two_90_day_windows(st)
        if sides:  # the trailing-window spend is the last-90-day total
            sides[0].items = [_same_over(st, "total_spend", "amount", last) or sides[0].items[0]]
    if not sides:
        return
    periods = st.time.periods
    loose = _loose_90_day_windows(st)
    windows = [p for p in periods if (p.kind, p.unit, p.n) == ("rolling", "DAY", 90)]
    if len(sides) != 1 or len(windows) != len(periods) or not 1 <= len(periods) + len(loose) <= 2:
        return
    side = sides[0]
    item = next(it for it in side.items if _item_reads(st, it, last))
    other = _same_over(st, item.name, last, prior) if item.kind == "metric" else None
    if other is None:
        raise CannotAnswer(
            "That compares the last 90 days with the prior 90 days; ask for both figures, e.g. "
            "'total spend last 90 days and total spend prior 90 days', or for the '% change'."
        )
    side.items = [item]
    inside = [i for start, end in st.time.spans for i in range(start, end)]
    at = max([side.end, *inside, *loose])
    st.time.periods = []
    st.mark(*inside, *loose, *[k + 1 for k in loose if st.w(k + 1) == "day"])
    st.mark(*[i for i, w in enumerate(st.words) if w in _PRIOR | _VERSUS | {"to", "with"}
              and st.tag_at(i) is None])  # fmt: skip
    st.tags = sorted([*st.tags, Tag(at, at + 1, [other])], key=lambda t: t.start)
    st.p_notes = ["the last 90 days and the 90 days before"]


def _item_reads(st, item, column: str) -> bool:
    """Does ``item`` name ``column`` or a metric reading it alone?"""
    if item.kind == "column":
        return item.name == column
    return item.kind == "metric" and item_columns(st, item) == {column}


def _same_over(st, name: str, column: str, other: str) -> Item | None:
    """The metric of the same form as ``name`` over ``other`` instead of ``column``
    (SUM(spend_last_90_days) -> SUM(spend_prior_90_days)), if the model has one."""
    metric = next((t.metrics[name] for t in st.model.tables.values() if name in t.metrics), None)
    if metric is None:
        return None
    want = sql(metric.expr).transform(
        lambda n: exp.column(other) if isinstance(n, exp.Column) and n.name == column else n
    )
    for key, table in st.model.tables.items():
        for m in table.metrics.values():
            if sql(m.expr) == want:
                return Item("metric", key, m.name)
    return None


def _txn_side_said(st) -> bool:
    """ "dining spend ...", "online spend ...": the 90-day columns hold all of a customer's
    spend, so a change of some transactions' spend is not theirs (it had answered the change
    of all spend of customers with a dining purchase); left to the ordinary reading."""
    return any(
        i.kind in ("value", "filter") and i.table in _TXN_SIDE for t in st.tags for i in t.items
    )


_CLAUSE = {"who", "whose", "that", "with", "having"}


def decline_filtered_90_day_change(st) -> None:
    """ "dining spend growth, last 90 days vs prior 90 days", "online spend change 90d %": a
    metric of the last and prior 90-day spend columns holds all of a customer's spend, so with
    a value of the transactions named and no clause on the customers ("of customers who shop
    online") it is not that spend's change; it had answered the change of all spend of the
    customers with such a purchase. Declined rather than guessed."""
    last, prior = CHANGE_COLUMNS["last_90_days"], CHANGE_COLUMNS["prior_90_days"]
    if not any(_reads(st, item, {last, prior}) for t in st.tags for item in t.items):
        return
    if _txn_side_said(st) and not _CLAUSE & set(st.words):
        raise CannotAnswer(
            "The 90-day spend change is held per customer over all their spend, not for some of "
            "their transactions; ask e.g. 'dining spend in Q3 vs Q4 2024, % change' for named "
            "periods, or the change of customers who bought dining."
        )


def _spend_in_two_90_day_windows(st) -> list:
    """ "how did spend in the last 90 days compare to the 90 days before? % change": total spend
    in the trailing 90-day window against a 90-day window said to come before it is the
    last-90-day spend against the prior 90 days, the two columns the change metric reads
    ("before" and "change" had been unread). Only one spend measure, that one window, and
    one more "90 days" and a word for before ("the 90 days before", "the prior 90 days"); a
    second window's "day" left loose is no date column then. Returns the spend's tag, now naming
    the last-90-day column (the caller turns it into the change metric)."""
    spend = [
        t for t in st.tags if any(i.kind == "metric" and i.name == "total_spend" for i in t.items)
    ]
    periods = st.time.periods
    if len(spend) != 1 or not periods or not _PRIOR & set(st.words):
        return []
    # "dining spend ...", "online spend ...": the columns hold all of a customer's spend, so
    # spend of some transactions only is not theirs (left to the ordinary reading)
    if any(
        i.kind in ("value", "filter") and i.table in _TXN_SIDE for t in st.tags for i in t.items
    ):
        return []
    if any((p.kind, p.unit, p.n) != ("rolling", "DAY", 90) for p in periods):
        return []
    loose = _loose_90_day_windows(st)
    if len(periods) + len(loose) != 2:
        return []
    days = {k + 1 for k in loose}
    st.tags = [t for t in st.tags if not (t.start in days and t.end == t.start + 1)]
    table = next(
        key
        for key, table in st.model.tables.items()
        if CHANGE_COLUMNS["last_90_days"] in table.columns
    )
    spend[0].items = [Item("column", table, CHANGE_COLUMNS["last_90_days"])]
    return spend


def item_columns(st, item) -> frozenset[str]:
    if item.kind == "column":
        return frozenset({item.name})
    return _columns_of(st.model.tables[item.table].metrics[item.name].expr)


def absorb_restated_windows(st) -> None:
    """ "spend growth by region, last 90 days vs prior 90": a metric read off both the
    last-90-day and the prior-90-day columns (the 90-day spend change) is that comparison
    already; windows that say exactly those two periods restate it and bound nothing else
    (held-out set 11: the first window was taken to limit an all-time figure, and declined).
    Any other period is left to the ordinary reading."""
    last, prior = CHANGE_COLUMNS["last_90_days"], CHANGE_COLUMNS["prior_90_days"]
    if not any(_reads(st, item, {last, prior}) for t in st.tags for item in t.items):
        return
    periods = st.time.periods
    if not periods or not all(
        p.kind == "rolling" and p.unit == "DAY" and p.n == 90 for p in periods
    ):
        return
    inside = {i for start, end in st.time.spans for i in range(start, end)}
    # "prior 90": the second window's number after a word for "before", its unit unsaid
    bare = [
        k
        for k, token in enumerate(st.tokens)
        if token.number == 90
        and k not in inside
        and not st.used[k]
        and (st.w(k - 1) in _PRIOR or st.w(k + 1) == "day")
    ]
    if len(periods) + len(bare) != 2 or not _PRIOR & set(st.words):
        return
    st.time.periods = []
    for k in bare:
        st.mark(k, *([k + 1] if st.w(k + 1) == "day" else []))
    st.mark(
        *[
            i
            for i, w in enumerate(st.words)
            if (w in _PRIOR or w in {"vs", "versus", "compared", "with", "to", "against"})
            and st.tag_at(i) is None
        ]
    )
    st.p_notes = ["in the last 90 days against the 90 days before"]


def _reads(st, item, columns: set[str]) -> bool:
    if item.kind != "metric":
        return False
    return columns <= _columns_of(st.model.tables[item.table].metrics[item.name].expr)


@lru_cache(maxsize=256)
def _columns_of(expr: str) -> frozenset[str]:
    """The columns a metric's expression reads (parsed once per expression: latency)."""
    return frozenset(c.name for c in sql(expr).find_all(exp.Column))

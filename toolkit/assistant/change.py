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

from toolkit.assistant.plan import CannotAnswer, Condition, Plan, sql
from toolkit.assistant.vocabulary import CHANGE_COLUMNS, CHANGE_WORDS, FALL_WORDS, RISE_WORDS

_PRIOR = {"prior", "previous", "preceding", "before"}


@dataclass
class Change:
    rise: bool
    basis: str  # "month_over_month" | "90_days"
    customer_level: bool


def read_change(st) -> Change | None:
    """Claim the words of a change of spend; None when the question is not one."""
    words = st.words
    moves = [
        i
        for i, w in enumerate(words)
        if (w in RISE_WORDS or w in FALL_WORDS) and st.tag_at(i) is None and not st.used[i]
    ]
    spend = [
        t for t in st.tags if any(i.kind == "metric" and i.name == "total_spend" for i in t.items)
    ]
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
    after = st.tokens[moves[0] + 2] if moves[0] + 2 < len(st.tokens) else None
    if words[moves[0] + 1 : moves[0] + 2] == ["than"] and after is not None and after.number:
        return None  # "spent more than $500": a threshold, not a change
    periods = st.time.periods
    windows = _loose_90_day_windows(st)
    if _month_over_month(words) and not periods:
        basis = "month_over_month"
        st.time.grain = None
        st.mark(*[i for i, w in enumerate(words) if w == "mom"])
    elif (
        len(periods) + len(windows) == 2
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
    st.mark(move, *range(spend[0].start, spend[0].end))
    st.mark(*[i for i, w in enumerate(words) if w in CHANGE_WORDS and st.tag_at(i) is None])
    st.comparator_tokens.add(move)  # "more", "lower": not a ranking word here
    st.tags = [t for t in st.tags if t is not spend[0]]
    customer_level = any(
        i.table == "customers" and (i.kind == "table" or i.name == "customer_count")
        for t in st.tags
        for i in t.items
    )
    return Change(words[move] in RISE_WORDS, basis, customer_level)


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
                sql(f"{column} {op} 0"),
                describe=f"spend {'up' if change.rise else 'down'} on the previous month",
            )
        )
        return
    last, prior = CHANGE_COLUMNS["last_90_days"], CHANGE_COLUMNS["prior_90_days"]
    if plan.groups and not change.customer_level:
        plan.having.append(sql(f"SUM({last}) {op} SUM({prior})"))
        return
    plan.conditions.append(
        Condition(
            "customers",
            sql(f"{last} {op} {prior}"),
            describe=f"spend in the last 90 days {word} the 90 days before",
        )
    )

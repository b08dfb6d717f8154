"""How many distinct values of a customer attribute: "how many states do we have customers
in?", "how many card types are there", "number of distinct segments among Platinum
customers".

Parse stage. "how many" / "number of" / "count of" (optionally "distinct", "different",
"unique") right before a customer attribute counts that attribute's distinct values over
the customers the rest of the question selects. Before this, the attribute was dropped and
the customers were counted (600 for "how many card types are there"). A merchant category
is counted over its own rows when nothing else is said ("how many merchant categories are
there"), over the approved transactions when the question says spend ("did we see spend in",
"with spend", "shopped at"); anything else declines (which rows?).
"""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.assistant.lexicon import Item
from toolkit.assistant.plan import CannotAnswer, Measure, Plan, sql
from toolkit.assistant.vocabulary import (
    COUNT_BARE,
    COUNT_SPEND_GLUE,
    COUNT_SPEND_NOUNS,
    PURCHASE_VERBS,
)

_LEADS = (("how", "many"), ("number", "of"), ("count", "of"))
_DISTINCT = {"distinct", "different", "unique"}


def read_distinct_count(st) -> str | OtherCount | None:
    """The customer column counted, its tag read as a count of customers for now (or another
    table's attribute, with the rows it is counted over)."""
    words = st.words
    for k in range(len(words) - 1):
        if (words[k], words[k + 1]) not in _LEADS:
            continue
        j = k + 2 + (st.w(k + 2) in _DISTINCT)
        tag = st.tag_at(j)
        if tag is None or tag.start != j or not st.tokens[tag.end - 1].raw.lower().endswith("s"):
            return None  # "how many Platinum customers": a count of rows, as before
        kinds = {i.kind for i in tag.items}
        if kinds != {"column"}:
            if kinds == {"table", "column"}:
                other = _other_table_count(st, k, j, tag)
                if other is not None:
                    return other
                raise CannotAnswer(
                    "Counting those needs to know which rows: ask e.g. 'spend per merchant "
                    "category last month' and count the rows shown."
                )
            return None
        column = next((i.name for i in tag.items if i.table == "customers"), None)
        if column is None:
            return None
        tag.items = [Item("metric", "customers", "customer_count")]
        st.mark(*range(k, j))
        return column
    return None


@dataclass
class OtherCount:
    """How many distinct values of another table's attribute, and over which rows: "rows" (the
    table's own rows) or "spend" (the approved transactions the rest of the question selects)."""

    table: str
    column: str
    over: str


# (the words of a bare count and of spend: vocabulary.yaml distinct_count)
_BARE = COUNT_BARE
_SPEND_NOUNS = COUNT_SPEND_NOUNS
_SPEND_GLUE = COUNT_SPEND_GLUE


def _other_table_count(st, k, j, tag) -> OtherCount | None:
    """ "how many merchant categories are there": the table's own rows; "how many different
    merchant categories did we see spend in last month", "number of categories with spend in
    2024", "how many categories did customers shop at": the categories of the approved
    transactions the question selects. Other phrasings still decline (which rows?). Only the
    merchant categories, whose transactions reach them many-to-one."""
    table = next(i.table for i in tag.items if i.kind == "table")
    column = next(i.name for i in tag.items if i.kind == "column" and i.table == table)
    if table != "merchant_categories":
        return None
    rest = range(tag.end, len(st.words))
    if all(st.words[i] in _BARE for i in rest) and not st.time.periods:
        st.mark(*range(k, len(st.words)))
        st.tags.remove(tag)
        return OtherCount(table, column, "rows")
    spend = [
        i
        for i in rest
        if st.words[i] in _SPEND_NOUNS | PURCHASE_VERBS
        or any(
            it.kind == "metric" and it.name == "total_spend"
            for it in (st.tag_at(i) or _NO_TAG).items
        )
    ]
    if not spend:
        return None
    for i in spend:
        other = st.tag_at(i)
        if other is not None and other in st.tags:
            st.tags.remove(other)  # the spend says which rows; it is not a second measure
    st.mark(*spend, *[i for i in rest if st.words[i] in _SPEND_GLUE], *range(k, j))
    tag.items = [Item("metric", "transactions", "transaction_count")]
    return OtherCount(table, column, "spend")


class _NoTag:
    items: tuple = ()


_NO_TAG = _NoTag()


def other_count_plan(counted: OtherCount, expr) -> Plan:
    """The table's own rows counted: "how many merchant categories are there"."""
    return Plan(
        base=counted.table,
        subject=counted.table,
        measures=[
            Measure(
                f"{counted.column}_count",
                counted.table,
                sql(f"COUNT(DISTINCT {expr})"),
                style="count",
            )
        ],
    )


def _count_distinct_instead(
    plan: Plan,
    *,
    base: str,
    counted_rows: str,
    table: str,
    column: str,
    expr,
    example: str,
    uses_status: bool = False,
) -> None:
    """Replace a plain count of the base's rows by a count of the column's distinct values;
    anything more (a split, a list, another measure) declines."""
    if (
        plan.base != base
        or [m.label for m in plan.measures] != [counted_rows]
        or plan.groups
        or plan.is_list
    ):
        raise CannotAnswer(
            f"Ask for the number of {column.replace('_', ' ')} values on its own, e.g. '{example}'."
        )
    plan.measures = [
        Measure(
            f"distinct_{column}_count",
            table,
            sql(f"COUNT(DISTINCT {expr})"),
            uses_status=uses_status,
            style="count",
        )
    ]


def apply_other_count(plan: Plan, counted: OtherCount, expr) -> None:
    """The distinct values over the approved transactions the plan selects."""
    _count_distinct_instead(
        plan,
        base="transactions",
        counted_rows="transaction_count",
        table=counted.table,
        column=counted.column,
        expr=expr,
        example="how many merchant categories had spend last month",
        uses_status=True,
    )


def apply_distinct_count(plan: Plan, column: str, expr) -> None:
    """Count the column's distinct values instead of the customers."""
    _count_distinct_instead(
        plan,
        base="customers",
        counted_rows="customer_count",
        table="customers",
        column=column,
        expr=expr,
        example="how many states do we have customers in",
    )

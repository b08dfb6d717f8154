"""How many distinct values of a customer attribute: "how many states do we have customers
in?", "how many card types are there", "number of distinct segments among Platinum
customers".

Parse stage. "how many" / "number of" / "count of" (optionally "distinct", "different",
"unique") right before a customer attribute counts that attribute's distinct values over
the customers the rest of the question selects. Before this, the attribute was dropped and
the customers were counted (600 for "how many card types are there"). An attribute of
another table ("how many merchant categories did we see spend in") declines: which rows it
is counted over (all categories, or those with spend) is more than this reading says.
"""

from __future__ import annotations

from toolkit.assistant.lexicon import Item
from toolkit.assistant.plan import CannotAnswer, Measure, Plan, sql

_LEADS = (("how", "many"), ("number", "of"), ("count", "of"))
_DISTINCT = {"distinct", "different", "unique"}


def read_distinct_count(st) -> str | None:
    """The customer column counted, its tag read as a count of customers for now."""
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


def apply_distinct_count(plan: Plan, column: str, expr) -> None:
    """Count the column's distinct values instead of the customers."""
    if (
        plan.base != "customers"
        or [m.label for m in plan.measures] != ["customer_count"]
        or plan.groups
        or plan.is_list
    ):
        raise CannotAnswer(
            f"Ask for the number of {column.replace('_', ' ')} values on its own, e.g. 'how "
            "many states do we have customers in'."
        )
    plan.measures = [
        Measure(
            f"distinct_{column}_count", "customers", sql(f"COUNT(DISTINCT {expr})"), style="count"
        )
    ]

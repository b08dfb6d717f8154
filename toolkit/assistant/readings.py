"""Wrong is worse than "I can't": a question with two readings that give different results.

The parser records each choice it made without a word in the question to decide it (a name
that is a value of two columns, "New York" the city or the state; a month named without a
year that the data holds in two years) as `Plan.alternatives`. The engine runs every other
reading; if one gives different rows, it declines and shows both readings with their
answers, so the user picks. When all readings agree, the answer stands (nothing to ask).
"""

from __future__ import annotations

from collections.abc import Iterator


def other_readings(plan) -> Iterator[tuple[dict, str, list]]:
    """(choose, key, options) per reading that differs from the default in one choice."""
    for key, options in plan.alternatives if plan is not None else []:
        for option in options[1:]:
            yield {key: option}, key, options


def _norm(value):
    if isinstance(value, float):
        return round(value, 6)
    return value


def same_rows(left: list[list], right: list[list]) -> bool:
    """Same result regardless of row order (column order is the same plan shape)."""
    a = sorted((tuple(_norm(v) for v in row) for row in left), key=repr)
    b = sorted((tuple(_norm(v) for v in row) for row in right), key=repr)
    return a == b


def _hint(key: str, options: list) -> str:
    if key.startswith("year@"):
        return f"name the year ({' or '.join(str(o) for o in options)})"
    if key.startswith("grain@"):
        return "say 'per customer' or 'per transaction'"
    if key.startswith("window@"):
        return "name the period (e.g. 'in 2023', 'in the last 365 days' or 'since 1 October')"
    if key.startswith("growth@"):  # a ranking by change (period_change.py)
        return "say 'absolute change' or 'percent change'"
    if key.startswith("popular@"):
        return "say 'by number of purchases' or 'by spend'"
    if key.startswith("column@"):
        names = " or ".join(f"'{name.replace('_', ' ')}'" for _, name in options)
        return f"say which you mean by adding {names} after the name"
    return "rephrase it more precisely"


def two_readings(first: tuple[str, str], second: tuple[str, str], key: str, options: list) -> str:
    """The decline: both readings, each with its answer, and how to pick one."""
    (reading_a, answer_a), (reading_b, answer_b) = first, second
    return (
        "That question has two readings with different answers, so I won't pick one: "
        f"(1) {reading_a} {answer_a} (2) {reading_b} {answer_b} "
        f"Ask again and {_hint(key, options)}."
    )

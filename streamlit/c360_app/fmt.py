"""Number formatting for cards and captions: currency, compact amounts, percentages."""

from __future__ import annotations

import math
from typing import Any


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def money(value: Any, *, cents: bool = False) -> str:
    """``$1,234`` (or ``$1,234.56``); ``–`` for a missing value; negatives as ``-$1,234``."""
    if _missing(value):
        return "–"
    amount = float(value)
    text = f"${abs(amount):,.2f}" if cents else f"${abs(amount):,.0f}"
    return f"-{text}" if amount < 0 else text


def money_compact(value: Any) -> str:
    """``$1.2M``, ``$45.3K``, ``$950`` — for KPI cards where space is short."""
    if _missing(value):
        return "–"
    amount = float(value)
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    for threshold, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if amount >= threshold:
            return f"{sign}${amount / threshold:,.1f}{suffix}"
    return f"{sign}${amount:,.0f}"


def money_fit(value: Any) -> str:
    """Full dollars below $100,000, compact above: fits a narrow metric card."""
    if _missing(value):
        return "–"
    return money(value) if abs(float(value)) < 100_000 else money_compact(value)


def percent(value: Any, *, digits: int = 1, signed: bool = False) -> str:
    """A fraction as a percentage: ``0.256`` → ``25.6%``."""
    if _missing(value):
        return "–"
    text = f"{float(value) * 100:{'+' if signed else ''}.{digits}f}%"
    return text


def count(value: Any) -> str:
    if _missing(value):
        return "–"
    return f"{round(float(value)):,}"


def arrow(change: Any) -> str:
    """▲ / ▼ / ▬ for the direction of a change."""
    if _missing(change):
        return ""
    change = float(change)
    return "▲" if change > 0 else "▼" if change < 0 else "▬"


def md(text: str) -> str:
    """Text safe for st.markdown/st.caption: a pair of ``$`` would otherwise start LaTeX."""
    return text.replace("$", "\\$")

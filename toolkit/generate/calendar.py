"""The data's calendar: 18 months of history ending on the as-of date."""

from __future__ import annotations

from datetime import date

import numpy as np

DATA_START = date(2023, 7, 1)
DATA_END = date(2024, 12, 31)  # the as-of date: latest transaction date
# Customer files land quarterly, plus one at the as-of date.
SNAPSHOT_DATES = (
    date(2023, 7, 1),
    date(2023, 10, 1),
    date(2024, 1, 1),
    date(2024, 4, 1),
    date(2024, 7, 1),
    date(2024, 10, 1),
    date(2024, 12, 31),
)


def day_number(d: date) -> int:
    """Days since 1970-01-01 (numpy's datetime64[D] epoch)."""
    return int(np.datetime64(d, "D").astype(np.int64))


def month_starts() -> list[date]:
    """First day of each month from DATA_START through DATA_END."""
    months, current = [], DATA_START.replace(day=1)
    while current <= DATA_END:
        months.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months

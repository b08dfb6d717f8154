"""Malformed raw rows for exercising the load (``--dirty-rate``).

Each corruption mimics a real feed defect: impossible or unparseable dates,
negative or non-numeric amounts, unknown customer ids, duplicated rows, missing
fields, codes outside the vocabulary. The loader must quarantine every one of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

DUPLICATE = "duplicate"


@dataclass(frozen=True)
class Corruption:
    name: str
    column: str  # "" for the duplicate-row corruption
    values: tuple[str | None, ...]  # replacement values, cycled (None = missing)


TRANSACTION_CORRUPTIONS = (
    Corruption("impossible date", "transaction_ts", ("2024-02-30 10:15:00", "2024-13-01 09:00:00")),
    Corruption("unparseable date", "transaction_ts", ("not-a-date", "31/12/2024 25:61")),
    Corruption("negative amount", "amount", ("-42.50", "-0.01", "0.00")),
    Corruption("non-numeric amount", "amount", ("12,50 USD", "N/A", "")),
    Corruption("unknown customer", "customer_id", ("C000000", "ZZ12345")),
    Corruption("missing customer", "customer_id", (None,)),
    Corruption("missing amount", "amount", (None,)),
    Corruption("unknown category", "merchant_category_id", ("MC999", None)),
    Corruption("bad status", "status", ("pending", "APPROVED?")),
    Corruption("bad channel", "channel", ("Fax", None)),
    Corruption("missing transaction id", "transaction_id", (None,)),
    Corruption(DUPLICATE, "", ()),
)

CUSTOMER_CORRUPTIONS = (
    Corruption("impossible birth date", "date_of_birth", ("1985-02-31", "yesterday")),
    Corruption("missing email", "email", (None, "")),
    Corruption("negative limit", "credit_limit", ("-5000.00", "abc")),
    Corruption("unknown card type", "card_type", ("Diamond", None)),
    Corruption("malformed customer id", "customer_id", ("C12X", None)),
    Corruption("bad open date", "account_open_date", ("2031-01-01", "")),
    Corruption(DUPLICATE, "", ()),
)


def corrupt(
    table: pa.Table,
    rate: float,
    rng: np.random.Generator,
    corruptions: tuple[Corruption, ...],
    order_key: np.ndarray | None = None,
) -> tuple[pa.Table, np.ndarray | None, int]:
    """Corrupt about ``rate`` of the rows; returns (table, order_key, rows injected).

    Duplicates are appended and, when ``order_key`` is given (e.g. the day), the table
    is re-sorted so each copy sits in the same partition as its original.
    """
    if rate <= 0 or table.num_rows == 0:
        return table, order_key, 0
    picked = np.flatnonzero(rng.random(table.num_rows) < rate)
    if len(picked) == 0:
        return table, order_key, 0
    kind = rng.integers(0, len(corruptions), len(picked))
    columns = {name: table.column(name).combine_chunks() for name in table.column_names}
    duplicates = np.array([], dtype=np.int64)
    for k, corruption in enumerate(corruptions):
        rows = picked[kind == k]
        if len(rows) == 0:
            continue
        if corruption.name == DUPLICATE:
            duplicates = rows
            continue
        mask = np.zeros(table.num_rows, dtype=bool)
        mask[rows] = True
        values = [corruption.values[i % len(corruption.values)] for i in range(len(rows))]
        replacement = pa.array(values, type=columns[corruption.column].type)
        columns[corruption.column] = pc.replace_with_mask(
            columns[corruption.column], pa.array(mask), replacement
        )
    result = pa.table(columns)
    injected = len(picked)
    if len(duplicates):
        result = pa.concat_tables([result, result.take(pa.array(duplicates))])
        if order_key is not None:
            order_key = np.concatenate([order_key, order_key[duplicates]])
            order = np.argsort(order_key, kind="stable")
            result, order_key = result.take(pa.array(order)), order_key[order]
    return result, order_key, injected

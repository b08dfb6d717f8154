"""``c360 generate``: the synthetic portfolio, written as the S3 landing bucket lays it out.

    landing/
      merchant_categories/merchant_categories.csv
      customers/snapshot_date=YYYY-MM-DD/customers.parquet
      transactions/dt=YYYY-MM-DD/transactions.parquet
      _manifest.json              (seed, scale, counts; written last = complete)

Deterministic for a seed: every part draws from its own child of one
``numpy.random.SeedSequence``, one stream per month, so the same seed gives the
same files whatever the machine. Months are generated and written one at a time,
so memory is bounded by a month of transactions at any scale.
"""

from __future__ import annotations

import csv
import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from toolkit.generate.calendar import DATA_END, DATA_START, month_starts
from toolkit.generate.customers import make_customers
from toolkit.generate.dirty import CUSTOMER_CORRUPTIONS, TRANSACTION_CORRUPTIONS, corrupt
from toolkit.generate.reference import MERCHANT_CATEGORIES
from toolkit.generate.snapshots import snapshot_states, snapshot_table
from toolkit.generate.transactions import generate_month, plan_behaviour, to_landing_table
from toolkit.progress import step_progress
from toolkit.safety import LANDING_LAYOUT, reset_folder

MANIFEST = "_manifest.json"
GENERATOR_VERSION = 3
FIRST_TRANSACTION_ID = 1_000_000_001
PARQUET_OPTIONS = {"compression": "snappy", "use_dictionary": True}


@dataclass
class GenerationSummary:
    customers: int
    seed: int
    dirty_rate: float
    transactions: int = 0
    customer_rows: int = 0
    dirty_rows: int = 0
    transaction_files: int = 0
    snapshot_files: int = 0
    data_start: str = DATA_START.isoformat()
    data_end: str = DATA_END.isoformat()
    generator_version: int = GENERATOR_VERSION
    seconds: float = 0.0
    reused: bool = False

    def describe(self) -> str:
        verb = "reused" if self.reused else "generated"
        dirty = f", {self.dirty_rows:,} malformed rows injected" if self.dirty_rows else ""
        return (
            f"{verb} {self.customers:,} customers, {self.transactions:,} transactions "
            f"({self.data_start} to {self.data_end}), {self.snapshot_files} customer snapshots{dirty}"
        )

    def same_request(self, other: dict) -> bool:
        keys = ("customers", "seed", "dirty_rate", "generator_version")
        return all(other.get(k) == getattr(self, k) for k in keys)


def read_manifest(landing: Path) -> dict | None:
    path = Path(landing) / MANIFEST
    return json.loads(path.read_text()) if path.exists() else None


def _write_merchant_categories(landing: Path) -> None:
    folder = landing / "merchant_categories"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "merchant_categories.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "merchant_category_id",
                "category_name",
                "category_group",
                "mcc_code",
                "is_discretionary",
                "is_necessity",
                "is_travel",
            ]
        )
        for c in MERCHANT_CATEGORIES:
            writer.writerow(
                [
                    c.category_id,
                    c.name,
                    c.group,
                    c.mcc_code,
                    str(c.is_discretionary).lower(),
                    str(c.is_necessity).lower(),
                    str(c.is_travel).lower(),
                ]
            )


def generate_landing(
    landing: Path, *, customers: int, seed: int, dirty_rate: float = 0.0, show_progress: bool = True
) -> GenerationSummary:
    """Write the landing folder; reuses it when it already holds this exact request."""
    landing = Path(landing)
    summary = GenerationSummary(customers=customers, seed=seed, dirty_rate=dirty_rate)
    existing = read_manifest(landing)
    if existing and summary.same_request(existing):
        return GenerationSummary(**{**existing, "reused": True})
    # A different request: never mix two portfolios. Only a folder c360 made is emptied.
    reset_folder(landing, "landing", LANDING_LAYOUT)
    started = time.perf_counter()

    streams = np.random.SeedSequence(seed).spawn(6)
    people = make_customers(customers, np.random.default_rng(streams[0]))
    behaviour = plan_behaviour(people, np.random.default_rng(streams[1]))
    snapshot_rng = np.random.default_rng(streams[2])
    dirty_rng = np.random.default_rng(streams[3])
    months = month_starts()
    month_streams = streams[4].spawn(len(months))

    _write_merchant_categories(landing)
    progress = step_progress("generate", show=show_progress)
    with progress:
        task = progress.add_task("customer snapshots", total=len(months) + 1)
        for snap, member, tier, limit in snapshot_states(people, snapshot_rng):
            table = snapshot_table(people, snap, member, tier, limit)
            table, _, injected = corrupt(table, dirty_rate, dirty_rng, CUSTOMER_CORRUPTIONS)
            folder = landing / "customers" / f"snapshot_date={snap.isoformat()}"
            folder.mkdir(parents=True)
            pq.write_table(table, folder / "customers.parquet", **PARQUET_OPTIONS)
            summary.customer_rows += table.num_rows
            summary.dirty_rows += injected
            summary.snapshot_files += 1
        progress.advance(task)

        next_id = FIRST_TRANSACTION_ID
        # Writing a month (Parquet encoding releases the GIL) overlaps generating the
        # next; at most two months are in memory at once.
        with ThreadPoolExecutor(max_workers=1) as writer:
            pending = None
            for m, month_start in enumerate(months):
                progress.update(task, description=f"transactions {month_start:%Y-%m}")
                month = generate_month(
                    m, people, behaviour, np.random.default_rng(month_streams[m])
                )
                table = to_landing_table(month, people, next_id)
                next_id += len(month)
                summary.transactions += len(month)
                table, day, injected = corrupt(
                    table, dirty_rate, dirty_rng, TRANSACTION_CORRUPTIONS, month.day
                )
                summary.dirty_rows += injected
                if pending is not None:
                    summary.transaction_files += pending.result()
                    progress.advance(task)
                pending = writer.submit(_write_days, landing, table, day)
            if pending is not None:
                summary.transaction_files += pending.result()
                progress.advance(task)

    summary.seconds = round(time.perf_counter() - started, 2)
    manifest = {k: v for k, v in asdict(summary).items() if k != "reused"}
    (landing / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return summary


def _write_days(landing: Path, table, day: np.ndarray) -> int:
    """Split a month (sorted by day) into one file per day; returns files written."""
    days, starts = np.unique(day, return_index=True)
    ends = np.append(starts[1:], len(day))
    for d, start, end in zip(days, starts, ends, strict=True):
        folder = landing / "transactions" / f"dt={np.datetime64(int(d), 'D')}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(
            table.slice(start, end - start), folder / "transactions.parquet", **PARQUET_OPTIONS
        )
    return len(days)

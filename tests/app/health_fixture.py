"""A copy of the shared build with a failed run and a dirty load, for the Pipeline Health
page's AppTest and screenshot.

The real local runner runs two steps: one loads a dirty batch (40 of 100 rows rejected,
recorded as the loader records them, with PII in the rejected records), the next fails;
a few assistant ratings are added the way the app's feedback writer adds them.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from toolkit.pipeline import runner
from toolkit.pipeline.dag import Step
from toolkit.pipeline.runner import RunContext, StepResult

PII_EMAIL = "jane.doe@example.com"


def dirty_load(ctx: RunContext) -> StepResult:
    con = duckdb.connect(str(ctx.db_path))
    try:
        now = datetime.now()
        con.execute(
            "insert into observability.load_batches values (?, ?, ?, ?, ?, ?, ?)",
            [
                "customers",
                "customers/snapshot_date=2025-01-01",
                "customers.parquet",
                100,
                60,
                40,
                now,
            ],
        )
        for i in range(40):
            reason = "negative credit limit" if i % 4 else "missing email; unknown card type"
            record = {
                "customer_id": f"C9{i:05d}",
                "email": PII_EMAIL,
                "phone": "555-123-9876",
                "date_of_birth": "1980-02-03",
                "credit_limit": -5,
            }
            con.execute(
                "insert into bronze.rejected_rows values (?, ?, ?, ?, ?, ?)",
                [
                    "customers",
                    "customers/snapshot_date=2025-01-01",
                    json.dumps(record),
                    reason,
                    now,
                    "customers.parquet",
                ],
            )
    finally:
        con.close()
    return StepResult(rows_in=100, rows_out=60)


def broken_build(ctx: RunContext) -> StepResult:
    raise RuntimeError("dbt build failed: 2 of 105 tests failed")


FEEDBACK = [
    ("How many customers are in each segment?", "select 1", "up"),
    ("How many customers are in each segment?", "select 1", "up"),
    ("What is the average lifetime value by segment?", "select 1", "up"),
    ("Which customers will buy a house next year?", None, "down"),
    ("Which customers will buy a house next year?", None, "down"),
    ("Show spend by merchant city", "select 2", "down"),
]


def make_health_db(built_db: Path, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("health") / "c360.duckdb"
    shutil.copy(built_db, target)
    steps = (
        Step("load", "dirty load", (), "health_fixture:dirty_load"),
        Step("build", "broken build", ("load",), "health_fixture:broken_build"),
    )
    with pytest.raises(Exception, match="step 'build' failed"):
        runner.run_pipeline(target, customers=600, seed=7, steps=steps)
    con = duckdb.connect(str(target))
    try:
        con.execute(
            """create table if not exists observability.assistant_feedback (
                feedback_id varchar not null, session_id varchar, question varchar not null,
                generated_sql varchar, rating varchar not null, answer varchar,
                backend varchar not null, recorded_at timestamp not null)"""
        )
        for i, (question, sql, rating) in enumerate(FEEDBACK):
            con.execute(
                "insert into observability.assistant_feedback values (?, ?, ?, ?, ?, ?, ?, ?)",
                [f"f{i}", "s", question, sql, rating, "answer", "duckdb", datetime.now()],
            )
    finally:
        con.close()
    return target

"""The pipeline DAG and its local runner: one row per step, resume after a failure."""

from __future__ import annotations

import duckdb
import pytest

import toolkit.pipeline.local_steps
from toolkit.errors import C360Error
from toolkit.pipeline.dag import PIPELINE, STEP_NAMES, Step, topological_order
from toolkit.pipeline.runner import run_pipeline

GENERATE_AND_LOAD = PIPELINE[:2]


def _runs(db_path):
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return con.execute(
            "select run_id, step, status, rows_out, error from observability.pipeline_runs order by started_at, step"
        ).fetchall()
    finally:
        con.close()


def test_the_dag_is_the_documented_order():
    assert STEP_NAMES == (
        "generate",
        "load",
        "build",
        "train",
        "score",
        "refresh_profile",
        "observability",
    )
    assert [s.name for s in topological_order()] == list(STEP_NAMES)
    for step in PIPELINE[1:]:
        assert len(step.after) == 1
    # every step runs somewhere in Snowflake: a procedure or a dbt command
    assert all(bool(s.snowflake_procedure) != bool(s.dbt_args) for s in PIPELINE)


def test_cycles_and_unknown_dependencies_are_refused():
    a = Step("a", "", ("b",), "x:y")
    b = Step("b", "", ("a",), "x:y")
    with pytest.raises(ValueError, match="cycle"):
        topological_order((a, b))
    with pytest.raises(ValueError, match="unknown step"):
        topological_order((Step("c", "", ("zzz",), "x:y"),))


def test_each_step_writes_a_row(tmp_path):
    db = tmp_path / "c360.duckdb"
    run_id = run_pipeline(db, customers=30, seed=1, steps=GENERATE_AND_LOAD)
    rows = _runs(db)
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (run_id, "generate", "succeeded"),
        (run_id, "load", "succeeded"),
    ]
    assert rows[0][3] > 0  # transactions generated
    assert rows[1][3] > 0  # rows loaded


def test_resume_continues_after_the_failed_step(tmp_path, monkeypatch):
    db = tmp_path / "c360.duckdb"
    real_load = toolkit.pipeline.local_steps.load_step

    def broken_load(ctx):
        raise RuntimeError("disk full")

    monkeypatch.setattr(toolkit.pipeline.local_steps, "load_step", broken_load)
    with pytest.raises(C360Error, match=r"step 'load' failed: disk full .*--resume"):
        run_pipeline(db, customers=30, seed=1, steps=GENERATE_AND_LOAD)
    failed = _runs(db)
    assert [(r[1], r[2]) for r in failed] == [("generate", "succeeded"), ("load", "failed")]
    assert "disk full" in failed[1][4]

    monkeypatch.setattr(toolkit.pipeline.local_steps, "load_step", real_load)
    resumed_id = run_pipeline(db, customers=30, seed=1, steps=GENERATE_AND_LOAD, resume=True)
    resumed = [r for r in _runs(db) if r[0] == resumed_id]
    assert [(r[1], r[2]) for r in resumed] == [("generate", "skipped"), ("load", "succeeded")]

    # after a complete run, --resume starts over rather than skipping everything
    third = run_pipeline(db, customers=30, seed=1, steps=GENERATE_AND_LOAD, resume=True)
    assert [r[2] for r in _runs(db) if r[0] == third] == ["succeeded", "succeeded"]


def test_rerunning_the_pipeline_duplicates_nothing(tmp_path):
    db = tmp_path / "c360.duckdb"
    run_pipeline(db, customers=30, seed=1, steps=GENERATE_AND_LOAD)
    con = duckdb.connect(str(db), read_only=True)
    first = con.execute("select count(*) from bronze.raw_transactions").fetchone()
    con.close()
    run_pipeline(db, customers=30, seed=1, steps=GENERATE_AND_LOAD)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select count(*) from bronze.raw_transactions").fetchone() == first
    con.close()


def test_dirty_rows_never_reach_silver_or_gold(tmp_path):
    """`pipeline run --dirty-rate`: quarantined in bronze, absent from every later layer."""
    db = tmp_path / "c360.duckdb"
    run_pipeline(db, customers=120, seed=3, dirty_rate=0.02, steps=PIPELINE[:3])
    con = duckdb.connect(str(db), read_only=True)
    rejected, bronze, silver, gold = con.execute(
        """
        select (select count(*) from bronze.rejected_rows),
               (select count(*) from bronze.raw_transactions),
               (select count(*) from silver.stg_transactions),
               (select count(*) from gold.fct_transactions)
        """
    ).fetchone()
    assert rejected > 0
    assert bronze == silver == gold
    bad = con.execute(
        """
        select count(*) from gold.fct_transactions
        where amount <= 0 or status not in ('approved', 'declined') or customer_key is null
        """
    ).fetchone()[0]
    assert bad == 0
    con.close()

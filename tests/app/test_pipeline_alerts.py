"""Alert conditions on a real local build: `c360 status`, and `c360 pipeline run` failing.

The conditions are the SQL in toolkit/alerts.py, run here on DuckDB exactly as written
(the Snowflake rendering is checked in tests/infra/test_infra_alerts.py). Problems are
made by running the real local runner with one step that fails or loads a dirty batch.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta

import duckdb
import pytest
import sqlglot

from toolkit import alerts
from toolkit.cli import main
from toolkit.config import ENVIRONMENTS, get_environment
from toolkit.pipeline import runner
from toolkit.pipeline.dag import PIPELINE, Step
from toolkit.pipeline.runner import RunContext, StepResult

pytestmark = pytest.mark.slow


def failing_step(ctx: RunContext) -> StepResult:
    raise RuntimeError("warehouse exploded while building gold")


def dirty_load_step(ctx: RunContext) -> StepResult:
    """A load whose batch rejects 40 of 100 rows (recorded as the real loader records it)."""
    con = duckdb.connect(str(ctx.db_path))
    try:
        con.execute(
            "insert into observability.load_batches values (?, ?, ?, ?, ?, ?, ?)",
            [
                "transactions",
                "dt=2025-01-01",
                "transactions/dt=2025-01-01/t.parquet",
                100,
                60,
                40,
                datetime.now(),
            ],
        )
    finally:
        con.close()
    return StepResult(rows_in=100, rows_out=60)


def _step(name: str, handler: str) -> Step:
    return Step(name, f"test step {name}", (), f"{__name__}:{handler}")


def _run(db_path, *steps: Step) -> str:
    return runner.run_pipeline(db_path, customers=600, seed=7, steps=steps)


def test_a_clean_build_has_no_open_condition(copy_of_built_db, capsys):
    con = duckdb.connect(str(copy_of_built_db), read_only=True)
    try:
        assert alerts.open_conditions(con) == []
    finally:
        con.close()
    assert main(["status", "--db", str(copy_of_built_db)]) == 0
    out = capsys.readouterr().out
    assert "succeeded" in out and "no open alert conditions" in out
    for step in PIPELINE:
        assert step.name in out


def test_status_after_a_failed_step_names_it_and_exits_non_zero(copy_of_built_db, capsys):
    with pytest.raises(Exception, match="step 'build' failed"):
        _run(copy_of_built_db, _step("build", "failing_step"))
    assert main(["status", "--db", str(copy_of_built_db)]) == 1
    out = capsys.readouterr().out
    assert "failed" in out
    assert "RuntimeError: warehouse exploded while building gold" in out
    assert "! failed_step: step build failed in run" in out


def test_pipeline_run_exits_non_zero_on_a_dirty_load(copy_of_built_db, monkeypatch, capsys):
    """The run itself succeeds; the open load_rejects condition fails the command."""
    monkeypatch.setattr(
        runner,
        "run_pipeline",
        functools.partial(runner.run_pipeline, steps=(_step("load", "dirty_load_step"),)),
    )
    code = main(["pipeline", "run", "--db", str(copy_of_built_db), "--customers", "600"])
    err = capsys.readouterr().err
    assert code == 1
    assert "load_rejects: transactions batch dt=2025-01-01 rejected 40 of 100 rows" in err
    assert "(threshold 5%)" in err


def test_failing_data_quality_and_a_slow_run_are_open_conditions(copy_of_built_db):
    run_id = _run(copy_of_built_db, _step("observability", "dirty_load_step"))
    con = duckdb.connect(str(copy_of_built_db))
    try:
        now = datetime.now()
        con.execute(
            "insert into observability.data_quality_results"
            " (run_id, checked_at, layer, node_name, check_type, status, failures, invocation_id)"
            " values (?, ?, 'gold', 'unique_dim_customer_key', 'dbt test', 'fail', 3, 'inv-9')",
            [run_id, now + timedelta(seconds=5)],
        )
        # the run's last step finished four hours after its first one started
        con.execute(
            "update observability.pipeline_runs set finished_at = started_at + interval 4 hour"
            " where run_id = ?",
            [run_id],
        )
        found = {c.alert: c.reason for c in alerts.open_conditions(con)}
    finally:
        con.close()
    assert found["data_quality"] == "dbt test unique_dim_customer_key fail (3 failing rows)"
    assert found["run_overdue"] == f"run {run_id} took longer than 180 minutes"
    assert "load_rejects" in found


def test_every_condition_renders_for_duckdb_and_snowflake_from_one_text():
    for condition in alerts.CONDITIONS:
        local = alerts.render(condition, get_environment("local"), observability="observability")
        cloud = alerts.snowflake_condition(condition, ENVIRONMENTS["prod"], database="C360_PROD")
        assert local in cloud.replace("C360_PROD.OBSERVABILITY", "observability").replace(
            "'prod'", "'local'"
        ).replace("0.02", "0.05").replace("120 minutes", "180 minutes").replace("2%", "5%").replace(
            "where true and", "where false and"
        )
        sqlglot.parse_one(local, read="duckdb")
        sqlglot.parse_one(cloud, read="snowflake")


def test_bad_settings_are_refused_before_any_sql_is_rendered():
    from dataclasses import replace

    env = get_environment("local")
    bad = replace(env, alerts=replace(env.alerts, max_reject_rate=2.0))
    with pytest.raises(ValueError, match="max_reject_rate"):
        alerts.render(alerts.CONDITIONS[2], bad, observability="observability")
    with pytest.raises(ValueError, match="not a schema name"):
        alerts.render(alerts.CONDITIONS[0], env, observability="x; drop table y")

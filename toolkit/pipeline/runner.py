"""The local runner of the pipeline DAG: each step in order on DuckDB, with resume.

Every step writes a row to ``observability.pipeline_runs``; ``--resume`` continues after
the last step that succeeded in the latest run.
"""

from __future__ import annotations

import importlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from rich.console import Console

from toolkit import safety
from toolkit.config import default_landing_dir, get_environment
from toolkit.db import connect
from toolkit.errors import C360Error, NotBuiltYet
from toolkit.pipeline.dag import PIPELINE, Step, topological_order
from toolkit.pipeline.observability import ensure_observability_tables

console = Console(stderr=True, soft_wrap=True)


@dataclass
class RunContext:
    """What every local step handler receives."""

    db_path: Path
    landing_dir: Path
    env: str
    run_id: str
    customers: int
    seed: int
    dirty_rate: float
    extras: dict = field(default_factory=dict)


@dataclass
class StepResult:
    rows_in: int | None = None
    rows_out: int | None = None
    message: str = ""


def _resolve(handler: str) -> Callable[[RunContext], StepResult]:
    module_name, _, function_name = handler.partition(":")
    return getattr(importlib.import_module(module_name), function_name)


def _steps_already_done(db_path: Path, env: str, step_names: set[str]) -> set[str]:
    """Steps that succeeded in the latest run, if that run did not finish cleanly."""
    if not db_path.exists():
        return set()
    con = connect(db_path)
    try:
        ensure_observability_tables(con)
        latest = con.execute(
            "select run_id from observability.pipeline_runs where env = ? order by started_at desc limit 1",
            [env],
        ).fetchone()
        if not latest:
            return set()
        rows = con.execute(
            "select step from observability.pipeline_runs where run_id = ? and status in ('succeeded', 'skipped')",
            [latest[0]],
        ).fetchall()
        finished = {row[0] for row in rows}
        if finished >= step_names:
            return set()  # the last run completed: a resume starts over
        return finished
    finally:
        con.close()


def run_pipeline(
    db_path: Path,
    *,
    env: str = "local",
    customers: int,
    seed: int,
    dirty_rate: float = 0.0,
    resume: bool = False,
    fresh: bool = False,
    steps: tuple[Step, ...] = PIPELINE,
) -> str:
    """Run the DAG locally; returns the run id. Raises :class:`C360Error` on a failed step."""
    get_environment(env)
    db_path = Path(db_path)
    landing_dir = default_landing_dir(db_path)
    if fresh:
        # Both checks before either removal: a refusal leaves everything untouched.
        safety.check_database_path(db_path)
        safety.check_folder(landing_dir, "landing", safety.LANDING_LAYOUT)
        safety.remove_database(db_path)
        safety.remove_folder(landing_dir, "landing", safety.LANDING_LAYOUT)
    skip = _steps_already_done(db_path, env, {s.name for s in steps}) if resume else set()
    run_id = datetime.now().strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    ctx = RunContext(db_path, landing_dir, env, run_id, customers, seed, dirty_rate)
    console.print(f"[bold]c360 pipeline[/bold] run {run_id} on {env} → {db_path}")
    for step in topological_order(steps):
        started = datetime.now()
        if step.name in skip:
            _write_status(
                db_path,
                run_id,
                env,
                step.name,
                "skipped",
                started,
                error="succeeded in the previous run",
            )
            console.print(f"  ↷ {step.name:<16} skipped (succeeded in the previous run)")
            continue
        console.print(f"  ▶ {step.name:<16} {step.description}")
        tick = time.perf_counter()
        try:
            result = _resolve(step.local_handler)(ctx)
        except NotBuiltYet as exc:
            _write_status(db_path, run_id, env, step.name, "skipped", started, error=str(exc))
            console.print(f"  ↷ {step.name:<16} skipped: {exc}")
            continue
        except Exception as exc:
            _write_status(
                db_path,
                run_id,
                env,
                step.name,
                "failed",
                started,
                error=f"{type(exc).__name__}: {exc}",
            )
            raise C360Error(
                f"step {step.name!r} failed: {exc} — fix it and rerun with `c360 pipeline run --resume`"
            ) from exc
        _write_status(db_path, run_id, env, step.name, "succeeded", started, result=result)
        detail = f" {result.message}" if result and result.message else ""
        console.print(f"  ✓ {step.name:<16} {time.perf_counter() - tick:6.1f}s{detail}")
    return run_id


def _write_status(db_path, run_id, env, step, status, started, result=None, error=None):
    """One row of observability.pipeline_runs, on its own connection: the step's own
    connections are closed by then, and a failed step must still be recorded."""
    con = connect(db_path)
    try:
        ensure_observability_tables(con)
        con.execute(
            """
            insert into observability.pipeline_runs
                (run_id, env, step, status, started_at, finished_at, rows_in, rows_out, error)
            values (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                run_id,
                env,
                step,
                status,
                started,
                datetime.now(),
                result.rows_in if result else None,
                result.rows_out if result else None,
                error,
            ],
        )
    finally:
        con.close()

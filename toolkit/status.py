"""``c360 status``: the last pipeline run, its steps, and every open alert condition.

Reads the local database read-only; the alert conditions are the ones Snowflake's alerts
evaluate (toolkit/alerts.py), so what this prints is what would have been notified.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from toolkit.alerts import OpenCondition, open_conditions
from toolkit.errors import C360Error


@dataclass(frozen=True)
class StepRow:
    step: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    error: str | None

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


@dataclass
class Status:
    run_id: str | None
    env: str
    steps: list[StepRow] = field(default_factory=list)
    conditions: list[OpenCondition] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return self.run_id is not None and not self.conditions

    def describe(self) -> str:
        if self.run_id is None:
            return "no pipeline run recorded yet: run `c360 pipeline run` (or `c360 demo`)"
        started = min(s.started_at for s in self.steps)
        finished = [s.finished_at for s in self.steps if s.finished_at is not None]
        outcome = "failed" if any(s.status == "failed" for s in self.steps) else "succeeded"
        took = f" in {(max(finished) - started).total_seconds():.1f}s" if finished else ""
        lines = [
            f"last run {self.run_id} ({self.env}) {outcome}{took}, started {started:%Y-%m-%d %H:%M:%S}"
        ]
        for step in self.steps:
            seconds = f"{step.seconds:7.1f}s" if step.seconds is not None else "        "
            line = f"  {step.step:<16} {step.status:<9} {seconds}"
            if step.error and step.status in ("failed", "skipped"):
                line += f"  {step.error.splitlines()[0][:160]}"
            lines.append(line)
        if self.conditions:
            lines.append(f"open alert conditions ({len(self.conditions)}):")
            lines += [f"  ! {c.alert}: {c.reason}" for c in self.conditions]
        else:
            lines.append("no open alert conditions")
        return "\n".join(lines)


def read_status(db_path: Path, env: str = "local") -> Status:
    db_path = Path(db_path)
    if not db_path.exists():
        raise C360Error(f"no database at {db_path}; run `c360 demo --no-app` first")
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        has_runs = con.execute(
            "select count(*) from information_schema.tables"
            " where table_schema = 'observability' and table_name = 'pipeline_runs'"
        ).fetchone()[0]
        if not has_runs:
            return Status(None, env)
        latest = con.execute(
            "select run_id from observability.pipeline_runs where env = ?"
            " order by started_at desc limit 1",
            [env],
        ).fetchone()
        if latest is None:
            return Status(None, env)
        rows = con.execute(
            "select step, status, started_at, finished_at, error from observability.pipeline_runs"
            " where run_id = ? order by started_at, finished_at",
            [latest[0]],
        ).fetchall()
        return Status(latest[0], env, [StepRow(*row) for row in rows], open_conditions(con, env))
    finally:
        con.close()

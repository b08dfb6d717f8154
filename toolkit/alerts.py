"""The pipeline's alert conditions, defined once as SQL and rendered for both engines.

Each condition is a ``SELECT`` over the ``observability`` tables that returns one row per
open problem, with the columns ``alert``, ``reason`` and ``detected_at``; no row means
all clear. The same text runs

- locally on DuckDB: ``c360 pipeline run`` exits non-zero with the reasons and
  ``c360 status`` lists them (``open_conditions``);
- in Snowflake as the condition of a ``CREATE ALERT … IF (EXISTS (<condition>))``
  (stacks/alerts.py), wrapped so a row only fires once: rows detected after the alert's
  last successful run (``SNOWFLAKE.ALERT.LAST_SUCCESSFUL_SCHEDULED_TIME()``, see
  https://docs.snowflake.com/en/sql-reference/functions/last_successful_scheduled_time).

Alert SQL cannot take bind parameters, so the only values rendered into the text are the
environment's name and numbers from ``toolkit.config`` (never user input), each checked.
Both engines accept the shared text: unquoted names, ``||``, ``coalesce``, ``cast``,
``interval '<n> minutes'`` and ``cast(current_timestamp as timestamp)`` (local wall-clock
time, which is what ``observability.pipeline_runs`` stores on either engine).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from toolkit.config import Environment, get_environment


@dataclass(frozen=True)
class AlertCondition:
    name: str
    title: str
    sql: str  # with {obs} (the observability schema) and settings placeholders

    @property
    def tables(self) -> set[str]:
        """The observability tables the condition reads."""
        return set(re.findall(r"\{obs\}\.(\w+)", self.sql))

    def runs_in_snowflake(self) -> bool:
        """False while a table it reads exists only locally (``LOCAL_ONLY_TABLES``): in
        Snowflake a failing dbt test fails the dbt task, which ``failed_step`` reports."""
        from toolkit.pipeline.observability import LOCAL_ONLY_TABLES

        return not (self.tables & set(LOCAL_ONLY_TABLES))


_LATEST_RUN = """(select run_id from {obs}.pipeline_runs where env = '{env}'
        order by started_at desc limit 1)"""

CONDITIONS: tuple[AlertCondition, ...] = (
    AlertCondition(
        "failed_step",
        "a pipeline step failed",
        """
select 'failed_step' as alert,
       'step ' || step || ' failed in run ' || run_id || ': ' || coalesce(error, '(no message)')
           as reason,
       coalesce(finished_at, started_at) as detected_at
from {obs}.pipeline_runs
where status = 'failed' and run_id = {latest_run}
""",
    ),
    AlertCondition(
        "data_quality",
        "a data-quality test is failing",
        """
select 'data_quality' as alert,
       coalesce(check_type, 'check') || ' ' || node_name || ' ' || status
           || coalesce(' (' || cast(failures as varchar) || ' failing rows)', '') as reason,
       checked_at as detected_at
from {obs}.data_quality_results
where status in ('fail', 'error')
  and coalesce(invocation_id, run_id, '') = (
      select coalesce(invocation_id, run_id, '') from {obs}.data_quality_results
      order by checked_at desc limit 1)
""",
    ),
    AlertCondition(
        "load_rejects",
        "a load rejected more rows than allowed",
        """
select 'load_rejects' as alert,
       source || ' batch ' || batch_id || ' rejected ' || cast(rows_rejected as varchar)
           || ' of ' || cast(rows_in as varchar) || ' rows (threshold {max_reject_pct}%)'
           as reason,
       loaded_at as detected_at
from {obs}.load_batches
where rows_in > 0
  and rows_rejected > rows_in * {max_reject_rate}
  and loaded_at >= (select min(started_at) from {obs}.pipeline_runs
                    where run_id = {latest_run})
""",
    ),
    AlertCondition(
        "run_overdue",
        "the pipeline run did not finish by its deadline",
        """
select 'run_overdue' as alert,
       'run ' || run_id || ' took longer than {deadline_minutes} minutes' as reason,
       finished as detected_at
from (select run_id, min(started_at) as started, max(finished_at) as finished
      from {obs}.pipeline_runs where run_id = {latest_run} group by run_id) as latest
where finished > started + interval '{deadline_minutes} minutes'
union all
select 'run_overdue' as alert,
       'no pipeline step finished in the last {deadline_minutes} minutes' as reason,
       cast(current_timestamp as timestamp) as detected_at
where {check_schedule} and not exists (
    select 1 from {obs}.pipeline_runs
    where env = '{env}'
      and finished_at >= cast(current_timestamp as timestamp) - interval '{deadline_minutes} minutes')
""",
    ),
)

CONDITION_NAMES = tuple(c.name for c in CONDITIONS)
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def _settings(env: Environment) -> dict[str, str]:
    settings = env.alerts
    rate = float(settings.max_reject_rate)
    minutes = int(settings.run_deadline_minutes)
    if not 0 <= rate <= 1:
        raise ValueError(f"max_reject_rate must be between 0 and 1 (got {rate})")
    if minutes < 1:
        raise ValueError(f"run_deadline_minutes must be at least 1 (got {minutes})")
    if not _NAME.match(env.name):
        raise ValueError(f"environment name {env.name!r} cannot be rendered into SQL")
    return {
        "env": env.name,
        "max_reject_rate": repr(rate),
        "max_reject_pct": f"{rate * 100:g}",
        "deadline_minutes": str(minutes),
        # A scheduled environment also alerts when no run happened at all; locally there
        # is no schedule, so only a run that took too long counts as overdue.
        "check_schedule": "true" if env.schedule_cron else "false",
    }


def render(condition: AlertCondition, env: Environment, *, observability: str) -> str:
    """The condition's SQL for one environment; ``observability`` is the schema's name."""
    if not re.match(r'^[A-Za-z0-9_."]+$', observability):
        raise ValueError(f"not a schema name: {observability!r}")
    settings = _settings(env)
    latest_run = _LATEST_RUN.format(obs=observability, env=settings["env"])
    return condition.sql.format(obs=observability, latest_run=latest_run, **settings).strip()


def snowflake_condition(condition: AlertCondition, env: Environment, *, database: str) -> str:
    """The Snowflake alert condition: the shared SQL, only rows new since the last check."""
    inner = render(condition, env, observability=f"{database}.OBSERVABILITY")
    return (
        f"select * from (\n{inner}\n) as c\nwhere c.detected_at > coalesce("  # noqa: S608
        "SNOWFLAKE.ALERT.LAST_SUCCESSFUL_SCHEDULED_TIME(), '1970-01-01'::timestamp_ltz)"
    )


@dataclass(frozen=True)
class OpenCondition:
    alert: str
    reason: str
    detected_at: object


def open_conditions(con, env_name: str = "local") -> list[OpenCondition]:
    """Every alert condition that holds now on a DuckDB connection (observability tables)."""
    env = get_environment(env_name)
    found: list[OpenCondition] = []
    for condition in CONDITIONS:
        rows = con.execute(render(condition, env, observability="observability")).fetchall()
        found.extend(OpenCondition(*row) for row in rows)
    return found


def check_after_run(db_path: Path, env_name: str = "local") -> list[OpenCondition]:
    """The open conditions after a local run (what makes ``c360 pipeline run`` fail)."""
    from toolkit.db import connect
    from toolkit.pipeline.observability import ensure_observability_tables

    con = connect(db_path)
    try:
        ensure_observability_tables(con)
        return open_conditions(con, env_name)
    finally:
        con.close()

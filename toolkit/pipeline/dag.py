"""The pipeline DAG, declared once, as data.

``PIPELINE`` is read by two runners: the local runner (``toolkit.pipeline.runner``)
executes it in order on DuckDB, and the cdktf stacks turn the same list into a Snowflake
tasks DAG (one task per step, ``after`` edges, each task calling the step's Snowflake
procedure or dbt command). Adding a step means: a ``Step`` here, its local handler in
``local_steps.py`` and, when it runs as a procedure, its handler in ``snowflake_steps.py``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    """One node of the pipeline DAG.

    ``local_handler`` is ``module:function`` taking a :class:`RunContext` and returning a
    :class:`StepResult`. In Snowflake the step runs as ``snowflake_call`` (a ``CALL`` of a
    Python procedure whose handler is ``snowflake_handler`` in the toolkit, or of the SQL
    procedure of that name in ``sql/procedures`` when there is no handler) or, for dbt
    steps, as ``EXECUTE DBT PROJECT`` with ``dbt_args``.
    """

    name: str
    description: str
    after: tuple[str, ...]
    local_handler: str
    snowflake_procedure: str | None = None
    snowflake_handler: str | None = None
    dbt_args: str | None = None


PIPELINE: tuple[Step, ...] = (
    Step(
        name="generate",
        description="synthetic customers, snapshots and transactions into the landing area",
        after=(),
        local_handler="toolkit.pipeline.local_steps:generate_step",
        snowflake_procedure="C360_GENERATE",
        snowflake_handler="toolkit.pipeline.snowflake_steps.generate_handler",
    ),
    Step(
        name="load",
        description="new landing batches into bronze; bad rows to bronze.rejected_rows",
        after=("generate",),
        local_handler="toolkit.pipeline.local_steps:load_step",
        # a SQL procedure (sql/procedures/load.sql, rendered by toolkit.pipeline.ingestion_sql)
        snowflake_procedure="C360_LOAD",
    ),
    Step(
        name="build",
        description="dbt build: silver, SCD2 snapshot, gold star schema and marts, tests",
        after=("load",),
        local_handler="toolkit.pipeline.local_steps:build_step",
        dbt_args="build --exclude customer_360_profile",
    ),
    Step(
        name="train",
        description="train a new churn model version (promoted unless ROC-AUC drops)",
        after=("build",),
        local_handler="toolkit.pipeline.local_steps:train_step",
        snowflake_procedure="C360_TRAIN",
        snowflake_handler="toolkit.pipeline.snowflake_steps.train_handler",
    ),
    Step(
        name="score",
        description="score every customer into gold.churn_predictions",
        after=("train",),
        local_handler="toolkit.pipeline.local_steps:score_step",
        snowflake_procedure="C360_SCORE",
        snowflake_handler="toolkit.pipeline.snowflake_steps.score_handler",
    ),
    Step(
        name="refresh_profile",
        description="rebuild gold.customer_360_profile (and LTV) with the new churn and CLV scores",
        after=("score",),
        local_handler="toolkit.pipeline.local_steps:refresh_profile_step",
        dbt_args="build --select metric_customer_ltv+",  # + includes customer_360_profile
    ),
    Step(
        name="observability",
        description="record layer row counts and data-quality results",
        after=("refresh_profile",),
        local_handler="toolkit.pipeline.local_steps:observability_step",
        snowflake_procedure="C360_RECORD_OBSERVABILITY",
        snowflake_handler="toolkit.pipeline.snowflake_steps.observability_handler",
    ),
)

STEP_NAMES = tuple(step.name for step in PIPELINE)


def topological_order(steps: tuple[Step, ...] = PIPELINE) -> list[Step]:
    """Steps in an order that respects every ``after`` edge (stable for ties)."""
    by_name = {step.name: step for step in steps}
    for step in steps:
        missing = [dep for dep in step.after if dep not in by_name]
        if missing:
            raise ValueError(f"step {step.name!r} depends on unknown step(s) {missing}")
    ordered: list[Step] = []
    done: set[str] = set()
    while len(ordered) < len(steps):
        ready = [s for s in steps if s.name not in done and all(d in done for d in s.after)]
        if not ready:
            raise ValueError("the pipeline DAG has a cycle")
        for step in ready:
            ordered.append(step)
            done.add(step.name)
    return ordered

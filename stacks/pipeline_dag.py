"""The pipeline tasks DAG, generated from ``toolkit.pipeline.dag.PIPELINE``.

One task per step, named ``C360_<STEP>``, with the step's ``after`` edges. A root task
carries the environment's schedule and every step without predecessors runs after it; a
finalizer task records the graph run in ``OBSERVABILITY.PIPELINE_RUNS``. Steps with a
Snowflake procedure ``CALL`` it; dbt steps ``EXECUTE DBT PROJECT`` with the step's
``dbt_args`` (plus ``--target <env>``) and then re-attach the PII masking policies to the
tables dbt rebuilt. All tasks are created by — so owned by — the pipeline role.

Beside the DAG, a triggered task runs whenever the stream on bronze transactions has
data: it loads the newly piped files (a procedure ``CALL``) and runs no dbt. dbt runs on
one serialised path, the DAG's dbt steps, which follow one another (``after`` edges) in a
graph whose root never overlaps itself: Snowflake does not support concurrent
``EXECUTE DBT PROJECT`` on one dbt project object ("Running multiple EXECUTE DBT PROJECT
commands concurrently against the same dbt project object isn't supported",
https://docs.snowflake.com/en/user-guide/data-engineering/dbt-projects-on-snowflake-limitations).
A second dbt project object for the stream task would be allowed, but its
``build stg_transactions+`` would rebuild the same models as the DAG's build at the same
time; the next DAG build merges the new rows instead (``fct_transactions`` is incremental).
"""

from __future__ import annotations

from cdktn import TerraformProvider
from cdktn_provider_snowflake.task import Task
from constructs import Construct

from stacks.naming import PLATFORM_SCHEMA, Names
from toolkit.config import Environment
from toolkit.pipeline.dag import PIPELINE, Step, topological_order

# steps that move files and bronze rows use the load warehouse; the rest transform
LOAD_STEPS = ("generate", "load")
STEP_TIMEOUT_MS = 4 * 3600 * 1000


def sql_string(value: str) -> str:
    """A single-quoted SQL string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def scripting_block(*statements: str) -> str:
    """Several statements as one task body (a Snowflake Scripting block)."""
    body = "".join(f"  {statement};\n" for statement in statements)
    return f"EXECUTE IMMEDIATE $$\nBEGIN\n{body}END;\n$$"


def dbt_task_body(names: Names, dbt_args: str) -> str:
    args = f"{dbt_args} --target {names.env.dbt_target}"
    project = names.in_platform(names.dbt_project)
    # No masking step after dbt: PII masking follows the data by tag propagation (#13,
    # stacks/governance.py), so a rebuilt table is masked from the statement that creates it.
    return scripting_block(f"EXECUTE DBT PROJECT {project} ARGS = {sql_string(args)}")


def step_task_body(names: Names, step: Step) -> str:
    if step.snowflake_procedure:
        return f"CALL {names.in_platform(step.snowflake_procedure)}()"
    if step.dbt_args:
        return dbt_task_body(names, step.dbt_args)
    raise ValueError(f"step {step.name!r} has neither a Snowflake procedure nor dbt args")


class PipelineDag(Construct):
    """Exposes ``root``, ``steps`` (step name → Task), ``finalizer`` and ``incremental``."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        env: Environment,
        names: Names,
        database: str,
        schemas: dict,
        stream_name: str,
        provider: TerraformProvider,
        ready: list,
    ):
        super().__init__(scope, id_)
        platform = schemas[PLATFORM_SCHEMA].name
        task_fq = {step.name: names.in_platform(names.task(step.name)) for step in PIPELINE}
        root_fq = names.in_platform(names.root_task)
        common = {
            "provider": provider,
            "database": database,
            "schema": platform,
            "started": True,
            "user_task_timeout_ms": STEP_TIMEOUT_MS,
        }

        self.root = Task(
            self,
            "root",
            name=names.root_task,
            warehouse=env.warehouse("transform").name,
            schedule={"using_cron": f"{env.schedule_cron} {env.schedule_timezone}"},
            sql_statement=f"SELECT SYSTEM$SET_RETURN_VALUE({sql_string(f'c360 {env.name} pipeline run')})",
            allow_overlapping_execution="false",
            suspend_task_after_num_failures=3,
            comment="root of the c360 pipeline DAG (schedule from toolkit.config)",
            depends_on=ready,
            **common,
        )
        self.steps: dict[str, Task] = {}
        for step in topological_order():
            if step.name == "generate" and not env.generates_synthetic_data:
                continue  # prod's files come from the card processor (toolkit.config)
            upstream = [name for name in step.after if name in self.steps]
            predecessors = [self.steps[name] for name in upstream] or [self.root]
            after = [task_fq[name] for name in upstream] or [root_fq]
            workload = "load" if step.name in LOAD_STEPS else "transform"
            self.steps[step.name] = Task(
                self,
                f"step_{step.name}",
                name=names.task(step.name),
                warehouse=env.warehouse(workload).name,
                after=after,
                sql_statement=step_task_body(names, step),
                comment=f"pipeline step {step.name}: {step.description}",
                depends_on=predecessors,
                **common,
            )
        self.finalizer = Task(
            self,
            "finalizer",
            name=names.finalizer_task,
            warehouse=env.warehouse("transform").name,
            finalize=root_fq,
            sql_statement=(
                f"CALL {names.in_platform('C360_RECORD_PIPELINE_RUN')}({sql_string(env.name)})"
            ),
            comment="records the graph run in OBSERVABILITY.PIPELINE_RUNS",
            depends_on=[self.root, *self.steps.values()],
            **common,
        )
        # validates the newly piped files into bronze and rejected_rows (sql/procedures/load.sql)
        consume = names.in_platform("C360_LOAD")
        self.incremental = Task(
            self,
            "incremental",
            name=names.incremental_task,
            warehouse=env.warehouse("transform").name,
            when=f"SYSTEM$STREAM_HAS_DATA({sql_string(stream_name)})",
            # records the new files only: dbt runs in the DAG alone (see the module doc)
            sql_statement=f"CALL {consume}()",
            allow_overlapping_execution="false",
            comment="triggered by new rows in the bronze transactions stream",
            depends_on=ready,
            **common,
        )
        self.stream_fq = names.transactions_stream_fq

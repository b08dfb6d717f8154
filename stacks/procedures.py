"""Procedures: the toolkit's Python steps and the SQL helpers of the tasks DAG.

Python procedures (one per pipeline step with a ``snowflake_procedure``) have the
toolkit's handlers (``toolkit.pipeline.snowflake_steps``) and import the ``toolkit`` package
from the git repository stage, so Snowflake runs the very code the local runner runs.
SQL procedures are read from ``sql/procedures/*.sql`` (one ``CREATE PROCEDURE`` per file,
parsed with sqlglot), so the SQL lives in reviewable files, not in Python strings.
All are created by the pipeline provider, so the pipeline role owns them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlglot
from cdktn import TerraformProvider
from cdktn_provider_snowflake.procedure_python import (
    ProcedurePython,
    ProcedurePythonArguments,
    ProcedurePythonImports,
)
from cdktn_provider_snowflake.procedure_sql import ProcedureSql, ProcedureSqlArguments
from cdktn_provider_snowflake.stage_internal import StageInternal
from constructs import Construct
from sqlglot import exp

from stacks.naming import PLATFORM_SCHEMA, Names
from toolkit.config import DEFAULT_CUSTOMERS, DEFAULT_SEED
from toolkit.pipeline.dag import PIPELINE

SQL_PROCEDURES_DIR = Path(__file__).resolve().parent.parent / "sql" / "procedures"

PYTHON_RUNTIME = "3.11"
SNOWPARK_VERSION = "1.39.0"
# Anaconda-channel packages the toolkit's handlers import in Snowflake
PYTHON_PACKAGES = [
    "pandas",
    "numpy",
    "pyarrow",
    "faker",
    "scikit-learn",
    "scipy",
    "lightgbm",
    "duckdb",
    "pyyaml",
    "rich",
    "sqlglot",
]

# Arguments of the Python procedures (name, Snowflake type, default); the tasks call
# them without arguments, so the defaults are what the scheduled DAG uses.
PYTHON_ARGUMENTS = {
    "generate": [
        ("CUSTOMERS", "NUMBER", str(DEFAULT_CUSTOMERS)),
        ("SEED", "NUMBER", str(DEFAULT_SEED)),
        ("DIRTY_RATE", "FLOAT", "0"),
    ],
}


@dataclass(frozen=True)
class SqlProcedure:
    name: str
    arguments: list[tuple[str, str]]
    returns: str
    body: str


def read_sql_procedure(path: Path) -> SqlProcedure:
    """Name, arguments, return type and body of the ``CREATE PROCEDURE`` in ``path``."""
    create = sqlglot.parse_one(path.read_text(), read="snowflake")
    if not isinstance(create, exp.Create) or create.kind != "PROCEDURE":
        raise ValueError(f"{path} must hold one CREATE PROCEDURE statement")
    signature = create.this
    arguments = [
        (arg.name.upper(), arg.args["kind"].sql(dialect="snowflake"))
        for arg in signature.expressions
        if isinstance(arg, exp.ColumnDef)
    ]
    returns = create.find(exp.ReturnsProperty).this.sql(dialect="snowflake")
    body = create.expression.find(exp.RawString).this
    return SqlProcedure(signature.this.name.upper(), arguments, returns, body.strip())


def sql_procedures() -> list[SqlProcedure]:
    return [read_sql_procedure(p) for p in sorted(SQL_PROCEDURES_DIR.glob("*.sql"))]


class Procedures(Construct):
    """Exposes ``python`` (step name → procedure) and ``sql`` (procedure name → procedure)."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        names: Names,
        database: str,
        schemas: dict,
        repository_fq: str,
        provider: TerraformProvider,
        ready: list,
    ):
        super().__init__(scope, id_)
        platform = schemas[PLATFORM_SCHEMA].name
        # stages the handlers use (toolkit.pipeline.snowflake_steps), owned by the pipeline role
        self.stages = {
            name: StageInternal(
                self,
                f"stage_{name.lower()}",
                provider=provider,
                database=database,
                schema=platform,
                name=name,
                encryption={"snowflake_sse": {}},
                comment=comment,
                depends_on=ready,
            )
            for name, comment in (
                ("GENERATED_LANDING", "synthetic landing files written by C360_GENERATE"),
                ("CHURN_MODELS", "churn model versions (JSON) and the PROMOTED pointer"),
            )
        }
        self.python: dict[str, ProcedurePython] = {}
        for step in PIPELINE:
            if not step.snowflake_handler:  # SQL procedures come from sql/procedures
                continue
            self.python[step.name] = ProcedurePython(
                self,
                f"procedure_{step.name}",
                provider=provider,
                database=database,
                schema=platform,
                name=step.snowflake_procedure,
                handler=step.snowflake_handler,
                runtime_version=PYTHON_RUNTIME,
                snowpark_package=SNOWPARK_VERSION,
                packages=PYTHON_PACKAGES,
                imports=[
                    ProcedurePythonImports(
                        stage_location=repository_fq,
                        path_on_stage=f"branches/{names.env.git_branch}/toolkit",
                    )
                ],
                arguments=[
                    ProcedurePythonArguments(
                        arg_name=arg, arg_data_type=data_type, arg_default_value=default
                    )
                    for arg, data_type, default in PYTHON_ARGUMENTS.get(step.name, [])
                ]
                or None,
                return_type="VARCHAR",
                execute_as="OWNER",
                comment=f"pipeline step {step.name}: {step.description}",
                depends_on=[*ready, *self.stages.values()],
            )
        self.sql: dict[str, ProcedureSql] = {}
        for procedure in sql_procedures():
            self.sql[procedure.name] = ProcedureSql(
                self,
                f"procedure_{procedure.name.lower()}",
                provider=provider,
                database=database,
                schema=platform,
                name=procedure.name,
                arguments=[
                    ProcedureSqlArguments(arg_name=arg, arg_data_type=data_type)
                    for arg, data_type in procedure.arguments
                ]
                or None,
                return_type=procedure.returns,
                procedure_definition=procedure.body,
                execute_as="OWNER",
                comment="from sql/procedures",
                depends_on=ready,
            )

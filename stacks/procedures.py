"""Procedures: the toolkit's Python steps and the SQL helpers of the tasks DAG.

Python procedures (one per pipeline step with a ``snowflake_procedure``) have the
toolkit's handlers (``toolkit.pipeline.snowflake_steps``), so Snowflake runs the very code
the local runner runs. ``IMPORTS`` takes files or a zip archive, and a Python handler is
imported from a zip with ``zipimport``
(https://docs.snowflake.com/en/developer-guide/udf/python/udf-python-limitations;
https://docs.snowflake.com/en/developer-guide/upload-dependencies); individual files would
land flat, losing the ``toolkit.*`` package layout. So synth packs ``toolkit/`` (plus the
pure-Python packages in ``VENDORED_PACKAGES``) into one deterministic zip, a
``TerraformAsset`` ships it inside the synthesized stack, a ``snowflake_execute`` PUTs it to
``PLATFORM.CODE/<content hash>/`` and the procedures import that file (provider
``snowflake_procedure_python`` ``imports``: ``stage_location`` + ``path_on_stage``, provider
v2.20.0 ``docs/resources/procedure_python.md``). The release artifact is the synthesized
stack of one commit, so procedures run that commit's code, and a rollback (the earlier
artifact) brings the earlier zip back: no procedure imports from ``branches/main``.
``imports`` forces a replacement (provider v2.20.0 ``pkg/resources/procedure_commons.go``:
``ForceNew``), so new code re-creates the procedures; the tasks call them by name.

SQL procedures are read from ``sql/procedures/*.sql`` (one ``CREATE PROCEDURE`` per file,
parsed with sqlglot), so the SQL lives in reviewable files, not in Python strings.
All are created by the pipeline provider, so the pipeline role owns them.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import io
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from cdktn import AssetType, TerraformAsset, TerraformProvider, TerraformResourceLifecycle
from cdktn_provider_snowflake.execute import Execute
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
from stacks.snowpark_runtime import (
    PROCEDURE_PACKAGES,
    PYTHON_RUNTIME,
    SNOWPARK_VERSION,
    VENDORED_PACKAGES,
)
from toolkit.config import DEFAULT_CUSTOMERS, DEFAULT_SEED
from toolkit.pipeline.dag import PIPELINE

SQL_PROCEDURES_DIR = Path(__file__).resolve().parent.parent / "sql" / "procedures"
# the runtime's lists live in stacks.snowpark_runtime (light to import); re-exported here
__all__ = ["PROCEDURE_PACKAGES", "PYTHON_RUNTIME", "SNOWPARK_VERSION", "VENDORED_PACKAGES"]

CODE_STAGE = "CODE"
TOOLKIT_ARCHIVE = "c360_toolkit.zip"
REPO_ROOT = Path(__file__).resolve().parent.parent
# a fixed timestamp keeps the zip (and so its hash and the synthesized stack) byte-stable
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)

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


def _archive_members() -> list[tuple[str, Path]]:
    """(name in the zip, file) for ``toolkit/`` and each vendored package, sorted."""
    roots = [REPO_ROOT / "toolkit"]
    for package in VENDORED_PACKAGES:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise ValueError(f"vendored package {package!r} is not installed")
        roots.append(Path(next(iter(spec.submodule_search_locations))))
    members = []
    for root in roots:
        for path in root.rglob("*"):
            skipped = "__pycache__" in path.parts or path.suffix == ".pyc" or path.name[0] == "."
            if path.is_file() and not skipped:
                members.append((f"{root.name}/{path.relative_to(root).as_posix()}", path))
    return sorted(members)


def toolkit_archive_bytes() -> bytes:
    """The procedures' zip: same sources → same bytes (sorted names, fixed timestamps)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, path in _archive_members():
            info = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


@functools.cache
def toolkit_archive() -> Path:
    """The zip as a file (built once per process) for the stacks' ``TerraformAsset``."""
    data = toolkit_archive_bytes()
    folder = Path(tempfile.gettempdir()) / f"c360-toolkit-{hashlib.sha256(data).hexdigest()[:16]}"
    folder.mkdir(exist_ok=True)
    target = folder / TOOLKIT_ARCHIVE
    if not target.exists():
        target.write_bytes(data)
    return target


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
        self.code_stage = StageInternal(
            self,
            "stage_code",
            provider=provider,
            database=database,
            schema=platform,
            name=CODE_STAGE,
            encryption={"snowflake_sse": {}},
            comment="the toolkit zip the Python procedures import, one folder per content hash",
            depends_on=ready,
        )
        archive = TerraformAsset(
            self, "toolkit_archive", path=str(toolkit_archive()), type=AssetType.FILE
        )
        # content-addressed: new code → new folder → the procedures are re-pointed at it
        code_folder = f"@{names.in_platform(CODE_STAGE)}/{archive.asset_hash.lower()}/"
        self.archive_path_on_stage = f"{archive.asset_hash.lower()}/{TOOLKIT_ARCHIVE}"
        self.upload = Execute(
            self,
            "upload_toolkit_archive",
            provider=provider,
            # terraform runs in the synthesized stack's folder, where the asset path points.
            # The provider runs the statement with client.ExecUnsafe (v2.20.0
            # pkg/resources/execute.go) on gosnowflake v2 (its go.mod), whose file transfer
            # handles PUT to internal stages (gosnowflake issue #7: PUT since v1.4.3)
            execute=(
                f"PUT 'file://{archive.path}' {code_folder} AUTO_COMPRESS = FALSE OVERWRITE = TRUE"
            ),
            revert=f"REMOVE {code_folder}",
            query=f"LIST {code_folder}",
            depends_on=[self.code_stage],
            # the new zip is in place before procedures move to it; the old one goes last
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        )
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
                packages=list(PROCEDURE_PACKAGES),
                imports=[
                    ProcedurePythonImports(
                        stage_location=names.in_platform(CODE_STAGE),
                        path_on_stage=self.archive_path_on_stage,
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
                depends_on=[*ready, *self.stages.values(), self.upload],
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

"""Runs the dbt project (``dbt/``) in-process with dbtRunner, then records what it did.

Locally the target is ``local`` (dbt-duckdb on the file named by ``C360_DUCKDB_PATH``);
the same project runs on Snowflake as ``dev``/``prod`` from the tasks DAG. After every
invocation the per-node results (models' rows and seconds, test outcomes) go to
``observability.data_quality_results`` and the row counts of the tables dbt built to
``observability.layer_record_counts``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from toolkit.config import DB_PATH_ENV_VAR, get_environment
from toolkit.db import DEFAULT_THREADS, connect, table_exists
from toolkit.errors import C360Error
from toolkit.pipeline.observability import ensure_observability_tables

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt"

# DuckDB's memory limit for dbt builds (C360_DUCKDB_MEMORY_LIMIT overrides it). Below the
# toolkit's default: the process also holds dbt (~250 MB) and DuckDB's allocations past its
# limit, and the fact's sort spills either way. At 222K customers / 60M transactions a full
# `c360 build` peaked at 2,388 MiB (2.50 GB) with 1300MB and 2,193 MiB (2.30 GB) with 1100MB,
# for the same CPU (166 user-s either way; 42 CPU-s either way at 50K, peak 1,440 MB).
DBT_MEMORY_LIMIT = "1100MB"

# Columns added to the observability DDL by this module; ALTERed into older databases.
_DQ_EXTRA_COLUMNS = {"node_id": "varchar", "invocation_id": "varchar", "target": "varchar"}

console = Console(stderr=True)


@dataclass
class NodeOutcome:
    """One dbt node's result, flattened for observability."""

    node_id: str
    name: str
    resource_type: str
    materialized: str | None
    schema: str | None
    layer: str | None
    status: str
    execution_seconds: float
    rows_affected: int | None
    failures: int | None
    message: str | None


@dataclass
class DbtRunSummary:
    command: list[str]
    success: bool
    seconds: float
    invocation_id: str | None = None
    outcomes: list[NodeOutcome] = field(default_factory=list)
    started_at: datetime | None = None
    skipped: bool = False  # a plain build with nothing new: dbt did not run

    def count(self, *statuses: str, types: tuple[str, ...] | None = None) -> int:
        return sum(
            1
            for o in self.outcomes
            if o.status in statuses and (types is None or o.resource_type in types)
        )

    @property
    def rows_written(self) -> int:
        return sum(
            o.rows_affected or 0
            for o in self.outcomes
            if o.resource_type in ("model", "snapshot") and o.status == "success"
        )

    @property
    def problems(self) -> list[NodeOutcome]:
        return [o for o in self.outcomes if o.status in ("error", "fail")]

    def describe(self) -> str:
        built = self.count("success", types=("model", "snapshot"))
        tests = self.count("pass", types=("test", "unit_test"))
        warned = self.count("warn")
        failed = len(self.problems)
        skipped = self.count("skipped")
        parts = [f"{built} models built", f"{tests} tests passed"]
        if warned:
            parts.append(f"{warned} warnings")
        if failed:
            parts.append(f"{failed} failed")
        if skipped:
            parts.append(f"{skipped} skipped")
        return ", ".join(parts) + f" in {self.seconds:.1f}s"


def dbt_paths(db_path: Path) -> tuple[Path, Path]:
    """Per-database target and log folders: concurrent builds of different databases
    (tests, benchmarks) never share dbt's partial-parse state or manifest."""
    base = Path(db_path).resolve().parent / "dbt"
    return base / "target", base / "logs"


@contextmanager
def _dbt_environment(db_path: Path, target: str) -> Iterator[None]:
    """The env vars profiles.yml reads, set for the duration of one invocation."""
    wanted = {
        DB_PATH_ENV_VAR: str(Path(db_path).resolve()),
        "C360_DBT_TARGET": target,
        "C360_DUCKDB_MEMORY_LIMIT": os.environ.get("C360_DUCKDB_MEMORY_LIMIT") or DBT_MEMORY_LIMIT,
        "C360_DUCKDB_THREADS": os.environ.get("C360_DUCKDB_THREADS") or str(DEFAULT_THREADS),
    }
    saved = {key: os.environ.get(key) for key in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class _ProgressCallback:
    """Turns dbt's structured events into one rich progress bar (dbt's own console log is
    off; the full log is still written to the log folder)."""

    def __init__(self, progress: Progress):
        self.progress = progress
        self.task = progress.add_task("dbt", total=None)

    def __call__(self, event) -> None:
        name = event.info.name
        if name == "LogStartLine":
            data = event.data
            self.progress.update(
                self.task,
                total=data.total,
                description=f"dbt {data.node_info.resource_type} {data.node_info.node_name}",
            )
        elif name == "NodeFinished":
            self.progress.advance(self.task)


def _invoke(args: list[str]) -> tuple[object, str | None]:
    from dbt.cli.main import dbtRunner

    progress = Progress(
        TextColumn("  {task.description:<48.48}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    invocation: dict[str, str] = {}

    def remember_invocation(event) -> None:
        if event.info.invocation_id and "id" not in invocation:
            invocation["id"] = event.info.invocation_id

    with progress:
        runner = dbtRunner(callbacks=[_ProgressCallback(progress), remember_invocation])
        try:
            result = runner.invoke(args)
        finally:
            _release_duckdb()
    return result, invocation.get("id")


def _release_duckdb() -> None:
    """dbt-duckdb keeps its database open in a class-level environment after the run;
    close it so this process can open the file again (with the toolkit's settings)."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # pragma: no cover - dbt-duckdb is a project dependency
        return
    with DuckDBConnectionManager._LOCK:
        environment = DuckDBConnectionManager._ENV
        if environment is not None:
            environment.close()
            DuckDBConnectionManager._ENV = None


def _manifest_nodes(target_path: Path) -> dict:
    manifest = target_path / "manifest.json"
    if not manifest.exists():
        return {}
    data = json.loads(manifest.read_text())
    return {**data.get("nodes", {}), **data.get("unit_tests", {})}


def _outcomes(run_result, nodes: dict) -> list[NodeOutcome]:
    outcomes = []
    for item in getattr(run_result, "results", None) or []:
        node = item.node
        resource_type = str(getattr(node, "resource_type", "unknown"))
        config = getattr(node, "config", None)
        schema = getattr(node, "schema", None)
        layer = schema
        if resource_type in ("test", "unit_test"):
            # a test's layer is the layer of the model it checks
            attached = getattr(node, "attached_node", None) or getattr(
                node, "tested_node_unique_id", None
            )
            depends = getattr(getattr(node, "depends_on", None), "nodes", None) or []
            parent = attached or (depends[0] if depends else None)
            if parent and parent in nodes:
                layer = nodes[parent].get("schema", layer)
        response = item.adapter_response or {}
        rows = response.get("rows_affected") if isinstance(response, dict) else None
        message = item.message
        outcomes.append(
            NodeOutcome(
                node_id=node.unique_id,
                name=node.name,
                resource_type=resource_type,
                materialized=getattr(config, "materialized", None),
                schema=schema,
                layer=layer,
                status=str(getattr(item.status, "value", item.status)),
                execution_seconds=float(item.execution_time or 0.0),
                rows_affected=int(rows) if isinstance(rows, int) and rows >= 0 else None,
                failures=item.failures,
                message=str(message)[:2000] if message is not None else None,
            )
        )
    return outcomes


def _ensure_dq_columns(con) -> None:
    ensure_observability_tables(con)
    for column, data_type in _DQ_EXTRA_COLUMNS.items():
        con.execute(
            f"alter table observability.data_quality_results add column if not exists {column} {data_type}"
        )


def record_results(db_path: Path, summary: DbtRunSummary, *, run_id: str | None, target: str):
    """Write one data_quality_results row per node and a layer_record_counts row per
    table dbt built (views are counted by the pipeline's observability step).

    dbt-duckdb reports no rows_affected, so a built table's rows_affected is its row
    count after the build, or for a table that stamps its rows (``built_at``, the
    incremental fact) the rows this run wrote.
    """
    con = connect(db_path)
    try:
        _ensure_dq_columns(con)
        checked_at = datetime.now()
        for outcome in summary.outcomes:
            if not (
                outcome.resource_type in ("model", "snapshot")
                and outcome.status == "success"
                and outcome.materialized != "view"
                and outcome.schema
                and table_exists(con, outcome.schema, outcome.name)
            ):
                continue
            # identifiers come from dbt's manifest, checked against information_schema above
            relation = f'"{outcome.schema}"."{outcome.name}"'
            (count,) = con.execute(f"select count(*) from {relation}").fetchone()  # noqa: S608
            outcome.rows_affected = count
            if summary.started_at and _has_column(con, outcome.schema, outcome.name, "built_at"):
                # an incremental model stamps the rows it wrote: report those, not the total
                (written,) = con.execute(
                    f"select count(*) from {relation} where built_at >= ?",  # noqa: S608
                    [summary.started_at],
                ).fetchone()
                outcome.rows_affected = written
            con.execute(
                "insert into observability.layer_record_counts values (?, ?, ?, ?, ?)",
                [run_id, checked_at, outcome.schema, outcome.name, count],
            )
        if not summary.outcomes:  # dbt stopped before any node (e.g. a compilation error)
            return
        con.executemany(
            """
            insert into observability.data_quality_results
                (run_id, checked_at, layer, node_name, check_type, status, failures,
                 rows_affected, execution_seconds, message, node_id, invocation_id, target)
            values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                [
                    run_id,
                    checked_at,
                    o.layer,
                    o.name,
                    "dbt " + o.resource_type.replace("_", " "),
                    o.status,
                    o.failures,
                    o.rows_affected,
                    o.execution_seconds,
                    o.message,
                    o.node_id,
                    summary.invocation_id,
                    target,
                ]
                for o in summary.outcomes
            ],
        )
    finally:
        con.close()


def _has_column(con, schema: str, table: str, column: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.columns "
        "where table_schema = ? and table_name = ? and column_name = ?",
        [schema, table, column],
    ).fetchone()
    return bool(row and row[0])


def _check_bronze(db_path: Path) -> None:
    if not Path(db_path).exists():
        raise C360Error(f"no database at {db_path}; run `c360 load` (or `c360 demo`) first")
    con = connect(db_path)
    try:
        missing = [
            name
            for name in ("raw_customers", "raw_transactions", "raw_merchant_categories")
            if not table_exists(con, "bronze", name)
        ]
        if missing:
            raise C360Error(
                f"bronze.{missing[0]} is missing in {db_path}; run `c360 load` before `c360 build`"
            )
        (transactions,) = con.execute("select count(*) from bronze.raw_transactions").fetchone()
        if not transactions:
            raise C360Error(f"bronze.raw_transactions is empty in {db_path}; run `c360 load`")
    finally:
        con.close()


def run_dbt(
    db_path: Path | str,
    dbt_args: list[str] | str,
    *,
    run_id: str | None = None,
    env: str = "local",
    record: bool = True,
) -> DbtRunSummary:
    """Invoke dbt (e.g. ``["build", "--select", "customer_360_profile+"]``) on ``env``'s
    target; returns the summary. Raises :class:`C360Error` when dbt reports errors."""
    db_path = Path(db_path)
    args = shlex.split(dbt_args) if isinstance(dbt_args, str) else list(dbt_args)
    target = get_environment(env).dbt_target
    if target == "local":
        _check_bronze(db_path)
    target_path, log_path = dbt_paths(db_path)
    command = [
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target",
        target,
        "--target-path",
        str(target_path),
        "--log-path",
        str(log_path),
        # the progress bar and our one-line summary/error replace dbt's console log;
        # the full debug log still goes to the log folder
        "--log-level",
        "none",
        "--log-level-file",
        "debug",
    ]
    started = time.perf_counter()
    started_at = datetime.now()
    with _dbt_environment(db_path, target):
        result, invocation_id = _invoke(command)
    summary = DbtRunSummary(
        command=["dbt", *args],
        success=bool(result.success),
        seconds=time.perf_counter() - started,
        invocation_id=invocation_id,
        outcomes=_outcomes(result.result, _manifest_nodes(target_path)),
        started_at=started_at,
    )
    if record and target == "local":
        record_results(db_path, summary, run_id=run_id, target=target)
    if not summary.success:
        if summary.problems:
            first = summary.problems[0]
            reason = _one_line(first.message or first.status)
            raise C360Error(
                f"dbt {args[0]} failed: {len(summary.problems)} node(s) failed, first "
                f"{first.name}: {reason} (log: {log_path / 'dbt.log'})"
            )
        detail = str(result.exception).strip().splitlines()[0] if result.exception else "error"
        raise C360Error(f"dbt {args[0]} failed: {detail} (log: {log_path / 'dbt.log'})")
    return summary


def _one_line(message: str) -> str:
    """dbt's error messages are multi-line: a header ("Runtime Error in model x (...)")
    then the cause. Keep the header and the first line of the cause."""
    lines = [line.strip() for line in str(message).splitlines() if line.strip()]
    if len(lines) > 1 and " Error in " in lines[0]:
        return f"{lines[0]}: {lines[1]}"[:400]
    return (lines[0] if lines else "error")[:400]


# Tables a plain build must have produced for a skip to be safe (someone may drop one).
_BUILT_TABLES = (
    ("gold", "fct_transactions"),
    ("gold", "dim_customer"),
    ("gold", "customer_segments"),
    ("gold", "customer_360_profile"),
)
# Inputs a plain build reads: bronze (via the staging models) and the scored gold tables
# the marts left-join (written by `c360 score` between builds).
_BRONZE_TABLES = ("raw_customers", "raw_transactions", "raw_merchant_categories")
_SCORED_TABLES = ("churn_predictions", "customer_clv")
SKIP_MESSAGE = "dbt build: nothing new since the last build; use --full-refresh to rebuild"
# Nodes that read nothing but one bronze table (schema, name): while that table is
# unchanged since the last successful plain build, they would rebuild the same rows and
# re-run the same tests, so an incremental build leaves them (and their tests) out. On a
# daily append only the transactions change; dbt costs ~0.2 s of CPU per node here.
_SINGLE_SOURCE_NODES = {
    "bronze.raw_customers": (
        ("silver", "stg_customers"),
        ("silver", "int_customer_versions_deduplicated"),
        ("silver", "customer_versions_snapshot"),
        ("silver", "int_customer_versions_windowed"),
        ("silver", "int_customer_latest_attributes"),
    ),
    "bronze.raw_merchant_categories": (
        ("silver", "stg_merchant_categories"),
        ("gold", "dim_merchant_category"),
    ),
}


def _project_hash() -> str:
    """A hash of the dbt project's sources: a changed model must not be skipped."""
    digest = hashlib.sha256()
    for path in sorted(DBT_PROJECT_DIR.rglob("*")):
        relative = path.relative_to(DBT_PROJECT_DIR)
        if not path.is_file() or relative.parts[0] in ("target", "logs", "dbt_packages"):
            continue
        digest.update(str(relative).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def input_fingerprint(con) -> dict:
    """What a plain build depends on, cheaply: per bronze table its row count and latest
    ``_loaded_at`` (any new or re-delivered batch moves one of them), the load batches
    recorded, a content hash of the scored tables (tens of thousands of rows), and the
    dbt project's hash. Equal fingerprints mean a build would change nothing."""
    fingerprint: dict[str, object] = {"project": _project_hash()}
    for name in _BRONZE_TABLES:
        # fixed identifiers from this module, not user input
        rows, loaded = con.execute(
            f"select count(*), max(_loaded_at) from bronze.{name}"  # noqa: S608
        ).fetchone()
        fingerprint[f"bronze.{name}"] = [rows, str(loaded)]
    if table_exists(con, "observability", "load_batches"):
        batches, loaded = con.execute(
            "select count(*), max(loaded_at) from observability.load_batches"
        ).fetchone()
        fingerprint["load_batches"] = [batches, str(loaded)]
    for name in _SCORED_TABLES:
        if table_exists(con, "gold", name):
            rows, content = con.execute(
                f"select count(*), sum(hash(t)) from gold.{name} as t"  # noqa: S608
            ).fetchone()
            fingerprint[f"gold.{name}"] = [rows, str(content)]
    return fingerprint


def _last_fingerprint(con, target: str) -> dict | None:
    if not table_exists(con, "observability", "dbt_build_watermarks"):
        return None
    row = con.execute(
        "select fingerprint from observability.dbt_build_watermarks where target = ? "
        "order by built_at desc limit 1",
        [target],
    ).fetchone()
    return json.loads(row[0]) if row else None


def _nothing_new(db_path: Path, target: str) -> tuple[bool, dict, dict | None]:
    """(True when the last successful plain build saw exactly these inputs and its tables
    are still there, the current fingerprint, the last build's fingerprint)."""
    con = connect(db_path, read_only=True)
    try:
        fingerprint = input_fingerprint(con)
        last = _last_fingerprint(con, target)
        unchanged = fingerprint == last and all(
            table_exists(con, schema, name) for schema, name in _BUILT_TABLES
        )
        return unchanged, fingerprint, last
    finally:
        con.close()


def _unchanged_single_source_nodes(db_path: Path, fingerprint: dict, last: dict) -> list[str]:
    """The nodes of ``_SINGLE_SOURCE_NODES`` whose bronze table has the same fingerprint
    as at the last successful plain build (same project) and which still exist."""
    con = connect(db_path, read_only=True)
    try:
        return [
            name
            for source, nodes in _SINGLE_SOURCE_NODES.items()
            if fingerprint.get(source) == last.get(source)
            and all(table_exists(con, schema, name) for schema, name in nodes)
            for _, name in nodes
        ]
    finally:
        con.close()


def _record_watermark(db_path: Path, summary: DbtRunSummary, fingerprint: dict, target: str):
    con = connect(db_path)
    try:
        ensure_observability_tables(con)
        transactions, loaded = fingerprint["bronze.raw_transactions"]
        con.execute(
            "insert into observability.dbt_build_watermarks values (?, ?, ?, ?, ?, ?)",
            [
                summary.started_at,
                summary.invocation_id,
                target,
                json.dumps(fingerprint, sort_keys=True),
                None if loaded == "None" else loaded,
                transactions,
            ],
        )
    finally:
        con.close()


def build(db_path, *, full_refresh: bool = False, select: str | None = None) -> DbtRunSummary:
    """``c360 build``: dbt build (silver, snapshot, gold, tests) on the local database.

    A plain build (no selection, no full refresh) whose inputs are unchanged since the last
    successful plain build skips dbt altogether: there is nothing to merge, and the marts
    and tests would only recompute the same rows. When only data changed (same dbt
    project as the last successful plain build), the unit tests are left out, and so are
    the nodes that read only a bronze table unchanged since then (customers, categories). Every
    successful plain build records its input fingerprint in
    ``observability.dbt_build_watermarks``."""
    db_path = Path(db_path)
    args = ["build"]
    if select:
        args += ["--select", *shlex.split(select)]
    if full_refresh:
        args.append("--full-refresh")
    plain = not select
    fingerprint = None
    if plain:
        _check_bronze(db_path)
        unchanged, fingerprint, last = _nothing_new(db_path, "local")
        if unchanged and not full_refresh:
            console.print(SKIP_MESSAGE)
            return DbtRunSummary(command=["dbt", *args], success=True, seconds=0.0, skipped=True)
        if not full_refresh and last and last.get("project") == fingerprint["project"]:
            # unit tests check the SQL against fixed rows, not the data: they passed on this
            # very project in the last successful build, so an incremental run skips them
            args += ["--exclude-resource-type", "unit_test"]
            unchanged_nodes = _unchanged_single_source_nodes(db_path, fingerprint, last)
            if unchanged_nodes:
                args += ["--exclude", *unchanged_nodes]
    run_id = "build-" + datetime.now().strftime("%Y%m%dT%H%M%S")
    summary = run_dbt(db_path, args, run_id=run_id)
    if fingerprint is not None:
        # the fingerprint taken before the run: data landing during it triggers the next
        _record_watermark(db_path, summary, fingerprint, "local")
    console.print(f"dbt build: {summary.describe()}")
    return summary


def run_dbt_step(ctx, dbt_args: str):
    """The pipeline's dbt steps (build, refresh_profile) with the step's ``dbt_args``."""
    from toolkit.pipeline.runner import StepResult

    summary = run_dbt(ctx.db_path, dbt_args, run_id=ctx.run_id, env=ctx.env)
    return StepResult(rows_out=summary.rows_written, message=summary.describe())

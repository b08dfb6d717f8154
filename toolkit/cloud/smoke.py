"""Post-deploy smoke checks on a Snowflake environment: ``c360 smoke dev|prod``.

Five checks, each reported on its own line, all run even when one fails:

1. **root task started** — the pipeline DAG's root task and every task of the
   ``PLATFORM`` schema are ``started`` (a suspended child task silently stops the DAG),
   and there is one task per step of :data:`toolkit.pipeline.dag.PIPELINE`.
2. **procedures callable** — every step's Python procedure exists, is visible to the
   deploy role and its handler is the toolkit function the pipeline declares. They are
   not *called*: generate/load/train would change prod data.
3. **app URL reachable** — the Streamlit app object exists and its Snowsight URL answers.
4. **dbt tests green** — ``EXECUTE DBT PROJECT … ARGS = 'test --target <env>'``.
5. **row counts in OBSERVABILITY** — the latest ``layer_record_counts`` snapshot covers
   bronze, silver and gold, and the core tables are not empty.

Connects with snowflake-connector-python and key-pair auth from the same env vars the
dbt profile reads (``SNOWFLAKE_ACCOUNT``, ``SNOWFLAKE_USER``, ``SNOWFLAKE_PRIVATE_KEY`` or
``SNOWFLAKE_PRIVATE_KEY_PATH``, ``SNOWFLAKE_PRIVATE_KEY_PASSPHRASE``, ``SNOWFLAKE_ROLE``,
``SNOWFLAKE_WAREHOUSE``). Object names come from ``stacks.naming`` — the names the
stacks deploy — so the checks and the infrastructure cannot drift apart.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from toolkit.config import Environment, get_environment
from toolkit.errors import C360Error
from toolkit.pipeline.dag import PIPELINE

# Tables that must hold rows after a pipeline run (layer, table), lower-case.
REQUIRED_NONEMPTY_TABLES = (
    ("bronze", "raw_transactions"),
    ("silver", "stg_transactions"),
    ("gold", "dim_customer"),
    ("gold", "fct_transactions"),
    ("gold", "customer_360_profile"),
)
COUNTED_LAYERS = ("bronze", "silver", "gold")

SNOWSIGHT = "https://app.snowflake.com"
HTTP_TIMEOUT_SECONDS = 20


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'✓' if self.ok else '✗'} {self.name:<28} {self.detail}"


# --------------------------------------------------------------------------- names
def quote_ident(name: str) -> str:
    """A Snowflake identifier as stored (names from SHOW output are case-exact)."""
    return '"' + name.replace('"', '""') + '"'


def fqn(*parts: str) -> str:
    return ".".join(quote_ident(part) for part in parts)


@dataclass(frozen=True)
class DeployedNames:
    """The names of one environment's objects that the checks (and the release) touch."""

    database: str
    platform_schema: str
    root_task: str
    step_tasks: tuple[str, ...]
    git_repository: str
    dbt_project: str
    streamlit_app: str
    dbt_target: str

    @property
    def platform(self) -> str:
        return fqn(self.database, self.platform_schema)

    def in_platform(self, name: str) -> str:
        return fqn(self.database, self.platform_schema, name)


def deployed_names(env: Environment) -> DeployedNames:
    # Imported here: ``stacks`` is the infrastructure's naming, the single source of truth.
    from stacks.naming import PLATFORM_SCHEMA, Names

    names = Names(env)
    return DeployedNames(
        database=names.database,
        platform_schema=PLATFORM_SCHEMA,
        root_task=names.root_task,
        # prod never generates (toolkit.config: generates_synthetic_data), so has no such task
        step_tasks=tuple(
            names.task(step.name)
            for step in PIPELINE
            if step.name != "generate" or env.generates_synthetic_data
        ),
        git_repository=names.git_repository,
        dbt_project=names.dbt_project,
        streamlit_app=names.streamlit_app,
        dbt_target=env.dbt_target,
    )


# ---------------------------------------------------------------------- connection
def _private_key_der(environ: Mapping[str, str]) -> bytes:
    """The deploy user's private key as DER bytes, from PEM text or a PEM file."""
    from cryptography.hazmat.primitives import serialization

    pem = environ.get("SNOWFLAKE_PRIVATE_KEY", "").strip()
    path = environ.get("SNOWFLAKE_PRIVATE_KEY_PATH", "").strip()
    if pem:
        pem_bytes = pem.encode()
    elif path:
        try:
            pem_bytes = Path(path).read_bytes()
        except OSError as exc:
            raise C360Error(
                f"cannot read SNOWFLAKE_PRIVATE_KEY_PATH {path}: {exc.strerror}"
            ) from exc
    else:
        raise C360Error(
            "no Snowflake key: set SNOWFLAKE_PRIVATE_KEY (PEM) or SNOWFLAKE_PRIVATE_KEY_PATH"
        )
    passphrase = environ.get("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE") or None
    try:
        key = serialization.load_pem_private_key(
            pem_bytes, password=passphrase.encode() if passphrase else None
        )
    except (ValueError, TypeError) as exc:
        raise C360Error(f"the Snowflake private key does not load: {exc}") from exc
    return key.private_bytes(
        encoding=serialization.Encoding.DER,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )


def connection_params(env: Environment, environ: Mapping[str, str] | None = None) -> dict:
    """Keyword arguments for ``snowflake.connector.connect`` (key-pair auth, no password)."""
    environ = os.environ if environ is None else environ
    account = environ.get("SNOWFLAKE_ACCOUNT", "").strip()
    if (
        not account
        and environ.get("SNOWFLAKE_ORGANIZATION_NAME")
        and environ.get("SNOWFLAKE_ACCOUNT_NAME")
    ):
        account = f"{environ['SNOWFLAKE_ORGANIZATION_NAME']}-{environ['SNOWFLAKE_ACCOUNT_NAME']}"
    user = environ.get("SNOWFLAKE_USER", "").strip()
    missing = [
        name
        for name, value in (("SNOWFLAKE_ACCOUNT", account), ("SNOWFLAKE_USER", user))
        if not value
    ]
    if missing:
        raise C360Error(f"missing Snowflake settings: {', '.join(missing)}")
    params = {
        "account": account,
        "user": user,
        "private_key": _private_key_der(environ),
        "database": env.database,
        "warehouse": environ.get("SNOWFLAKE_WAREHOUSE") or env.warehouse("transform").name,
        "application": "c360",
        "paramstyle": "qmark",  # server-side binding
        "login_timeout": 60,
        "network_timeout": 600,
        "session_parameters": {"QUERY_TAG": f"c360-smoke-{env.name}"},
    }
    if environ.get("SNOWFLAKE_ROLE"):
        params["role"] = environ["SNOWFLAKE_ROLE"]
    return params


def connect(env: Environment, environ: Mapping[str, str] | None = None):
    params = connection_params(env, environ)
    with warnings.catch_warnings():
        # The connector's vendored requests warns about newer urllib3/chardet: noise here.
        warnings.simplefilter("ignore")
        import snowflake.connector

    try:
        return snowflake.connector.connect(**params)
    except snowflake.connector.errors.Error as exc:
        raise C360Error(f"cannot connect to Snowflake account {params['account']}: {exc}") from exc


def query(connection, sql: str) -> list[dict]:
    """Rows as dicts keyed by lower-case column name (SHOW output is lower-case already).

    No statement here takes user input: names come from toolkit.config / stacks.naming
    (quoted), the commit sha is validated, so there is nothing to bind.
    """
    cursor = connection.cursor()
    try:
        cursor.execute(sql)
        columns = [column[0].lower() for column in (cursor.description or [])]
        return [dict(zip(columns, row, strict=False)) for row in cursor.fetchall()]
    finally:
        cursor.close()


# -------------------------------------------------------------------------- SQL
def show_tasks_sql(names: DeployedNames) -> str:
    return f"SHOW TASKS IN SCHEMA {names.platform}"


def show_procedures_sql(names: DeployedNames) -> str:
    return f"SHOW PROCEDURES IN SCHEMA {names.platform}"


def show_streamlits_sql(names: DeployedNames) -> str:
    return f"SHOW STREAMLITS IN SCHEMA {names.platform}"


def execute_dbt_tests_sql(names: DeployedNames) -> str:
    # dbt_target comes from toolkit.config (dev/prod), never from user input.
    return (
        f"EXECUTE DBT PROJECT {names.in_platform(names.dbt_project)} "
        f"ARGS = 'test --target {names.dbt_target}'"
    )


ACCOUNT_LOCATOR_SQL = (
    "SELECT CURRENT_ORGANIZATION_NAME() AS organization_name, "
    "CURRENT_ACCOUNT_NAME() AS account_name"
)


def latest_layer_counts_sql(names: DeployedNames) -> str:
    # The database name comes from toolkit.config and is quoted; nothing here is user input.
    table = f"{quote_ident(names.database)}.OBSERVABILITY.LAYER_RECORD_COUNTS"
    return (
        f"SELECT layer, table_name, row_count FROM {table} "  # noqa: S608
        f"WHERE counted_at = (SELECT MAX(counted_at) FROM {table})"
    )


def pii_coverage_sql(names: DeployedNames) -> str:
    """Each personal column in bronze, silver and gold with the value of its PII tag.

    SYSTEM$GET_TAG(tag, 'db.schema.table.column', 'COLUMN') returns the tag's value on the
    column, NULL when it has none (https://docs.snowflake.com/en/sql-reference/functions/
    system_get_tag). Propagated tags are set on the target columns themselves, so a gold
    column built from a tagged bronze column answers with its kind (stacks/governance.py).
    Names come from toolkit.config and stacks.pii, never from user input.
    """
    from stacks.pii import PII_TAG, personal_column_names

    database = quote_ident(names.database)
    tag = f"{names.database}.{names.platform_schema}.{PII_TAG}"
    columns = ", ".join(f"'{name}'" for name in sorted(personal_column_names()))
    return (
        "SELECT table_schema, table_name, column_name, "  # noqa: S608
        f"SYSTEM$GET_TAG('{tag}', table_catalog || '.' || table_schema || '.' || table_name "
        "|| '.' || column_name, 'COLUMN') AS pii_kind "
        f"FROM {database}.INFORMATION_SCHEMA.COLUMNS "
        f"WHERE table_schema IN ('BRONZE', 'SILVER', 'GOLD') AND column_name IN ({columns}) "
        "ORDER BY 1, 2, 3"
    )


_TYPE_LIST = re.compile(r"^[A-Z0-9_(), ]*$")


def procedure_signature(arguments: str) -> str:
    """``C360_TRAIN(NUMBER, VARCHAR) RETURN VARCHAR`` → ``(NUMBER, VARCHAR)``.

    SHOW PROCEDURES prints optional arguments as ``[, NUMBER]`` and defaults as
    ``DEFAULT NUMBER``; DESCRIBE wants the plain type list.
    """
    head = arguments.rsplit(" RETURN ", 1)[0]
    types = head[head.index("(") + 1 : head.rindex(")")] if "(" in head else ""
    types = types.replace("[", "").replace("]", "").replace("DEFAULT ", "")
    types = ", ".join(part.strip() for part in types.split(",") if part.strip())
    if not _TYPE_LIST.match(types):
        raise C360Error(f"unexpected procedure signature from SHOW PROCEDURES: {arguments!r}")
    return f"({types})"


def describe_procedure_sql(names: DeployedNames, procedure: str, arguments: str) -> str:
    return f"DESCRIBE PROCEDURE {names.in_platform(procedure)}{procedure_signature(arguments)}"


def app_url(organization: str, account: str, names: DeployedNames) -> str:
    """The app's Snowsight address (documented form: /<org>/<account>/#/streamlit-apps/<fqn>)."""
    return (
        f"{SNOWSIGHT}/{organization.lower()}/{account.lower()}/#/streamlit-apps/"
        f"{names.database}.{names.platform_schema}.{names.streamlit_app}"
    )


# ------------------------------------------------------------------------ checks
def check_tasks(connection, names: DeployedNames) -> CheckResult:
    name = "root task started"
    tasks = {row["name"]: row for row in query(connection, show_tasks_sql(names))}
    root = tasks.get(names.root_task)
    if root is None:
        return CheckResult(name, False, f"no task {names.root_task} in {names.platform}")
    problems = []
    if str(root.get("state", "")).lower() != "started":
        problems.append(f"{names.root_task} is {root.get('state')}")
    if not root.get("schedule"):
        problems.append(f"{names.root_task} has no schedule")
    missing = [task for task in names.step_tasks if task not in tasks]
    if missing:
        problems.append(f"missing step task(s) {', '.join(missing)}")
    suspended = sorted(
        task
        for task, row in tasks.items()
        if task != names.root_task and str(row.get("state", "")).lower() != "started"
    )
    if suspended:
        problems.append(f"not started: {', '.join(suspended)}")
    if problems:
        return CheckResult(name, False, "; ".join(problems))
    return CheckResult(
        name, True, f"{names.root_task} started ({root['schedule']}), {len(tasks)} tasks started"
    )


def check_procedures(connection, names: DeployedNames) -> CheckResult:
    name = "procedures callable"
    procedures = {row["name"]: row for row in query(connection, show_procedures_sql(names))}
    problems, ok = [], []
    for step in PIPELINE:
        if not step.snowflake_procedure:
            continue
        row = procedures.get(step.snowflake_procedure)
        if row is None:
            problems.append(f"{step.snowflake_procedure} missing")
            continue
        described = {
            str(prop["property"]).lower(): prop["value"]
            for prop in query(
                connection,
                describe_procedure_sql(names, step.snowflake_procedure, row["arguments"]),
            )
        }
        language = str(described.get("language", "")).upper()
        handler = str(described.get("handler", ""))
        expected_function = (step.snowflake_handler or "").rsplit(".", 1)[-1]
        if language != "PYTHON":
            problems.append(f"{step.snowflake_procedure} is {language or 'unknown'}, not PYTHON")
        elif not handler.endswith(expected_function):
            problems.append(
                f"{step.snowflake_procedure} handler {handler!r}, expected …{expected_function}"
            )
        else:
            ok.append(step.snowflake_procedure)
    if problems:
        return CheckResult(name, False, "; ".join(problems))
    return CheckResult(name, True, ", ".join(ok))


def check_app(connection, names: DeployedNames, http_get: Callable) -> CheckResult:
    name = "app URL reachable"
    apps = {row["name"]: row for row in query(connection, show_streamlits_sql(names))}
    if names.streamlit_app not in apps:
        return CheckResult(name, False, f"no Streamlit {names.streamlit_app} in {names.platform}")
    (locator,) = query(connection, ACCOUNT_LOCATOR_SQL)
    url = app_url(locator["organization_name"], locator["account_name"], names)
    try:
        response = http_get(url, timeout=HTTP_TIMEOUT_SECONDS, allow_redirects=True)
    except Exception as exc:  # any transport error is a failed check, not a crash
        return CheckResult(name, False, f"{url}: {type(exc).__name__}: {exc}")
    if response.status_code >= 400:
        return CheckResult(name, False, f"{url} answered HTTP {response.status_code}")
    return CheckResult(name, True, f"{url} (HTTP {response.status_code})")


_TRUE = {"1", "true", "t", "yes", "y"}


def check_dbt_tests(connection, names: DeployedNames) -> CheckResult:
    """EXECUTE DBT PROJECT returns one row: success flag first, then EXCEPTION, STDOUT, …"""
    name = "dbt tests green"
    rows = query(connection, execute_dbt_tests_sql(names))
    if not rows:
        return CheckResult(name, False, "EXECUTE DBT PROJECT returned no result row")
    row = rows[0]
    success = str(next(iter(row.values()))).strip().lower() in _TRUE
    exception = row.get("exception")
    stdout = str(row.get("stdout") or "")
    summary = next((line.strip() for line in reversed(stdout.splitlines()) if "PASS=" in line), "")
    if not success or exception:
        tail = " | ".join(stdout.strip().splitlines()[-3:])
        return CheckResult(name, False, f"dbt test failed: {exception or tail or 'no output'}")
    return CheckResult(name, True, summary or f"dbt test --target {names.dbt_target} passed")


def check_row_counts(connection, names: DeployedNames) -> CheckResult:
    name = "row counts in OBSERVABILITY"
    rows = query(connection, latest_layer_counts_sql(names))
    if not rows:
        return CheckResult(
            name, False, "OBSERVABILITY.LAYER_RECORD_COUNTS is empty: no pipeline run yet"
        )
    counts = {
        (str(row["layer"]).lower(), str(row["table_name"]).lower()): int(row["row_count"] or 0)
        for row in rows
    }
    layers = {layer for layer, _ in counts}
    problems = [f"no {layer} counts" for layer in COUNTED_LAYERS if layer not in layers]
    for key in REQUIRED_NONEMPTY_TABLES:
        if counts.get(key, 0) <= 0:
            problems.append(f"{key[0]}.{key[1]} has {counts.get(key, 'no')} rows")
    if problems:
        return CheckResult(name, False, "; ".join(problems))
    total = sum(counts.values())
    return CheckResult(name, True, f"{len(counts)} tables, {total:,} rows in the latest count")


def check_pii_tags(connection, names: DeployedNames) -> CheckResult:
    """Every personal column a person could read carries the PII tag, hence its mask (#13)."""
    name = "PII columns tagged"
    rows = query(connection, pii_coverage_sql(names))
    if not rows:
        return CheckResult(name, False, "no personal columns found: is BRONZE.RAW_CUSTOMERS there?")
    untagged = [
        f"{row['table_schema']}.{row['table_name']}.{row['column_name']}"
        for row in rows
        if not row.get("pii_kind")
    ]
    if untagged:
        shown = ", ".join(untagged[:5]) + (
            f" and {len(untagged) - 5} more" if len(untagged) > 5 else ""
        )
        return CheckResult(name, False, f"{len(untagged)} personal column(s) unmasked: {shown}")
    return CheckResult(name, True, f"{len(rows)} personal columns tagged and masked")


def run_checks(connection, names: DeployedNames, http_get: Callable) -> list[CheckResult]:
    checks: list[tuple[str, Callable[[], CheckResult]]] = [
        ("root task started", lambda: check_tasks(connection, names)),
        ("procedures callable", lambda: check_procedures(connection, names)),
        ("app URL reachable", lambda: check_app(connection, names, http_get)),
        ("dbt tests green", lambda: check_dbt_tests(connection, names)),
        ("row counts in OBSERVABILITY", lambda: check_row_counts(connection, names)),
        ("PII columns tagged", lambda: check_pii_tags(connection, names)),
    ]
    results = []
    for name, check in checks:
        try:
            results.append(check())
        except C360Error as exc:
            results.append(CheckResult(name, False, str(exc)))
        except Exception as exc:  # a Snowflake error fails this check; the others still run
            message = " ".join(str(exc).split())
            results.append(CheckResult(name, False, f"{type(exc).__name__}: {message}"))
    return results


def smoke(
    env: str,
    *,
    connection=None,
    http_get: Callable | None = None,
    echo: Callable[[str], None] = print,
) -> list[CheckResult]:
    """Run every check on ``env``; print one line each; raise C360Error if any failed."""
    environment = get_environment(env)
    if not environment.is_cloud:
        raise C360Error(f"smoke checks run on a Snowflake environment (dev or prod), not {env!r}")
    names = deployed_names(environment)
    if http_get is None:
        import requests

        http_get = requests.get
    own_connection = connection is None
    connection = connect(environment) if own_connection else connection
    try:
        results = run_checks(connection, names, http_get)
    finally:
        if own_connection:
            connection.close()
    echo(f"c360 smoke {env} ({names.database})")
    for result in results:
        echo("  " + result.line())
    failed = [result.name for result in results if not result.ok]
    if failed:
        raise C360Error(
            f"{len(failed)} of {len(results)} smoke checks failed on {env}: {', '.join(failed)}"
        )
    return results

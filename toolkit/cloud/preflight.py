"""``c360 preflight dev|prod``: what the first ``terraform plan`` and apply assume, checked first.

With the deploy credentials (the Snowflake key-pair user from ``SNOWFLAKE_*`` env vars, the
AWS credential chain) it checks in seconds, and prints one line per check, each failed one
with its fix:

* **bootstrap ran** (``sql/setup/account_admin_bootstrap.sql``): the roles the stack's
  provider aliases log in with — the environment's deployer, pipeline and app roles — exist
  (``SHOW ROLES``) and the deploy user may use them (``CURRENT_AVAILABLE_ROLES()``); the
  environment's resource monitor is visible to the deployer (``SHOW RESOURCE MONITORS``);
  the Anaconda terms are acknowledged (an anonymous Python procedure naming a package);
* **the deployer is isolated** (issue 13; ``SHOW GRANTS TO ROLE`` over the deployer and
  every role granted to it): it owns its environment's database, holds the account
  privileges the stack needs (``DEPLOYER_ACCOUNT_PRIVILEGES``), the pipeline role holds
  EXECUTE TASK, and nowhere in its hierarchy is SYSADMIN, SECURITYADMIN, ACCOUNTADMIN,
  MANAGE GRANTS, CREATE DATABASE, or any privilege on the other environment's database;
* every Anaconda package of the Python procedures (``stacks.snowpark_runtime``) is in
  ``SNOWFLAKE.INFORMATION_SCHEMA.PACKAGES`` for ``language = 'python'``, and the pinned
  Snowpark version too;
* the git origin answers git's smart-HTTP discovery (what ``git ls-remote`` asks first);
* the landing and access-log bucket names are free (or already this account's) and the
  Terraform state bucket exists (S3 ``HeadBucket``).

Each check is a small function over a connection/client, so tests drive it with recorded,
documented result shapes. Result shapes used (Snowflake SQL reference):
``SHOW ROLES`` → ``name`` (https://docs.snowflake.com/en/sql-reference/sql/show-roles);
``SHOW RESOURCE MONITORS`` → ``name``
(https://docs.snowflake.com/en/sql-reference/sql/show-resource-monitors);
``SHOW GRANTS TO ROLE`` → ``privilege``, ``granted_on``, ``name`` (a role granted to the
role is a row ``USAGE`` / ``ROLE`` / its name; an object in a database is named
``DB.SCHEMA.OBJECT``) (https://docs.snowflake.com/en/sql-reference/sql/show-grants);
``CURRENT_AVAILABLE_ROLES()`` → a JSON list of role names
(https://docs.snowflake.com/en/sql-reference/functions/current_available_roles);
``INFORMATION_SCHEMA.PACKAGES`` → ``package_name``, ``version``, ``language``
(https://docs.snowflake.com/en/sql-reference/info-schema/packages).
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from stacks.naming import BOOTSTRAP_ROLES, Names
from stacks.snowpark_runtime import PROCEDURE_PACKAGES, PYTHON_RUNTIME, SNOWPARK_VERSION
from toolkit.config import ENVIRONMENTS, Environment, get_environment
from toolkit.errors import C360Error

BOOTSTRAP_SQL = "sql/setup/account_admin_bootstrap.sql"
# Account-level privileges the deployer needs (each one's use: the bootstrap's header).
DEPLOYER_ACCOUNT_PRIVILEGES = (
    "CREATE ROLE",
    "CREATE WAREHOUSE",
    "CREATE INTEGRATION",
    "EXECUTE ALERT",
    "APPLY TAG",
    "APPLY MASKING POLICY",
)
# Roles and privileges that reach every database of the account: never a deployer's.
FORBIDDEN_ROLES = ("ACCOUNTADMIN", "SECURITYADMIN", "SYSADMIN")
FORBIDDEN_PRIVILEGES = ("MANAGE GRANTS", "CREATE DATABASE")
_ROLE_NAME = re.compile(r"^[A-Z_][A-Z0-9_$]*$")
SNOWPARK_PACKAGE = "snowflake-snowpark-python"


@dataclass(frozen=True)
class Result:
    check: str
    ok: bool
    detail: str = ""
    fix: str = ""

    def line(self) -> str:
        if self.ok:
            return f"✓ {self.check}" + (f": {self.detail}" if self.detail else "")
        return f"✗ {self.check}: {self.detail} — fix: {self.fix}"


def _rows(connection, sql: str, params: tuple = ()) -> list[dict]:
    """Rows as dicts keyed by lower-case column name; values bound, never formatted in."""
    cursor = connection.cursor()
    try:
        cursor.execute(sql, params) if params else cursor.execute(sql)
        columns = [column[0].lower() for column in (cursor.description or [])]
        return [dict(zip(columns, row, strict=False)) for row in cursor.fetchall()]
    finally:
        cursor.close()


def _error_text(exc: Exception) -> str:
    return " ".join(str(exc).split())


# ------------------------------------------------------------------ Snowflake checks
def provider_roles(names: Names) -> list[str]:
    """The roles the stack's Snowflake provider aliases log in with (stacks/platform.py)."""
    return [names.deployer, *(names.role(r) for r in BOOTSTRAP_ROLES)]


def check_roles(connection, roles: list[str], deployer: str) -> list[Result]:
    """Each provider role exists and the deploy user may use it: a provider connects with
    its role while Terraform plans, before anything of the stack exists. SHOW ROLES lists
    the roles the session may see; the bootstrap both creates the roles and grants them to
    the deployer (and the deployer to its user), so "not listed" and "not created" share
    one fix."""
    existing = {str(r["name"]).upper() for r in _rows(connection, "SHOW ROLES")}
    [row] = _rows(connection, "SELECT CURRENT_AVAILABLE_ROLES() AS roles")
    available = {str(r).upper() for r in json.loads(row["roles"] or "[]")}
    results = []
    for role in roles:
        if role not in existing:
            results.append(
                Result(
                    f"role {role}",
                    False,
                    "does not exist (the first plan logs in with it)",
                    f"run {BOOTSTRAP_SQL} as ACCOUNTADMIN",
                )
            )
        elif role not in available:
            results.append(
                Result(
                    f"role {role}",
                    False,
                    "exists but the deploy user cannot use it",
                    f"GRANT ROLE {role} TO ROLE {deployer} (as ACCOUNTADMIN; {BOOTSTRAP_SQL})"
                    if role != deployer
                    else f"GRANT ROLE {role} TO USER {role}_USER (as ACCOUNTADMIN; "
                    f"{BOOTSTRAP_SQL}), and log in as that user",
                )
            )
        else:
            results.append(Result(f"role {role}", True))
    return results


def check_resource_monitor(connection, monitor: str, deployer: str) -> Result:
    """The warehouses attach to this monitor; only ACCOUNTADMIN can create one, and SHOW lists
    only monitors the current role may see (the bootstrap grants MONITOR to the deployer)."""
    rows = _rows(connection, "SHOW RESOURCE MONITORS LIKE %s", (monitor,))
    if any(str(r["name"]).upper() == monitor for r in rows):
        return Result(f"resource monitor {monitor}", True)
    return Result(
        f"resource monitor {monitor}",
        False,
        f"missing or not visible to {deployer}",
        f"run {BOOTSTRAP_SQL} as ACCOUNTADMIN",
    )


def _grants_to(connection, role: str) -> list[dict]:
    # A role name cannot be a bind parameter in SHOW; it comes from our config or from
    # Snowflake's own output, and is checked against the plain-identifier pattern first.
    if not _ROLE_NAME.match(role):
        raise C360Error(f"unexpected role name in the deployer's hierarchy: {role!r}")
    return _rows(connection, f'SHOW GRANTS TO ROLE "{role}"')


def _hierarchy(connection, root: str) -> dict[str, list[dict]]:
    """``root`` and every account role granted to it, directly or not → its direct grants."""
    grants: dict[str, list[dict]] = {}
    pending = [root]
    while pending:
        role = pending.pop()
        if role in grants:
            continue
        grants[role] = _grants_to(connection, role)
        pending += [
            str(g["name"]).strip('"').upper()
            for g in grants[role]
            if str(g["granted_on"]).upper() == "ROLE" and str(g["privilege"]).upper() == "USAGE"
        ]
    return grants


def _in_database(name: str, database: str) -> bool:
    parts = [part.strip('"').upper() for part in str(name).split(".")]
    return parts[0] == database.upper()


def check_deployer_isolation(connection, names: Names, other_database: str) -> list[Result]:
    """The deployer can do what the stack needs in its own database and nothing anywhere
    else: dev and prod share the account, so this is what keeps the dev key off C360_PROD."""
    deployer = names.deployer
    hierarchy = _hierarchy(connection, deployer)
    own = hierarchy[deployer]
    results = []

    owns = any(
        str(g["privilege"]).upper() == "OWNERSHIP"
        and str(g["granted_on"]).upper() == "DATABASE"
        and _in_database(g["name"], names.database)
        for g in own
    )
    results.append(
        Result(f"{deployer} owns {names.database}", True)
        if owns
        else Result(
            f"{deployer} owns {names.database}",
            False,
            "not its owner (the stack imports the database and creates its schemas in it)",
            f"GRANT OWNERSHIP ON DATABASE {names.database} TO ROLE {deployer} "
            f"COPY CURRENT GRANTS (as ACCOUNTADMIN; {BOOTSTRAP_SQL})",
        )
    )

    held = {str(g["privilege"]).upper() for g in own if str(g["granted_on"]).upper() == "ACCOUNT"}
    missing = [p for p in DEPLOYER_ACCOUNT_PRIVILEGES if p not in held]
    name = f"{deployer} account privileges"
    results.append(
        Result(name, True, ", ".join(DEPLOYER_ACCOUNT_PRIVILEGES))
        if not missing
        else Result(
            name,
            False,
            f"missing {', '.join(missing)}",
            f"GRANT {', '.join(missing)} ON ACCOUNT TO ROLE {deployer} "
            f"(as ACCOUNTADMIN; {BOOTSTRAP_SQL})",
        )
    )

    pipeline = names.role("pipeline")
    task = any(
        str(g["privilege"]).upper() == "EXECUTE TASK" and str(g["granted_on"]).upper() == "ACCOUNT"
        for g in hierarchy.get(pipeline, [])
    )
    results.append(
        Result(f"EXECUTE TASK for {pipeline}", True)
        if task
        else Result(
            f"EXECUTE TASK for {pipeline}",
            False,
            "not granted (its tasks could not run)",
            f"GRANT EXECUTE TASK ON ACCOUNT TO ROLE {pipeline} (as ACCOUNTADMIN; {BOOTSTRAP_SQL})",
        )
    )

    too_much = []
    for role, grants in sorted(hierarchy.items()):
        for g in grants:
            privilege, on = str(g["privilege"]).upper(), str(g["granted_on"]).upper()
            target = str(g["name"]).strip('"').upper()
            if on == "ROLE" and target in FORBIDDEN_ROLES:
                too_much.append(f"{role} holds role {target}")
            elif on == "ACCOUNT" and privilege in FORBIDDEN_PRIVILEGES:
                too_much.append(f"{role} holds {privilege}")
            elif on not in ("ACCOUNT", "ROLE") and _in_database(g["name"], other_database):
                too_much.append(f"{role} holds {privilege} on {on} {g['name']}")
    name = f"{deployer} reaches nothing outside {names.database}"
    results.append(
        Result(name, True)
        if not too_much
        else Result(
            name,
            False,
            "; ".join(too_much[:3])
            + (f" (+{len(too_much) - 3} more)" if len(too_much) > 3 else ""),
            "REVOKE them (as ACCOUNTADMIN): a deployer must not touch the other environment "
            f"({BOOTSTRAP_SQL} header)",
        )
    )
    return results


# An anonymous procedure (WITH … AS PROCEDURE … CALL) needs no database or schema
# (https://docs.snowflake.com/en/sql-reference/sql/call-with). Naming an Anaconda package
# fails to compile until the terms are acknowledged; compilation comes before execution,
# so a "no active warehouse" error means the package resolved, i.e. the terms are accepted.
ANACONDA_PROBE = f"""WITH c360_anaconda_probe AS PROCEDURE()
  RETURNS VARCHAR
  LANGUAGE PYTHON
  RUNTIME_VERSION = '{PYTHON_RUNTIME}'
  PACKAGES = ('{SNOWPARK_PACKAGE}', 'numpy')
  HANDLER = 'run'
AS $$
def run(session):
    return "ok"
$$
CALL c360_anaconda_probe()"""


def check_anaconda_terms(connection) -> Result:
    name = "Anaconda terms acknowledged"
    try:
        _rows(connection, ANACONDA_PROBE)
    except Exception as exc:  # the connector's ProgrammingError; its text says why
        text = _error_text(exc)
        if "anaconda" in text.lower():
            return Result(
                name,
                False,
                text[:160],
                "an ORGADMIN acknowledges them once per organization: Snowsight » Admin » "
                "Billing & Terms » Anaconda (no SQL exists for this step)",
            )
        if "warehouse" not in text.lower():
            return Result(name, False, f"the probe failed: {text[:160]}", "see the error")
    return Result(name, True)


def check_packages(
    connection, packages: tuple[str, ...], snowpark_version: str = SNOWPARK_VERSION
) -> list[Result]:
    """Every package the Python procedures name is in Snowflake's Anaconda channel."""
    wanted = (*packages, SNOWPARK_PACKAGE)
    rows = _rows(
        connection,
        "SELECT package_name, version FROM snowflake.information_schema.packages "
        "WHERE language = 'python' AND package_name IN "
        "(SELECT value::string FROM TABLE(FLATTEN(input => PARSE_JSON(%s))))",
        (json.dumps(wanted),),
    )
    versions: dict[str, set[str]] = {}
    for row in rows:
        versions.setdefault(str(row["package_name"]).lower(), set()).add(str(row["version"]))
    results = []
    for package in packages:
        if package in versions:
            results.append(Result(f"package {package}", True))
        else:
            results.append(
                Result(
                    f"package {package}",
                    False,
                    "not in INFORMATION_SCHEMA.PACKAGES (language python)",
                    "drop it from stacks/snowpark_runtime.py PROCEDURE_PACKAGES or vendor it "
                    "(pure Python) in the toolkit zip",
                )
            )
    snowpark = f"package {SNOWPARK_PACKAGE}=={snowpark_version}"
    if snowpark_version in versions.get(SNOWPARK_PACKAGE, set()):
        results.append(Result(snowpark, True))
    else:
        known = ", ".join(sorted(versions.get(SNOWPARK_PACKAGE, set()))[-3:]) or "none"
        results.append(
            Result(
                snowpark,
                False,
                f"version not offered (latest seen: {known})",
                "set SNOWPARK_VERSION in stacks/snowpark_runtime.py to an offered version",
            )
        )
    return results


# ------------------------------------------------------------------- git and AWS checks
def check_git_origin(url: str, opener: Callable = urllib.request.urlopen) -> Result:
    """The origin answers git's smart-HTTP discovery, ``GET $GIT_URL/info/refs?service=
    git-upload-pack`` (https://git-scm.com/docs/http-protocol), without credentials: the
    stack's git API integration allows no secret, so the repository must be public."""
    name = f"git origin {url}"
    request = urllib.request.Request(
        url.rstrip("/") + "/info/refs?service=git-upload-pack",
        headers={"User-Agent": "git/2.43 (c360 preflight)"},
    )
    try:
        with opener(request, timeout=10) as response:
            status = response.status
            content_type = response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        return Result(
            name,
            False,
            f"HTTP {exc.code}: not readable without credentials",
            "make the repository public, or fix toolkit.config git_repository_url",
        )
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        return Result(name, False, f"unreachable: {exc}", "check the URL and the network")
    if status == 200 and "git-upload-pack-advertisement" in content_type:
        return Result(name, True)
    return Result(
        name,
        False,
        f"HTTP {status} ({content_type or 'no content type'}) is not a git server's answer",
        "fix toolkit.config git_repository_url",
    )


def _head_bucket_status(s3, bucket: str) -> str:
    """``"200"``, or the error code of HeadBucket ("404", "403", "400", …): the response has
    no body, only the status (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html)."""
    from botocore.exceptions import ClientError

    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as exc:
        return str(exc.response.get("Error", {}).get("Code", "unknown"))
    return "200"


def check_bucket_name_free(s3, bucket: str) -> Result:
    """The stack creates this bucket: its name must be free, or already this account's."""
    status = _head_bucket_status(s3, bucket)
    name = f"bucket name {bucket}"
    if status in ("404", "NoSuchBucket"):
        return Result(name, True, "free")
    if status == "200":
        return Result(name, True, "already in this account")
    if status in ("403", "AccessDenied"):
        return Result(
            name,
            False,
            "taken by another AWS account",
            "choose another base name in toolkit.config (the account-id suffix did not help)",
        )
    return Result(name, False, f"HeadBucket answered {status}", "check the AWS credentials")


def check_state_bucket(s3, bucket: str) -> Result:
    status = _head_bucket_status(s3, bucket)
    name = f"state bucket {bucket}"
    if status == "200":
        return Result(name, True)
    if status in ("404", "NoSuchBucket"):
        return Result(name, False, "does not exist", "README 'First-time bootstrap', step 1")
    if status in ("403", "AccessDenied"):
        return Result(
            name,
            False,
            "exists but the deploy credentials cannot read it",
            "allow s3:ListBucket on it to the deploy role (or pick your own state_bucket)",
        )
    return Result(name, False, f"HeadBucket answered {status}", "check the AWS credentials")


# ------------------------------------------------------------------------ connections
def snowflake_params(environ: Mapping[str, str], role: str) -> dict:
    """``snowflake.connector.connect`` arguments: the deploy user, key-pair, as ``role`` (the
    environment's deployer unless ``SNOWFLAKE_ROLE`` says otherwise), with no database or
    warehouse (neither needs to exist before the first apply)."""
    from toolkit.cloud.smoke import _private_key_der

    account = environ.get("SNOWFLAKE_ACCOUNT", "").strip()
    if not account and environ.get("SNOWFLAKE_ORGANIZATION_NAME"):
        account = (
            f"{environ['SNOWFLAKE_ORGANIZATION_NAME']}-{environ.get('SNOWFLAKE_ACCOUNT_NAME', '')}"
        )
    user = environ.get("SNOWFLAKE_USER", "").strip()
    missing = [
        n for n, v in (("SNOWFLAKE_ACCOUNT_NAME", account), ("SNOWFLAKE_USER", user)) if not v
    ]
    if missing:
        raise C360Error(f"missing Snowflake settings: {', '.join(missing)}")
    return {
        "account": account,
        "user": user,
        "private_key": _private_key_der(environ),
        "role": environ.get("SNOWFLAKE_ROLE") or role,
        "application": "c360",
        "login_timeout": 30,
        "session_parameters": {"QUERY_TAG": "c360-preflight"},
    }


def _snowflake_connection(environ: Mapping[str, str], role: str):
    params = snowflake_params(environ, role)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the connector's vendored requests version warning
        import snowflake.connector
    try:
        return snowflake.connector.connect(**params)
    except snowflake.connector.errors.Error as exc:
        raise C360Error(f"cannot log in to {params['account']}: {_error_text(exc)}") from exc


def _aws_clients(env: Environment):
    import boto3

    session = boto3.session.Session(region_name=env.aws_region)
    return session.client("sts"), session.client("s3")


# ------------------------------------------------------------------------------ run
def _other_database(env: Environment) -> str:
    """The database of the other cloud environment (the one this deployer must not reach)."""
    others = [e.database for e in ENVIRONMENTS.values() if e.is_cloud and e.name != env.name]
    return others[0] if others else ""


def run_checks(
    env: Environment, connection, sts, s3, *, git_opener: Callable = urllib.request.urlopen
) -> list[Result]:
    """Every check; a failing client fails its checks as results, never the run."""
    results: list[Result] = []
    account_id = ""
    if sts is not None:
        try:
            account_id = sts.get_caller_identity()["Account"]
        except Exception as exc:  # no credentials, expired token, …
            results.append(
                Result(
                    "AWS credentials", False, _error_text(exc)[:160], "set AWS_PROFILE or log in"
                )
            )
    names = Names(env, aws_account_id=account_id)
    if connection is not None:
        for check in (
            lambda: check_roles(connection, provider_roles(names), names.deployer),
            lambda: [check_resource_monitor(connection, names.resource_monitor, names.deployer)],
            lambda: check_deployer_isolation(connection, names, _other_database(env)),
            lambda: [check_anaconda_terms(connection)],
            lambda: check_packages(connection, PROCEDURE_PACKAGES),
        ):
            try:
                results.extend(check())
            except Exception as exc:  # one failing query fails its check, the rest still run
                results.append(
                    Result("Snowflake query", False, _error_text(exc)[:160], "see the error")
                )
    results.append(check_git_origin(env.git_repository_url, git_opener))
    if s3 is not None and account_id:
        results.append(check_bucket_name_free(s3, names.landing_bucket))
        results.append(check_bucket_name_free(s3, names.log_bucket))
        results.append(check_state_bucket(s3, env.state_bucket))
    return results


def preflight(
    env_name: str,
    *,
    connection=None,
    sts=None,
    s3=None,
    git_opener: Callable = urllib.request.urlopen,
    environ: Mapping[str, str] | None = None,
    echo: Callable[[str], None] = print,
) -> list[Result]:
    """Run every check for ``env_name``, print one line each; raise C360Error if any failed."""
    env = get_environment(env_name)
    if not env.is_cloud:
        raise C360Error(f"preflight checks a cloud environment (dev or prod), not {env_name!r}")
    environ = os.environ if environ is None else environ
    results: list[Result] = []
    own_connection = connection is None
    if own_connection:
        try:
            connection = _snowflake_connection(environ, Names(env).deployer)
        except C360Error as exc:
            results.append(
                Result(
                    "Snowflake login",
                    False,
                    str(exc),
                    "set SNOWFLAKE_ORGANIZATION_NAME, SNOWFLAKE_ACCOUNT_NAME, SNOWFLAKE_USER and "
                    "SNOWFLAKE_PRIVATE_KEY (README bootstrap step 4)",
                )
            )
    if sts is None and s3 is None:
        sts, s3 = _aws_clients(env)
    try:
        results += run_checks(env, connection, sts, s3, git_opener=git_opener)
    finally:
        if own_connection and connection is not None:
            connection.close()
    echo(f"c360 preflight {env_name} ({env.database}, {env.aws_region})")
    for result in results:
        echo("  " + result.line())
    failed = [r for r in results if not r.ok]
    if failed:
        raise C360Error(f"{len(failed)} of {len(results)} preflight checks failed for {env_name}")
    return results

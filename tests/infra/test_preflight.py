"""``c360 preflight``: a fake account missing each prerequisite in turn.

Snowflake is a fake DB-API connection answering with the documented result shapes of each
statement (column names from the SQL reference pages cited in ``toolkit/cloud/preflight.py``);
AWS is real boto3 clients driven by botocore's ``Stubber`` (no network), whose HeadBucket
errors have the shape botocore gives a body-less HEAD error: ``Error.Code`` is the HTTP
status as a string (botocore ``parsers.py``, ``RestXMLParser._parse_error_from_http_status``);
the git origin is a fake ``urlopen`` answering as git's smart HTTP does
(https://git-scm.com/docs/http-protocol: ``Content-Type:
application/x-git-upload-pack-advertisement``).
"""

from __future__ import annotations

import json
import urllib.error
from dataclasses import dataclass, field

import boto3
import pytest
import sqlglot
from botocore.stub import Stubber
from snowflake.connector.errors import ProgrammingError

from stacks.snowpark_runtime import PROCEDURE_PACKAGES, SNOWPARK_VERSION
from toolkit.cli import main
from toolkit.cloud import preflight as pf
from toolkit.config import ENVIRONMENTS
from toolkit.errors import C360Error

ACCOUNT_ID = "123456789012"
ENV = ENVIRONMENTS["dev"]

SHOW_ROLES_COLUMNS = (
    "created_on", "name", "is_default", "is_current", "is_inherited", "assigned_to_users",
    "granted_to_roles", "granted_roles", "owner", "comment",
)  # fmt: skip
SHOW_MONITORS_COLUMNS = (
    "name", "credit_quota", "used_credits", "remaining_credits", "level", "frequency",
    "start_time", "end_time", "notify_at", "suspend_at", "suspend_immediately_at",
    "created_on", "owner", "comment", "notify_users",
)  # fmt: skip
SHOW_GRANTS_COLUMNS = (
    "created_on", "privilege", "granted_on", "name", "granted_to", "grantee_name",
    "grant_option", "granted_by",
)  # fmt: skip
# The message Snowflake gives when a Python object names an Anaconda package before the
# terms are acknowledged (it links the "Using third-party packages from Anaconda" page).
ANACONDA_ERROR = (
    "SQL compilation error: Anaconda terms must be accepted by ORGADMIN to use Anaconda 3rd "
    "party packages. Please follow the instructions at https://docs.snowflake.com/en/"
    "developer-guide/udf/python/udf-python-packages.html#using-third-party-packages-from-anaconda."
)
NO_WAREHOUSE = (
    "No active warehouse selected in the current session. Select an active warehouse with "
    "the 'use warehouse' command."
)


def _role_row(name: str) -> tuple:
    return ("2024-01-01", name, "N", "N", "N", 1, 1, 0, "ACCOUNTADMIN", "")


def _healthy_grants() -> dict[str, list[tuple[str, str, str]]]:
    """``SHOW GRANTS TO ROLE`` of a bootstrapped account, as (privilege, granted_on, name):
    what sql/setup/account_admin_bootstrap.sql and a first deploy leave behind."""
    return {
        "C360_DEV_DEPLOYER": [
            ("OWNERSHIP", "DATABASE", "C360_DEV"),
            ("USAGE", "ROLE", "C360_DEV_PIPELINE"),
            ("USAGE", "ROLE", "C360_DEV_APP"),
            ("MONITOR", "RESOURCE_MONITOR", "C360_DEV_MONITOR"),
            ("USAGE", "DATABASE_ROLE", "SNOWFLAKE.ALERT_VIEWER"),
            *[("CREATE ROLE", "ACCOUNT", "ABC12345"), ("CREATE WAREHOUSE", "ACCOUNT", "ABC12345"),
              ("CREATE INTEGRATION", "ACCOUNT", "ABC12345"), ("EXECUTE ALERT", "ACCOUNT", "ABC12345"),
              ("APPLY TAG", "ACCOUNT", "ABC12345"), ("APPLY MASKING POLICY", "ACCOUNT", "ABC12345")],
        ],
        "C360_DEV_PIPELINE": [
            ("EXECUTE TASK", "ACCOUNT", "ABC12345"),
            ("USAGE", "ROLE", "C360_DEV_LOADER"),
            ("OWNERSHIP", "TASK", "C360_DEV.PLATFORM.C360_PIPELINE_ROOT"),
        ],
        "C360_DEV_APP": [("OWNERSHIP", "STREAMLIT", "C360_DEV.PLATFORM.C360_APP")],
        "C360_DEV_LOADER": [("USAGE", "WAREHOUSE", "C360_DEV_LOAD_WH")],
    }  # fmt: skip


@dataclass
class Account:
    """What a freshly bootstrapped account answers; each test removes one thing."""

    roles: set = field(
        default_factory=lambda: {
            "ACCOUNTADMIN", "SECURITYADMIN", "SYSADMIN", "USERADMIN", "PUBLIC",
            "C360_DEV_DEPLOYER", "C360_DEV_PIPELINE", "C360_DEV_APP",
        }
    )  # fmt: skip
    available: set = field(
        default_factory=lambda: {
            "PUBLIC", "C360_DEV_DEPLOYER", "C360_DEV_PIPELINE", "C360_DEV_APP",
        }
    )  # fmt: skip
    monitors: set = field(default_factory=lambda: {"C360_DEV_MONITOR", "C360_PROD_MONITOR"})
    grants: dict = field(default_factory=_healthy_grants)
    anaconda_error: str = NO_WAREHOUSE  # compiles; only a warehouse is missing
    packages: dict = field(
        default_factory=lambda: {
            **{p: ["1.0.0"] for p in PROCEDURE_PACKAGES},
            "snowflake-snowpark-python": ["1.38.0", SNOWPARK_VERSION],
            "xgboost": ["2.0.3"],
        }
    )


class FakeCursor:
    def __init__(self, account: Account, log: list):
        self.account, self.log = account, log
        self.description, self._rows = None, []

    def execute(self, sql, params=None):
        self.log.append((sql, params))
        a = self.account
        head = " ".join(sql.split()[:4]).upper()
        if head.startswith("SHOW ROLES"):
            columns, rows = SHOW_ROLES_COLUMNS, [_role_row(r) for r in sorted(a.roles)]
        elif head.startswith("SELECT CURRENT_AVAILABLE_ROLES()"):
            columns, rows = ("ROLES",), [(json.dumps(sorted(a.available)),)]
        elif head.startswith("SHOW RESOURCE MONITORS LIKE"):
            (pattern,) = params
            columns = SHOW_MONITORS_COLUMNS
            rows = [(m, 50, 0, 50, "ACCOUNT", "MONTHLY") + ("",) * 9 for m in a.monitors]
            rows = [r for r in rows if r[0] == pattern]
        elif head.startswith("SHOW GRANTS TO ROLE"):
            role = sql.split()[4].strip('"')
            columns = SHOW_GRANTS_COLUMNS
            rows = [("2024-01-01", privilege, on, name, "ROLE", role, "false", "ACCOUNTADMIN")
                    for privilege, on, name in a.grants.get(role, [])]  # fmt: skip
        elif head.startswith("WITH C360_ANACONDA_PROBE AS"):
            raise ProgrammingError(msg=a.anaconda_error, errno=2003)
        elif head.startswith("SELECT PACKAGE_NAME, VERSION"):
            (wanted_json,) = params
            wanted = json.loads(wanted_json)
            columns = ("PACKAGE_NAME", "VERSION")
            rows = [(p, v) for p, vs in a.packages.items() if p in wanted for v in vs]
        else:
            raise AssertionError(f"unexpected statement: {sql}")
        self.description = [(c.upper(),) for c in columns]
        self._rows = rows

    def fetchall(self):
        return list(self._rows)

    def close(self):
        pass


class FakeConnection:
    def __init__(self, account: Account):
        self.account, self.log = account, []

    def cursor(self):
        return FakeCursor(self.account, self.log)


class GitAnswer:
    def __init__(self, status=200, content_type="application/x-git-upload-pack-advertisement"):
        self.status, self.content_type = status, content_type
        self.requests = []

    def __call__(self, request, timeout):
        self.requests.append(request.full_url)
        if self.status >= 400:
            raise urllib.error.HTTPError(request.full_url, self.status, "no", {}, None)
        answer = self

        class Response:
            status = answer.status
            headers = {"Content-Type": answer.content_type}

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return False

        return Response()


def aws(buckets: dict[str, str | None], *, sts_error: str | None = None):
    """Real boto3 clients, stubbed: ``buckets`` maps a bucket to a HeadBucket error code
    (``None`` = 200). Calls are answered in the order preflight makes them."""
    credentials = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    sts = boto3.client("sts", region_name="us-east-1", **credentials)
    s3 = boto3.client("s3", region_name="us-east-1", **credentials)
    sts_stub, s3_stub = Stubber(sts), Stubber(s3)
    if sts_error:
        sts_stub.add_client_error(
            "get_caller_identity", service_error_code=sts_error, http_status_code=403
        )
    else:
        sts_stub.add_response(
            "get_caller_identity",
            {"UserId": "AROA:ci", "Account": ACCOUNT_ID, "Arn": "arn:aws:sts::1:assumed/ci"},
        )
        for bucket, code in buckets.items():
            if code is None:
                s3_stub.add_response("head_bucket", {}, {"Bucket": bucket})
            else:
                s3_stub.add_client_error(
                    "head_bucket",
                    service_error_code=code,
                    http_status_code=int(code),
                    expected_params={"Bucket": bucket},
                )
    sts_stub.activate()
    s3_stub.activate()
    return sts, s3


LANDING = f"{ENV.landing_bucket}-{ACCOUNT_ID}"
LOGS = f"{ENV.log_bucket}-{ACCOUNT_ID}"
HEALTHY_BUCKETS = {LANDING: "404", LOGS: "404", ENV.state_bucket: None}


def run(account=None, buckets=None, git=None, sts_error=None):
    lines: list[str] = []
    sts, s3 = aws(HEALTHY_BUCKETS if buckets is None else buckets, sts_error=sts_error)
    connection = FakeConnection(account or Account())
    try:
        pf.preflight(
            "dev",
            connection=connection,
            sts=sts,
            s3=s3,
            git_opener=git or GitAnswer(),
            echo=lines.append,
        )
        error = None
    except C360Error as exc:
        error = str(exc)
    return lines, error, connection


def failures(lines: list[str]) -> list[str]:
    return [line.strip() for line in lines if line.strip().startswith("✗")]


def test_a_bootstrapped_account_passes_every_check():
    lines, error, connection = run()
    assert error is None, "\n".join(lines)
    assert failures(lines) == []
    checks = "\n".join(lines)
    for expected in (
        "role C360_DEV_PIPELINE", "role C360_DEV_APP", "role C360_DEV_DEPLOYER",
        "resource monitor C360_DEV_MONITOR", "C360_DEV_DEPLOYER owns C360_DEV",
        "C360_DEV_DEPLOYER account privileges: CREATE ROLE, CREATE WAREHOUSE",
        "EXECUTE TASK for C360_DEV_PIPELINE", "C360_DEV_DEPLOYER reaches nothing outside C360_DEV",
        "Anaconda terms acknowledged", "package lightgbm",
        f"package snowflake-snowpark-python=={SNOWPARK_VERSION}", "git origin",
        f"bucket name {LANDING}: free", f"bucket name {LOGS}: free",
        f"state bucket {ENV.state_bucket}",
    ):  # fmt: skip
        assert f"✓ {expected}" in checks
    # every value is bound, never formatted into the SQL; the SELECTs are Snowflake SQL
    for sql, _params in connection.log:
        assert "C360_DEV_MONITOR" not in sql and "lightgbm" not in sql
        if sql.startswith("SELECT"):
            sqlglot.parse_one(sql.replace("%s", "'[]'"), read="snowflake")


def _without_pipeline_role(a):
    a.roles.discard("C360_DEV_PIPELINE")
    a.available.discard("C360_DEV_PIPELINE")


MISSING = {
    "provider role not created": (
        dict(account=_without_pipeline_role),
        "role C360_DEV_PIPELINE: does not exist",
        "account_admin_bootstrap.sql",
    ),
    "provider role not granted to the deployer": (
        dict(account=lambda a: a.available.discard("C360_DEV_APP")),
        "role C360_DEV_APP: exists but the deploy user cannot use it",
        "GRANT ROLE C360_DEV_APP TO ROLE C360_DEV_DEPLOYER",
    ),
    "deploy user lacks the deployer role": (
        dict(account=lambda a: a.available.discard("C360_DEV_DEPLOYER")),
        "role C360_DEV_DEPLOYER: exists but the deploy user cannot use it",
        "GRANT ROLE C360_DEV_DEPLOYER TO USER C360_DEV_DEPLOYER_USER",
    ),
    "deployer does not own its database": (
        dict(account=lambda a: a.grants["C360_DEV_DEPLOYER"].pop(0)),
        "C360_DEV_DEPLOYER owns C360_DEV: not its owner",
        "GRANT OWNERSHIP ON DATABASE C360_DEV TO ROLE C360_DEV_DEPLOYER",
    ),
    "pipeline role cannot run tasks": (
        dict(account=lambda a: a.grants["C360_DEV_PIPELINE"].pop(0)),
        "EXECUTE TASK for C360_DEV_PIPELINE: not granted",
        "GRANT EXECUTE TASK ON ACCOUNT TO ROLE C360_DEV_PIPELINE",
    ),
    # isolation (issue 13): anything in the deployer's hierarchy that reaches further
    "deployer holds SYSADMIN": (
        dict(account=lambda a: a.grants["C360_DEV_DEPLOYER"].append(("USAGE", "ROLE", "SYSADMIN"))),
        "C360_DEV_DEPLOYER reaches nothing outside C360_DEV: C360_DEV_DEPLOYER holds role SYSADMIN",
        "REVOKE",
    ),
    "an inherited role holds SECURITYADMIN": (
        dict(
            account=lambda a: a.grants["C360_DEV_LOADER"].append(("USAGE", "ROLE", "SECURITYADMIN"))
        ),
        "C360_DEV_LOADER holds role SECURITYADMIN",
        "REVOKE",
    ),
    "deployer holds MANAGE GRANTS": (
        dict(
            account=lambda a: a.grants["C360_DEV_DEPLOYER"].append(
                ("MANAGE GRANTS", "ACCOUNT", "ABC12345")
            )
        ),
        "C360_DEV_DEPLOYER holds MANAGE GRANTS",
        "REVOKE",
    ),
    "deployer may create databases": (
        dict(
            account=lambda a: a.grants["C360_DEV_DEPLOYER"].append(
                ("CREATE DATABASE", "ACCOUNT", "ABC12345")
            )
        ),
        "C360_DEV_DEPLOYER holds CREATE DATABASE",
        "REVOKE",
    ),
    "an inherited role reads prod": (
        dict(
            account=lambda a: a.grants["C360_DEV_APP"].append(
                ("SELECT", "TABLE", '"C360_PROD"."GOLD"."CUSTOMER_360"')
            )
        ),
        'C360_DEV_APP holds SELECT on TABLE "C360_PROD"."GOLD"."CUSTOMER_360"',
        "REVOKE",
    ),
    "deployer has usage on the prod database": (
        dict(
            account=lambda a: a.grants["C360_DEV_DEPLOYER"].append(
                ("USAGE", "DATABASE", "C360_PROD")
            )
        ),
        "C360_DEV_DEPLOYER holds USAGE on DATABASE C360_PROD",
        "REVOKE",
    ),
    "resource monitor": (
        dict(account=lambda a: a.monitors.discard("C360_DEV_MONITOR")),
        "resource monitor C360_DEV_MONITOR: missing",
        "account_admin_bootstrap.sql",
    ),
    "CREATE INTEGRATION": (
        dict(
            account=lambda a: a.grants["C360_DEV_DEPLOYER"].remove(
                ("CREATE INTEGRATION", "ACCOUNT", "ABC12345")
            )
        ),
        "C360_DEV_DEPLOYER account privileges: missing CREATE INTEGRATION",
        "GRANT CREATE INTEGRATION ON ACCOUNT TO ROLE C360_DEV_DEPLOYER",
    ),
    "Anaconda terms": (
        dict(account=lambda a: setattr(a, "anaconda_error", ANACONDA_ERROR)),
        "Anaconda terms acknowledged: 002003: SQL compilation error: Anaconda terms must be",
        "ORGADMIN",
    ),
    "a procedure package": (
        dict(account=lambda a: a.packages.pop("lightgbm")),
        "package lightgbm: not in INFORMATION_SCHEMA.PACKAGES",
        "PROCEDURE_PACKAGES",
    ),
    "the pinned Snowpark version": (
        dict(account=lambda a: a.packages.update({"snowflake-snowpark-python": ["1.38.0"]})),
        f"snowflake-snowpark-python=={SNOWPARK_VERSION}: version not offered (latest seen: 1.38.0)",
        "SNOWPARK_VERSION",
    ),
    "git origin private or gone": (
        dict(git=GitAnswer(status=401)),
        "HTTP 401: not readable without credentials",
        "make the repository public",
    ),
    "git origin is not a git server": (
        dict(git=GitAnswer(content_type="text/html")),
        "is not a git server's answer",
        "git_repository_url",
    ),
    "landing bucket name taken": (
        dict(buckets={**HEALTHY_BUCKETS, LANDING: "403"}),
        f"bucket name {LANDING}: taken by another AWS account",
        "toolkit.config",
    ),
    "state bucket missing": (
        dict(buckets={**HEALTHY_BUCKETS, ENV.state_bucket: "404"}),
        f"state bucket {ENV.state_bucket}: does not exist",
        "First-time bootstrap",
    ),
    "state bucket not readable": (
        dict(buckets={**HEALTHY_BUCKETS, ENV.state_bucket: "403"}),
        "exists but the deploy credentials cannot read it",
        "s3:ListBucket",
    ),
    "AWS credentials": (
        dict(sts_error="ExpiredToken"),
        "AWS credentials: An error occurred (ExpiredToken)",
        "AWS_PROFILE",
    ),
}


@pytest.mark.parametrize("missing", list(MISSING))
def test_each_missing_prerequisite_is_one_line_with_its_fix_and_fails_the_run(missing):
    options, problem, fix = MISSING[missing]
    options = dict(options)
    if callable(options.get("account")):
        account = Account()
        options["account"](account)
        options["account"] = account
    lines, error, _ = run(**options)
    [line] = failures(lines)
    assert problem in line, line
    assert fix in line.split(" — fix: ", 1)[1], line  # the fix, after the problem
    assert error is not None and "preflight checks failed for dev" in error


def test_a_bucket_already_in_this_account_is_fine():
    lines, error, _ = run(buckets={**HEALTHY_BUCKETS, LANDING: None})
    assert error is None
    assert f"✓ bucket name {LANDING}: already in this account" in [x.strip() for x in lines]


def test_git_check_asks_the_smart_http_discovery_url():
    git = GitAnswer()
    assert pf.check_git_origin("https://github.com/c360-platform/c360.git", git).ok
    assert git.requests == [
        "https://github.com/c360-platform/c360.git/info/refs?service=git-upload-pack"
    ]


def test_login_settings_missing_is_a_problem_line_not_a_traceback():
    lines: list[str] = []
    sts, s3 = aws(HEALTHY_BUCKETS)
    with pytest.raises(C360Error):
        pf.preflight("dev", sts=sts, s3=s3, git_opener=GitAnswer(), environ={}, echo=lines.append)
    [line] = failures(lines)
    assert line.startswith("✗ Snowflake login: missing Snowflake settings")


def test_login_uses_the_deploy_user_key_pair_as_the_env_deployer_without_database(tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    params = pf.snowflake_params(
        {
            "SNOWFLAKE_ORGANIZATION_NAME": "ORG",
            "SNOWFLAKE_ACCOUNT_NAME": "ACME",
            "SNOWFLAKE_USER": "C360_DEV_DEPLOYER_USER",
            "SNOWFLAKE_PRIVATE_KEY": pem,
        },
        "C360_DEV_DEPLOYER",
    )
    assert params["account"] == "ORG-ACME" and params["role"] == "C360_DEV_DEPLOYER"
    assert "database" not in params and "warehouse" not in params and "password" not in params
    assert isinstance(params["private_key"], bytes)


def test_cli_registers_preflight_with_help_and_refuses_local(capsys):
    assert main(["preflight", "--help"]) == 0
    out = capsys.readouterr().out
    assert "Example: c360 preflight dev" in out
    assert main(["preflight", "local"]) == 2

"""The one definition of c360's environments: ``local``, ``dev`` and ``prod``.

The toolkit (local runner, CLI) and the cdktf stacks both read this module, so
dev and prod differ only by the data below, never by code paths.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DB_RELATIVE = Path(".c360") / "c360.duckdb"
DEFAULT_LANDING_RELATIVE = Path(".c360") / "landing"
DB_PATH_ENV_VAR = "C360_DUCKDB_PATH"

SCHEMAS = ("bronze", "silver", "gold", "observability")

# Default scale of the synthetic portfolio (docs/CONTRACT.md: demo default N = 50000).
DEFAULT_CUSTOMERS = 50_000
DEFAULT_SEED = 42


@dataclass(frozen=True)
class Warehouse:
    """A Snowflake virtual warehouse for one workload."""

    name: str
    size: str  # XSMALL, SMALL, MEDIUM, ...
    auto_suspend_seconds: int
    max_cluster_count: int = 1


@dataclass(frozen=True)
class AlertSettings:
    """When the pipeline alerts (toolkit/alerts.py) and who hears about it (stacks/alerts.py).

    ``email_recipients`` must be verified e-mail addresses of users in the Snowflake
    account (a Snowflake e-mail notification integration sends only to those). The chat
    webhook URL carries its secret as the literal ``SNOWFLAKE_WEBHOOK_SECRET``; the secret
    itself is a Snowflake secret object created once per environment, never in this repo.
    """

    max_reject_rate: float = 0.05  # a load batch rejecting more than 5% of its rows alerts
    run_deadline_minutes: int = 180  # a run must finish this long after it starts
    email_recipients: tuple[str, ...] = ()
    webhook_url: str = ""  # e.g. https://hooks.slack.com/services/SNOWFLAKE_WEBHOOK_SECRET
    webhook_secret: str = ""  # name of the secret object in the PLATFORM schema
    check_every_minutes: int = 30


@dataclass(frozen=True)
class Environment:
    """Everything that differs between environments, and nothing else."""

    name: str
    is_cloud: bool
    database: str
    dbt_target: str
    warehouses: dict[str, Warehouse] = field(default_factory=dict)
    # Cron for the root task of the pipeline DAG (Snowflake USING CRON syntax).
    schedule_cron: str = ""
    schedule_timezone: str = "UTC"
    data_retention_days: int = 1
    monthly_credit_quota: int = 0
    landing_bucket: str = ""
    log_bucket: str = ""
    state_bucket: str = ""
    state_key: str = ""
    state_lock_table: str = ""
    aws_region: str = "us-east-1"
    role_prefix: str = ""
    # Noncurrent object versions in the landing bucket are kept this long.
    landing_noncurrent_days: int = 30
    git_repository_url: str = "https://github.com/c360-platform/c360.git"
    git_branch: str = "main"
    # Whether the pipeline's graph starts with the synthetic `generate` step. Prod's files
    # come from the card processor into the landing bucket, so prod never generates.
    generates_synthetic_data: bool = False
    alerts: AlertSettings = field(default_factory=AlertSettings)
    # Functional roles that see personal data in clear (stacks/governance.py). Only the
    # roles that build silver/gold from it: everyone else, the app and analysts included,
    # reads masked values. Compared with CURRENT_ROLE(), so inheriting one does not unmask.
    pii_readers: tuple[str, ...] = ("transformer", "pipeline")
    # Functional roles of the platform team: the only readers of every user's assistant
    # questions (observability.assistant_feedback's row access policy).
    platform_team: tuple[str, ...] = ("pipeline",)

    def role(self, functional: str) -> str:
        """Account-level role name for a functional role, e.g. ``C360_DEV_ANALYST``."""
        return f"{self.role_prefix}_{functional.upper()}"

    def warehouse(self, workload: str) -> Warehouse:
        return self.warehouses[workload]


def _warehouses(
    prefix: str, load: str, transform: str, app: str, suspend: int
) -> dict[str, Warehouse]:
    return {
        "load": Warehouse(f"{prefix}_LOAD_WH", load, suspend),
        "transform": Warehouse(f"{prefix}_TRANSFORM_WH", transform, suspend),
        "app": Warehouse(
            f"{prefix}_APP_WH", app, suspend, max_cluster_count=2 if app != "XSMALL" else 1
        ),
    }


ENVIRONMENTS: dict[str, Environment] = {
    "local": Environment(
        name="local",
        is_cloud=False,
        database="c360",
        dbt_target="local",
        generates_synthetic_data=True,
    ),
    "dev": Environment(
        name="dev",
        is_cloud=True,
        database="C360_DEV",
        dbt_target="dev",
        warehouses=_warehouses(
            "C360_DEV", load="XSMALL", transform="SMALL", app="XSMALL", suspend=60
        ),
        schedule_cron="0 6 * * *",
        data_retention_days=1,
        monthly_credit_quota=50,
        landing_bucket="c360-dev-landing",
        log_bucket="c360-dev-access-logs",
        state_bucket="c360-terraform-state",
        state_key="c360/dev/terraform.tfstate",
        state_lock_table="c360-terraform-locks",
        role_prefix="C360_DEV",
        landing_noncurrent_days=7,
        git_branch="main",
        generates_synthetic_data=True,
        alerts=AlertSettings(
            run_deadline_minutes=180,
            email_recipients=("c360-platform-dev@example.com",),
            webhook_url="https://hooks.slack.com/services/SNOWFLAKE_WEBHOOK_SECRET",
            webhook_secret="C360_ALERTS_WEBHOOK_SECRET",
        ),
    ),
    "prod": Environment(
        name="prod",
        is_cloud=True,
        database="C360_PROD",
        dbt_target="prod",
        warehouses=_warehouses(
            "C360_PROD", load="SMALL", transform="MEDIUM", app="SMALL", suspend=300
        ),
        schedule_cron="0 4 * * *",
        data_retention_days=30,
        monthly_credit_quota=400,
        landing_bucket="c360-prod-landing",
        log_bucket="c360-prod-access-logs",
        state_bucket="c360-terraform-state",
        state_key="c360/prod/terraform.tfstate",
        state_lock_table="c360-terraform-locks",
        role_prefix="C360_PROD",
        landing_noncurrent_days=90,
        git_branch="main",
        alerts=AlertSettings(
            max_reject_rate=0.02,
            run_deadline_minutes=120,
            email_recipients=("c360-platform@example.com", "c360-oncall@example.com"),
            webhook_url="https://hooks.slack.com/services/SNOWFLAKE_WEBHOOK_SECRET",
            webhook_secret="C360_ALERTS_WEBHOOK_SECRET",
            check_every_minutes=15,
        ),
    ),
}

CLOUD_ENVIRONMENTS = tuple(name for name, env in ENVIRONMENTS.items() if env.is_cloud)


def get_environment(name: str) -> Environment:
    try:
        return ENVIRONMENTS[name]
    except KeyError:
        known = ", ".join(ENVIRONMENTS)
        raise ValueError(f"unknown environment {name!r}; expected one of: {known}") from None


def default_db_path() -> Path:
    """``C360_DUCKDB_PATH`` when set, else ``.c360/c360.duckdb`` under the working directory."""
    return Path(os.environ.get(DB_PATH_ENV_VAR) or DEFAULT_DB_RELATIVE)


def default_landing_dir(db_path: Path | None = None) -> Path:
    """The local folder standing in for the S3 landing bucket: beside the database."""
    db_path = db_path or default_db_path()
    return db_path.parent / "landing"

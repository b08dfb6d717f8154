"""Every cloud object name of one environment, derived from ``toolkit.config``.

The constructs take their names from here (never from literals), so dev and prod
differ only by the environment config and can never collide: each name carries the
environment's database name, role prefix or bucket name.
"""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.config import Environment

# Schemas of the contract plus PLATFORM, which holds the operational objects
# (git repository, procedures, tasks, stages, file formats, policies, the app).
DATA_SCHEMAS = ("BRONZE", "SILVER", "GOLD", "OBSERVABILITY")
PLATFORM_SCHEMA = "PLATFORM"

# Landing-bucket prefixes the generator writes and Snowflake reads (c360 generate layout).
# _manifest.json: the portfolio fingerprint C360_LOAD copies from the landing stage (issue 12)
LANDING_PREFIXES = ("customers/", "transactions/", "merchant_categories/", "_manifest.json")

# Functional (account) roles. PIPELINE owns the tasks DAG and its procedures.
FUNCTIONAL_ROLES = ("loader", "transformer", "analyst", "app", "pipeline")
# Functional roles a provider alias logs in with: the account bootstrap
# (sql/setup/account_admin_bootstrap.sql) creates them before the first plan and the
# stack adopts them with import blocks (why: stacks/platform.py).
BOOTSTRAP_ROLES = ("pipeline", "app")

# PII columns masked for everyone but the roles that must see them.
PII_COLUMNS = {"EMAIL": "VARCHAR", "PHONE": "VARCHAR", "DATE_OF_BIRTH": "DATE"}


def bucket_in_account(base: str, aws_account_id: str) -> str:
    """``c360-dev-landing`` in account 123456789012 → ``c360-dev-landing-123456789012``.

    Readable prefix from ``toolkit.config``, the 12-digit account id as suffix (≤ 63 chars,
    lowercase, digits and hyphens: S3's naming rules). Tools that need the real name
    (uploads, preflight) call this with the account id of their credentials.
    """
    return f"{base}-{aws_account_id}" if aws_account_id else base


def fq(*parts: str) -> str:
    """A fully qualified Snowflake identifier with every part quoted (what the provider expects)."""
    return ".".join(f'"{part}"' for part in parts)


@dataclass(frozen=True)
class Names:
    """Names of one environment's objects.

    ``aws_account_id`` (the stack passes ``aws_caller_identity``'s ``account_id`` token) makes
    the S3 bucket names unique: bucket names share one global namespace across every AWS
    account, so a bare ``c360-dev-landing`` may already belong to someone else
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
    """

    env: Environment
    aws_account_id: str = ""

    # ---------------------------------------------------------------- Snowflake
    @property
    def database(self) -> str:
        return self.env.database

    @property
    def prefix(self) -> str:
        return self.env.role_prefix

    def role(self, functional: str) -> str:
        return self.env.role(functional)

    @property
    def deployer(self) -> str:
        """The role every Terraform provider of this environment acts through (issue 13).

        Created by ``sql/setup/account_admin_bootstrap.sql``; it owns this environment's
        database and roles only and holds neither SYSADMIN, SECURITYADMIN nor MANAGE GRANTS,
        so the dev key cannot reach C360_PROD and vice versa.
        """
        return self.env.role("deployer")

    @property
    def deployer_user(self) -> str:
        """The key-pair service user of the deployer role (the bootstrap creates it)."""
        return f"{self.deployer}_USER"

    @property
    def resource_monitor(self) -> str:
        return f"{self.prefix}_MONITOR"

    @property
    def storage_integration(self) -> str:
        return f"{self.prefix}_S3_LANDING"

    @property
    def git_api_integration(self) -> str:
        return f"{self.prefix}_GIT_API"

    git_repository = "C360_REPO"
    landing_stage = "LANDING"
    semantic_stage = "SEMANTIC_MODELS"
    dbt_project = "C360_DBT"
    streamlit_app = "C360_APP"
    transactions_pipe = "RAW_TRANSACTIONS_PIPE"
    transactions_stream = "RAW_TRANSACTIONS_STREAM"
    parquet_format = "PARQUET_LANDING"
    csv_format = "CSV_LANDING"
    root_task = "C360_PIPELINE_ROOT"
    finalizer_task = "C360_PIPELINE_FINALIZER"
    incremental_task = "C360_INCREMENTAL_TRANSACTIONS"

    def task(self, step: str) -> str:
        return f"C360_{step.upper()}"

    def in_platform(self, name: str) -> str:
        return fq(self.database, PLATFORM_SCHEMA, name)

    @property
    def transactions_stream_fq(self) -> str:
        """The bronze transactions stream, fully qualified (task trigger and grant target)."""
        return fq(self.database, "BRONZE", self.transactions_stream)

    @property
    def git_repository_stage(self) -> str:
        """The repository's branch as a stage path (no leading ``@``)."""
        return f"{self.database}.{PLATFORM_SCHEMA}.{self.git_repository}/branches/{self.env.git_branch}"

    # ---------------------------------------------------------------------- AWS
    @property
    def landing_bucket(self) -> str:
        return bucket_in_account(self.env.landing_bucket, self.aws_account_id)

    @property
    def log_bucket(self) -> str:
        return bucket_in_account(self.env.log_bucket, self.aws_account_id)

    @property
    def kms_alias(self) -> str:
        return f"alias/{self.env.landing_bucket}"

    @property
    def snowflake_iam_role(self) -> str:
        return f"{self.env.landing_bucket}-snowflake-reader"

    @property
    def snowflake_external_id(self) -> str:
        """External id Snowflake presents when assuming the reader role (not a secret)."""
        return f"{self.prefix}_S3_LANDING_EXTERNAL_ID"

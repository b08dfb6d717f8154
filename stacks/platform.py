"""``PlatformStack``: one environment of c360 on AWS + Snowflake, from its config.

Instantiated once per cloud environment in ``toolkit.config.ENVIRONMENTS`` (stack ids
``dev`` and ``prod``); every difference between the two comes from that config.

Providers take credentials only from the environment: AWS from the usual chain
(``AWS_PROFILE`` or GitHub OIDC web identity), Snowflake from ``SNOWFLAKE_ORGANIZATION_NAME``,
``SNOWFLAKE_ACCOUNT_NAME``, ``SNOWFLAKE_USER`` and ``SNOWFLAKE_PRIVATE_KEY`` (key-pair JWT).
Snowflake work is split between provider aliases by role — the environment's deployer
(``C360_<ENV>_DEPLOYER``) creates the objects, roles and grants, the pipeline role creates (so
owns) the procedures, dbt project and tasks, the app role the Streamlit app. None is
ACCOUNTADMIN, SYSADMIN or SECURITYADMIN (issue 13): dev and prod share one account, and a
deployer owns only its own environment's database and roles and holds no MANAGE GRANTS, so
the dev key cannot alter C360_PROD. Its grants are possible without MANAGE GRANTS because it
owns what it grants on: the roles (GRANT ROLE needs OWNERSHIP of the role), the database
roles, and the managed-access schemas, whose owner may define grants, future grants included,
on their objects (sources in ``sql/setup/account_admin_bootstrap.sql``). Global privileges
(EXECUTE TASK, APPLY TAG, …) need MANAGE GRANTS to grant, so the bootstrap grants them.

Why the database, the deployer and the pipeline and app roles come from the bootstrap
(``sql/setup/account_admin_bootstrap.sql``) and not from this stack: a provider configuration
connects with its role when Terraform configures it, which is during ``plan``, so a role a
provider logs in with must exist before the first plan; and the database is created by
ACCOUNTADMIN and handed to the deployer, so that no deployer needs CREATE DATABASE (with it,
the dev deployer could create ``C360_PROD`` before prod's first deploy). The alternative for
the roles — create the objects as the deployer and hand them over with
``snowflake_grant_ownership`` — was rejected: a started task must be suspended to change
owner, the dbt project (``snowflake_execute``) has no ownership resource, and every later
change would be planned by one role against objects another role owns. So the bootstrap
creates the ``BOOTSTRAP_ROLES`` (with the comment the stack declares, owned by and granted to
the deployer) and the database (owned by the deployer), and the stack adopts them with
Terraform ``import`` blocks (``import_from``): from then on Terraform manages them.
Terraform ≥ 1.5 reads import blocks; CI pins 1.12.2.
"""

from __future__ import annotations

from cdktn import S3Backend, TerraformOutput, TerraformStack
from cdktn_aws.provider import AwsProvider
from cdktn_aws.sts import DataAwsCallerIdentity
from cdktn_provider_snowflake.provider import SnowflakeProvider
from constructs import Construct

from stacks.alerts import Alerts
from stacks.analytics_app import AnalyticsApp
from stacks.dbt_project import DbtProject
from stacks.git_source import GitSource
from stacks.governance import Governance
from stacks.ingestion import FEEDBACK_TABLE, Ingestion
from stacks.landing_zone import LandingZone
from stacks.naming import BOOTSTRAP_ROLES, Names, fq
from stacks.pipeline_dag import PipelineDag
from stacks.procedures import Procedures
from stacks.rbac import Rbac
from stacks.snowflake_foundation import SnowflakeFoundation
from toolkit.config import Environment

# Preview resources of the Snowflake provider 2.22 this stack uses (opt-in by design).
# The git API integration resource is a preview at v2.20.0 and promoted by 2.22.0; both
# accept it here (ValidPreviewFeatures = preview + promoted, provider v2.20.0
# pkg/provider/previewfeatures/preview_features.go).
SNOWFLAKE_PREVIEW_FEATURES = [
    "snowflake_api_integration_git_repository_token_resource",
    "snowflake_alert_resource",
    "snowflake_email_notification_integration_resource",
    "snowflake_pipe_resource",
    "snowflake_procedure_python_resource",
    "snowflake_procedure_sql_resource",
    "snowflake_table_resource",
    "snowflake_table_column_masking_policy_application_resource",
]


class PlatformStack(TerraformStack):
    """The AWS landing zone and the Snowflake platform of one environment."""

    def __init__(self, scope: Construct, id_: str, env: Environment):
        super().__init__(scope, id_)
        if not env.is_cloud:
            raise ValueError(f"environment {env.name!r} is not a cloud environment")
        self.env = env

        S3Backend(
            self,
            bucket=env.state_bucket,
            key=env.state_key,
            region=env.aws_region,
            encrypt=True,
            use_lockfile=True,
        )
        AwsProvider(
            self,
            "aws",
            region=env.aws_region,
            default_tags=[
                AwsProvider.DefaultTagsProperty(tags={"project": "c360", "environment": env.name})
            ],
        )
        # the account id suffixes the S3 bucket names (globally unique, see Names)
        caller = DataAwsCallerIdentity(self, "aws_caller")
        names = Names(env, aws_account_id=caller.account_id)
        snowflake = {
            alias: SnowflakeProvider(
                self,
                f"snowflake_{alias}",
                alias=alias,
                role=role,
                authenticator="SNOWFLAKE_JWT",
                preview_features_enabled=SNOWFLAKE_PREVIEW_FEATURES,
            )
            for alias, role in (
                ("deployer", names.deployer),
                ("pipeline", names.role("pipeline")),
                ("app", names.role("app")),
            )
        }
        deployer = snowflake["deployer"]
        pipeline_provider = snowflake["pipeline"]
        app_provider = snowflake["app"]

        # ---------------------------------------------------------------- AWS
        landing = LandingZone(
            self, "landing_zone", names=names, noncurrent_days=env.landing_noncurrent_days
        )

        # ----------------------------------------------------------- Snowflake
        foundation = SnowflakeFoundation(
            self, "snowflake_foundation", env=env, names=names, provider=deployer
        )
        # the import id of snowflake_database is the quoted name (provider v2.20.0
        # docs/resources/database.md, "Import")
        foundation.database.import_from(f'"{names.database}"', provider=deployer)
        database = foundation.database.name
        schemas = foundation.schemas
        rbac = Rbac(
            self,
            "rbac",
            env=env,
            names=names,
            database=database,
            schemas=schemas,
            warehouses=foundation.warehouses,
            deployer=deployer,
        )
        for functional in BOOTSTRAP_ROLES:
            # the import id of snowflake_account_role is the quoted name (provider v2.20.0
            # docs/resources/account_role.md, "Import")
            rbac.functional[functional].import_from(
                f'"{names.role(functional)}"', provider=deployer
            )
        ingestion = Ingestion(
            self,
            "ingestion",
            names=names,
            database=database,
            schemas=schemas,
            parquet_format=foundation.parquet_format,
            reader_role_arn=landing.reader_role_arn,
            bucket_name=landing.bucket_name,
            provider=deployer,
        )
        read_access = landing.trust_snowflake(
            iam_user_arn=ingestion.integration.describe_output.get(0).iam_user_arn,
            external_id=ingestion.integration.describe_output.get(0).external_id,
        )
        ingestion.read_access_before_pipe(read_access)
        landing.notify_snowpipe(
            queue_arn=ingestion.pipe.notification_channel, prefix="transactions/"
        )

        governance = Governance(
            self,
            "governance",
            names=names,
            database=database,
            schemas=schemas,
            tables=ingestion.tables,
            provider=deployer,
        )

        object_grants = self._object_grants(rbac, names, ingestion, governance, foundation)
        git = GitSource(
            self,
            "git_source",
            env=env,
            names=names,
            database=database,
            schemas=schemas,
            deployer=deployer,
        )
        repository_grants = [
            rbac.grant_on_object(
                f"{role}_git_repository_read",
                role,
                object_type="GIT REPOSITORY",
                object_name=git.repository_fq,
                privileges=["READ"],
                depends_on=[git.repository],
            )
            for role in ("pipeline", "app")
        ]
        # everything the pipeline role needs before objects are created as that role
        pipeline_ready = [*rbac.ready_for["pipeline"], repository_grants[0], *object_grants]
        dbt = DbtProject(
            self,
            "dbt_project",
            env=env,
            names=names,
            repository_stage_path=git.stage_path,
            provider=pipeline_provider,
            ready=[git.repository, *pipeline_ready],
        )
        procedures = Procedures(
            self,
            "procedures",
            names=names,
            database=database,
            schemas=schemas,
            provider=pipeline_provider,
            ready=[*pipeline_ready, *ingestion.tables.values()],
        )
        PipelineDag(
            self,
            "pipeline_dag",
            env=env,
            names=names,
            database=database,
            schemas=schemas,
            stream_name=names.transactions_stream_fq,
            provider=pipeline_provider,
            ready=[
                *pipeline_ready,
                dbt.resource,
                ingestion.stream,
                *procedures.python.values(),
                *procedures.sql.values(),
            ],
        )
        # failure alerts on the observability tables (toolkit/alerts.py conditions)
        Alerts(
            self,
            "alerts",
            env=env,
            names=names,
            database=database,
            schemas=schemas,
            provider=deployer,
            ready=list(ingestion.tables.values()),
        )
        app = AnalyticsApp(
            self,
            "analytics_app",
            env=env,
            names=names,
            database=database,
            schemas=schemas,
            repository_fq=git.repository_fq,
            repository_stage_path=git.stage_path,
            deployer=deployer,
            app=app_provider,
            ready=[*rbac.ready_for["app"], repository_grants[1]],
        )
        rbac.grant_on_object(
            "app_semantic_stage_read",
            "app",
            object_type="STAGE",
            object_name=names.in_platform(names.semantic_stage),
            privileges=["READ"],
            depends_on=[app.semantic_stage],
        )
        # The app's only write: thumbs up/down rows. INSERT on this one table, no UPDATE,
        # DELETE or CREATE; the app already reads OBSERVABILITY through OBSERVABILITY_READ.
        rbac.grant_on_object(
            "app_assistant_feedback_insert",
            "app",
            object_type="TABLE",
            object_name=fq(names.database, "OBSERVABILITY", FEEDBACK_TABLE.upper()),
            privileges=["INSERT"],
            depends_on=[ingestion.tables[FEEDBACK_TABLE]],
        )
        # #16: the Campaign Simulator stores hold-out assignments (one INSERT per campaign;
        # the app reads them back through GOLD_READ).
        rbac.grant_on_object(
            "app_campaign_assignments_insert",
            "app",
            object_type="TABLE",
            object_name=fq(names.database, "GOLD", "CAMPAIGN_ASSIGNMENTS"),
            privileges=["INSERT"],
            depends_on=[ingestion.tables["campaign_assignments"]],
        )
        # Pipeline Health lists rejected rows (streamlit/c360_app/health_queries.py), which
        # live in BRONZE: SELECT on that one table and USAGE on its schema, which a query of
        # any object in it needs besides the database's USAGE (schema USAGE "enables using a
        # schema", https://docs.snowflake.com/en/user-guide/security-access-control-privileges).
        # No other bronze table (raw customer rows) is readable; RECORD is masked (pii.py).
        rbac.grant_schema_usage(
            "app_bronze_usage", "app", fq(names.database, "BRONZE"), depends_on=[schemas["BRONZE"]]
        )
        rbac.grant_on_object(
            "app_rejected_rows_select",
            "app",
            object_type="TABLE",
            object_name=fq(names.database, "BRONZE", "REJECTED_ROWS"),
            privileges=["SELECT"],
            depends_on=[ingestion.tables["rejected_rows"]],
        )
        # #13: feedback rows readable by the platform team only; viewers may open the app
        governance.restrict_feedback(
            names=names,
            database=database,
            schemas=schemas,
            table=ingestion.tables[FEEDBACK_TABLE],
            provider=deployer,
        )
        rbac.grant_app(names.in_platform(names.streamlit_app), depends_on=[app.streamlit])

        TerraformOutput(self, "landing_bucket", value=landing.bucket_name)
        TerraformOutput(self, "snowflake_reader_role_arn", value=landing.reader_role_arn)
        TerraformOutput(self, "database", value=names.database)
        TerraformOutput(self, "semantic_model_path", value=app.semantic_model_path)

    @staticmethod
    def _object_grants(rbac, names, ingestion, governance, foundation) -> list:
        """Grants on schema objects to the roles that use them; the pipeline waits for them."""
        grants = [
            rbac.grant_on_object(
                f"{role}_landing_stage_usage",
                role,
                object_type="STAGE",
                object_name=names.in_platform(names.landing_stage),
                privileges=["USAGE"],
                depends_on=[ingestion.stage],
            )
            for role in ("loader", "pipeline")
        ]
        for kind, resource, name in (
            ("parquet", foundation.parquet_format, names.parquet_format),
            ("csv", foundation.csv_format, names.csv_format),
        ):
            grants.append(
                rbac.grant_on_object(
                    f"loader_{kind}_format_usage",
                    "loader",
                    object_type="FILE FORMAT",
                    object_name=names.in_platform(name),
                    privileges=["USAGE"],
                    depends_on=[resource],
                )
            )
        grants.append(
            rbac.grant_on_object(
                "pipeline_stream_select",
                "pipeline",
                object_type="STREAM",
                object_name=names.transactions_stream_fq,
                privileges=["SELECT"],
                depends_on=[ingestion.stream],
            )
        )
        return grants

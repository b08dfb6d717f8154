"""Ingestion: storage integration → external S3 stage → raw landing tables, Snowpipe, stream.

Files land in S3 with the local landing layout. ``COPY INTO`` keeps every value as text in
a raw landing table (``BRONZE.LANDING_*``, DDL from ``toolkit.pipeline.bronze.landing_ddl``)
with its stage, file name, row number and scan time; transactions auto-ingest through a
pipe (S3 event → Snowflake's SQS queue → ``COPY INTO BRONZE.LANDING_TRANSACTIONS``), never
straight into bronze. The ``C360_LOAD`` SQL procedure (``sql/procedures/load.sql``) copies
snapshots, categories and the manifest and turns landing rows into typed bronze rows and
``BRONZE.REJECTED_ROWS`` with the declared rules; an append-only stream on the landing
transactions triggers it when the pipe brings files. The COPY text comes from
``toolkit.pipeline.ingestion_sql``, the same module that renders the procedure.
"""

from __future__ import annotations

from cdktn import TerraformProvider
from cdktn_provider_snowflake.file_format_json import FileFormatJson
from cdktn_provider_snowflake.pipe import Pipe
from cdktn_provider_snowflake.stage_external_s3 import StageExternalS3
from cdktn_provider_snowflake.storage_integration_aws import StorageIntegrationAws
from cdktn_provider_snowflake.stream_on_table import StreamOnTable
from cdktn_provider_snowflake.table import Table, TableColumn
from constructs import Construct

from stacks.naming import PLATFORM_SCHEMA, Names
from stacks.tables import columns_of, declared_tables
from toolkit.pipeline import ingestion_sql
from toolkit.pipeline.bronze import landing_ddl

# The stack creates every table of the toolkit's registry up front (stacks.tables.
# declared_tables; the toolkit's "create table if not exists" then finds them): the pipe,
# stream, masking, procedures and finalizer write them from day one, and the app role may
# INSERT into the feedback table but can create nothing.
FEEDBACK_TABLE = "assistant_feedback"

_SNOWFLAKE_TYPES = {"TIMESTAMPNTZ": "TIMESTAMP_NTZ", "DOUBLE": "FLOAT", "BIGINT": "NUMBER(38,0)"}


def _snowflake_type(sql_type: str) -> str:
    if sql_type.startswith("DECIMAL"):
        return "NUMBER" + sql_type[len("DECIMAL") :].replace(" ", "")
    return _SNOWFLAKE_TYPES.get(sql_type, sql_type)


def transactions_copy_statement(names: Names) -> str:
    """The pipe's COPY: the parquet columns as text into the raw landing table, with the
    file's metadata (``toolkit.pipeline.ingestion_sql.copy_statement``). Every identifier
    comes from the environment config, never from user input."""
    return ingestion_sql.copy_statement(
        ingestion_sql.LANDING_BY_NAME["transactions"], names.landing_stage, database=names.database
    )


class Ingestion(Construct):
    """Exposes ``integration`` (with ``describe_output`` for the AWS trust), ``stage``,
    ``tables`` (lower-case name → Table), ``pipe`` and ``stream``."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        names: Names,
        database: str,
        schemas: dict,
        parquet_format,
        reader_role_arn: str,
        bucket_name: str,
        provider: TerraformProvider,
    ):
        super().__init__(scope, id_)
        self.integration = StorageIntegrationAws(
            self,
            "storage_integration",
            provider=provider,
            name=names.storage_integration,
            enabled=True,
            storage_provider="S3",
            storage_aws_role_arn=reader_role_arn,
            # No storage_aws_external_id: Snowflake then generates the external id itself (an
            # unguessable per-integration value, read back through describe_output.external_id
            # for the reader role's trust policy) instead of a predictable constant (#13;
            # https://docs.snowflake.com/en/user-guide/data-load-s3-config-storage-integration,
            # DESC INTEGRATION → STORAGE_AWS_EXTERNAL_ID).
            # the stage sits at the bucket root, so the integration allows the bucket; the
            # reader role's IAM policy is what limits reads to the landing prefixes
            storage_allowed_locations=[f"s3://{names.landing_bucket}/"],
            comment=f"reads s3://{names.landing_bucket}",
        )
        self.stage = StageExternalS3(
            self,
            "landing_stage",
            provider=provider,
            database=database,
            schema=schemas[PLATFORM_SCHEMA].name,
            name=names.landing_stage,
            # the bucket attribute orders the stage after the bucket exists
            url=f"s3://{bucket_name}/",
            storage_integration=self.integration.name,
            comment="the landing bucket (customers/, transactions/, merchant_categories/)",
        )

        self.tables: dict[str, Table] = {}
        # the manifest's JSON (the portfolio fingerprint the load procedure checks)
        self.json_format = FileFormatJson(
            self,
            "json_format",
            provider=provider,
            database=database,
            schema=schemas[PLATFORM_SCHEMA].name,
            name=ingestion_sql.JSON_FORMAT,
            comment="landing _manifest.json (portfolio fingerprint)",
        )
        declared = declared_tables()
        declared["BRONZE"] = {**declared["BRONZE"], **landing_ddl()}
        for schema, ddl_by_table in declared.items():
            for table in ddl_by_table:
                self.tables[table] = Table(
                    self,
                    f"table_{table}",
                    provider=provider,
                    database=database,
                    schema=schemas[schema].name,
                    name=table.upper(),
                    # change tracking feeds the stream on transactions
                    change_tracking=table == "landing_transactions",
                    column=[
                        TableColumn(
                            name=column.name,
                            type=_snowflake_type(column.type),
                            nullable=column.nullable,
                        )
                        for column in columns_of(ddl_by_table[table])
                    ],
                    comment=f"declared from toolkit DDL ({schema.lower()}.{table})",
                )

        self.pipe = Pipe(
            self,
            "transactions_pipe",
            provider=provider,
            database=database,
            schema=schemas["BRONZE"].name,
            name=names.transactions_pipe,
            auto_ingest=True,
            copy_statement=transactions_copy_statement(names),
            comment="auto-ingest of transactions/ (S3 event notifications)",
            depends_on=[self.stage, self.tables["landing_transactions"], parquet_format],
        )
        self.stream = StreamOnTable(
            self,
            "transactions_stream",
            provider=provider,
            database=database,
            schema=schemas["BRONZE"].name,
            name=names.transactions_stream,
            table=self.tables["landing_transactions"].fully_qualified_name,
            append_only="true",
            comment="newly piped landing transactions: triggers C360_LOAD",
        )

    def read_access_before_pipe(self, resources: list) -> None:
        """Create the pipe only once Snowflake can read the bucket (IAM role and policy)."""
        references = [f"{r.terraform_resource_type}.{r.friendly_unique_id}" for r in resources]
        self.pipe.depends_on = [*(self.pipe.depends_on or []), *references]

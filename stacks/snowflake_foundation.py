"""Snowflake foundation: the environment's database, schemas, warehouses and file formats.

Warehouses (one per workload: load, transform, app) auto-suspend and are attached to
the environment's resource monitor. Creating a resource monitor is reserved to
ACCOUNTADMIN in Snowflake, and this stack never runs as ACCOUNTADMIN, so the monitor is
created once per account by ``sql/setup/account_admin_bootstrap.sql`` (its quota is the
environment's ``monthly_credit_quota``; a test keeps the two in step) and the stack only
attaches the warehouses to it by name. The database itself is created by the same
bootstrap and owned by the environment's deployer role (no deployer may CREATE DATABASE,
issue 13); ``PlatformStack`` adopts it with an import block.
"""

from __future__ import annotations

from cdktn import TerraformProvider
from cdktn_provider_snowflake.database import Database
from cdktn_provider_snowflake.file_format_csv import FileFormatCsv
from cdktn_provider_snowflake.file_format_parquet import FileFormatParquet
from cdktn_provider_snowflake.schema import Schema
from cdktn_provider_snowflake.warehouse import Warehouse
from constructs import Construct

from stacks.naming import DATA_SCHEMAS, PLATFORM_SCHEMA, Names
from toolkit.config import Environment


class SnowflakeFoundation(Construct):
    """Database + schemas + warehouses + file formats.

    Exposes ``database`` (resource), ``schemas`` (name → resource), ``warehouses``
    (workload → resource) and the file formats' fully qualified names.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        env: Environment,
        names: Names,
        provider: TerraformProvider,
    ):
        super().__init__(scope, id_)
        self.database = Database(
            self,
            "database",
            provider=provider,
            name=names.database,
            comment=f"c360 {env.name}: bronze → silver → gold customer 360",
            data_retention_time_in_days=env.data_retention_days,
            drop_public_schema_on_creation=True,
            # the bootstrap creates the database and the stack imports it: the provider asks
            # for is_transient explicitly before an import (v2.20.0 docs/resources/database.md)
            is_transient=False,
        )
        self.schemas: dict[str, Schema] = {}
        for schema in (*DATA_SCHEMAS, PLATFORM_SCHEMA):
            self.schemas[schema] = Schema(
                self,
                f"schema_{schema.lower()}",
                provider=provider,
                database=self.database.name,
                name=schema,
                # managed access: only the schema owner (and MANAGE GRANTS) grants on its
                # objects, so object owners cannot bypass the RBAC design
                with_managed_access="true",
                data_retention_time_in_days=env.data_retention_days,
            )

        self.warehouses: dict[str, Warehouse] = {}
        for workload, spec in env.warehouses.items():
            self.warehouses[workload] = Warehouse(
                self,
                f"warehouse_{workload}",
                provider=provider,
                name=spec.name,
                warehouse_size=spec.size,
                auto_suspend=spec.auto_suspend_seconds,
                auto_resume="true",
                initially_suspended=True,
                max_cluster_count=spec.max_cluster_count,
                min_cluster_count=1,
                resource_monitor=names.resource_monitor,
                statement_timeout_in_seconds=3600,
                comment=f"c360 {env.name} {workload} workload",
            )

        platform = self.schemas[PLATFORM_SCHEMA].name
        self.parquet_format = FileFormatParquet(
            self,
            "parquet_format",
            provider=provider,
            database=self.database.name,
            schema=platform,
            name=names.parquet_format,
            comment="landing parquet files (customers, transactions)",
        )
        self.csv_format = FileFormatCsv(
            self,
            "csv_format",
            provider=provider,
            database=self.database.name,
            schema=platform,
            name=names.csv_format,
            # C360_LOAD reads the categories by position ($1..$7); the header line is skipped.
            # PARSE_HEADER only names columns for INFER_SCHEMA / MATCH_BY_COLUMN_NAME, which
            # the positional COPY does not use (tests/infra/test_infra_stacks.py cites both).
            skip_header=1,
            field_optionally_enclosed_by='"',
            empty_field_as_null="true",
            comment="landing csv files (merchant categories)",
        )
        self.parquet_format_name = names.in_platform(names.parquet_format)
        self.csv_format_name = names.in_platform(names.csv_format)

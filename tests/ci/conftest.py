"""A fake Snowflake connection that answers with recorded, documented result shapes.

Column lists follow the Snowflake SQL reference for each command's output
(docs.snowflake.com/en/sql-reference/sql/<command>): SHOW TASKS, SHOW PROCEDURES,
DESCRIBE PROCEDURE (property/value rows), SHOW STREAMLITS, EXECUTE DBT PROJECT (one
row: success flag, EXCEPTION, STDOUT, OUTPUT_ARCHIVE_URL), LIST (name, size, md5,
last_modified). Values are what a healthy c360 dev environment returns; tests mutate
a copy to produce each failure.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

import pytest

from toolkit.pipeline.dag import PIPELINE

SHOW_TASKS_COLUMNS = [
    "created_on", "name", "id", "database_name", "schema_name", "owner", "comment",
    "warehouse", "schedule", "predecessors", "state", "definition", "condition",
    "allow_overlapping_execution", "error_integration", "last_committed_on",
    "last_suspended_on", "owner_role_type", "config", "budget", "task_relations",
    "last_suspended_reason",
]  # fmt: skip
SHOW_PROCEDURES_COLUMNS = [
    "created_on", "name", "schema_name", "is_builtin", "is_aggregate", "is_ansi",
    "min_num_arguments", "max_num_arguments", "arguments", "description", "catalog_name",
    "is_table_function", "valid_for_clustering", "is_secure", "secrets",
    "external_access_integrations",
]  # fmt: skip
SHOW_STREAMLITS_COLUMNS = [
    "created_on", "name", "database_name", "schema_name", "title", "owner", "comment",
    "query_warehouse", "url_id", "owner_role_type",
]  # fmt: skip
DBT_EXECUTE_COLUMNS = ["0|1", "EXCEPTION", "STDOUT", "OUTPUT_ARCHIVE_URL"]
LIST_COLUMNS = ["name", "size", "md5", "last_modified"]


def _task(name, *, schedule=None, predecessors="[]", state="started"):
    row = dict.fromkeys(SHOW_TASKS_COLUMNS)
    row.update(
        created_on="2026-11-20 06:00:00.000 -0800",
        name=name,
        id="01b2c3d4-0000-0000-0000-000000000001",
        database_name="C360_DEV",
        schema_name="PLATFORM",
        owner="C360_DEV_PIPELINE",
        warehouse="C360_DEV_TRANSFORM_WH",
        schedule=schedule,
        predecessors=predecessors,
        state=state,
        definition="CALL ...",
        allow_overlapping_execution="false",
        owner_role_type="ROLE",
    )
    return row


def healthy_tasks():
    rows = [_task("C360_PIPELINE_ROOT", schedule="USING CRON 0 6 * * * UTC")]
    previous = "C360_PIPELINE_ROOT"
    for step in PIPELINE:
        name = f"C360_{step.name.upper()}"
        rows.append(_task(name, predecessors=f'["C360_DEV.PLATFORM.{previous}"]'))
        previous = name
    rows.append(_task("C360_PIPELINE_FINALIZER"))
    rows.append(_task("C360_INCREMENTAL_TRANSACTIONS"))
    return rows


def healthy_procedures():
    rows, described = [], {}
    for step in PIPELINE:
        if not step.snowflake_procedure:
            continue
        row = dict.fromkeys(SHOW_PROCEDURES_COLUMNS)
        arguments = f"{step.snowflake_procedure}(VARCHAR, NUMBER) RETURN VARCHAR"
        row.update(
            name=step.snowflake_procedure,
            schema_name="PLATFORM",
            is_builtin="N",
            is_aggregate="N",
            is_ansi="N",
            min_num_arguments=2,
            max_num_arguments=2,
            arguments=arguments,
            description="user-defined procedure",
            catalog_name="C360_DEV",
            is_table_function="N",
        )
        rows.append(row)
        described[step.snowflake_procedure] = [
            ("signature", "(RUN_ID VARCHAR, CUSTOMERS NUMBER)"),
            ("returns", "VARCHAR"),
            ("language", "PYTHON"),
            ("null handling", "CALLED ON NULL INPUT"),
            ("volatility", "VOLATILE"),
            ("imports", "[@C360_DEV.PLATFORM.C360_REPO/branches/main/toolkit]"),
            ("handler", step.snowflake_handler),
            ("runtime_version", "3.11"),
            ("packages", "['snowflake-snowpark-python']"),
            ("execute as", "OWNER"),
        ]
    return rows, described


def healthy_streamlits():
    row = dict.fromkeys(SHOW_STREAMLITS_COLUMNS)
    row.update(
        name="C360_APP",
        database_name="C360_DEV",
        schema_name="PLATFORM",
        title="c360 — Customer 360",
        owner="C360_DEV_APP",
        query_warehouse="C360_DEV_APP_WH",
        url_id="abcdefghijklmnop",
        owner_role_type="ROLE",
    )
    return [row]


def healthy_layer_counts():
    tables = {
        "bronze": {"raw_customers": 3000, "raw_transactions": 160000,
                   "raw_merchant_categories": 40, "rejected_rows": 0},
        "silver": {"stg_customers": 3000, "stg_transactions": 160000,
                   "stg_merchant_categories": 40},
        "gold": {"dim_customer": 640, "fct_transactions": 160000,
                 "customer_360_profile": 600, "customer_segments": 600},
    }  # fmt: skip
    # Snowflake returns information_schema names upper-case.
    return [
        {"layer": layer.upper(), "table_name": table.upper(), "row_count": count}
        for layer, counts in tables.items()
        for table, count in counts.items()
    ]


def healthy_pii_columns():
    """INFORMATION_SCHEMA.COLUMNS rows of the personal columns, each with its tag value."""
    from stacks.pii import PII_SOURCE_COLUMNS

    rows = []
    for column, kind in PII_SOURCE_COLUMNS["raw_customers"].items():
        rows.append(
            {
                "table_schema": "BRONZE",
                "table_name": "RAW_CUSTOMERS",
                "column_name": column,
                "pii_kind": kind,
            }
        )
        rows.append(
            {
                "table_schema": "SILVER",
                "table_name": "STG_CUSTOMERS",
                "column_name": column,
                "pii_kind": kind,
            }
        )
    for column, kind in (("FULL_NAME", "name"), ("EMAIL", "email"), ("AGE", "birth_date")):
        rows.append(
            {
                "table_schema": "GOLD",
                "table_name": "CUSTOMER_360_PROFILE",
                "column_name": column,
                "pii_kind": kind,
            }
        )
    return rows


@dataclass
class Responses:
    tasks: list = field(default_factory=healthy_tasks)
    procedures: tuple = field(default_factory=healthy_procedures)
    streamlits: list = field(default_factory=healthy_streamlits)
    dbt_result: list = field(
        default_factory=lambda: [
            1,
            None,
            "12:00:01  Done. PASS=118 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=118",
            "snow://dbt/C360_DEV.PLATFORM.C360_DBT/results/query_id_01b/",
        ]
    )
    layer_counts: list = field(default_factory=healthy_layer_counts)
    pii_columns: list = field(default_factory=healthy_pii_columns)
    list_rows: list = field(
        default_factory=lambda: [
            (
                "c360_repo/commits/x/dbt/dbt_project.yml",
                1812,
                "d41d8cd98f00b204e9800998ecf8427e",
                "Thu, 20 Nov 2026 10:00:00 GMT",
            ),
        ]  # fmt: skip
    )
    errors: dict = field(default_factory=dict)  # SQL prefix -> exception to raise


class FakeCursor:
    def __init__(self, connection):
        self.connection = connection
        self.description = None
        self._rows = []

    def execute(self, sql, params=None):
        self.connection.executed.append((sql, params))
        responses = self.connection.responses
        for prefix, error in responses.errors.items():
            if sql.startswith(prefix):
                raise error
        columns, rows = self._answer(sql, responses)
        self.description = [(name, None, None, None, None, None, True) for name in columns]
        self._rows = rows
        return self

    @staticmethod
    def _answer(sql, r):
        if sql.startswith("SHOW TASKS"):
            return SHOW_TASKS_COLUMNS, [tuple(t[c] for c in SHOW_TASKS_COLUMNS) for t in r.tasks]
        if sql.startswith("SHOW PROCEDURES"):
            rows = r.procedures[0]
            return SHOW_PROCEDURES_COLUMNS, [
                tuple(p[c] for c in SHOW_PROCEDURES_COLUMNS) for p in rows
            ]
        if sql.startswith("DESCRIBE PROCEDURE"):
            name = re.search(r'"PLATFORM"\."([A-Z0-9_]+)"\(', sql).group(1)
            return ["property", "value"], list(r.procedures[1][name])
        if sql.startswith("SHOW STREAMLITS"):
            return SHOW_STREAMLITS_COLUMNS, [
                tuple(s[c] for c in SHOW_STREAMLITS_COLUMNS) for s in r.streamlits
            ]
        if sql.startswith("SELECT CURRENT_ORGANIZATION_NAME()"):
            return ["ORGANIZATION_NAME", "ACCOUNT_NAME"], [("MYORG", "C360_PLATFORM")]
        if sql.startswith("EXECUTE DBT PROJECT"):
            return DBT_EXECUTE_COLUMNS, [tuple(r.dbt_result)] if r.dbt_result else []
        if sql.startswith("SELECT layer, table_name, row_count"):
            return ["LAYER", "TABLE_NAME", "ROW_COUNT"], [
                (c["layer"], c["table_name"], c["row_count"]) for c in r.layer_counts
            ]
        if sql.startswith("SELECT table_schema, table_name, column_name, SYSTEM$GET_TAG"):
            keys = ["table_schema", "table_name", "column_name", "pii_kind"]
            return [k.upper() for k in keys], [tuple(c[k] for k in keys) for c in r.pii_columns]
        if sql.startswith("LIST"):
            return LIST_COLUMNS, list(r.list_rows)
        if sql.startswith("ALTER"):
            return ["status"], [("Statement executed successfully.",)]
        raise AssertionError(f"the fake Snowflake has no recorded answer for: {sql}")  # fmt: skip

    def fetchall(self):
        return list(self._rows)

    def close(self):
        pass


class FakeConnection:
    def __init__(self, responses: Responses):
        self.responses = responses
        self.executed: list[tuple[str, object]] = []
        self.closed = False

    def cursor(self):
        return FakeCursor(self)

    def close(self):
        self.closed = True


@dataclass
class FakeResponse:
    status_code: int


class FakeHttp:
    """Stands in for requests.get; records the URLs asked for."""

    def __init__(self, status_code=200, error: Exception | None = None):
        self.status_code = status_code
        self.error = error
        self.urls: list[str] = []

    def __call__(self, url, **kwargs):
        self.urls.append(url)
        assert kwargs.get("timeout"), "every HTTP call needs a timeout"
        if self.error:
            raise self.error
        return FakeResponse(self.status_code)


@pytest.fixture
def responses():
    return Responses()


@pytest.fixture
def fake_snowflake(responses):
    return FakeConnection(responses)


@pytest.fixture
def fake_http():
    return FakeHttp()


@pytest.fixture
def http_factory():
    return FakeHttp


@pytest.fixture
def healthy():
    """A fresh copy of every healthy response (for tests that build their own)."""
    return copy.deepcopy(Responses())

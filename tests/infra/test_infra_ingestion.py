"""Issue 12 in the synthesized stacks: pipe into raw landing, landing tables, C360_LOAD in SQL,
no generate task in prod.

Provider facts (terraform-provider-snowflake v2.20.0, the newest tag in the mirror; we pin
2.22.0): ``pkg/resources/pipe.go`` — ``copy_statement`` (string, required, ForceNew) and
``auto_ingest`` (bool, default false, ForceNew) are passed to CREATE PIPE as given.
"""

from __future__ import annotations

import pytest
import sqlglot
from stack_json import one, resources

from toolkit.config import ENVIRONMENTS
from toolkit.pipeline.bronze import landing_ddl

ENVS = ("dev", "prod")


@pytest.mark.parametrize("env", ENVS)
def test_pipe_copies_transactions_into_the_raw_landing_table_not_bronze(stacks, env):
    """File name, row number and scan time come from the staged file's metadata columns,
    which COPY INTO <table> may load (https://docs.snowflake.com/en/user-guide/querying-metadata:
    METADATA$FILENAME, METADATA$FILE_ROW_NUMBER, METADATA$START_SCAN_TIME as TIMESTAMP_LTZ)."""
    pipe = one(stacks[env], "snowflake_pipe")
    assert pipe["auto_ingest"] is True
    copy = sqlglot.parse_one(pipe["copy_statement"], read="snowflake")
    target = copy.this.this if isinstance(copy.this, sqlglot.exp.Schema) else copy.this
    assert target.name.upper() == "LANDING_TRANSACTIONS"
    statement = pipe["copy_statement"].lower()
    for metadata in ("metadata$filename", "metadata$file_row_number", "metadata$start_scan_time"):
        assert metadata in statement
    assert "raw_transactions" not in statement
    assert f"@{ENVIRONMENTS[env].database.lower()}.platform.landing/transactions/" in statement


@pytest.mark.parametrize("env", ENVS)
def test_landing_tables_are_declared_as_text_with_file_lineage(stacks, env):
    tables = {t["name"]: t for t in resources(stacks[env], "snowflake_table")}
    for name in landing_ddl():
        columns = {c["name"]: c["type"] for c in tables[name.upper()]["column"]}
        lineage = {"_STAGE", "_SOURCE_FILE", "_FILE_ROW", "_SCANNED_AT"}
        assert lineage <= set(columns)
        assert {t for c, t in columns.items() if c not in lineage} == {"VARCHAR"}
    assert tables["LANDING_TRANSACTIONS"]["change_tracking"] is True
    stream = one(stacks[env], "snowflake_stream_on_table")
    assert "LANDING_TRANSACTIONS" in stream["table"] or "landing_transactions" in stream["table"]


@pytest.mark.parametrize("env", ENVS)
def test_load_is_a_sql_procedure_without_download_or_duckdb(stacks, env):
    stack = stacks[env]
    python_names = {p["name"] for p in resources(stack, "snowflake_procedure_python")}
    assert "C360_LOAD" not in python_names
    load = one(stack, "snowflake_procedure_sql", name="C360_LOAD")
    body = load["procedure_definition"].lower()
    assert "insert all" in body and "begin transaction" in body and "commit" in body
    for forbidden in ("duckdb", "get @", "list @", "file.get", "download"):
        assert forbidden not in body
    # no Python procedure's handler loads bronze any more
    assert not any(
        "load" in p["handler"].rsplit(".", 1)[-1]
        for p in resources(stack, "snowflake_procedure_python")
    )


def test_only_environments_that_generate_have_a_generate_task(stacks):
    for env in ENVS:
        names = {t["name"] for t in resources(stacks[env], "snowflake_task")}
        has_generate = any(name.endswith("GENERATE") for name in names)
        assert has_generate is ENVIRONMENTS[env].generates_synthetic_data
    assert ENVIRONMENTS["prod"].generates_synthetic_data is False
    load = next(
        t for t in resources(stacks["prod"], "snowflake_task") if t["name"].endswith("_LOAD")
    )
    assert not any("GENERATE" in after for after in load["after"])


def test_the_reader_role_may_read_everything_the_load_copies_from_s3():
    """The IAM policy of Snowflake's reader role lists LANDING_PREFIXES (stacks/landing_zone.py);
    every path the procedure's and the pipe's COPY read from the S3 stage must lie under one."""
    from stacks.naming import LANDING_PREFIXES
    from toolkit.pipeline import ingestion_sql

    for source in ingestion_sql.LANDING:
        assert any(source.folder.startswith(prefix) for prefix in LANDING_PREFIXES), source


@pytest.mark.parametrize("env", ENVS)
def test_load_advances_the_transactions_stream_inside_its_transaction(stacks, env):
    """The triggered task runs while the stream has data, so C360_LOAD must move the stream's
    offset past the files it loaded. Snowflake: "A stream advances the offset only when it is
    used in a DML transaction"; "Querying a stream alone does not advance its offset"; to
    advance it without consuming rows, "query the stream but include a WHERE clause that
    filters out all of the change data" (https://docs.snowflake.com/en/user-guide/streams-intro,
    "Data flow"). The offset moves when the transaction commits, with the bronze rows."""
    body = one(stacks[env], "snowflake_procedure_sql", name="C360_LOAD")["procedure_definition"]
    lowered = body.lower()
    begin, commit = lowered.index("begin transaction"), lowered.rindex("commit")
    consume = lowered.index("from bronze.raw_transactions_stream where false")
    assert begin < consume < commit
    statement = lowered[lowered.rindex("insert into", 0, consume) : lowered.index(";", consume)]
    parsed = sqlglot.parse_one(statement, read="snowflake")
    assert isinstance(parsed, sqlglot.exp.Insert)
    assert "raw_transactions_stream" in {t.name.lower() for t in parsed.find_all(sqlglot.exp.Table)}

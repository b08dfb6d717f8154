"""Parity: one dirty landing folder through the local loader and through the Snowflake SQL.

The Snowflake side is the ``C360_LOAD`` procedure's own statements
(``toolkit.pipeline.ingestion_sql.transactional_statements``), written in Snowflake's
dialect, transpiled to DuckDB with sqlglot and run on DuckDB over raw landing tables that
hold the same files' values as text — what ``COPY INTO`` puts there. DuckDB has no
multi-table insert, so ``INSERT ALL WHEN c THEN INTO a ... ELSE INTO b ... <subquery>`` is
run as Snowflake defines it (docs.snowflake.com/en/sql-reference/sql/insert-multi-table):
each WHEN's INTO for the rows where its condition holds, ELSE's for the rows where none does.
Both sides must give the same bronze rows, the same rejects with the same reasons, and the
same per-batch counts.
"""

from __future__ import annotations

import json
from collections import Counter

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from toolkit.generate import generate_landing, read_manifest
from toolkit.pipeline import ingestion_sql
from toolkit.pipeline.bronze import BRONZE_DDL, landing_ddl
from toolkit.pipeline.load import load_landing
from toolkit.pipeline.observability import OBSERVABILITY_DDL

CUSTOMERS = 300
SEED = 5


def to_duckdb(sql: str) -> str:
    return sqlglot.transpile(sql, read="snowflake", write="duckdb")[0]


def run_snowflake_statement(con, statement: str) -> None:
    """Run one Snowflake DML statement on DuckDB (multi-table inserts as documented)."""
    parsed = sqlglot.parse_one(statement, read="snowflake")
    if not isinstance(parsed, exp.MultitableInserts):
        con.execute(to_duckdb(statement))
        return
    source = parsed.args["source"].sql(dialect="duckdb")
    con.execute(f"create or replace temp table _multi_source as {source}")
    earlier: list[str] = []
    for branch in parsed.expressions:
        insert = branch.this
        condition = branch.args.get("expression")
        if condition is not None:
            where = condition.sql(dialect="duckdb")
            earlier.append(f"coalesce({where}, false)")
        else:  # ELSE: rows no WHEN matched
            where = "not (" + " or ".join(earlier) + ")"
        target = insert.this.sql(dialect="duckdb")
        values = insert.expression.expressions[0].sql(dialect="duckdb").strip("()")
        con.execute(f"insert into {target} select {values} from _multi_source where {where}")
    con.execute("drop table _multi_source")


def fill_landing_tables(con, landing) -> None:
    """What COPY INTO leaves in the raw landing tables: values as text, file lineage."""
    for source in ingestion_sql.LANDING:
        if source.name == "manifest":
            manifest = read_manifest(landing)
            con.execute(
                "insert into bronze.landing_manifest values (?, 'LANDING', '_manifest.json', 1, now())",
                [
                    f"seed={manifest['seed']} customers={manifest['customers']} "
                    f"dirty_rate={manifest['dirty_rate']}"
                ],
            )
            continue
        reader = (
            "read_csv(?, header = true, all_varchar = true)"
            if source.file_format == ingestion_sql.CSV_FORMAT
            else "read_parquet(?, file_row_number = true, hive_partitioning = false)"
        )
        row_number = (
            "row_number() over ()"
            if source.file_format == ingestion_sql.CSV_FORMAT
            else "file_row_number + 1"
        )
        pattern = "*.csv" if source.file_format == ingestion_sql.CSV_FORMAT else "*/*.parquet"
        for file in sorted((landing / source.folder).glob(pattern)):
            text = ", ".join(f"{c}::varchar" for c in source.columns)
            con.execute(
                f"insert into bronze.{source.table} select {text}, 'LANDING', ?, {row_number}, now() "
                f"from {reader}",
                [file.relative_to(landing).as_posix(), str(file)],
            )


@pytest.fixture(scope="module")
def both_loads(tmp_path_factory):
    root = tmp_path_factory.mktemp("parity")
    landing = root / "landing"
    generate_landing(landing, customers=CUSTOMERS, seed=SEED, dirty_rate=0.02, show_progress=False)
    local = root / "local.duckdb"
    load_landing(local, landing, show_progress=False)

    cloud = duckdb.connect(str(root / "snowflake_sql.duckdb"))
    for schema in ("bronze", "observability"):
        cloud.execute(f"create schema {schema}")
    for ddl in (*BRONZE_DDL.values(), *OBSERVABILITY_DDL.values(), *landing_ddl().values()):
        cloud.execute(ddl)
    fill_landing_tables(cloud, landing)
    for statement in ingestion_sql.transactional_statements():
        if statement is ingestion_sql.CONSUME_STREAM_SQL:
            continue  # a stream is Snowflake's; there is none to consume here
        run_snowflake_statement(cloud, statement)
    yield duckdb.connect(str(local), read_only=True), cloud
    cloud.close()


BRONZE_QUERIES = {
    "raw_transactions": "select * exclude (_source_file, _loaded_at) from bronze.raw_transactions",
    "raw_customers": "select * exclude (_source_file, _loaded_at) from bronze.raw_customers",
    "raw_merchant_categories": "select * exclude (_source_file, _loaded_at) "
    "from bronze.raw_merchant_categories",
}


@pytest.mark.parametrize("table", sorted(BRONZE_QUERIES))
def test_same_bronze_rows(both_loads, table):
    local, cloud = both_loads
    query = BRONZE_QUERIES[table]
    local_rows, cloud_rows = (
        Counter(local.sql(query).fetchall()),
        Counter(cloud.sql(query).fetchall()),
    )
    assert sum(local_rows.values()) > 0
    assert cloud_rows == local_rows


def _rejects(con):
    rows = con.sql("select source, batch_id, record, reason from bronze.rejected_rows").fetchall()
    return Counter(
        (source, batch, json.dumps(json.loads(record), sort_keys=True), reason)
        for source, batch, record, reason in rows
    )


def test_same_rejects_with_the_same_reasons(both_loads):
    local, cloud = both_loads
    local_rejects, cloud_rejects = _rejects(local), _rejects(cloud)
    reasons = {reason for _, _, _, reason in local_rejects}
    # the dirty portfolio exercises several rules, some rows fail more than one
    assert len(reasons) > 10 and any("; " in reason for reason in reasons)
    assert cloud_rejects == local_rejects


def test_same_batch_counts_and_they_reconcile(both_loads):
    local, cloud = both_loads
    query = "select source, batch_id, rows_in, rows_loaded, rows_rejected from observability.load_batches"
    local_batches, cloud_batches = (
        set(local.sql(query).fetchall()),
        set(cloud.sql(query).fetchall()),
    )
    assert cloud_batches == local_batches
    assert all(rows_in == loaded + rejected for _, _, rows_in, loaded, rejected in cloud_batches)
    assert cloud.sql("select fingerprint from observability.landing_source").fetchall() == (
        local.sql("select fingerprint from observability.landing_source").fetchall()
    )


def test_a_second_run_loads_nothing_new(both_loads):
    """Batches in load_batches are never loaded again (the anti-join on batch ids)."""
    _, cloud = both_loads
    before = cloud.sql("select count(*) from bronze.raw_transactions").fetchone()
    run_snowflake_statement(cloud, ingestion_sql.insert_all(ingestion_sql.TRANSACTIONS))
    assert cloud.sql("select count(*) from bronze.raw_transactions").fetchone() == before


def test_landing_parquet_columns_are_text_that_copy_reads_as_text(tmp_path):
    """C360_LOAD casts every Parquet column with ``$1:<column>::varchar`` into text landing
    tables and validates the text itself. That holds without USE_LOGICAL_TYPE because the
    generator writes every value as a Parquet string (UTF8 byte arrays, which Snowflake reads
    as text; BINARY_AS_TEXT defaults to TRUE, https://docs.snowflake.com/en/sql-reference/sql/
    create-file-format) and ids as plain int64: no DATE, TIMESTAMP or DECIMAL logical type
    whose Snowflake reading would depend on USE_LOGICAL_TYPE."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    landing = tmp_path / "landing"
    generate_landing(landing, customers=150, seed=SEED, dirty_rate=0.02, show_progress=False)
    files = sorted(landing.rglob("*.parquet"))
    assert {f.relative_to(landing).parts[0] for f in files} == {"customers", "transactions"}
    for path in files:
        for field in pq.ParquetFile(path).schema_arrow:
            assert pa.types.is_string(field.type) or field.type == pa.int64(), (path, field)

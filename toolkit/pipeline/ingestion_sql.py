"""Snowflake ingestion SQL, rendered from the one declaration of the bronze rules.

Files land in S3 (the ``LANDING`` external stage) — or, where an environment generates its
own synthetic data, on the ``GENERATED_LANDING`` internal stage. ``COPY INTO`` (the
Snowpipe for transactions from S3; the load procedure for the rest) puts every value, as
text, into a raw landing table with its stage, file name, row number and scan time. The
``C360_LOAD`` SQL procedure then turns the rows of files not yet in
``observability.load_batches`` into typed bronze rows and ``bronze.rejected_rows`` (original
record and every reason, the texts of ``toolkit.pipeline.validation``) in one set-based
``INSERT ALL`` per source, records rows in / loaded / rejected per file, refuses the
commit when they do not reconcile or when a second portfolio arrives, and commits the
whole group of files as one transaction. No file leaves Snowflake and no DuckDB runs.

``python -m toolkit.pipeline.ingestion_sql`` rewrites ``sql/procedures/load.sql`` (read by
``stacks/procedures.py``); tests/ingestion fail when the committed file is stale.

Snowflake facts relied on (docs.snowflake.com):
* ``/en/user-guide/querying-metadata`` — METADATA$FILENAME (path within the stage),
  METADATA$FILE_ROW_NUMBER, METADATA$START_SCAN_TIME (TIMESTAMP_LTZ) can be copied into a
  table with ``COPY INTO <table>``.
* ``/en/user-guide/data-load-considerations-load`` — COPY keeps 64 days of load metadata
  per table and skips files it loaded before; Snowpipe keeps its own (14 days). Batch ids in
  ``load_batches`` make "loaded once" permanent on top of that.
* ``/en/sql-reference/sql/insert-multi-table`` — ``INSERT ALL WHEN ... THEN INTO ... ELSE
  INTO ... <subquery>`` writes both outputs from one evaluation of the subquery.
* ``/en/sql-reference/transactions`` — BEGIN TRANSACTION / COMMIT in a stored procedure;
  DDL would commit implicitly, so the transaction holds DML only.
* ``/en/user-guide/streams-intro`` — a stream's offset advances only when a DML statement
  that reads it commits; the load consumes the landing-transactions stream in its
  transaction so the triggered task fires once per new set of files.
* ``/en/sql-reference/functions/sysdate`` — SYSDATE() is the current UTC time as
  TIMESTAMP_NTZ, whatever the session time zone.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from toolkit.pipeline import validation
from toolkit.pipeline.bronze import MERCHANT_CATEGORY_COLUMNS
from toolkit.pipeline.validation import CUSTOMERS, TRANSACTIONS, SourceRules

PROCEDURE_NAME = "C360_LOAD"
PROCEDURE_FILE = Path(__file__).resolve().parents[2] / "sql" / "procedures" / "load.sql"
LANDING_STAGE = "LANDING"  # stacks.naming.Names.landing_stage (external, S3)
GENERATED_STAGE = "GENERATED_LANDING"  # internal stage of environments that generate
PLATFORM_SCHEMA = "PLATFORM"
PARQUET_FORMAT = "PARQUET_LANDING"
CSV_FORMAT = "CSV_LANDING"
JSON_FORMAT = "JSON_LANDING"
TRANSACTIONS_STREAM = "bronze.raw_transactions_stream"  # stacks.naming transactions_stream
# A batch is a landing file's folder ("transactions/dt=2024-04-01"), as the local loader
# names it: METADATA$FILENAME is the path within the stage.
BATCH_ID = "regexp_replace(_source_file, '/[^/]*$', '')"
UTC_NOW = "sysdate()"


@dataclass(frozen=True)
class LandingSource:
    name: str  # load_batches.source
    folder: str  # landing folder within the stage
    table: str  # raw landing table
    columns: tuple[str, ...]
    file_format: str
    from_s3_by_pipe: bool = False  # Snowpipe copies it from S3; the procedure does not


LANDING = (
    LandingSource(
        "merchant_categories",
        "merchant_categories/",
        "landing_merchant_categories",
        MERCHANT_CATEGORY_COLUMNS,
        CSV_FORMAT,
    ),
    LandingSource(
        "customers", "customers/", "landing_customers", CUSTOMERS.columns, PARQUET_FORMAT
    ),
    LandingSource(
        "transactions",
        "transactions/",
        "landing_transactions",
        TRANSACTIONS.columns,
        PARQUET_FORMAT,
        from_s3_by_pipe=True,
    ),
    LandingSource("manifest", "_manifest.json", "landing_manifest", ("fingerprint",), JSON_FORMAT),
)
LANDING_BY_NAME = {source.name: source for source in LANDING}


def _field(source: LandingSource, position: int, column: str) -> str:
    if source.file_format == CSV_FORMAT:
        return f"${position + 1}"  # CSV columns by position, in the file's column order
    if source.name == "manifest":  # the portfolio fingerprint, as the local loader writes it
        return (
            "'seed=' || $1:seed::varchar || ' customers=' || $1:customers::varchar"
            " || ' dirty_rate=' || $1:dirty_rate::varchar"
        )
    return f"$1:{column}::varchar"


def copy_statement(source: LandingSource, stage: str, *, database: str | None = None) -> str:
    """``COPY INTO`` the raw landing table: every value as text plus the file lineage.

    ``database`` qualifies every name (the pipe needs it); the procedure runs in its own
    database and leaves it out. Identifiers are constants of this module or the config.
    """
    prefix = f"{database}." if database else ""
    values = ", ".join(_field(source, i, c) for i, c in enumerate(source.columns))
    columns = ", ".join((*source.columns, "_stage", "_source_file", "_file_row", "_scanned_at"))
    return (
        f"copy into {prefix}bronze.{source.table} ({columns}) from ("  # noqa: S608
        f"select {values}, '{stage}', metadata$filename, metadata$file_row_number,"
        f" metadata$start_scan_time from @{prefix}{PLATFORM_SCHEMA}.{stage}/{source.folder})"
        f" file_format = (format_name = '{prefix}{PLATFORM_SCHEMA}.{source.file_format}')"
    )


def pending_rows(source: LandingSource) -> str:
    """Landing rows of batches not yet in load_batches, from one stage per batch."""
    return f"""
    select l.*, {BATCH_ID} as _batch_id, '@' || _stage || '/' || _source_file as _file,
           _file_row as _row
    from bronze.{source.table} l
    where {BATCH_ID} not in (
        select batch_id from observability.load_batches where source = '{source.name}'
    )
    qualify dense_rank() over (partition by {BATCH_ID} order by _stage) = 1"""  # noqa: S608


def validated_rows(rules: SourceRules) -> str:
    """Pending landing rows with their typed values, ``_bad`` and every ``_reasons`` —
    the Snowflake rendering of the declared checks (the parity test runs this on DuckDB)."""
    source = LANDING_BY_NAME[rules.name]
    key = ", ".join(rules.key)
    return f"""
with raw as ({pending_rows(source)}
),
parsed as (
    select s.*, {validation.parsed_columns(rules, "snowflake")},
           s.{rules.key[0]} is not null
           and row_number() over (partition by {key} order by s._batch_id, s._row) > 1 as _duplicate
    from raw s
    {validation.lookups(rules)}
)
select parsed.*,
       {validation.bad_row(rules, "snowflake")} as _bad,
       {validation.reasons(rules, "snowflake")} as _reasons,
       {validation.record(rules, "snowflake")} as _record
from parsed"""  # noqa: S608


def insert_all(rules: SourceRules) -> str:
    """One pass: valid rows into the typed bronze table, the rest into rejected_rows.

    A multi-table insert's VALUES take only source column names, so the typed values are
    computed in the subquery (``_t_<column>``).
    """
    bronze_columns = validation.bronze_columns(rules)
    typed = ", ".join(f"{expr} as _t_{column}" for column, expr in rules.typed)
    values = ", ".join(f"_t_{column}" for column, _ in rules.typed)
    return f"""insert all
  when not _bad then into bronze.{rules.table} ({bronze_columns}, _batch_id, _source_file, _loaded_at)
    values ({values}, _batch_id, _file, _loaded_at)
  else into bronze.rejected_rows (source, batch_id, record, reason, rejected_at, _source_file)
    values (_source, _batch_id, _record, _reasons, _loaded_at, _file)
select v.*, {typed}, '{rules.name}' as _source, {UTC_NOW} as _loaded_at from ({validated_rows(rules)}
) v"""  # noqa: S608


def insert_merchant_categories() -> str:
    """The reference file loads as it is (locally too: no checks, nothing rejected)."""
    source = LANDING_BY_NAME["merchant_categories"]
    columns = ", ".join(MERCHANT_CATEGORY_COLUMNS)
    typed = ", ".join(
        f"to_boolean({c})" if c.startswith("is_") else c for c in MERCHANT_CATEGORY_COLUMNS
    )
    return f"""insert into bronze.raw_merchant_categories ({columns}, _batch_id, _source_file, _loaded_at)
select {typed}, _batch_id, _file, {UTC_NOW} from ({pending_rows(source)}
)"""  # noqa: S608


def record_batches(source: LandingSource, bronze_table: str) -> str:
    """Per file: rows in (landing) = loaded (bronze) + rejected, as load_batches rows."""
    return f"""insert into observability.load_batches
    (source, batch_id, source_file, rows_in, rows_loaded, rows_rejected, loaded_at)
with arrived as (
    select _batch_id, min(_file) as _file, count(*) as n
    from ({pending_rows(source)}
    ) group by _batch_id
),
loaded as (
    select _batch_id, count(*) as n from bronze.{bronze_table}
    where _batch_id in (select _batch_id from arrived) group by _batch_id
),
rejected as (
    select batch_id, count(*) as n from bronze.rejected_rows
    where source = '{source.name}' and batch_id in (select _batch_id from arrived) group by batch_id
)
select '{source.name}', a._batch_id, a._file, a.n, coalesce(l.n, 0), coalesce(r.n, 0), {UTC_NOW}
from arrived a
left join loaded l on l._batch_id = a._batch_id
left join rejected r on r.batch_id = a._batch_id"""  # noqa: S608


FINGERPRINT_SQL = f"""insert into observability.landing_source (fingerprint, first_loaded_at)
select distinct fingerprint, {UTC_NOW} from bronze.landing_manifest
where not exists (select 1 from observability.landing_source)"""  # noqa: S608
PORTFOLIOS_SQL = """select count(distinct fingerprint) into :portfolios from (
    select fingerprint from observability.landing_source
    union all select fingerprint from bronze.landing_manifest
)"""
UNRECONCILED_SQL = """select count(*) into :mismatched from observability.load_batches
where rows_loaded + rows_rejected <> rows_in"""
# Reads the stream in a DML statement so its offset moves past the files of this load
# when the transaction commits (nothing is inserted). Snowflake documents this way to
# advance a stream without consuming its rows: "query the stream but include a WHERE clause
# that filters out all of the change data (e.g. WHERE 0 = 1)"; a stream advances only when
# used in a DML transaction (https://docs.snowflake.com/en/user-guide/streams-intro,
# "Data flow"). tests/infra/test_infra_ingestion.py pins it.
CONSUME_STREAM_SQL = f"""insert into observability.load_batches
select 'transactions', null, null, 0, 0, 0, {UTC_NOW} from {TRANSACTIONS_STREAM} where false"""  # noqa: S608


def copy_statements() -> list[str]:
    """What the procedure copies: every source from the generated stage, all but the
    piped transactions from S3 (the pipe and COPY keep separate load histories, so the
    same S3 file is never given to both)."""
    statements = []
    for source in LANDING:
        statements.append(copy_statement(source, GENERATED_STAGE))
        if not source.from_s3_by_pipe:
            statements.append(copy_statement(source, LANDING_STAGE))
    return statements


def transactional_statements() -> list[str]:
    """The DML of one load, in order, inside one transaction."""
    return [
        FINGERPRINT_SQL,
        insert_merchant_categories(),
        record_batches(LANDING_BY_NAME["merchant_categories"], "raw_merchant_categories"),
        # customers first: transactions are checked against the known customer ids
        insert_all(CUSTOMERS),
        record_batches(LANDING_BY_NAME["customers"], "raw_customers"),
        insert_all(TRANSACTIONS),
        record_batches(LANDING_BY_NAME["transactions"], "raw_transactions"),
        CONSUME_STREAM_SQL,
    ]


def _indent(statement: str, spaces: int = 4) -> str:
    pad = " " * spaces
    return "\n".join(pad + line if line.strip() else line for line in statement.splitlines())


def procedure_sql() -> str:
    """The ``CREATE PROCEDURE C360_LOAD`` text (Snowflake Scripting)."""
    copies = "\n".join(_indent(s) + ";" for s in copy_statements())
    dml = "\n".join(_indent(s) + ";" for s in transactional_statements())
    return f"""-- GENERATED by `python -m toolkit.pipeline.ingestion_sql` from toolkit/pipeline/validation.py
-- (the bronze rules, declared once); do not edit by hand.
-- C360_LOAD: staged landing files -> raw landing tables (COPY, text + file lineage) -> typed
-- bronze rows and bronze.rejected_rows with every reason, one transaction per call.
CREATE OR REPLACE PROCEDURE {PROCEDURE_NAME}()
RETURNS VARCHAR
LANGUAGE SQL
EXECUTE AS OWNER
AS $$
DECLARE
  other_portfolio EXCEPTION (-20001, 'the landing holds another portfolio than the one loaded');
  unreconciled EXCEPTION (-20002, 'a batch does not reconcile: loaded + rejected <> rows in');
  portfolios INTEGER;
  mismatched INTEGER;
BEGIN
  -- COPY outside the transaction: its load metadata skips files copied before
{copies}
  BEGIN TRANSACTION;
{dml}
{_indent(PORTFOLIOS_SQL)};
    IF (portfolios > 1) THEN
      RAISE other_portfolio;
    END IF;
{_indent(UNRECONCILED_SQL)};
    IF (mismatched > 0) THEN
      RAISE unreconciled;
    END IF;
  COMMIT;
  RETURN 'loaded';
EXCEPTION
  WHEN OTHER THEN
    ROLLBACK;
    RAISE;
END;
$$;
"""


def main(argv: list[str]) -> int:
    if argv[1:] == ["--check"]:
        return 0 if PROCEDURE_FILE.read_text() == procedure_sql() else 1
    PROCEDURE_FILE.write_text(procedure_sql())
    print(f"wrote {PROCEDURE_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

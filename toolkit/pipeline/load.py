"""``c360 load``: landing files into bronze, validated, idempotent, reconciled.

A *batch* is one landing file (one day of transactions, one customer snapshot, the
merchant-category reference). For each new batch, rows that pass validation go to
the bronze table, typed, with ``_batch_id``/``_source_file``/``_loaded_at``; rows
that fail go to ``bronze.rejected_rows`` with every reason that applies; and
``observability.load_batches`` records rows in / loaded / rejected. Each group of
batches is one transaction, so a crash never leaves half a batch, and a batch
already in ``load_batches`` is never loaded again.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb

from toolkit.db import connect
from toolkit.errors import C360Error
from toolkit.generate import read_manifest
from toolkit.pipeline import validation
from toolkit.pipeline.bronze import BRONZE_DDL
from toolkit.pipeline.observability import ensure_observability_tables
from toolkit.pipeline.validation import SourceRules
from toolkit.progress import step_progress

# Days of transactions loaded per database transaction (about a quarter): streamed, so
# memory stays bounded at any scale; fewer, larger groups amortise per-group overhead.
TRANSACTION_BATCHES_PER_GROUP = 92
# Measured: one thread inserts a month of rows faster than two on this 2-core machine
# (parallel insert coordination costs more than it wins at this size).
LOAD_THREADS = int(os.environ.get("C360_LOAD_THREADS", "1"))


@dataclass
class LoadSummary:
    batches: int = 0
    rows_in: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    skipped_batches: int = 0
    seconds: float = 0.0

    def describe(self) -> str:
        skipped = f", {self.skipped_batches} already loaded" if self.skipped_batches else ""
        return (
            f"loaded {self.batches} new batches: {self.rows_in:,} rows in, {self.rows_loaded:,} loaded, "
            f"{self.rows_rejected:,} rejected{skipped}"
        )

    def add(self, rows_in: int, loaded: int, rejected: int, batches: int) -> None:
        self.batches += batches
        self.rows_in += rows_in
        self.rows_loaded += loaded
        self.rows_rejected += rejected


def _batch_id(landing: Path, file: Path) -> str:
    return file.parent.relative_to(landing).as_posix()


def _pending(con, landing: Path, pattern: str) -> tuple[list[Path], int]:
    files = sorted(landing.glob(pattern))
    done = {
        row[0] for row in con.execute("select batch_id from observability.load_batches").fetchall()
    }
    pending = [f for f in files if _batch_id(landing, f) not in done]
    return pending, len(files) - len(pending)


@dataclass(frozen=True)
class Source:
    """Where one kind of landing batch is found; its rules are ``toolkit.pipeline.validation``."""

    rules: SourceRules
    pattern: str

    @property
    def name(self) -> str:
        return self.rules.name


CUSTOMERS = Source(validation.CUSTOMERS, "customers/snapshot_date=*/*.parquet")
TRANSACTIONS = Source(validation.TRANSACTIONS, "transactions/dt=*/*.parquet")


# Groups loaded at once, each on its own connection and single-threaded: two concurrent
# appends use both cores better than one query with two DuckDB threads (measured).
PARALLEL_GROUPS = 2


def _rank_duplicates(con, keys: str, params: list, rules: SourceRules) -> int:
    """``duplicate_rows``: every later copy of a key (batch id, row); returns how many."""
    key = ", ".join(rules.key)
    (duplicates,) = con.execute(
        f"""
        create or replace temp table duplicate_rows as
        with raw as materialized ({keys})
        select _batch_id, _row from (
            select _batch_id, _row,
                   row_number() over (partition by {key} order by _batch_id, _row) as _occurrence
            from raw
            where {rules.key[0]} is not null
              and ({key}) in (select ({key}) from raw group by all having count(*) > 1)
        ) where _occurrence > 1
        """,  # noqa: S608
        params,
    ).fetchone()
    return duplicates


def _load_group(
    con: duckdb.DuckDBPyConnection, landing: Path, files: list[Path], source: Source
) -> tuple[int, int, int]:
    """Validate and load one group of batch files atomically; returns (in, loaded, rejected).

    The files are streamed, never staged whole: a narrow pass over the key columns ranks
    duplicate keys, one pass inserts the valid rows, typed, and only when the group had bad
    rows (input count from the Parquet footers > rows inserted) a second pass quarantines
    them with every reason. Valid rows are found with ``validation.valid_row``: cheap tests
    first, the exact predicates only for the rows those do not accept. Batch id and file
    name are per-file constants. Every SQL fragment interpolated here is a module constant;
    paths and ids are bound.
    """
    batches = [(str(f), _batch_id(landing, f)) for f in files]
    rules = source.rules
    # Every landing value as text, as Snowflake's raw landing tables hold it, so the
    # declared checks read the same input on both engines.
    as_text = ", ".join(f"{c}::varchar as {c}" for c in rules.columns)
    key_text = ", ".join(f"{c}::varchar as {c}" for c in rules.key)
    key = ", ".join(rules.key)

    def per_file(selected: str) -> str:
        return " union all ".join(
            f"select {selected}, ?::varchar as _source_file, ?::varchar as _batch_id, file_row_number as _row "  # noqa: S608
            "from read_parquet(?, file_row_number = true, hive_partitioning = false)"
            for _ in batches
        )

    params = [value for path, batch in batches for value in (path, batch, path)]
    con.execute("begin transaction")
    try:
        # Duplicates are rare: read the key columns alone, and rank only the rows whose key
        # occurs more than once, in the groups that have any.
        (repeated,) = con.execute(
            f"""
            select count(*) from (
                select {key} from ({per_file(key_text)}) where {rules.key[0]} is not null
                group by all having count(*) > 1
            )
            """,  # noqa: S608
            params,
        ).fetchone()
        duplicates = repeated and _rank_duplicates(con, per_file(key_text), params, rules)
        # No duplicates (the usual group): no lookup of every row in an empty table.
        duplicate = (
            "(s._batch_id, s._row) in (select (_batch_id, _row) from duplicate_rows)"
            if duplicates
            else "false"
        )
        # Values are parsed below the lookups' joins: the filter above them then reads the
        # parsed columns instead of parsing each value a second time.
        known = validation.known_keys(rules)
        checked_rows = f"""
            with raw as (
                select s.*, {validation.parsed_values(rules, "duckdb")} from ({per_file(as_text)}) s
            ),
            parsed as (
                select s.*, {known + ", " if known else ""}{duplicate} as _duplicate
                from raw s {validation.lookups(rules)}
            )
        """  # noqa: S608
        (loaded,) = con.execute(
            f"""
            insert into bronze.{rules.table}
            {checked_rows}
            select {validation.typed_columns(rules)}, _batch_id, _source_file, current_timestamp::timestamp
            from parsed where {validation.valid_row(rules)}
            """,  # noqa: S608
            params,
        ).fetchone()
        (rows_in,) = con.execute(
            "select sum(row_group_num_rows) from (select distinct file_name, row_group_id, row_group_num_rows "
            "from parquet_metadata(?))",
            [[path for path, _ in batches]],
        ).fetchone()
        # Clean groups (the usual case) are read once; only a group with bad rows is read
        # again to quarantine them with their reasons.
        if loaded < (rows_in or 0):
            con.execute(
                f"""
                insert into bronze.rejected_rows
                {checked_rows}
                select ?, _batch_id, {validation.record(rules, "duckdb")},
                       {validation.reasons(rules, "duckdb")}, current_timestamp::timestamp, _source_file
                from parsed where {validation.invalid_row(rules)}
                """,  # noqa: S608
                [*params, source.name],
            )
        counts = con.execute(
            """
            with rows_in as (
                select file_name, sum(row_group_num_rows) as n
                from (select distinct file_name, row_group_id, row_group_num_rows from parquet_metadata(?))
                group by all
            ),
            batch_files as (select unnest(?) as file_name, unnest(?) as batch_id),
            rejected as (
                select batch_id, count(*) as n from bronze.rejected_rows
                where source = ? and batch_id in (select batch_id from batch_files) group by all
            )
            select b.batch_id, b.file_name, coalesce(i.n, 0), coalesce(i.n, 0) - coalesce(r.n, 0), coalesce(r.n, 0)
            from batch_files b
            left join rows_in i on i.file_name = b.file_name
            left join rejected r on r.batch_id = b.batch_id
            """,
            [
                [path for path, _ in batches],
                [path for path, _ in batches],
                [batch for _, batch in batches],
                source.name,
            ],
        ).fetchall()
        if sum(row[3] for row in counts) != loaded:  # loaded + rejected must equal what came in
            raise C360Error(
                f"{source.name}: {loaded:,} rows inserted but the batch counts say {sum(r[3] for r in counts):,}"
            )
        con.executemany(
            "insert into observability.load_batches values (?, ?, ?, ?, ?, ?, current_timestamp::timestamp)",
            [[source.name, *row] for row in counts],
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.execute("drop table if exists duplicate_rows")
    return tuple(sum(row[i] for row in counts) for i in (2, 3, 4))


def _load_merchant_categories(con, landing: Path, summary: LoadSummary) -> None:
    pending, skipped = _pending(con, landing, "merchant_categories/*.csv")
    summary.skipped_batches += skipped
    for file in pending:
        batch_id = _batch_id(landing, file)
        con.execute("begin transaction")
        con.execute(
            """
            insert into bronze.raw_merchant_categories
            select merchant_category_id, category_name, category_group, mcc_code,
                   is_discretionary, is_necessity, is_travel, ?, ?, current_timestamp::timestamp
            from read_csv(?, header = true, all_varchar = false,
                          types = {'mcc_code': 'VARCHAR', 'merchant_category_id': 'VARCHAR'})
            """,
            [batch_id, str(file), str(file)],
        )
        (rows,) = con.execute(
            "select count(*) from bronze.raw_merchant_categories where _batch_id = ?", [batch_id]
        ).fetchone()
        con.execute(
            "insert into observability.load_batches"
            " values ('merchant_categories', ?, ?, ?, ?, 0, current_timestamp::timestamp)",
            [batch_id, str(file), rows, rows],
        )
        con.execute("commit")
        summary.add(rows, rows, 0, 1)


def _check_same_portfolio(con, landing: Path) -> None:
    """Refuse to mix two generated portfolios in one database."""
    manifest = read_manifest(landing)
    if manifest is None:
        return
    fingerprint = f"seed={manifest['seed']} customers={manifest['customers']} dirty_rate={manifest['dirty_rate']}"
    row = con.execute("select fingerprint from observability.landing_source limit 1").fetchone()
    if row is None:
        con.execute(
            "insert into observability.landing_source values (?, current_timestamp::timestamp)",
            [fingerprint],
        )
    elif row[0] != fingerprint:
        raise C360Error(
            f"the database already holds another portfolio ({row[0]}); this landing folder is {fingerprint} — "
            "use a different --db or `c360 demo`, which starts fresh"
        )


def load_landing(db_path: Path, landing: Path, *, show_progress: bool = True) -> LoadSummary:
    landing = Path(landing)
    if not landing.is_dir():
        raise C360Error(f"no landing folder at {landing}; run `c360 generate` first")
    started = time.perf_counter()
    summary = LoadSummary()
    con = connect(db_path, threads=LOAD_THREADS)
    try:
        ensure_observability_tables(con)
        for ddl in BRONZE_DDL.values():
            con.execute(ddl)
        _check_same_portfolio(con, landing)
        _load_merchant_categories(con, landing, summary)

        customer_files, skipped_customers = _pending(con, landing, CUSTOMERS.pattern)
        transaction_files, skipped_transactions = _pending(con, landing, TRANSACTIONS.pattern)
        summary.skipped_batches += skipped_customers + skipped_transactions
        groups = [
            transaction_files[i : i + TRANSACTION_BATCHES_PER_GROUP]
            for i in range(0, len(transaction_files), TRANSACTION_BATCHES_PER_GROUP)
        ]
        progress = step_progress("load", show=show_progress)
        with progress:
            task = progress.add_task(
                "customers", total=len(customer_files) + len(transaction_files)
            )
            # customers first: transactions are checked against the known customer ids
            if customer_files:
                rows = _load_group(con, landing, customer_files, CUSTOMERS)
                summary.add(*rows, batches=len(customer_files))
                progress.advance(task, len(customer_files))
            progress.update(task, description="transactions")
            lanes = [groups[i::PARALLEL_GROUPS] for i in range(PARALLEL_GROUPS)]

            def load_lane(lane: list[list[Path]]) -> None:
                cursor = (
                    con.cursor()
                )  # one connection per thread: DuckDB connections are not shared
                try:
                    for group in lane:
                        rows = _load_group(cursor, landing, group, TRANSACTIONS)
                        with lock:
                            summary.add(*rows, batches=len(group))
                            progress.advance(task, len(group))
                finally:
                    cursor.close()

            lock = threading.Lock()
            with ThreadPoolExecutor(max_workers=PARALLEL_GROUPS) as pool:
                for future in [pool.submit(load_lane, lane) for lane in lanes if lane]:
                    future.result()
    finally:
        con.close()
    summary.seconds = round(time.perf_counter() - started, 2)
    return summary

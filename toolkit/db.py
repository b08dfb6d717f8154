"""DuckDB connections for the local environment."""

from __future__ import annotations

from pathlib import Path

import duckdb

from toolkit.config import SCHEMAS

# DuckDB spills past this; keeps every step under the 2 GB peak-memory target.
DEFAULT_MEMORY_LIMIT = "1500MB"
DEFAULT_THREADS = 2


def connect(
    db_path: str | Path,
    *,
    read_only: bool = False,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    threads: int = DEFAULT_THREADS,
) -> duckdb.DuckDBPyConnection:
    """Open the local database, creating its folder (and schemas) when writable."""
    db_path = Path(db_path)
    if read_only and not db_path.exists():
        raise FileNotFoundError(
            f"no database at {db_path}; run `c360 demo` or `c360 pipeline run` first"
        )
    created = not read_only and not db_path.exists()
    if not read_only:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    config = {"memory_limit": memory_limit, "threads": threads}
    con = duckdb.connect(str(db_path), read_only=read_only, config=config)
    if not read_only:
        for schema in SCHEMAS:
            con.execute(f"create schema if not exists {schema}")
    if created:
        # c360 only ever deletes a database that carries its marker (toolkit/safety.py).
        from toolkit.safety import mark_database

        mark_database(con)
    return con


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(row and row[0])

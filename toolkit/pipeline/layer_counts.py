"""Row counts per table and layer, written to observability.layer_record_counts."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from toolkit.db import connect
from toolkit.pipeline.observability import ensure_observability_tables

COUNTED_SCHEMAS = ("bronze", "silver", "gold")


def record_layer_counts(db_path: Path, *, run_id: str | None = None) -> int:
    """Count every table/view of bronze, silver and gold; returns how many were counted."""
    con = connect(db_path)
    try:
        ensure_observability_tables(con)
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in (?, ?, ?) order by 1, 2",
            list(COUNTED_SCHEMAS),
        ).fetchall()
        counted_at = datetime.now()
        for schema, table in tables:
            # identifiers come from information_schema, never from user input
            (count,) = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()  # noqa: S608
            con.execute(
                "insert into observability.layer_record_counts values (?, ?, ?, ?, ?)",
                [run_id, counted_at, schema, table, count],
            )
        return len(tables)
    finally:
        con.close()

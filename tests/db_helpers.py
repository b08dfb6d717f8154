"""Small helpers the test folders share (imported by name: ``from db_helpers import query``)."""

from __future__ import annotations

import duckdb


def query(db, sql: str, params=None) -> list[tuple]:
    """Rows of one statement on its own read-write connection, closed at once (the code under
    test opens the same file next)."""
    con = duckdb.connect(str(db))
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()

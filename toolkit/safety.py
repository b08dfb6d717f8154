"""c360 never deletes or overwrites what it did not create.

Everything c360 may later remove carries c360's own marker, written when c360 creates it:

- a folder (the landing folder) holds a ``.c360-managed`` file naming what it is;
- a DuckDB database holds the table ``main.c360_marker``.

Before removing or resetting anything, callers ask this module, which refuses with a
one-line :class:`C360Error` and touches nothing when the marker is missing. A file that is
not a DuckDB database is never c360's. Inside a marked folder only the entries c360 itself
writes are removed; anything else (a file the user dropped in) stops the reset, untouched.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.errors import C360Error

if TYPE_CHECKING:
    import duckdb

FOLDER_MARKER = ".c360-managed"
MARKER_TABLE = "c360_marker"  # spelled out in the SQL below (no f-strings in SQL)
# A DuckDB database file's main header is an 8-byte checksum followed by the magic bytes
# "DUCK" (storage layout: https://gist.github.com/Maxxen/364d32444d3f1577e30705e72ee3b80e,
# DuckDB's storage/magic_bytes.hpp; tests/security/test_safety.py pins it on a real file).
_DUCKDB_MAGIC = b"DUCK"
_DUCKDB_MAGIC_OFFSET = 8

# The top-level entries of the landing folder that `c360 generate` writes.
LANDING_LAYOUT = frozenset(
    {"merchant_categories", "customers", "transactions", "_manifest.json", FOLDER_MARKER}
)


def _refuse(path: Path, why: str) -> C360Error:
    return C360Error(f"refusing to touch {path}: {why}; move it away or choose another path")


# ----------------------------------------------------------------- folders
def mark_folder(path: Path, kind: str) -> None:
    """Record that c360 created (or adopted, while it was empty) this folder."""
    payload = {"created_by": "c360", "kind": kind, "created_at": datetime.now(UTC).isoformat()}
    (Path(path) / FOLDER_MARKER).write_text(json.dumps(payload) + "\n")


def is_c360_folder(path: Path, kind: str) -> bool:
    marker = Path(path) / FOLDER_MARKER
    if not marker.is_file():
        return False
    try:
        payload = json.loads(marker.read_text())
    except (OSError, ValueError):
        return False
    return (
        isinstance(payload, dict)
        and payload.get("created_by") == "c360"
        and payload.get("kind") == kind
    )


def check_folder(path: Path, kind: str, layout: frozenset[str]) -> None:
    """Raise unless c360 may empty ``path``: absent, empty, or marked and holding only ``layout``."""
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        return
    if path.is_symlink() or not path.is_dir():
        raise _refuse(path, f"it is not a folder c360 created for its {kind}")
    entries = sorted(p.name for p in path.iterdir())
    if not entries:
        return
    if not is_c360_folder(path, kind):
        raise _refuse(path, f"the folder was not created by c360 (no {FOLDER_MARKER} marker)")
    foreign = [name for name in entries if name not in layout]
    if foreign:
        raise _refuse(path, f"it holds {foreign[0]!r}, which c360 did not write")


def reset_folder(path: Path, kind: str, layout: frozenset[str]) -> None:
    """Empty (or create) a c360 folder and leave it marked; refuses anything else."""
    path = Path(path)
    check_folder(path, kind, layout)
    if path.exists():
        for entry in path.iterdir():
            if entry.name == FOLDER_MARKER:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
    path.mkdir(parents=True, exist_ok=True)
    if not is_c360_folder(path, kind):
        mark_folder(path, kind)


def remove_folder(path: Path, kind: str, layout: frozenset[str]) -> None:
    path = Path(path)
    check_folder(path, kind, layout)
    if path.exists():
        shutil.rmtree(path)


# ----------------------------------------------------------------- DuckDB databases
def _looks_like_duckdb(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(_DUCKDB_MAGIC_OFFSET + len(_DUCKDB_MAGIC))
    except OSError:
        return False
    return head[_DUCKDB_MAGIC_OFFSET:] == _DUCKDB_MAGIC


def is_c360_database(path: Path) -> bool:
    """A regular DuckDB file holding c360's marker table (opened read-only to look)."""
    # imported here: the generator (and so this module) also runs inside Snowflake's
    # Python procedures, where DuckDB is not available
    import duckdb

    path = Path(path)
    if path.is_symlink() or not path.is_file() or not _looks_like_duckdb(path):
        return False
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return False
    try:
        row = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'main' and table_name = ?",
            [MARKER_TABLE],
        ).fetchone()
        if not row or not row[0]:
            return False
        owner = con.execute("select created_by from main.c360_marker limit 1").fetchone()
        return bool(owner and owner[0] == "c360")
    except duckdb.Error:
        return False
    finally:
        con.close()


def mark_database(con: duckdb.DuckDBPyConnection) -> None:
    """Write the marker into a database c360 has just created."""
    con.execute(
        "create table if not exists main.c360_marker "
        "(created_by varchar not null, created_at timestamp not null)"
    )
    if not con.execute("select count(*) from main.c360_marker").fetchone()[0]:
        con.execute(
            "insert into main.c360_marker values ('c360', ?)",
            [datetime.now(UTC).replace(tzinfo=None)],
        )


def check_database_path(path: Path) -> Path:
    """``--db``: an absent path (c360 will create it) or an existing c360 database."""
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        return path
    if path.is_dir():
        raise _refuse(path, "it is a folder, not a c360 database")
    if not is_c360_database(path):
        raise _refuse(path, "it is not a c360 database (no c360 marker)")
    return path


def _wal(path: Path) -> Path:
    return Path(f"{path}.wal")


def remove_database(path: Path) -> None:
    """Delete a c360 database and its write-ahead log; refuses anything not c360's."""
    path = Path(path)
    wal = _wal(path)
    if not path.exists() and not path.is_symlink():
        if wal.exists():
            raise _refuse(wal, "a write-ahead log without its database is not c360's to delete")
        return
    check_database_path(path)
    path.unlink()
    if wal.exists():
        wal.unlink()

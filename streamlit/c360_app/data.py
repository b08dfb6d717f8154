"""The app's data-access layer: one interface, two backends.

- :class:`DuckDBSource` reads the local database (``C360_DUCKDB_PATH``) through one
  read-only connection.
- :class:`SnowparkSource` runs in Streamlit in Snowflake on the active Snowpark session.

Both take SQL with ``?`` placeholders and a list of values: user input is only ever bound,
never formatted into the text. The SQL the app sends is written to run unchanged on
DuckDB and Snowflake (unquoted lower-case names, ANSI functions), and column names come
back lower-case from both.
"""

from __future__ import annotations

import os
import threading
import weakref
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

DB_PATH_ENV_VAR = (
    "C360_DUCKDB_PATH"  # same name as toolkit.config; not imported so SiS needs no toolkit here
)
DEFAULT_DB_PATH = Path(".c360") / "c360.duckdb"

FEEDBACK_TABLE = "observability.assistant_feedback"
# The same table as toolkit.pipeline.observability.OBSERVABILITY_DDL["assistant_feedback"] (a test
# keeps them equal); repeated here because that module needs DuckDB, which SiS lacks.
FEEDBACK_DDL = """
create table if not exists observability.assistant_feedback (
    feedback_id varchar not null,
    session_id varchar,
    question varchar not null,
    generated_sql varchar,
    rating varchar not null,
    answer varchar,
    backend varchar not null,
    recorded_at timestamp not null
)"""
FEEDBACK_INSERT = """
insert into observability.assistant_feedback
    (feedback_id, session_id, question, generated_sql, rating, answer, backend, recorded_at)
values (?, ?, ?, ?, ?, ?, ?, ?)"""


class DataSource(Protocol):
    """What the app needs from a database."""

    backend: str  # "duckdb" | "snowflake"

    @property
    def cache_key(self) -> str:
        """Changes whenever the data may have changed: part of every cached loader's key."""

    def describe(self) -> str: ...

    def query(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> pd.DataFrame: ...

    def assistant_connection(self) -> Any:
        """What ``toolkit.assistant.ask(connection=...)`` takes for this backend."""

    def record_feedback(self, row: dict[str, Any]) -> None: ...


_OPEN_SOURCES: weakref.WeakSet = weakref.WeakSet()


class DuckDBSource:
    """The local database, opened read-only so the app can never change the data."""

    backend = "duckdb"

    def __init__(self, db_path: str | Path, *, threads: int = 2, memory_limit: str = "1GB"):
        self.db_path = Path(db_path).resolve()
        if not self.db_path.exists():
            raise FileNotFoundError(
                f"no database at {self.db_path}; run `c360 demo --no-app` first"
            )
        self._config = {"threads": threads, "memory_limit": memory_limit}
        self._con = None
        # DuckDB connections are not safe to share between threads and Streamlit runs each
        # session on its own thread; the local app has one user, so queries simply queue.
        self._lock = threading.RLock()
        _OPEN_SOURCES.add(self)

    @property
    def cache_key(self) -> str:
        stat = self.db_path.stat()
        return f"duckdb:{self.db_path}:{stat.st_mtime_ns}:{stat.st_size}"

    def describe(self) -> str:
        return f"DuckDB · {self.db_path.name}"

    def _connection(self):
        import duckdb

        if self._con is None:
            # Settings applied after connecting, not as connect(config=...): DuckDB refuses a
            # second in-process connection to one file whose config differs from the first.
            self._con = duckdb.connect(str(self.db_path), read_only=True)
            self._con.execute(f"set threads = {int(self._config['threads'])}")
            self._con.execute("set memory_limit = ?", [self._config["memory_limit"]])
        return self._con

    def query(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> pd.DataFrame:
        with self._lock:
            return normalise(self._connection().execute(sql, list(params)).df())

    def assistant_connection(self):
        return _LockedDuckDB(self)

    def record_feedback(self, row: dict[str, Any]) -> None:
        """Append one thumbs up/down row; the only write the app ever makes.

        DuckDB cannot hold a read-only and a read-write connection to one file in the same
        process, so the read-only connection is closed for the moment of the write.
        """
        import duckdb

        with self._lock:
            self.close()
            con = duckdb.connect(str(self.db_path))
            try:
                con.execute("create schema if not exists observability")
                con.execute(FEEDBACK_DDL)
                con.execute(FEEDBACK_INSERT, _feedback_values(row, self.backend))
            finally:
                con.close()

    def record_assignments(self, rows: pd.DataFrame) -> None:
        """Store one campaign's hold-out assignment (the app's other write); a campaign id
        already stored is refused, never overwritten."""
        import duckdb

        from c360_app.experiment_queries import ASSIGNMENT_COLUMNS, ASSIGNMENTS_DDL

        campaign_id = _single_campaign(rows)
        with self._lock:
            self.close()
            con = duckdb.connect(str(self.db_path))
            try:
                con.execute(ASSIGNMENTS_DDL)
                taken = con.execute(
                    "select count(*) from gold.campaign_assignments where campaign_id = ?",
                    [campaign_id],
                ).fetchone()[0]
                if taken:
                    raise ValueError(f"campaign {campaign_id!r} already has a stored assignment")
                con.register("c360_assignment_rows", rows[list(ASSIGNMENT_COLUMNS)])
                con.execute(
                    "insert into gold.campaign_assignments select * from c360_assignment_rows"
                )
            finally:
                con.close()

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None


class _LockedDuckDB:
    """Hands the assistant the shared read-only connection while holding the source's lock."""

    def __init__(self, source: DuckDBSource):
        self._source = source

    def __enter__(self):
        self._source._lock.acquire()
        # The assistant runs in its own sandboxed instance (external access off, settings
        # locked; toolkit/assistant/guard.py), not on the app's shared connection.
        from toolkit.assistant.guard import sandboxed_duckdb

        self._sandbox = sandboxed_duckdb(self._source.db_path)
        return self._sandbox.__enter__()

    def __exit__(self, *exc):
        try:
            self._sandbox.__exit__(*exc)
        finally:
            self._source._lock.release()
        return False


class SnowparkSource:
    """Streamlit in Snowflake: the app's own Snowpark session (its owner role's grants)."""

    backend = "snowflake"

    def __init__(self, session):
        self.session = session
        _OPEN_SOURCES.add(self)

    @property
    def cache_key(self) -> str:
        # Snowflake data changes with the pipeline DAG; the loaders' ttl bounds staleness.
        return f"snowflake:{self.session.get_current_database()}"

    def describe(self) -> str:
        database = (self.session.get_current_database() or "").strip('"')
        return f"Snowflake · {database}"

    def query(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> pd.DataFrame:
        return normalise(self.session.sql(sql, params=list(params)).to_pandas())

    def assistant_connection(self):
        return _Passthrough(self.session)

    def record_feedback(self, row: dict[str, Any]) -> None:
        # The stack creates the table and grants the app role INSERT on it; creating it
        # here is only the fallback for an environment set up without it.
        values = _feedback_values(row, self.backend)
        try:
            self.session.sql(FEEDBACK_INSERT, params=values).collect()
        except Exception as exc:
            if "does not exist" not in str(exc).lower():
                raise
            self.session.sql(FEEDBACK_DDL).collect()
            self.session.sql(FEEDBACK_INSERT, params=values).collect()

    def record_assignments(self, rows: pd.DataFrame) -> None:
        """Append one campaign's assignment in one INSERT; a campaign id already stored is
        refused. The stack declares GOLD.CAMPAIGN_ASSIGNMENTS and grants the app role INSERT
        on it and nothing else (no CREATE TABLE or STAGE, so no write_pandas): the rows
        travel as one bound JSON array, unpacked by FLATTEN."""
        from c360_app.experiment_queries import ASSIGNMENTS_INSERT_FROM_JSON, assignments_json

        campaign_id = _single_campaign(rows)
        taken = self.session.sql(
            "select count(*) from gold.campaign_assignments where campaign_id = ?",
            params=[campaign_id],
        ).collect()[0][0]
        if taken:
            raise ValueError(f"campaign {campaign_id!r} already has a stored assignment")
        self.session.sql(ASSIGNMENTS_INSERT_FROM_JSON, params=[assignments_json(rows)]).collect()

    def close(self) -> None:  # the session belongs to Snowflake
        return None


class _Passthrough:
    def __init__(self, connection):
        self._connection = connection

    def __enter__(self):
        return self._connection

    def __exit__(self, *exc):
        return False


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Lower-case column names and exact decimals as floats, whichever backend answered.

    Snowflake returns unquoted names upper-case and NUMBER(p, s) as ``Decimal`` objects;
    charts and arithmetic downstream want plain floats.
    """
    frame.columns = [str(c).lower() for c in frame.columns]
    for column in frame.columns:
        if frame[column].dtype == object:
            sample = frame[column].dropna().head(1)
            if len(sample) and isinstance(sample.iloc[0], Decimal):
                frame[column] = frame[column].astype(float)
    return frame


def _feedback_values(row: dict[str, Any], backend: str) -> list[Any]:
    return [
        row["feedback_id"],
        row.get("session_id"),
        row["question"],
        row.get("sql"),
        row["rating"],
        (row.get("answer") or "")[:4000],
        backend,
        row.get("recorded_at") or datetime.now(UTC).replace(tzinfo=None),
    ]


def _single_campaign(rows: pd.DataFrame) -> str:
    ids = rows["campaign_id"].dropna().unique() if len(rows) else []
    if len(ids) != 1 or not str(ids[0]).strip():
        raise ValueError("an assignment holds the rows of exactly one named campaign")
    return str(ids[0])


def running_in_snowflake() -> bool:
    """True inside Streamlit in Snowflake, where an active Snowpark session exists."""
    try:
        from snowflake.snowpark.context import get_active_session
    except ImportError:
        return False
    try:
        get_active_session()
    except Exception:
        return False
    return True


def open_source() -> DataSource:
    """The backend for where the app runs: Snowpark in Snowflake, else the local DuckDB file."""
    if running_in_snowflake():
        from snowflake.snowpark.context import get_active_session

        return SnowparkSource(get_active_session())
    return DuckDBSource(os.environ.get(DB_PATH_ENV_VAR) or DEFAULT_DB_PATH)


def close_all_sources() -> None:
    """Release every open database handle (tests, and before the pipeline rewrites the file)."""
    for source in list(_OPEN_SOURCES):
        source.close()

"""Compile the dbt project for dbt-snowflake without a Snowflake account.

`dbt compile` renders Jinja with the real dbt-snowflake adapter and its macros; the
only things it needs from the warehouse are introspection answers ("does this relation
exist?", for is_incremental() and optional_relation). Those are mocked here, as
documented Snowflake behaviour of a brand-new environment: SHOW OBJECTS / SHOW SCHEMAS
return nothing (first deploy: no relation exists yet), and the session opens without a
network round trip. Everything else (SQL generation, dispatch to snowflake__ macros,
cross-database macros) is the real adapter's.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

DUMMY_PROFILE = """
c360:
  target: dev
  outputs:
    dev:
      type: snowflake
      account: c360-offline
      user: DBT_COMPILE_CHECK
      password: not-a-secret
      role: C360_DEV_TRANSFORMER
      warehouse: C360_DEV_TRANSFORM_WH
      database: C360_DEV
      schema: gold
      threads: 1
"""


class _OfflineCursor:
    """A Snowflake cursor for a warehouse with nothing in it: every query returns no rows."""

    description: list = []
    rowcount = 0
    sfqid = "offline"
    sqlstate = None

    def __init__(self, log: list[str]):
        self.log = log

    def execute(self, sql, bindings=None, **kwargs):
        self.log.append(sql)
        return self

    def fetchall(self):
        return []

    def fetchone(self):
        return None

    def fetchmany(self, size=None):
        return []

    def close(self):
        pass


class _OfflineHandle:
    def __init__(self, log: list[str]):
        self.log = log

    def cursor(self):
        return _OfflineCursor(self.log)

    def close(self):
        pass

    def rollback(self):
        pass

    def commit(self):
        pass


@contextmanager
def offline_snowflake(profiles_dir: Path):
    """Patch dbt-snowflake so it opens a fake session and sees an empty warehouse;
    yields the list of SQL statements dbt sent (for assertions)."""
    from dbt.adapters.contracts.connection import ConnectionState
    from dbt.adapters.snowflake.connections import SnowflakeConnectionManager
    from dbt.adapters.snowflake.impl import SnowflakeAdapter

    profiles_dir.mkdir(parents=True, exist_ok=True)
    (profiles_dir / "profiles.yml").write_text(DUMMY_PROFILE)
    sent: list[str] = []

    def fake_open(cls, connection):
        connection.handle = _OfflineHandle(sent)
        connection.state = ConnectionState.OPEN
        return connection

    with (
        mock.patch.object(SnowflakeConnectionManager, "open", classmethod(fake_open)),
        mock.patch.object(SnowflakeAdapter, "list_relations_without_caching", lambda *a, **k: []),
        mock.patch.object(SnowflakeAdapter, "list_schemas", lambda *a, **k: []),
        mock.patch.dict(os.environ, {"C360_DBT_TARGET": "dev"}),
    ):
        yield sent

"""Fixtures for the assistant tests: a read-only connection to the shared small build."""

from __future__ import annotations

import duckdb
import pytest


@pytest.fixture(scope="module")
def gold(built_db):
    con = duckdb.connect(str(built_db), read_only=True, config={"threads": 2})
    yield con
    con.close()

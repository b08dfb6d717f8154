"""Fixtures for the app tests: the shared small build, seen through the app's own code.

The app opens DuckDB read-only, and DuckDB refuses a read-write connection to a file that
the same process already holds read-only. So the app tests read a module-scoped *copy* of
``built_db``: other tests in the same worker keep writing to ``built_db`` untroubled.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
APP_DIR = REPO_ROOT / "streamlit"
APP_FILE = APP_DIR / "streamlit_app.py"
if str(APP_DIR) not in sys.path:
    sys.path.append(str(APP_DIR))


@pytest.fixture(scope="module")
def app_db(built_db, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("app") / "c360.duckdb"
    shutil.copy(built_db, target)
    return target


def _release_app_handles() -> None:
    from c360_app.data import close_all_sources

    import streamlit as st

    close_all_sources()
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def app_env(app_db, monkeypatch) -> Path:
    """Points the app at the copy of the built database; closes its handles afterwards."""
    monkeypatch.setenv("C360_DUCKDB_PATH", str(app_db))
    _release_app_handles()
    yield app_db
    _release_app_handles()


@pytest.fixture
def db(app_db):
    """A read-only DuckDB cursor on the same database, for the expected values."""
    import duckdb

    con = duckdb.connect(str(app_db), read_only=True)
    yield con
    con.close()

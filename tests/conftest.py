"""Shared fixtures: one small but real local build per test session.

``built_db`` runs the whole local pipeline (generate → load → dbt build → train →
score → refresh profile → observability) on real DuckDB at a small scale, once per
session, and hands out the database path. Tests that change data copy it first with
``copy_of_built_db``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

# Small enough to build in well under a minute, large enough that every segment,
# risk band and card type is present.
TEST_CUSTOMERS = 600
TEST_SEED = 7


@pytest.fixture(scope="session")
def built_db(tmp_path_factory) -> Path:
    from toolkit.pipeline.runner import run_pipeline

    db_path = tmp_path_factory.mktemp("c360") / "c360.duckdb"
    run_pipeline(db_path, env="local", customers=TEST_CUSTOMERS, seed=TEST_SEED, dirty_rate=0.0)
    return db_path


@pytest.fixture
def copy_of_built_db(built_db, tmp_path) -> Path:
    target = tmp_path / "c360.duckdb"
    shutil.copy(built_db, target)
    return target

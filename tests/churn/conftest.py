"""Small hand-made gold warehouses for the churn tests.

The full pipeline fixture (``built_db``) needs every other step; these build just the
three gold tables the churn step reads, with the contract's column names, so the churn
code is tested on real DuckDB whatever state the rest of the project is in.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from churn_data import simulate_portfolio, write_gold


@pytest.fixture(scope="session")
def simulated_gold(tmp_path_factory) -> Path:
    """A 500-customer gold warehouse (never modified: copy it before writing)."""
    customers, transactions = simulate_portfolio(500, seed=3)
    folder = tmp_path_factory.mktemp("churn_sim")
    return write_gold(folder / "c360.duckdb", customers, transactions)


@pytest.fixture
def simulated_db(simulated_gold, tmp_path) -> Path:
    """A private copy of the simulated warehouse (models are written beside it)."""
    target = tmp_path / "c360.duckdb"
    target.write_bytes(simulated_gold.read_bytes())
    return target

"""Small landing folders and bronze databases built with the real generator and loader."""

from __future__ import annotations

import pytest

from toolkit.generate import generate_landing
from toolkit.pipeline.load import load_landing

SMALL = 300


@pytest.fixture(scope="module")
def clean_landing(tmp_path_factory):
    landing = tmp_path_factory.mktemp("clean") / "landing"
    summary = generate_landing(landing, customers=SMALL, seed=11, show_progress=False)
    return landing, summary


@pytest.fixture(scope="module")
def dirty_bronze(tmp_path_factory):
    """A portfolio with 2% malformed rows, loaded once."""
    root = tmp_path_factory.mktemp("dirty")
    landing = root / "landing"
    generated = generate_landing(
        landing, customers=SMALL, seed=5, dirty_rate=0.02, show_progress=False
    )
    db_path = root / "c360.duckdb"
    loaded = load_landing(db_path, landing, show_progress=False)
    return db_path, landing, generated, loaded

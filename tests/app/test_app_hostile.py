"""Hostile input: quotes, `;`, SQL keywords and LIKE wildcards change nothing and raise nowhere."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

pytestmark = pytest.mark.slow

# Not imported from conftest: every test folder has a module called conftest.
APP_FILE = Path(__file__).resolve().parents[2] / "streamlit" / "streamlit_app.py"

HOSTILE = [
    "'",
    '"',
    "';",
    "' OR 1=1 --",
    "'; DROP TABLE gold.customer_360_profile; --",
    "x'); DELETE FROM gold.dim_customer; --",
    "C0%' UNION SELECT * FROM gold.dim_customer --",
    "%",
    "_",
    "!",
    "\\",
    "DROP TABLE",
    "/* */ select 1",
]


def _fingerprint(db) -> tuple:
    """Row counts and a content hash of the tables a search could touch."""
    counts = tuple(
        db.execute(f"select count(*) from gold.{table}").fetchone()[0]
        for table in ("customer_360_profile", "dim_customer", "fct_transactions")
    )
    ids = db.execute(
        "select string_agg(customer_id, ',' order by customer_id) from gold.customer_360_profile"
    ).fetchone()[0]
    return counts, hashlib.sha256(ids.encode()).hexdigest()


def _literal_matches(db, term: str) -> int:
    """How many customers contain ``term`` literally (no LIKE), case-insensitively."""
    term = term.strip()
    return db.execute(
        "select count(*) from gold.customer_360_profile where strpos(lower(customer_id), lower(?)) > 0"
        " or strpos(lower(full_name), lower(?)) > 0 or strpos(lower(email), lower(?)) > 0",
        [term, term, term],
    ).fetchone()[0]


def test_hostile_customer_searches(app_env, db):
    before = _fingerprint(db)
    at = AppTest.from_file(str(APP_FILE), default_timeout=90).run()
    for term in HOSTILE:
        at.text_input(key="c360_search").input(term).run()
        assert not at.exception, (term, [e.value for e in at.exception])
        assert not at.error, (term, [e.value for e in at.error])
        expected = _literal_matches(db, term)
        pickers = [box for box in at.selectbox if box.key == "c360_pick"]
        if expected == 0:
            assert any("No customer matches" in w.value for w in at.tabs[1].warning), term
        elif expected == 1:
            assert not pickers, term
        else:
            assert len(pickers[0].options) == min(expected, 10), term
    assert _fingerprint(db) == before


def test_hostile_questions_and_names(app_env, db):
    before = _fingerprint(db)
    at = AppTest.from_file(str(APP_FILE), default_timeout=90).run()
    for text in HOSTILE[:7]:
        at.chat_input(key="assistant_input").set_value(text).run()
        assert not at.exception, (text, [e.value for e in at.exception])
        assert not at.error, (text, [e.value for e in at.error])
    # Every hostile question got an answer bubble; none of them ran a write.
    assistant_bubbles = [m for m in at.tabs[2].chat_message if m.name == "assistant"]
    assert len(assistant_bubbles) == 7
    at.text_input(key="camp_save_name").input("'; DROP TABLE gold.dim_customer; --").run()
    at.button(key="camp_save").click().run()
    assert not at.exception
    assert "'; DROP TABLE gold.dim_customer; --" in at.selectbox(key="camp_start").options
    assert _fingerprint(db) == before


def test_filters_bind_values_never_format_them():
    from c360_app.queries import ProfileFilter

    evil = "'; DROP TABLE gold.dim_customer; --"
    where, params = ProfileFilter(segments=(evil, "Declining"), states=(evil,), ltv_min=5).where()
    assert evil not in where and "DROP" not in where
    assert where == "where customer_segment in (?, ?) and state in (?) and lifetime_value >= ?"
    assert params == [evil, "Declining", evil, 5.0]

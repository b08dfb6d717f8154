"""The Pipeline Health page on a real small build with a failed run and a dirty load.

``health_db`` is a copy of the shared build to which the real local runner adds one run
whose first step loads a dirty batch (40 of 100 rows rejected, recorded the way the
loader records them, with PII in the rejected records) and whose second step fails; a few
assistant ratings are added as the app's feedback writer adds them. Expected values come
from SQL on the same database.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from health_fixture import PII_EMAIL, make_health_db
from streamlit.testing.v1 import AppTest

pytestmark = pytest.mark.slow

APP_FILE = Path(__file__).resolve().parents[2] / "streamlit" / "streamlit_app.py"


@pytest.fixture(scope="module")
def health_db(built_db, tmp_path_factory) -> Path:
    return make_health_db(built_db, tmp_path_factory)


@pytest.fixture
def health_env(health_db, monkeypatch):
    from c360_app.data import close_all_sources

    import streamlit as st

    monkeypatch.setenv("C360_DUCKDB_PATH", str(health_db))
    close_all_sources()
    st.cache_data.clear()
    st.cache_resource.clear()
    yield health_db
    close_all_sources()
    st.cache_data.clear()
    st.cache_resource.clear()


def _tab(at: AppTest, label: str):
    found = [t for t in at.tabs if t.label == label]
    assert found, [t.label for t in at.tabs]
    return found[0]


def _metric(block, label: str) -> str:
    values = [m.value for m in block.metric if m.label == label]
    assert values, f"no metric {label!r}; have {[m.label for m in block.metric]}"
    return values[0]


def test_pipeline_health_shows_the_failed_run_the_dirty_load_and_feedback(health_env):
    from c360_app import fmt

    at = AppTest.from_file(str(APP_FILE), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Pipeline Health" in [t.label for t in at.tabs]
    con = duckdb.connect(str(health_env), read_only=True)
    try:
        rows_in, rejected = con.execute(
            "select sum(rows_in), sum(rows_rejected) from observability.load_batches"
        ).fetchone()
        top_reason = con.execute(
            "select reason from bronze.rejected_rows group by 1 order by count(*) desc limit 1"
        ).fetchone()[0]
        versions = con.execute(
            "select count(distinct model_version) from observability.model_metrics"
            " where split = 'test' and model_version not like '%:%'"  # baselines: '<v>:<name>'
        ).fetchone()[0]
        in_use = con.execute(
            "select model_version from observability.model_metrics where promoted"
            " and split = 'test' and model_version not like '%:%'"
            " order by trained_at desc limit 1"
        ).fetchone()[0]
        baseline_pr_auc = dict(
            con.execute(
                "select split_part(model_version, ':', 2), value from observability.model_metrics"
                " where model_version like ? and split = 'test' and metric = 'pr_auc'",
                [in_use + ":%"],
            ).fetchall()
        )
        holdout = dict(
            con.execute(
                "select metric, value from observability.model_metrics where split = 'holdout'"
            ).fetchall()
        )
    finally:
        con.close()

    runs = _tab(at, "Runs")
    assert _metric(runs, "Last run") == "Failed"
    errors = [e.value for e in runs.error]
    assert any("Step **build** failed" in e and "2 of 105 tests failed" in e for e in errors)
    steps = runs.dataframe[0].value
    assert list(steps["step"]) == ["load", "build"]
    assert list(steps["status"]) == ["succeeded", "failed"]

    loads = _tab(at, "Loads")
    assert _metric(loads, "Rows in") == fmt.count(rows_in)
    assert _metric(loads, "Rows rejected") == fmt.count(rejected)
    batches = loads.dataframe[0].value
    assert batches.iloc[0]["rows_rejected"] == 40  # the dirtiest batch first
    sample = loads.dataframe[1].value
    assert len(sample) == 20 and top_reason == "negative credit limit"
    records = " ".join(sample["record"])
    assert PII_EMAIL not in records and "1980-02-03" not in records
    assert "*****@example.com" in records and "***-***-9876" in records

    models = _tab(at, "Models")
    table = models.dataframe[0].value
    assert len(table) == versions
    assert sum(str(m).startswith("★ ") for m in table["model"]) == 1
    baselines = models.dataframe[1].value
    assert baselines.iloc[0]["baseline"] == "the model"
    shown = dict(zip(baselines["baseline"][1:], baselines["pr_auc"][1:], strict=True))
    assert shown == pytest.approx(baseline_pr_auc) and len(shown) == 3
    assert any("PR-AUC lift over the best single feature" in m.value for m in models.markdown)
    assert _metric(models, "Actual purchases") == f"{holdout['holdout_actual_purchases']:,.0f}"
    deciles = models.dataframe[2].value
    assert deciles["actual"].sum() == pytest.approx(holdout["holdout_actual_purchases"])

    feedback = _tab(at, "Assistant feedback")
    assert _metric(feedback, "Rated answers") == "6"
    assert _metric(feedback, "Helpful") == fmt.percent(3 / 6)
    unanswered = feedback.dataframe[0].value
    assert unanswered.iloc[0]["question"] == "Which customers will buy a house next year?"
    assert unanswered.iloc[0]["times"] == 2

    dq = _tab(at, "Data quality")
    table = dq.dataframe[0].value
    order = [0 if s in ("fail", "error") else 1 if s == "warn" else 2 for s in table["status"]]
    assert order == sorted(order)


def _empty_page():
    import os

    from c360_app import tab_pipeline_health
    from c360_app.data import DuckDBSource

    tab_pipeline_health.render(DuckDBSource(os.environ["C360_DUCKDB_PATH"]))


def test_empty_states_say_what_to_run(tmp_path, monkeypatch):
    from c360_app.data import close_all_sources

    from toolkit.pipeline.bronze import BRONZE_DDL
    from toolkit.pipeline.observability import ensure_observability_tables

    db = tmp_path / "empty.duckdb"
    con = duckdb.connect(str(db))
    ensure_observability_tables(con)
    con.execute("create schema bronze")
    for ddl in BRONZE_DDL.values():
        con.execute(ddl)
    con.close()
    monkeypatch.setenv("C360_DUCKDB_PATH", str(db))
    try:
        at = AppTest.from_function(_empty_page, default_timeout=60).run()
        assert not at.exception, [e.value for e in at.exception]
        infos = " ".join(i.value for i in at.info)
        for hint in ("c360 pipeline run", "c360 load", "c360 build", "c360 train", "thumbs up"):
            assert hint in infos, hint
    finally:
        close_all_sources()


def test_mask_record_hides_pii_and_keeps_the_rest():
    from c360_app.health_queries import mask_record

    masked = json.loads(
        mask_record(json.dumps({"EMAIL": "a.b@x.org", "phone": "12", "dob": "2000-01-01", "id": 7}))
    )
    assert masked == {"EMAIL": "*****@x.org", "phone": "***", "dob": "*****", "id": 7}
    assert mask_record("not json {") == "***** (unparseable record hidden)"
    assert mask_record(None) == ""

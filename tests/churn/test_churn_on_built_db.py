"""The churn and CLV outputs of a real local build (the shared ``built_db`` pipeline run)."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from toolkit.churn import registry

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def con(built_db):
    connection = duckdb.connect(str(built_db), read_only=True)
    yield connection
    connection.close()


def test_every_profile_customer_has_a_churn_score_in_band(con):
    rows = con.execute(
        """
        select p.customer_id, c.churn_probability, c.churn_risk_score, c.churn_risk_category,
               c.top_risk_factors, p.churn_risk_score as profile_score
        from gold.customer_360_profile p
        left join gold.churn_predictions c using (customer_id)
        """
    ).df()
    assert len(rows) > 0
    assert rows["churn_probability"].notna().all()
    assert rows["churn_probability"].between(0, 1).all()
    assert rows["churn_risk_score"].between(0, 100).all()
    assert (rows["profile_score"] == rows["churn_risk_score"]).all()
    bands = np.select(
        [rows["churn_risk_score"] >= 70, rows["churn_risk_score"] >= 40],
        ["High Risk", "Medium Risk"],
        "Low Risk",
    )
    assert (rows["churn_risk_category"] == bands).all()
    assert rows["top_risk_factors"].str.len().gt(0).all()
    assert con.execute("select count(*) from gold.churn_predictions").fetchone()[0] == len(rows)


def test_every_profile_customer_has_a_lifetime_value(con):
    rows = con.execute(
        """
        select p.customer_id, p.probability_alive, v.projected_12m_ltv,
               m.projected_12m_ltv as metric_ltv
        from gold.customer_360_profile p
        left join gold.customer_clv v using (customer_id)
        left join gold.metric_customer_ltv m using (customer_id)
        """
    ).df()
    assert rows["projected_12m_ltv"].notna().all() and (rows["projected_12m_ltv"] >= 0).all()
    assert rows["probability_alive"].between(0, 1).all()
    # dbt's LTV metric uses the BG/NBD × Gamma-Gamma projection once it exists.
    np.testing.assert_allclose(rows["metric_ltv"], rows["projected_12m_ltv"], rtol=1e-6)


def test_promoted_model_metrics_are_recorded_and_honest(con, built_db):
    version = registry.promoted_version(registry.models_root(built_db))
    assert version is not None
    metrics = dict(
        con.execute(
            "select metric, value from observability.model_metrics "
            "where model_version = ? and split = 'test'",
            [version],
        ).fetchall()
    )
    for name in ("roc_auc", "pr_auc", "f1", "precision", "recall", "brier"):
        assert 0.0 <= metrics[name] <= 1.0, name
    # Better than chance on held-out customers, and not suspiciously perfect.
    assert 0.6 < metrics["roc_auc"] < 0.995
    scored_with = con.execute(
        "select distinct model_version from gold.churn_predictions"
    ).fetchall()
    assert scored_with == [(version,)]

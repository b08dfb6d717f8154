"""Training, versioning, promotion and scoring on a simulated warehouse (real DuckDB)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from toolkit.churn import registry, score_customers, train_model
from toolkit.churn.local import load_promoted_model
from toolkit.churn.model import ChurnModel
from toolkit.churn.scoring import RISK_BANDS, risk_category
from toolkit.errors import C360Error


def _query(db_path, sql, params=None):
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return con.execute(sql, params or []).df()
    finally:
        con.close()


@pytest.fixture(scope="module")
def trained(simulated_gold, tmp_path_factory):
    """One trained and scored copy of the simulated warehouse, shared by read-only tests."""
    db = tmp_path_factory.mktemp("trained") / "c360.duckdb"
    db.write_bytes(simulated_gold.read_bytes())
    result = train_model(db, seed=11)
    scored = score_customers(db)
    return db, result, scored


def test_first_model_is_promoted_with_plausible_honest_metrics(trained):
    db, result, _ = trained
    assert result.promoted and result.model_version.startswith("churn-v001-")
    metrics = _query(
        db,
        "select * from observability.model_metrics where model_version = ?",
        [result.model_version],
    )
    test = metrics[metrics["split"] == "test"].set_index("metric")["value"]
    for name in ("roc_auc", "pr_auc", "f1", "precision", "recall", "brier"):
        assert 0.0 <= test[name] <= 1.0, name
    # The simulated faders are learnable but not perfectly: a perfect score would be leakage.
    assert 0.75 <= test["roc_auc"] < 0.995
    assert test["brier"] < test["churn_rate"]  # better than always saying "no churn"
    assert set(metrics["split"]) == {"train", "validation", "test", "test_all"}
    assert metrics["promoted"].all()
    assert "ROC-AUC" in result.describe() and result.rows > 300


def test_artifact_reloads_and_reproduces_the_scores(trained):
    db, result, _ = trained
    version, model = load_promoted_model(db)
    assert version == result.model_version
    assert (registry.models_root(db) / version / "model.txt").exists()
    again = ChurnModel.from_dict(model.to_dict())
    frame = pd.DataFrame(
        np.random.default_rng(0).random((20, len(model.feature_names))) * 50,
        columns=list(model.feature_names),
    )
    np.testing.assert_allclose(again.predict_proba(frame), model.predict_proba(frame))


def test_every_customer_gets_a_consistent_score(trained):
    db, result, scored = trained
    predictions = _query(db, "select * from gold.churn_predictions")
    customers = _query(db, "select distinct customer_id from gold.dim_customer")
    assert scored.rows == len(predictions) == len(customers)
    assert set(predictions["customer_id"]) == set(customers["customer_id"])
    assert predictions["churn_probability"].between(0, 1).all()
    assert predictions["churn_risk_score"].between(0, 100).all()
    assert (
        predictions["churn_risk_score"] == np.rint(predictions["churn_probability"] * 100)
    ).all()
    for band in RISK_BANDS:
        in_band = predictions["churn_risk_score"].between(band.low, band.high)
        assert (predictions.loc[in_band, "churn_risk_category"] == band.name).all()
    assert (predictions["model_version"] == result.model_version).all()
    assert predictions["top_risk_factors"].str.len().gt(0).all()
    # Every band is used: the scores spread out rather than collapse to one value.
    assert predictions["churn_risk_category"].nunique() == 3


def test_risk_factors_are_plain_words_and_name_distinct_reasons(trained):
    db, _, _ = trained
    risky = _query(
        db,
        "select top_risk_factors from gold.churn_predictions "
        "where churn_risk_category = 'High Risk'",
    )["top_risk_factors"]
    assert len(risky) > 0
    for text in risky:
        parts = text.split("; ")
        assert 1 <= len(parts) <= 3 and len(set(parts)) == len(parts)
        assert "_" not in text  # no raw feature names
    # A customer who stopped buying is told so.
    assert risky.str.contains("last purchase").any()


def test_lapsed_customers_score_higher_than_active_ones(trained):
    db, _, _ = trained
    scores = _query(
        db,
        """
        select p.churn_probability,
               max(f.transaction_date) filter (where f.status = 'approved') as last_purchase
        from gold.churn_predictions p
        left join gold.fct_transactions f using (customer_id)
        group by all
        """,
    )
    recent = scores["last_purchase"] >= pd.Timestamp("2024-12-01")
    lapsed = scores["last_purchase"] < pd.Timestamp("2024-10-01")
    assert lapsed.any() and recent.any()
    assert (
        scores.loc[lapsed, "churn_probability"].mean()
        > 3 * scores.loc[recent, "churn_probability"].mean()
    )


def test_customer_clv_covers_everyone_with_sane_values(trained):
    db, _, _ = trained
    clv = _query(db, "select * from gold.customer_clv")
    assert (
        len(clv)
        == _query(db, "select count(distinct customer_id) n from gold.dim_customer")["n"][0]
    )
    assert clv["probability_alive"].between(0, 1).all()
    assert (clv["predicted_purchases_12m"] >= 0).all()
    assert (clv["predicted_avg_transaction_value"] > 0).all()
    np.testing.assert_allclose(
        clv["projected_12m_ltv"],
        clv["predicted_purchases_12m"] * clv["predicted_avg_transaction_value"],
    )
    # BG/NBD's projection tracks what customers actually spent in the last year.
    actual = _query(
        db,
        """
        select customer_id, sum(amount) as spend from gold.fct_transactions
        where status = 'approved' and transaction_date > date '2023-12-31' group by 1""",
    )
    joined = clv.merge(actual, on="customer_id")
    assert np.corrcoef(joined["projected_12m_ltv"], joined["spend"])[0, 1] > 0.7
    fit = _query(db, "select metric from observability.model_metrics where split = 'fit'")
    assert {"bgnbd_r", "bgnbd_alpha", "gamma_gamma_p"} <= set(fit["metric"])


def test_training_is_deterministic_for_a_seed(simulated_db, trained):
    _, first, _ = trained
    again = train_model(simulated_db, seed=11)
    pd.testing.assert_frame_equal(first.metrics, again.metrics)


def test_retraining_keeps_history_and_refuses_a_worse_model(tmp_path):
    # 2,000 customers: with the 500 of the shared warehouse only ~90 are held out, too
    # few for the paired interval to call any drop credible.
    from churn_data import simulate_portfolio, write_gold

    simulated_db = write_gold(tmp_path / "c360.duckdb", *simulate_portfolio(2000, seed=4))
    first = train_model(simulated_db, seed=5)
    assert first.promoted
    # Give every customer a stranger's future: after the training cut-off (as-of − 180
    # days) each customer's purchases are a random other customer's, so the training
    # labels no longer follow from the training features.
    con = duckdb.connect(str(simulated_db))
    ids = con.execute("select distinct customer_id from gold.dim_customer order by 1").df()
    ids["new_id"] = ids["customer_id"].to_numpy()[np.random.default_rng(1).permutation(len(ids))]
    con.register("stranger", ids)
    con.execute(
        """
        update gold.fct_transactions as t set customer_id = s.new_id
        from stranger as s
        where s.customer_id = t.customer_id and t.transaction_date > date '2024-07-04'
        """
    )
    con.close()
    refused = train_model(simulated_db, seed=5)
    assert not refused.promoted, refused.decision
    assert "NOT promoted" in refused.describe() and "--force" in refused.describe()
    assert registry.promoted_version(registry.models_root(simulated_db)) == first.model_version
    forced = train_model(simulated_db, seed=5, force=True)
    assert forced.promoted and "--force" in forced.decision
    assert registry.promoted_version(registry.models_root(simulated_db)) == forced.model_version
    history = _query(
        simulated_db,
        """
        select model_version, bool_and(promoted) as promoted
        from observability.model_metrics
        where model_version like 'churn-%' and model_version not like '%:%'
        group by 1 order by 1""",
    )
    assert list(history["model_version"]) == [
        first.model_version,
        refused.model_version,
        forced.model_version,
    ]
    assert list(history["promoted"]) == [True, False, True]


def test_scoring_without_a_model_says_what_to_do(simulated_db):
    with pytest.raises(C360Error, match="c360 train"):
        score_customers(simulated_db)


def test_missing_gold_says_what_to_do(tmp_path):
    db = tmp_path / "empty.duckdb"
    duckdb.connect(str(db)).close()
    with pytest.raises(C360Error, match="c360 build"):
        train_model(db)


def test_risk_bands_match_the_contract():
    scores = np.array([0, 39, 40, 69, 70, 100])
    assert list(risk_category(scores)) == [
        "Low Risk",
        "Low Risk",
        "Medium Risk",
        "Medium Risk",
        "High Risk",
        "High Risk",
    ]


def test_fast_contributions_add_up_and_agree_with_treeshap(trained):
    from toolkit.churn import frames as churn_frames
    from toolkit.churn.explain import contributions, path_tables
    from toolkit.churn.local import _columns_of, _runner
    from toolkit.churn.model import _concepts_for

    db, _, _ = trained
    _, model = load_promoted_model(db)
    con = duckdb.connect(str(db), read_only=True)
    try:
        frames = churn_frames.load_scoring_frames(
            _runner(con), churn_frames.detect_sources(_columns_of(con))
        )
    finally:
        con.close()
    from toolkit.churn.features import build_features

    x = build_features(frames.aggregates)[list(model.feature_names)]
    tables, bias = path_tables(model.booster)
    fast = contributions(model.booster, x, tables)
    np.testing.assert_allclose(
        fast.sum(axis=1) + bias, model.booster.predict(x, raw_score=True), atol=1e-9
    )
    shap = model.booster.predict(x, pred_contrib=True)[:, :-1]
    concepts = list(_concepts_for(model.feature_names).values())
    risky = model.predict_proba(x) >= 0.4
    assert risky.sum() >= 10

    def top_concept(c):
        return np.argmax(np.column_stack([c[:, idx].sum(axis=1) for idx in concepts]), axis=1)

    agreement = (top_concept(fast[risky]) == top_concept(shap[risky])).mean()
    assert agreement >= 0.8


def test_cli_train_then_score_print_a_headline_and_a_check_each(simulated_db, capsys):
    from toolkit.cli import main

    assert main(["train", "--db", str(simulated_db), "--seed", "3"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 2 and out[0].startswith("churn-v001-") and "promoted (first model)" in out[0]
    assert out[1].strip().startswith("baselines on the same customers: recency ROC-AUC")
    assert main(["score", "--db", str(simulated_db)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 2 and out[0].startswith("scored 500 customers as of 2024-12-31")
    assert out[1].strip().startswith("CLV holdout (180 days after 2024-07-04")


def test_cli_score_on_a_missing_database_fails_in_one_line(tmp_path, capsys):
    from toolkit.cli import main

    assert main(["score", "--db", str(tmp_path / "none.duckdb")]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no database at" in err[0]


def test_baselines_are_stored_beside_the_model_and_recomputable(trained):
    """Each baseline's test metrics sit under ``<version>:<baseline>``; the 30-day count
    baseline is recomputed here from the raw feature on the same held-out customers."""
    from sklearn.metrics import roc_auc_score

    from toolkit.churn import frames as churn_frames
    from toolkit.churn.model import assign_groups

    db, result, _ = trained
    rows = _query(
        db,
        "select model_version, metric, value from observability.model_metrics "
        "where model_version like ? and split = 'test'",
        [result.model_version + ":%"],
    )
    stored = rows.pivot(index="model_version", columns="metric", values="value")
    names = {f"{result.model_version}:{b}" for b in ("baseline_recency", "baseline_count30")}
    assert names | {f"{result.model_version}:baseline_logistic"} == set(stored.index)
    con = duckdb.connect(str(db), read_only=True)
    try:
        runner = lambda sql, params: con.execute(sql, params).df()  # noqa: E731
        training = churn_frames.load_training_frames(runner, churn_frames.Sources())
    finally:
        con.close()
    groups = assign_groups(training.early.index.append(training.late.index), 11)
    test = training.late[groups.reindex(training.late.index) == "test"]
    test = test[test["txn_count_90"] > 0]
    independent = roc_auc_score(test["churned"], -test["txn_count_30"])
    count30 = stored.loc[f"{result.model_version}:baseline_count30"]
    assert count30["roc_auc"] == pytest.approx(independent, abs=1e-9)
    assert count30["rows"] == len(test)
    # The model's lift over the best single-feature baseline, with its interval.
    lift = _query(
        db,
        "select metric, value from observability.model_metrics "
        "where model_version = ? and metric like 'pr_auc_lift%'",
        [result.model_version],
    ).set_index("metric")["value"]
    assert lift["pr_auc_lift_low"] <= lift["pr_auc_lift"] <= lift["pr_auc_lift_high"]
    assert "baselines on the same customers" in result.describe()
    assert "PR-AUC lift over" in result.describe() and "95% CI" in result.describe()


def test_gate_compares_both_models_on_the_same_customers(simulated_db):
    """Retraining the same data with the same seed gives the same model: the paired
    interval is exactly zero, and the gate's figures are stored with the new version."""
    first = train_model(simulated_db, seed=3)
    again = train_model(simulated_db, seed=3)
    assert again.promoted and "difference +0.000 [+0.000, +0.000]" in again.decision
    gate = _query(
        simulated_db,
        "select metric, value from observability.model_metrics "
        "where model_version = ? and metric like 'gate_%'",
        [again.model_version],
    ).set_index("metric")["value"]
    assert gate.to_dict() == {
        "gate_roc_auc_diff": 0.0,
        "gate_roc_auc_diff_low": 0.0,
        "gate_roc_auc_diff_high": 0.0,
    }
    assert first.model_version != again.model_version


def test_clv_holdout_check_is_stored_with_the_clv_version(trained):
    db, _, scored = trained
    rows = _query(
        db,
        "select metric, value from observability.model_metrics "
        "where model_version = ? and split = 'holdout'",
        [scored.clv_version],
    ).set_index("metric")["value"]
    actual = _query(
        db,
        """
        select count(*) as n from gold.fct_transactions
        where status = 'approved' and transaction_date > date '2024-07-04'
          and customer_id in (select customer_id from gold.fct_transactions
                              where status = 'approved' and transaction_date <= date '2024-07-04')""",
    )["n"].iloc[0]
    assert rows["holdout_actual_purchases"] == actual  # recomputed here from gold
    deciles = [rows[f"decile_{d:02d}_actual"] for d in range(1, 11)]
    assert sum(deciles) == actual
    for model in ("bgnbd", "nbd"):
        assert rows[f"{model}_holdout_predicted_purchases"] > 0
        assert rows[f"{model}_holdout_mae"] >= 0
    assert "CLV holdout" in scored.describe()

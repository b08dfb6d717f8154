"""train_from_frames on hand-made frames: what a Snowflake procedure would pass in."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from toolkit.churn.features import FEATURE_NAMES
from toolkit.churn.model import ChurnModel, TrainingFrames, assign_groups, train_from_frames


def _examples(n: int, seed: int, churn_rate: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        rng.random((n, len(FEATURE_NAMES))) * 100,
        columns=list(FEATURE_NAMES),
        index=pd.Index([f"C{i:06d}" for i in range(1, n + 1)], name="customer_id"),
    )
    # churners have gone quiet: long recency, few recent purchases
    churned = rng.random(n) < churn_rate
    frame.loc[churned, "recency_days"] += 60
    frame.loc[churned, "txn_count_30"] *= 0.2
    frame["churned"] = churned.astype(int)
    return frame


def test_groups_are_disjoint_seeded_and_near_the_shares():
    ids = pd.Index([f"C{i:06d}" for i in range(1, 1001)])
    groups = assign_groups(ids, seed=1)
    assert groups.value_counts().to_dict() == {"train": 600, "validation": 200, "test": 200}
    assert groups.equals(assign_groups(ids[::-1], seed=1))
    assert not groups.equals(assign_groups(ids, seed=2))


def test_learns_a_planted_signal_and_round_trips_as_json():
    frames = TrainingFrames(
        early=_examples(1500, 1, 0.2),
        late=_examples(1500, 2, 0.2),
        early_cutoff="2024-07-04",
        late_cutoff="2024-10-02",
    )
    outcome = train_from_frames(frames, seed=9)
    assert outcome.metric("roc_auc") > 0.9
    assert 0 < outcome.model.threshold < 1
    assert outcome.feature_importance.index[0] in {"recency_days", "txn_count_30"}
    clone = ChurnModel.from_dict(outcome.model.to_dict())
    np.testing.assert_array_equal(
        clone.predict_proba(frames.late), outcome.model.predict_proba(frames.late)
    )
    assert clone.top_risk_factors(frames.late.head(5)) == outcome.model.top_risk_factors(
        frames.late.head(5)
    )


def test_one_class_validation_keeps_the_boosters_own_probabilities():
    early = _examples(400, 3, 0.15)
    groups = assign_groups(early.index.append(early.index), seed=4)
    early.loc[groups.reindex(early.index) == "validation", "churned"] = 0
    frames = TrainingFrames(
        early=early, late=_examples(400, 5, 0.15), early_cutoff="a", late_cutoff="b"
    )
    model = train_from_frames(frames, seed=4).model
    assert (model.platt_slope, model.platt_intercept, model.threshold) == (1.0, 0.0, 0.5)


def test_no_churners_to_learn_from_is_a_clear_error():
    quiet = _examples(300, 6, 0.0)
    with pytest.raises(ValueError, match="only one class"):
        train_from_frames(TrainingFrames(quiet, quiet, "a", "b"), seed=1)


def test_one_clv_scan_gives_exactly_the_three_separate_queries(simulated_gold):
    """Scoring reads the CLV summary, the calibration summary and the holdout counts from
    one scan (queries.CLV_SCAN); each frame must equal its own query's, value for value,
    and the holdout check built from them must equal the one that queries separately."""
    import duckdb

    from toolkit.churn import frames, queries
    from toolkit.clv.holdout import HOLDOUT_DAYS

    con = duckdb.connect(str(simulated_gold), read_only=True)
    try:
        run = lambda sql, params: con.execute(sql, params).df()  # noqa: E731
        loaded = frames.load_scoring_frames(run, frames.Sources(), with_holdout=True)
        as_of = loaded.as_of
        calibration_end = as_of - pd.Timedelta(days=HOLDOUT_DAYS)
        separate = {
            "summary": queries.run(run, queries.CLV_SUMMARY, as_of=as_of.date()),
            "calibration": queries.run(run, queries.CLV_SUMMARY, as_of=calibration_end.date()),
            "holdout": queries.run(
                run,
                queries.CLV_HOLDOUT,
                calibration_end=calibration_end.date(),
                as_of=as_of.date(),
            ),
        }
        queried = frames.clv_holdout_check(run)
    finally:
        con.close()
    pd.testing.assert_frame_equal(loaded.clv_summary, separate["summary"], check_exact=True)
    pd.testing.assert_frame_equal(loaded.clv_calibration, separate["calibration"], check_exact=True)
    pd.testing.assert_frame_equal(loaded.clv_holdout, separate["holdout"], check_exact=True)
    # the calibration period really is a strict subset: the split did something
    assert len(separate["calibration"]) > 20
    assert (
        loaded.clv_calibration["purchase_count"]
        < loaded.clv_summary.set_index("customer_id")
        .loc[loaded.clv_calibration["customer_id"], "purchase_count"]
        .to_numpy()
    ).any()
    reused = frames.clv_holdout_check(None, frames=loaded)
    pd.testing.assert_frame_equal(reused.customers, queried.customers, check_exact=True)
    pd.testing.assert_frame_equal(reused.metrics(), queried.metrics(), check_exact=True)

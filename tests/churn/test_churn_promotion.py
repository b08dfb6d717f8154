"""The promotion gate on its own: a paired bootstrap interval, force, first model, no class."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from toolkit.churn.bootstrap import Difference, paired_difference
from toolkit.churn.registry import decide_promotion, next_version


def _diff(diff: float, low: float, high: float) -> Difference:
    return Difference("roc_auc", 0.8 + diff, 0.8, diff, low, high, 1000)


def test_first_model_is_always_promoted():
    assert decide_promotion(None, None, force=False).promote


def test_a_drop_within_noise_is_promoted():
    decision = decide_promotion(_diff(-0.01, -0.03, 0.01), "v1", force=False)
    assert decision.promote and "1000 held-out customers" in decision.message


def test_a_credibly_worse_candidate_is_refused_with_the_interval():
    decision = decide_promotion(_diff(-0.05, -0.07, -0.03), "churn-v001-x", force=False)
    assert not decision.promote
    assert "0.750 vs 0.800" in decision.message and "[-0.070, -0.030]" in decision.message
    assert "churn-v001-x keeps scoring" in decision.message


def test_force_overrides_the_refusal():
    decision = decide_promotion(_diff(-0.05, -0.07, -0.03), "v1", force=True)
    assert decision.promote and "--force" in decision.message


def test_undefined_roc_auc_is_not_promoted_over_a_champion():
    nan = float("nan")
    undefined = Difference("roc_auc", nan, nan, nan, nan, nan, 10)
    assert not decide_promotion(undefined, "v1", force=False).promote


def test_paired_bootstrap_is_seeded_and_centred_on_the_difference():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 2000)
    good = y + rng.normal(0, 0.8, 2000)
    weak = y + rng.normal(0, 1.6, 2000)
    first = paired_difference(y, good, weak, seed=7)
    assert first == paired_difference(y, good, weak, seed=7)
    assert 0 < first.low < first.diff < first.high
    same = paired_difference(y, good, good, seed=7)
    assert same.diff == same.low == same.high == 0.0
    reverse = paired_difference(y, weak, good, seed=7, metric="pr_auc")
    assert reverse.high < 0


def test_versions_count_up(tmp_path):
    when = datetime(2025, 1, 2, 3, 4, 5)
    assert next_version(tmp_path, when) == "churn-v001-20250102T030405"
    (tmp_path / "churn-v001-20250102T030405").mkdir()
    assert next_version(tmp_path, when).startswith("churn-v002-")


def test_a_resample_metric_equals_sklearn_on_the_resampled_rows():
    """The bootstrap scores a resample as counts over one sort of each scorer; that must be
    the metric sklearn gives on the resampled rows themselves, tied scores included."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    from toolkit.churn.bootstrap import _SortedScores

    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 600)
    scores = {
        "continuous": y + rng.normal(0, 1.0, 600),
        "heavily tied": np.round(y * 0.3 + rng.random(600), 1),  # ~13 distinct values
    }
    for score in scores.values():
        curve = _SortedScores(y, score)
        for _ in range(25):
            idx = rng.integers(0, 600, 600)
            counts = np.bincount(idx, minlength=600)
            assert curve.metric("roc_auc", counts) == pytest.approx(
                roc_auc_score(y[idx], score[idx]), abs=1e-12
            )
            assert curve.metric("pr_auc", counts) == pytest.approx(
                average_precision_score(y[idx], score[idx]), abs=1e-12
            )

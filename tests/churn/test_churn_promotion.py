"""The promotion rule on its own: tolerance, force, first model, undefined ROC-AUC."""

from __future__ import annotations

from datetime import datetime

from toolkit.churn.registry import ROC_AUC_TOLERANCE, decide_promotion, next_version


def test_first_model_is_always_promoted():
    assert decide_promotion(0.6, None, None, force=False).promote


def test_small_drop_within_tolerance_is_promoted():
    assert decide_promotion(0.85 - ROC_AUC_TOLERANCE / 2, "v1", 0.85, force=False).promote


def test_drop_beyond_tolerance_is_refused_with_a_clear_message():
    decision = decide_promotion(0.80, "churn-v001-x", 0.85, force=False)
    assert not decision.promote
    assert "0.850" in decision.message and "0.800" in decision.message
    assert "churn-v001-x keeps scoring" in decision.message


def test_force_overrides_the_refusal():
    decision = decide_promotion(0.80, "v1", 0.85, force=True)
    assert decision.promote and "--force" in decision.message


def test_undefined_roc_auc_is_not_promoted_over_a_champion():
    assert not decide_promotion(float("nan"), "v1", 0.85, force=False).promote


def test_versions_count_up(tmp_path):
    when = datetime(2025, 1, 2, 3, 4, 5)
    assert next_version(tmp_path, when) == "churn-v001-20250102T030405"
    (tmp_path / "churn-v001-20250102T030405").mkdir()
    assert next_version(tmp_path, when).startswith("churn-v002-")

"""Model versions on disk and their metrics in ``observability.model_metrics``.

Artifacts live beside the database: ``<db dir>/models/churn/<model_version>/`` holds
``model.txt`` (the LightGBM booster) and ``model.json`` (calibration, threshold, feature
list, training facts); ``PROMOTED`` names the version that scores. A new version is
promoted unless it is credibly worse than the promoted one on the same held-out customers
(:func:`decide_promotion`); old versions and their metric rows are never deleted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from toolkit.churn.bootstrap import Difference, paired_difference
from toolkit.churn.model import ChurnModel

if TYPE_CHECKING:  # the Snowflake procedures import this module without DuckDB
    import duckdb

PROMOTED_FILE = "PROMOTED"


def models_root(db_path: Path | str) -> Path:
    return Path(db_path).resolve().parent / "models" / "churn"


def next_version(root: Path, trained_at: datetime) -> str:
    """``churn-v003-20250101T120000``: a sequence number plus when it was trained."""
    existing = [p for p in root.glob("churn-v*") if p.is_dir()] if root.exists() else []
    return f"churn-v{len(existing) + 1:03d}-{trained_at:%Y%m%dT%H%M%S}"


def promoted_version(root: Path) -> str | None:
    marker = root / PROMOTED_FILE
    return marker.read_text().strip() or None if marker.exists() else None


def set_promoted(root: Path, version: str) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / PROMOTED_FILE).write_text(version + "\n")


@dataclass(frozen=True)
class PromotionDecision:
    promote: bool
    message: str
    comparison: Difference | None = None


def compare_with_champion(outcome, champion: ChurnModel, *, seed: int = 42) -> Difference:
    """Candidate minus current ROC-AUC on the candidate's held-out customers and window.

    Both models score the very same customers at the same late cut-off, so the
    difference is about the models, not about which customers or weeks each was tested on.
    """
    test = outcome.test
    y = test["churned"].to_numpy(int)
    return paired_difference(
        y, outcome.model.predict_proba(test), champion.predict_proba(test), seed=seed
    )


def decide_promotion(
    comparison: Difference | None,
    champion_version: str | None,
    *,
    force: bool,
) -> PromotionDecision:
    """Promote unless the candidate is credibly worse than the current model.

    Credibly worse = the whole 95% bootstrap interval of (candidate − current) ROC-AUC,
    measured on the same held-out customers, lies below zero. A raw difference between
    two test AUCs from different windows would promote or refuse on noise.
    """
    if champion_version is None:
        return PromotionDecision(True, "promoted (first model)")
    if comparison is None:
        return PromotionDecision(
            True, f"promoted ({champion_version}'s artifact could not be loaded to compare)"
        )
    versus = (
        f"ROC-AUC {comparison.a:.3f} vs {comparison.b:.3f} of {champion_version} on the same "
        f"{comparison.rows} held-out customers, difference {comparison.describe()} (95% CI)"
    )
    if math.isnan(comparison.diff):
        if force:
            return PromotionDecision(True, "promoted by --force without a comparison", comparison)
        return PromotionDecision(
            False,
            f"NOT promoted: the test split has a single class, so ROC-AUC cannot be compared "
            f"with {champion_version}'s (rerun with --force to promote anyway)",
            comparison,
        )
    if not comparison.high < 0:
        return PromotionDecision(True, f"promoted ({versus})", comparison)
    if force:
        return PromotionDecision(
            True, f"promoted by --force although credibly worse ({versus})", comparison
        )
    return PromotionDecision(
        False,
        f"NOT promoted: credibly worse ({versus}); {champion_version} keeps scoring "
        "(rerun with --force to promote anyway)",
        comparison,
    )


def metric_rows(version: str, outcome, decision: PromotionDecision) -> pd.DataFrame:
    """Every row ``train`` records: the model's, the gate's and each baseline's.

    Baselines keep the contract's columns: their ``model_version`` is
    ``<version>:<baseline>`` (e.g. ``churn-v002-…:baseline_recency``), beside the model's.
    """
    model = outcome.metrics.assign(model_version=version)
    frames = [model[["model_version", "split", "metric", "value"]]]
    comparison = decision.comparison
    if comparison is not None and not math.isnan(comparison.diff):
        gate = pd.DataFrame(
            {
                "model_version": version,
                "split": "test",
                "metric": ["gate_roc_auc_diff", "gate_roc_auc_diff_low", "gate_roc_auc_diff_high"],
                "value": [comparison.diff, comparison.low, comparison.high],
            }
        )
        frames.append(gate)
    baselines = outcome.baseline_metrics
    if len(baselines):
        baselines = baselines.assign(model_version=version + ":" + baselines["baseline"])
        frames.append(baselines[["model_version", "split", "metric", "value"]])
    return pd.concat(frames, ignore_index=True)


def write_metrics(
    con: duckdb.DuckDBPyConnection,
    version: str,
    metrics: pd.DataFrame,
    *,
    trained_at: datetime,
    promoted: bool,
) -> int:
    """Insert ``metrics`` (split, metric, value, optionally its own model_version)."""
    rows = [
        (
            getattr(r, "model_version", version),
            str(r.metric),
            float(r.value),
            trained_at,
            str(r.split),
            promoted,
        )
        for r in metrics.itertuples(index=False)
    ]
    con.executemany(
        """
        insert into observability.model_metrics
            (model_version, metric, value, trained_at, split, promoted)
        values (?, ?, ?, ?, ?, ?)
        """,
        rows,
    )
    return len(rows)

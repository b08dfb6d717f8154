"""Model versions on disk and their metrics in ``observability.model_metrics``.

Artifacts live beside the database: ``<db dir>/models/churn/<model_version>/`` holds
``model.txt`` (the LightGBM booster) and ``model.json`` (calibration, threshold, feature
list, training facts); ``PROMOTED`` names the version that scores. A new version is
promoted unless its test ROC-AUC fell more than :data:`ROC_AUC_TOLERANCE` below the
promoted one's; old versions and their metric rows are never deleted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

ROC_AUC_TOLERANCE = 0.02
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


def decide_promotion(
    new_roc_auc: float,
    champion_version: str | None,
    champion_roc_auc: float | None,
    *,
    force: bool,
    tolerance: float = ROC_AUC_TOLERANCE,
) -> PromotionDecision:
    if champion_version is None or champion_roc_auc is None:
        return PromotionDecision(True, "promoted (first model)")
    if math.isnan(new_roc_auc) and not force:
        return PromotionDecision(
            False,
            f"NOT promoted: the test split has a single class, so ROC-AUC cannot be compared "
            f"with {champion_version}'s (rerun with --force to promote anyway)",
        )
    drop = champion_roc_auc - new_roc_auc
    if drop <= tolerance:
        return PromotionDecision(
            True,
            f"promoted (ROC-AUC {new_roc_auc:.3f} vs {champion_roc_auc:.3f} of {champion_version})",
        )
    if force:
        return PromotionDecision(
            True,
            f"promoted by --force although ROC-AUC fell {drop:.3f} "
            f"({champion_roc_auc:.3f} → {new_roc_auc:.3f})",
        )
    return PromotionDecision(
        False,
        f"NOT promoted: ROC-AUC fell {drop:.3f} ({champion_roc_auc:.3f} of {champion_version} → "
        f"{new_roc_auc:.3f}), more than the {tolerance:.2f} tolerance; {champion_version} keeps "
        "scoring (rerun with --force to promote anyway)",
    )


def recorded_metric(
    con: duckdb.DuckDBPyConnection, version: str, metric: str, split: str = "test"
) -> float | None:
    row = con.execute(
        """
        select value from observability.model_metrics
        where model_version = ? and metric = ? and split = ?
        order by trained_at desc
        limit 1
        """,
        [version, metric, split],
    ).fetchone()
    return None if row is None or row[0] is None else float(row[0])


def write_metrics(
    con: duckdb.DuckDBPyConnection,
    version: str,
    metrics: pd.DataFrame,
    *,
    trained_at: datetime,
    promoted: bool,
) -> int:
    rows = [
        (version, str(r.metric), float(r.value), trained_at, str(r.split), promoted)
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

"""Scores for every customer: probability, 0-100 score, contract risk band, top factors.

Pure pandas (plus the model), so a Snowflake procedure calls :func:`score_from_frames`
on Snowpark-fetched aggregates just like the local runner does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from toolkit.churn.features import build_features
from toolkit.churn.model import ChurnModel
from toolkit.domain import RISK_BANDS

PREDICTION_COLUMNS = (
    "customer_id",
    "churn_probability",
    "churn_risk_score",
    "churn_risk_category",
    "top_risk_factors",
    "model_version",
    "scored_at",
    "predicted_churn",
    "cutoff_date",
)


def risk_category(score: np.ndarray) -> np.ndarray:
    score = np.asarray(score)
    labels = np.full(score.shape, RISK_BANDS[0].name, dtype=object)
    for band in RISK_BANDS[1:]:
        labels[score >= band.low] = band.name
    return labels


def score_from_frames(
    model: ChurnModel,
    aggregates: pd.DataFrame,
    population: pd.Index,
    *,
    model_version: str,
    scored_at: pd.Timestamp,
    cutoff: pd.Timestamp,
) -> pd.DataFrame:
    """``gold.churn_predictions`` rows: one per customer in ``population``.

    A customer the aggregates do not cover (no card version yet) is scored on missing
    features, which LightGBM routes down its learned default branches.
    """
    features = build_features(aggregates)
    ids = pd.Index(pd.unique(population.astype(str)), name="customer_id")
    features = features[~features.index.duplicated()].reindex(ids)
    probability = model.predict_proba(features)
    score = np.clip(np.rint(probability * 100), 0, 100).astype(int)
    return pd.DataFrame(
        {
            "customer_id": ids.to_numpy(),
            "churn_probability": probability,
            "churn_risk_score": score,
            "churn_risk_category": risk_category(score),
            "top_risk_factors": model.top_risk_factors(features),
            "model_version": model_version,
            "scored_at": pd.Timestamp(scored_at),
            "predicted_churn": probability >= model.threshold,
            "cutoff_date": pd.Timestamp(cutoff).date(),
        },
        columns=list(PREDICTION_COLUMNS),
    )


@dataclass
class PortfolioScores:
    """Everything one scoring run writes: churn predictions and lifetime value."""

    predictions: pd.DataFrame  # gold.churn_predictions rows
    clv: object  # toolkit.clv result: .customers (gold.customer_clv rows), .bgnbd, .gamma_gamma
    clv_version: str
    scored_at: pd.Timestamp


def score_portfolio(
    model: ChurnModel, frames, *, model_version: str, purchase_model: str | None = None
) -> PortfolioScores:
    """Churn scores and BG/NBD + Gamma-Gamma lifetime value for every customer in ``frames``.

    ``frames`` is :class:`toolkit.churn.frames.ScoringFrames`; the local runner and the
    Snowflake procedure both call this, so a scoring run means the same on each engine.
    """
    from toolkit.clv import clv_from_frames

    scored_at = pd.Timestamp(datetime.now().replace(microsecond=0))
    predictions = score_from_frames(
        model,
        frames.aggregates,
        frames.population.index,
        model_version=model_version,
        scored_at=scored_at,
        cutoff=frames.as_of,
    )
    clv_version = f"clv-bgnbd-gg-{frames.as_of:%Y%m%d}"
    clv = clv_from_frames(
        frames.clv_summary,
        frames.population,
        as_of=frames.as_of,
        model_version=clv_version,
        scored_at=scored_at,
        purchase_model=purchase_model,
    )
    return PortfolioScores(predictions, clv, clv_version, scored_at)

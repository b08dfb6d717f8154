"""Churn model and customer lifetime value (issue #4): honest, explained, versioned.

Local entry points (the ``c360 train`` / ``c360 score`` commands and pipeline steps):

* :func:`train_model` ``(db_path, *, seed=42, force=False) -> TrainResult``
* :func:`score_customers` ``(db_path) -> ScoreResult``

Both return an object with ``describe() -> str`` and an int ``rows``.

Engine-neutral building blocks, for the Snowflake Python procedures
(``toolkit/snowflake_procedures.py``): pass a query runner
``run_query(sql, params) -> pandas.DataFrame`` — e.g.
``lambda sql, params: session.sql(sql, params=params).to_pandas()`` — and ``dialect="snowflake"``:

* :func:`toolkit.churn.frames.detect_sources` ``(columns_of) -> Sources``
* :func:`toolkit.churn.frames.load_training_frames` ``(run_query, sources, *, dialect) -> TrainingFrames``
* :func:`train_from_frames` ``(frames, *, seed) -> TrainingOutcome`` (``.model``, ``.metrics``)
* :func:`toolkit.churn.frames.load_scoring_frames` ``(run_query, sources, *, dialect) -> ScoringFrames``
* :func:`score_from_frames` ``(model, aggregates, population, *, model_version, scored_at, cutoff)``
  → ``gold.churn_predictions`` rows
* :func:`toolkit.clv.clv_from_frames` ``(summary, population, *, as_of, model_version, scored_at)``
  → ``.customers`` = ``gold.customer_clv`` rows
* ``ChurnModel.to_dict()`` / ``ChurnModel.from_dict()`` to keep a model in a stage as JSON.

Leakage guard: features come only from transactions on or before the cut-off
(:mod:`toolkit.churn.queries`), labels only from :data:`~toolkit.churn.queries.LABEL_AGGREGATES`
(:mod:`toolkit.churn.labels`); no generator-internal field exists in the warehouse to leak.
"""

from __future__ import annotations

from toolkit.churn.local import ScoreResult, TrainResult, score_customers, train_model
from toolkit.churn.model import ChurnModel, TrainingFrames, TrainingOutcome, train_from_frames
from toolkit.churn.scoring import score_from_frames

__all__ = [
    "ChurnModel",
    "ScoreResult",
    "TrainResult",
    "TrainingFrames",
    "TrainingOutcome",
    "score_customers",
    "score_from_frames",
    "train_from_frames",
    "train_model",
]

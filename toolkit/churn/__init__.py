"""Churn model and customer lifetime value (issue #4): honest, explained, versioned.

Local entry points (the ``c360 train`` / ``c360 score`` commands and pipeline steps):

* :func:`train_model` ``(db_path, *, seed=42, force=False) -> TrainResult``
* :func:`score_customers` ``(db_path) -> ScoreResult``

Both return an object with ``describe() -> str`` and an int ``rows``.

Engine-neutral building blocks, for the Snowflake Python procedures
(``toolkit/pipeline/snowflake_steps.py``): pass a query runner
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

How it stays honest (read with :mod:`toolkit.churn.labels` and :mod:`toolkit.churn.queries`):

* Cut-offs: ``late`` = as-of − 90 days, ``early`` = late − 90 days. Features use only
  transactions on or before a cut-off and the SCD2 card version valid at it; labels come
  only from :data:`~toolkit.churn.queries.LABEL_AGGREGATES` (the 90 days after it).
  Features never read as-of marts (segments, LTV) nor type-1 attributes (income,
  employment) that would carry later information; no generator-internal field exists.
* Churned = silent for the last 60 days of the 90-day window, or spend in it below 30%
  of the customer's own baseline pace over the 180 days before the cut-off.
* Customers are split once (seeded) into train / validation / test groups: fit on the
  train group at the early cut-off, Platt calibration, early stopping and the F1
  threshold on the validation group at the early cut-off, metrics on the test group at
  the late cut-off (its window was never seen). ``split='test'`` in
  ``observability.model_metrics`` = held-out customers still active in the 90 days
  before the late cut-off (the headline); ``test_all`` adds those already quiet.
* Baselines (:mod:`toolkit.churn.baselines`: recency alone, 30-day count alone, a
  3-feature logistic regression) are fitted and scored on the same groups and cut-offs;
  the model's PR-AUC lift over the best single feature carries a paired bootstrap 95%
  interval (:mod:`toolkit.churn.bootstrap`). The promotion gate scores the current model
  on the candidate's held-out customers and refuses a candidate credibly worse there.
* Card type and limit come from the SCD2 version valid at the cut-off *and* already seen
  by a snapshot then (``first_seen_snapshot_date``): no back-dated first version leaks.
* ``top_risk_factors`` = the three concepts (recent activity, spend trend, declines, …)
  whose per-customer contributions push the raw score up most, each said through its
  strongest feature (:mod:`toolkit.churn.explain`).
"""

from __future__ import annotations

from toolkit.churn.model import ChurnModel, TrainingFrames, TrainingOutcome, train_from_frames
from toolkit.churn.scoring import score_from_frames

# The local (DuckDB) entry points load on first use: the Snowflake procedures import this
# package, and DuckDB is not in Snowflake's Anaconda channel (stacks/snowpark_runtime.py).
_LOCAL_ENTRY_POINTS = {"ScoreResult", "TrainResult", "score_customers", "train_model"}


def __getattr__(name: str):
    if name in _LOCAL_ENTRY_POINTS:
        from toolkit.churn import local

        return getattr(local, name)
    raise AttributeError(f"module 'toolkit.churn' has no attribute {name!r}")


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

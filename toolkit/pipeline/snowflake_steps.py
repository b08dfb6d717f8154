"""Handlers of the Snowflake Python procedures: thin wrappers from a Snowpark session to the toolkit.

The stacks declare one procedure per pipeline step with a ``snowflake_procedure``
(``stacks/procedures.py``); each imports this package from the git repository stage and
runs one handler below, so Snowflake runs the code the local runner runs:

* ``generate_handler`` — ``toolkit.generate.generate_landing`` into a temporary folder,
  uploaded to the ``PLATFORM.GENERATED_LANDING`` stage with the landing layout (only in
  environments that generate, ``toolkit.config.Environment.generates_synthetic_data``);
* the load step is no Python: ``C360_LOAD`` is a SQL procedure (``sql/procedures/load.sql``,
  rendered by ``toolkit.pipeline.ingestion_sql`` from the declared bronze rules) that COPYs
  the staged files into raw landing tables and validates them set-based in Snowflake;
* ``train_handler`` / ``score_handler`` — the churn helper's engine-neutral frame functions
  (``toolkit.churn.frames``, ``train_from_frames``, ``score_from_frames``,
  ``toolkit.clv.clv_from_frames``) over Snowpark queries; models are kept as JSON on the
  ``PLATFORM.CHURN_MODELS`` stage;
* ``observability_handler`` — layer row counts into ``OBSERVABILITY.LAYER_RECORD_COUNTS``.

Every query binds its values; identifiers are fixed names from this module.
"""

from __future__ import annotations

import io
import json
import tempfile
import uuid
from datetime import datetime
from pathlib import Path

import pandas as pd

GENERATED_LANDING_STAGE = "@PLATFORM.GENERATED_LANDING"
MODELS_STAGE = "@PLATFORM.CHURN_MODELS"
PROMOTED_POINTER = "PROMOTED"
COUNTED_SCHEMAS = ("BRONZE", "SILVER", "GOLD")

LAYER_COUNTS_SQL = """
insert into observability.layer_record_counts (run_id, counted_at, layer, table_name, row_count)
select ?, current_timestamp(), lower(table_schema), lower(table_name), row_count
from information_schema.tables
where table_schema in (?, ?, ?) and table_type = 'BASE TABLE'
"""
COLUMNS_SQL = """
select lower(column_name) as column_name
from information_schema.columns
where upper(table_schema) = upper(?) and upper(table_name) = upper(?)
"""
RUN_ID_SQL = "select system$task_runtime_info('CURRENT_TASK_GRAPH_RUN_GROUP_ID') as run_id"
MODEL_METRICS_SQL = """
insert into observability.model_metrics (model_version, metric, value, trained_at, split, promoted)
values (?, ?, ?, ?, ?, ?)
"""


# ------------------------------------------------------------------ helpers
def query_runner(session):
    """``run_query(sql, params) -> DataFrame`` over Snowpark (what the churn helper expects)."""

    def run_query(sql: str, params) -> pd.DataFrame:
        return session.sql(sql, params=list(params) if params else None).to_pandas()

    return run_query


def columns_of(session):
    """``columns_of(schema, table) -> set of lower-case column names``."""

    def columns(schema: str, table: str) -> set[str]:
        frame = session.sql(COLUMNS_SQL, params=[schema, table]).to_pandas()
        return {str(v).lower() for v in frame.iloc[:, 0]} if len(frame) else set()

    return columns


def current_run_id(session) -> str:
    """The task graph's run id when called from the DAG, else a fresh one."""
    try:
        value = session.sql(RUN_ID_SQL).to_pandas().iloc[0, 0]
    except Exception:  # outside a task SYSTEM$TASK_RUNTIME_INFO raises
        value = None
    return str(value) if value else f"adhoc-{uuid.uuid4().hex[:12]}"


def _write(session, frame: pd.DataFrame, schema: str, table: str, *, overwrite: bool = False):
    if frame.empty and not overwrite:
        return 0
    upper = frame.rename(columns=str.upper)
    session.write_pandas(
        upper,
        table.upper(),
        schema=schema.upper(),
        auto_create_table=overwrite,
        overwrite=overwrite,
        quote_identifiers=False,
    )
    return len(frame)


# ----------------------------------------------------------------- handlers
def generate_handler(session, customers: int, seed: int, dirty_rate: float) -> str:
    from toolkit.generate import generate_landing

    with tempfile.TemporaryDirectory() as tmp:
        landing = Path(tmp) / "landing"
        summary = generate_landing(
            landing, customers=int(customers), seed=int(seed), dirty_rate=float(dirty_rate)
        )
        for path in sorted(p for p in landing.rglob("*") if p.is_file()):
            folder = path.parent.relative_to(landing).as_posix()
            target = (
                f"{GENERATED_LANDING_STAGE}/{folder}" if folder != "." else GENERATED_LANDING_STAGE
            )
            session.file.put(str(path), target, auto_compress=False, overwrite=True)
    return summary.describe()


def _model_versions(session) -> tuple[str | None, float | None]:
    """The promoted model version and its recorded test ROC-AUC, if any."""
    try:
        with session.file.get_stream(f"{MODELS_STAGE}/{PROMOTED_POINTER}") as stream:
            version = stream.read().decode().strip()
    except Exception:  # no model promoted yet
        return None, None
    frame = session.sql(
        "select value from observability.model_metrics "
        "where model_version = ? and metric = 'roc_auc' and split = 'test' "
        "order by trained_at desc limit 1",
        params=[version],
    ).to_pandas()
    return version, (float(frame.iloc[0, 0]) if len(frame) else None)


def _put_text(session, name: str, text: str) -> None:
    session.file.put_stream(
        io.BytesIO(text.encode()), f"{MODELS_STAGE}/{name}", auto_compress=False, overwrite=True
    )


def train_handler(session, seed: int = 42) -> str:
    from toolkit.churn import ChurnModel, registry, train_from_frames
    from toolkit.churn import frames as churn_frames

    sources = churn_frames.detect_sources(columns_of(session))
    frames = churn_frames.load_training_frames(query_runner(session), sources, dialect="snowflake")
    outcome = train_from_frames(frames, seed=int(seed))
    trained_at = datetime.now().replace(microsecond=0)
    version = f"churn-{trained_at:%Y%m%dT%H%M%S}"
    champion, _ = _model_versions(session)
    comparison = None
    if champion is not None:  # the gate scores both models on the same held-out customers
        with session.file.get_stream(f"{MODELS_STAGE}/{champion}.json") as stream:
            current = ChurnModel.from_dict(json.loads(stream.read().decode()))
        comparison = registry.compare_with_champion(outcome, current, seed=int(seed))
    decision = registry.decide_promotion(comparison, champion, force=False)
    outcome.model.info.update(model_version=version, trained_at=trained_at.isoformat())
    _put_text(session, f"{version}.json", json.dumps(outcome.model.to_dict()))
    for r in registry.metric_rows(version, outcome, decision).itertuples(index=False):
        session.sql(
            MODEL_METRICS_SQL,
            params=[
                r.model_version,
                str(r.metric),
                float(r.value),
                trained_at,
                str(r.split),
                decision.promote,
            ],
        ).collect()
    if decision.promote:
        _put_text(session, PROMOTED_POINTER, version)
    return f"{version}: {decision.message}"


def score_handler(session) -> str:
    from toolkit.churn import ChurnModel
    from toolkit.churn import frames as churn_frames
    from toolkit.churn.scoring import score_portfolio

    version, _ = _model_versions(session)
    if version is None:
        raise RuntimeError(
            "no promoted churn model on the CHURN_MODELS stage; run C360_TRAIN first"
        )
    with session.file.get_stream(f"{MODELS_STAGE}/{version}.json") as stream:
        model = ChurnModel.from_dict(json.loads(stream.read().decode()))
    sources = churn_frames.detect_sources(columns_of(session))
    profile_exists = bool(columns_of(session)("gold", "customer_360_profile"))
    frames = churn_frames.load_scoring_frames(
        query_runner(session), sources, dialect="snowflake", profile_exists=profile_exists
    )
    scores = score_portfolio(model, frames, model_version=version)
    predictions, clv = scores.predictions, scores.clv
    _write(session, predictions, "GOLD", "churn_predictions", overwrite=True)
    _write(session, clv.customers, "GOLD", "customer_clv", overwrite=True)
    return f"{len(predictions)} customers scored with {version}"


def observability_handler(session) -> str:
    run_id = current_run_id(session)
    session.sql(LAYER_COUNTS_SQL, params=[run_id, *COUNTED_SCHEMAS]).collect()
    return f"layer row counts recorded for run {run_id}"

"""The Pipeline Health page's queries: the observability tables, read the same way on
DuckDB and Snowflake.

Same rules as :mod:`c360_app.queries`: every value is bound with ``?``, each list is
limited, aggregates are computed in SQL, names are unquoted lower-case. A table that an
environment does not have (``observability.data_quality_results`` is local-only in
Snowflake) or the app role may not read answers :class:`Unavailable`, which the page
turns into an empty state instead of an error.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pandas as pd

RUNS_SHOWN = 10
BATCHES_SHOWN = 200
REJECT_SAMPLE_ROWS = 20
DQ_ROWS_SHOWN = 300
UNANSWERED_SHOWN = 50

# Held-out metrics shown per model version, in this order (observability.model_metrics,
# split 'test'; written by toolkit/churn/registry.py).
MODEL_METRICS = ("roc_auc", "pr_auc", "f1", "precision", "recall", "brier")
# The model's PR-AUC lift over its best single-feature baseline, with its bootstrap 95%
# interval (toolkit/churn/model.py), shown beside the metrics.
LIFT_METRICS = ("pr_auc_lift", "pr_auc_lift_low", "pr_auc_lift_high")
# Baselines are stored as model versions "<model version>:<baseline>" (toolkit/churn/registry.py).
BASELINE_SEPARATOR = ":"


class Unavailable(Exception):
    """The table is missing in this environment, or the app's role cannot read it."""


def _query(source, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> pd.DataFrame:
    try:
        return source.query(sql, params)
    except Exception as exc:
        text = str(exc).lower()
        if any(
            marker in text
            for marker in ("does not exist", "not authorized", "catalog error", "not found")
        ):
            raise Unavailable(str(exc).splitlines()[0]) from exc
        raise


# --- runs -----------------------------------------------------------------------------------


def recent_runs(source, limit: int = RUNS_SHOWN) -> pd.DataFrame:
    """The latest runs, newest first: when, how long, how many steps, and the outcome."""
    return _query(
        source,
        """
        select run_id, max(env) as env,
               min(started_at) as started_at, max(finished_at) as finished_at,
               count(*) as steps,
               sum(case when status = 'failed' then 1 else 0 end) as failed_steps,
               sum(case when status = 'skipped' then 1 else 0 end) as skipped_steps
        from observability.pipeline_runs
        where step <> 'pipeline'
        group by run_id
        order by min(started_at) desc
        limit ?
        """,
        [int(limit)],
    )


def run_steps(source, run_ids: tuple[str, ...]) -> pd.DataFrame:
    """Every step of these runs, in the order they ran (the timeline)."""
    if not run_ids:
        return pd.DataFrame(
            columns=["run_id", "step", "status", "started_at", "finished_at", "error"]
        )
    placeholders = ", ".join("?" * len(run_ids))
    return _query(
        source,
        f"""
        select run_id, step, status, started_at, finished_at, rows_in, rows_out, error
        from observability.pipeline_runs
        where run_id in ({placeholders}) and step <> 'pipeline'
        order by started_at, finished_at
        """,  # noqa: S608 - only ? placeholders are assembled
        list(run_ids),
    )


# --- loads ----------------------------------------------------------------------------------


def load_batches(source, limit: int = BATCHES_SHOWN) -> pd.DataFrame:
    return _query(
        source,
        """
        select source, batch_id, rows_in, rows_loaded, rows_rejected, loaded_at
        from observability.load_batches
        order by rows_rejected desc, loaded_at desc, batch_id
        limit ?
        """,
        [int(limit)],
    )


def load_totals(source) -> dict[str, Any]:
    frame = _query(
        source,
        """
        select count(*) as batches, coalesce(sum(rows_in), 0) as rows_in,
               coalesce(sum(rows_loaded), 0) as rows_loaded,
               coalesce(sum(rows_rejected), 0) as rows_rejected,
               sum(case when rows_rejected > 0 then 1 else 0 end) as dirty_batches,
               max(loaded_at) as last_loaded_at
        from observability.load_batches
        """,
    )
    return frame.iloc[0].to_dict() if len(frame) else {}


def rejects_by_reason(source, limit: int = 15) -> pd.DataFrame:
    return _query(
        source,
        """
        select reason, count(*) as rejected_rows
        from bronze.rejected_rows
        group by reason
        order by rejected_rows desc, reason
        limit ?
        """,
        [int(limit)],
    )


def rejected_sample(source, limit: int = REJECT_SAMPLE_ROWS) -> pd.DataFrame:
    """The latest rejected records, with their PII masked (see :func:`mask_record`)."""
    frame = _query(
        source,
        """
        select source, batch_id, reason, record, rejected_at
        from bronze.rejected_rows
        order by rejected_at desc, batch_id, record
        limit ?
        """,
        [int(limit)],
    )
    frame["record"] = frame["record"].map(mask_record)
    return frame


# The same masks as the stacks' masking policies (stacks/governance.py): the local part of
# an e-mail, all but the last four digits of a phone number, the whole date of birth.
_PII_KEYS = {"email", "phone", "date_of_birth", "birth_date", "dob"}


def _mask_value(key: str, value: Any) -> Any:
    if value is None:
        return None
    text = str(value)
    if key == "email":
        return re.sub(r"^[^@]+", "*****", text) if "@" in text else "*****"
    if key == "phone":
        return "***-***-" + text[-4:] if len(text) >= 4 else "***"
    return "*****"


def mask_record(record: Any) -> str:
    """A rejected record (JSON text) with e-mail, phone and date of birth masked.

    Rejected rows keep the original record as text, outside the masked columns, so the
    app masks it itself; a record that is not a JSON object is shown fully masked.
    """
    if record is None:
        return ""
    try:
        parsed = json.loads(record)
    except (TypeError, ValueError):
        return "***** (unparseable record hidden)"
    if not isinstance(parsed, dict):
        return "***** (unparseable record hidden)"
    masked = {
        key: _mask_value(key.lower(), value) if key.lower() in _PII_KEYS else value
        for key, value in parsed.items()
    }
    return json.dumps(masked, default=str)


# --- data quality ---------------------------------------------------------------------------


def data_quality(source, limit: int = DQ_ROWS_SHOWN) -> pd.DataFrame:
    """The latest check of every node (the latest dbt invocation), failures first."""
    return _query(
        source,
        """
        select node_name, check_type, layer, status, failures, message, checked_at
        from observability.data_quality_results
        where coalesce(invocation_id, run_id, '') = (
            select coalesce(invocation_id, run_id, '') from observability.data_quality_results
            order by checked_at desc limit 1)
        order by case when status in ('fail', 'error') then 0
                      when status = 'warn' then 1 else 2 end,
                 failures desc nulls last, node_name
        limit ?
        """,
        [int(limit)],
    )


# --- layers and models ----------------------------------------------------------------------


def layer_counts_over_time(source) -> pd.DataFrame:
    return _query(
        source,
        """
        select counted_at, layer, sum(row_count) as row_count, count(*) as tables
        from observability.layer_record_counts
        group by counted_at, layer
        order by counted_at, layer
        """,
    )


def latest_table_counts(source) -> pd.DataFrame:
    return _query(
        source,
        """
        select layer, table_name, row_count, counted_at
        from observability.layer_record_counts
        where counted_at = (select max(counted_at) from observability.layer_record_counts)
        order by layer, table_name
        """,
    )


def model_versions(source) -> pd.DataFrame:
    """One row per model version with its held-out metrics; ``in_use`` marks the promoted
    version scores come from (the latest one promoted)."""
    columns = ",\n".join(
        f"max(case when metric = '{m}' then value end) as {m}"
        for m in (*MODEL_METRICS, *LIFT_METRICS)
    )
    frame = _query(
        source,
        f"""
        select model_version, max(trained_at) as trained_at,
               max(case when promoted then 1 else 0 end) as promoted,
               {columns}
        from observability.model_metrics
        where split = ? and position(? in model_version) = 0
        group by model_version
        order by max(trained_at) desc
        """,  # noqa: S608 - metric names come from the constants above
        ["test", BASELINE_SEPARATOR],
    )
    frame["promoted"] = frame["promoted"].astype(bool)
    promoted = frame[frame["promoted"]]
    in_use = promoted["model_version"].iloc[0] if len(promoted) else None
    frame["in_use"] = frame["model_version"] == in_use
    return frame


def baselines(source, model_version: str) -> pd.DataFrame:
    """The baselines trained beside ``model_version`` on its split: ROC-AUC and PR-AUC."""
    prefix = model_version + BASELINE_SEPARATOR
    return _query(
        source,
        """
        select substr(model_version, length(?) + 2) as baseline,
               max(case when metric = 'roc_auc' then value end) as roc_auc,
               max(case when metric = 'pr_auc' then value end) as pr_auc
        from observability.model_metrics
        where split = ? and left(model_version, length(?)) = ?
        group by model_version
        order by pr_auc desc
        """,
        [model_version, "test", prefix, prefix],
    )


def clv_holdout(source) -> dict[str, float]:
    """The latest lifetime-value calibration/holdout check (toolkit/clv/holdout.py), as
    ``metric -> value``; empty when no scoring run has recorded one."""
    frame = _query(
        source,
        """
        select metric, value
        from observability.model_metrics
        where split = ? and trained_at = (
            select max(trained_at) from observability.model_metrics where split = ?
        )
        """,
        ["holdout", "holdout"],
    )
    return {str(m): float(v) for m, v in zip(frame["metric"], frame["value"], strict=True)}


def clv_holdout_deciles(check: dict[str, float]) -> pd.DataFrame:
    """Actual vs predicted holdout purchases per calibration-frequency decile."""
    rows = []
    for decile in range(1, 11):
        actual = check.get(f"decile_{decile:02d}_actual")
        if actual is None:
            continue
        rows.append(
            {
                "decile": decile,
                "actual": actual,
                "bgnbd": check.get(f"decile_{decile:02d}_predicted_bgnbd"),
                "nbd": check.get(f"decile_{decile:02d}_predicted_nbd"),
            }
        )
    return pd.DataFrame(rows, columns=["decile", "actual", "bgnbd", "nbd"])


# --- assistant ------------------------------------------------------------------------------


def feedback_summary(source) -> dict[str, Any]:
    frame = _query(
        source,
        """
        select count(*) as ratings,
               sum(case when rating = 'up' then 1 else 0 end) as helpful,
               sum(case when rating = 'down' then 1 else 0 end) as not_helpful,
               sum(case when generated_sql is null then 1 else 0 end) as unanswered
        from observability.assistant_feedback
        """,
    )
    return frame.iloc[0].to_dict() if len(frame) else {}


def unanswered_questions(source, limit: int = UNANSWERED_SHOWN) -> pd.DataFrame:
    """Questions rated not helpful or answered without SQL (declined), most asked first."""
    return _query(
        source,
        """
        select question, count(*) as times,
               sum(case when generated_sql is null then 1 else 0 end) as declined,
               sum(case when rating = 'down' then 1 else 0 end) as not_helpful,
               max(recorded_at) as last_asked
        from observability.assistant_feedback
        where rating = 'down' or generated_sql is null
        group by question
        order by times desc, last_asked desc
        limit ?
        """,
        [int(limit)],
    )

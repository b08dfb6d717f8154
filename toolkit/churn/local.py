"""The local runner: churn training and scoring on the DuckDB database.

A thin layer over the engine-neutral pieces: a DuckDB query runner in, artifacts on
disk beside the database, rows in ``observability.model_metrics``, ``gold.churn_predictions``
and ``gold.customer_clv`` out.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from toolkit.churn import frames as churn_frames
from toolkit.churn import registry
from toolkit.churn.model import SUSPICIOUS_ROC_AUC, ChurnModel, train_from_frames
from toolkit.churn.scoring import score_portfolio
from toolkit.db import connect, table_exists
from toolkit.errors import C360Error
from toolkit.pipeline.observability import ensure_observability_tables

REQUIRED_GOLD = ("fct_transactions", "dim_customer", "dim_merchant_category")


@dataclass
class TrainResult:
    model_version: str
    promoted: bool
    decision: str
    rows: int
    metrics: pd.DataFrame
    seconds: float
    artifact_dir: Path
    top_features: list[str] = field(default_factory=list)
    baselines: pd.DataFrame = field(default_factory=pd.DataFrame)
    lift: dict = field(default_factory=dict)  # metric -> bootstrap.Difference
    lift_over: str = ""

    def metric(self, name: str, split: str = "test") -> float:
        m = self.metrics
        return float(m[(m["metric"] == name) & (m["split"] == split)]["value"].iloc[0])

    def baseline_metric(self, baseline: str, name: str, split: str = "test") -> float:
        b = self.baselines
        rows = b[(b["baseline"] == baseline) & (b["metric"] == name) & (b["split"] == split)]
        return float(rows["value"].iloc[0])

    def describe_baselines(self) -> str:
        """Model vs each baseline on the same held-out customers, and the lift's interval."""
        if not len(self.baselines):
            return ""
        names = list(dict.fromkeys(self.baselines["baseline"]))
        parts = [
            f"{name.removeprefix('baseline_')} ROC-AUC "
            f"{self.baseline_metric(name, 'roc_auc'):.3f} / PR-AUC "
            f"{self.baseline_metric(name, 'pr_auc'):.3f}"
            for name in names
        ]
        text = "baselines on the same customers: " + ", ".join(parts)
        lift = self.lift.get("pr_auc")
        if lift is not None:
            text += (
                f"; PR-AUC lift over {self.lift_over.removeprefix('baseline_')} "
                f"{lift.describe()} (95% CI)"
            )
        return text + "."

    def describe(self) -> str:
        warning = ""
        if self.metric("roc_auc") >= SUSPICIOUS_ROC_AUC:
            warning = " WARNING: near-perfect ROC-AUC, check features for leakage;"
        return (
            f"{self.model_version}: {self.rows} labelled customers, held-out test "
            f"ROC-AUC {self.metric('roc_auc'):.3f}, PR-AUC {self.metric('pr_auc'):.3f}, "
            f"F1 {self.metric('f1'):.3f} (precision {self.metric('precision'):.3f}, "
            f"recall {self.metric('recall'):.3f}), Brier {self.metric('brier'):.3f};"
            f"{warning} {self.decision}"
            + (f"\n  {self.describe_baselines()}" if len(self.baselines) else "")
        )


@dataclass
class ScoreResult:
    model_version: str
    clv_version: str
    rows: int
    risk_counts: dict[str, int]
    as_of: str
    seconds: float
    clv_check: str = ""  # the calibration/holdout check, toolkit.clv.holdout

    def describe(self) -> str:
        bands = ", ".join(f"{k} {v}" for k, v in self.risk_counts.items())
        return (
            f"scored {self.rows} customers as of {self.as_of} with {self.model_version} "
            f"({bands}); lifetime value by {self.clv_version}"
            + (f"\n  {self.clv_check}" if self.clv_check else "")
        )


def _runner(con: duckdb.DuckDBPyConnection):
    def run_query(sql: str, params: list) -> pd.DataFrame:
        return con.execute(sql, params).df()

    return run_query


def _columns_of(con: duckdb.DuckDBPyConnection):
    def columns_of(schema: str, table: str) -> set[str]:
        rows = con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchall()
        return {r[0].lower() for r in rows}

    return columns_of


def _open(db_path: Path | str) -> duckdb.DuckDBPyConnection:
    db_path = Path(db_path)
    if not db_path.exists():
        raise C360Error(f"no database at {db_path}; run `c360 pipeline run` first")
    con = connect(db_path)
    missing = [t for t in REQUIRED_GOLD if not table_exists(con, "gold", t)]
    if missing:
        con.close()
        raise C360Error(f"gold.{missing[0]} does not exist; run `c360 build` first")
    ensure_observability_tables(con)
    # DuckDB draws a progress bar on long queries; in step logs it is noise.
    con.execute("set enable_progress_bar = false")
    return con


def train_model(db_path, *, seed: int = 42, force: bool = False) -> TrainResult:
    """Train a new churn model version; promote it unless held-out ROC-AUC dropped."""
    tick = time.perf_counter()
    con = _open(db_path)
    try:
        sources = churn_frames.detect_sources(_columns_of(con))
        frames = churn_frames.load_training_frames(_runner(con), sources)
        try:
            outcome = train_from_frames(frames, seed=seed)
        except ValueError as exc:
            raise C360Error(f"cannot train the churn model: {exc}") from exc
        root = registry.models_root(db_path)
        trained_at = datetime.now().replace(microsecond=0)
        version = registry.next_version(root, trained_at)
        champion = registry.promoted_version(root)
        comparison = None
        if champion and (root / champion / "model.json").exists():
            current = ChurnModel.load(root / champion)
            comparison = registry.compare_with_champion(outcome, current, seed=seed)
        decision = registry.decide_promotion(comparison, champion, force=force)
        outcome.model.info.update(model_version=version, trained_at=trained_at.isoformat())
        artifact_dir = root / version
        outcome.model.save(artifact_dir)
        rows = registry.metric_rows(version, outcome, decision)
        registry.write_metrics(con, version, rows, trained_at=trained_at, promoted=decision.promote)
        if decision.promote:
            registry.set_promoted(root, version)
    finally:
        con.close()
    return TrainResult(
        model_version=version,
        promoted=decision.promote,
        decision=decision.message,
        rows=int(sum(outcome.model.info["rows"].values())),
        metrics=outcome.metrics,
        seconds=time.perf_counter() - tick,
        artifact_dir=artifact_dir,
        top_features=list(outcome.model.info["top_features"]),
        baselines=outcome.baseline_metrics,
        lift=outcome.lift,
        lift_over=str(outcome.model.info.get("lift_over", "")),
    )


def load_promoted_model(db_path) -> tuple[str, ChurnModel]:
    root = registry.models_root(db_path)
    version = registry.promoted_version(root)
    if version is None or not (root / version / "model.json").exists():
        raise C360Error("no promoted churn model next to the database; run `c360 train` first")
    return version, ChurnModel.load(root / version)


def _replace_table(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    con.register("incoming_frame", frame)
    try:
        # table is one of two fixed names chosen in this module, never user input
        con.execute(f"create or replace table {table} as select * from incoming_frame")  # noqa: S608
    finally:
        con.unregister("incoming_frame")


def score_customers(db_path) -> ScoreResult:
    """Score every customer into gold.churn_predictions and gold.customer_clv."""
    tick = time.perf_counter()
    con = _open(db_path)
    try:
        version, model = load_promoted_model(db_path)
        sources = churn_frames.detect_sources(_columns_of(con))
        frames = churn_frames.load_scoring_frames(
            _runner(con),
            sources,
            profile_exists=table_exists(con, "gold", "customer_360_profile"),
            with_holdout=True,
        )
        holdout = churn_frames.clv_holdout_check(_runner(con), frames=frames)
        scores = score_portfolio(
            model,
            frames,
            model_version=version,
            purchase_model=holdout.trusted_model if holdout else None,
        )
        predictions, clv, clv_version = scores.predictions, scores.clv, scores.clv_version
        scored_at = scores.scored_at
        con.execute("begin transaction")
        _replace_table(con, "gold.churn_predictions", predictions)
        _replace_table(con, "gold.customer_clv", clv.customers)
        con.execute(
            "delete from observability.model_metrics where model_version = ?", [clv_version]
        )
        fit_rows = [
            {"split": "fit", "metric": f"bgnbd_{k}", "value": v}
            for k, v in clv.bgnbd.as_dict().items()
        ] + [
            {"split": "fit", "metric": f"gamma_gamma_{k}", "value": v}
            for k, v in clv.gamma_gamma.as_dict().items()
        ]
        fit_rows.append({"split": "fit", "metric": "bgnbd_degenerate", "value": clv.degenerate})
        fit_rows.append(
            {"split": "fit", "metric": "uses_nbd", "value": clv.purchase_model == "nbd"}
        )
        registry.write_metrics(
            con,
            clv_version,
            pd.concat(
                [pd.DataFrame(fit_rows), *([holdout.metrics()] if holdout else [])],
                ignore_index=True,
            ),
            trained_at=scored_at,
            promoted=True,
        )
        con.execute("commit")
    finally:
        con.close()
    counts = predictions["churn_risk_category"].value_counts()
    return ScoreResult(
        model_version=version,
        clv_version=clv_version,
        rows=len(predictions),
        risk_counts={b: int(counts.get(b, 0)) for b in ("Low Risk", "Medium Risk", "High Risk")},
        as_of=str(frames.as_of.date()),
        seconds=time.perf_counter() - tick,
        clv_check=holdout.describe() if holdout else "",
    )

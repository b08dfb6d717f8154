"""Benchmark: churn training + scoring + CLV at default scale, and the model's honesty.

Runs ``train_model`` then ``score_customers`` (the ``c360 train`` / ``c360 score``
steps) on a copy of a built database, and prints seconds, rows/s, peak memory and the
held-out metrics written to observability.model_metrics, plus two honesty checks:

* leakage: test ROC-AUC must stay well below 1 on behavioural data;
* difficulty: how many of the test churners had already gone silent for 60+ days at the
  cut-off (easy cases) versus churners who were still buying (the hard part).

Targets (issue #4): ROC-AUC ≥ 0.80 and F1 ≥ 0.50 on held-out customers; train + score
≤ 20 s at 50,000 customers. This script prints figures; it does not pass or fail.

    uv run c360 pipeline run --customers 50000 --db /tmp/bench/c360.duckdb   # once
    uv run python benchmarks/bench_churn.py --db /tmp/bench/c360.duckdb
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(REPO_ROOT))

from toolkit.churn import frames as churn_frames  # noqa: E402
from toolkit.churn import score_customers, train_model  # noqa: E402
from toolkit.churn.local import _columns_of, _runner  # noqa: E402
from toolkit.churn.model import assign_groups  # noqa: E402
from toolkit.db import connect  # noqa: E402


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _difficulty(db_path: Path, seed: int) -> str:
    """Share of held-out churners who were already silent 60+ days at the test cut-off."""
    con = connect(db_path, read_only=True)
    try:
        frames = churn_frames.load_training_frames(
            _runner(con), churn_frames.detect_sources(_columns_of(con))
        )
    finally:
        con.close()
    groups = assign_groups(frames.early.index.append(frames.late.index), seed)
    test = frames.late[groups.reindex(frames.late.index) == "test"]
    churners = test[test["churned"] == 1]
    silent = (churners["recency_days"] >= 60).sum()
    return (
        f"{len(churners)} test churners of {len(test)}: {silent} already silent 60+ days at "
        f"the cut-off, {len(churners) - silent} still buying (the hard cases)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="a built database (not modified)")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench_churn_"))
    db_path = workdir / "c360.duckdb"
    tick = time.perf_counter()
    shutil.copy(args.db, db_path)
    print(
        f"copied {args.db} ({args.db.stat().st_size / 1e6:,.0f} MB) in {time.perf_counter() - tick:.1f}s"
    )
    print(f"cores: {os.cpu_count()}, OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}")
    try:
        con = connect(db_path, read_only=True)
        n_txn = con.execute("select count(*) from gold.fct_transactions").fetchone()[0]
        con.close()

        load_before = os.getloadavg()[0]
        cpu_before = _cpu_seconds()
        tick = time.perf_counter()
        trained = train_model(db_path, seed=args.seed)
        train_s = time.perf_counter() - tick
        tick = time.perf_counter()
        scored = score_customers(db_path)
        score_s = time.perf_counter() - tick
        cpu_s = _cpu_seconds() - cpu_before

        print(f"transactions:        {n_txn:,}")
        print(f"train:               {train_s:6.1f} s  ({trained.rows:,} labelled customers)")
        print(
            f"score (churn + CLV): {score_s:6.1f} s  ({scored.rows:,} customers, "
            f"{scored.rows / score_s:,.0f} customers/s)"
        )
        print(
            f"train + score:       {train_s + score_s:6.1f} s  (target ≤ 20 s), "
            f"{n_txn * 3 / (train_s + score_s):,.0f} transaction-reads/s over 3 cut-offs"
        )
        print(
            f"CPU time:            {cpu_s:6.1f} s  (user+sys, all threads; machine load "
            f"{load_before:.1f} → {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
        )
        print(f"peak memory (RSS):   {_peak_mb():,.0f} MB")
        print()
        print(trained.describe())
        print(scored.describe())
        print()
        print("held-out test metrics (customers never trained on, later cut-off):")
        for name in (
            "roc_auc",
            "pr_auc",
            "f1",
            "precision",
            "recall",
            "brier",
            "churn_rate",
            "mean_predicted",
            "threshold",
            "rows",
        ):
            print(f"  {name:<15} {trained.metric(name):.4f}")
        print(
            f"  targets: ROC-AUC ≥ 0.80 → {trained.metric('roc_auc'):.3f}; "
            f"F1 ≥ 0.50 → {trained.metric('f1'):.3f}"
        )
        print(f"  top features by gain: {', '.join(trained.top_features[:8])}")
        print(f"  {_difficulty(db_path, args.seed)}")

        con = connect(db_path, read_only=True)
        clv = con.execute(
            """
            select avg(probability_alive), avg(predicted_purchases_12m),
                   avg(predicted_avg_transaction_value), avg(projected_12m_ltv),
                   corr(c.projected_12m_ltv, a.spend)
            from gold.customer_clv c
            left join (
                select customer_id, sum(amount) as spend from gold.fct_transactions
                where status = 'approved'
                  and transaction_date > (select max(transaction_date) from gold.fct_transactions)
                      - interval 365 day
                group by 1
            ) a using (customer_id)
            """
        ).fetchone()
        bands = con.execute(
            "select churn_risk_category, count(*) from gold.churn_predictions group by 1 order by 1"
        ).fetchall()
        con.close()
        print()
        print(
            f"CLV: mean P(alive) {clv[0]:.3f}, purchases/12m {clv[1]:.1f}, "
            f"value/purchase ${clv[2]:.2f}, projected 12m LTV ${clv[3]:,.0f}; "
            f"corr with last-365-day spend {clv[4]:.3f}"
        )
        print(f"risk bands: {dict(bands)}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Benchmark: the natural-language assistant's accuracy, declines and latency.

Runs the three question sets in tests/assistant (own set, held-out set 1, held-out
set 2) through the local engine on a built database and prints execution accuracy
(result sets match the hand-written reference SQL), the decline rate on
out-of-scope / data-changing / personal-data requests, and latency p50/p95 per
question (parse + SQL + execution, warm), plus the first (cold) call and peak memory.
Prints figures; it does not pass or fail.

    uv run c360 demo --no-app --db /tmp/bench/c360.duckdb          # once: 50,000 customers
    uv run python benchmarks/bench_assistant.py --db /tmp/bench/c360.duckdb

Without --db it builds a small database (--customers, default 600) in a temp folder.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(REPO_ROOT))

import duckdb  # noqa: E402

from toolkit.assistant.evaluation import evaluate, load_set  # noqa: E402
from toolkit.assistant.local import ask_local  # noqa: E402

SETS = (
    "eval_questions.yaml",
    "heldout_questions.yaml",
    "heldout2_questions.yaml",
    "heldout3_questions.yaml",
    "heldout4_questions.yaml",
    "heldout5_questions.yaml",
    "heldout6_questions.yaml",
    "heldout7_questions.yaml",
    "heldout8_questions.yaml",
    "heldout9_questions.yaml",
    "heldout10_questions.yaml",
    "heldout11_questions.yaml",
)


def percentile(values: list[float], q: int) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[q - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", type=Path, help="an existing built database (default scale: 50,000 customers)"
    )
    parser.add_argument(
        "--customers", type=int, default=600, help="size of the database built when --db is absent"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="timed runs per question after the warm-up"
    )
    args = parser.parse_args()

    db_path = args.db
    if db_path is None:
        from toolkit.pipeline.runner import run_pipeline

        db_path = Path(tempfile.mkdtemp(prefix="bench-assistant-")) / "c360.duckdb"
        started = time.perf_counter()
        run_pipeline(db_path, env="local", customers=args.customers, seed=7, dirty_rate=0.0)
        print(f"built {args.customers:,} customers in {time.perf_counter() - started:.1f} s")
    con = duckdb.connect(
        str(db_path), read_only=True, config={"threads": 2, "memory_limit": "1500MB"}
    )
    customers = con.execute("select count(*) from gold.customer_360_profile").fetchone()[0]
    transactions = con.execute("select count(*) from gold.fct_transactions").fetchone()[0]
    print(f"database {db_path}: {customers:,} customers, {transactions:,} transactions")

    started = time.perf_counter()
    ask_local("How many customers do we have?", con)
    print(
        f"first (cold) answer: {(time.perf_counter() - started) * 1000:.0f} ms (model, lexicon, value lookups)"
    )

    questions: list[str] = []
    print(f"\n{'question set':<26}{'accuracy':>14}{'declined':>12}")
    for name in SETS:
        question_set = load_set(name)
        report = evaluate(con, question_set)
        ok = sum(o.ok for o in report.answerable)
        declined = sum(o.declined for o in report.declined)
        wrong = sum(1 for o in report.answerable if not o.ok and not o.declined)
        print(
            f"{name:<26}{ok:>5}/{len(report.answerable):<3} {report.accuracy:>5.1%}"
            f"{declined:>5}/{len(report.declined):<3}{report.decline_rate:>4.0%}   wrong answers: {wrong}"
        )
        for o in report.answerable:
            if not o.ok:
                print(f"    miss: {o.question!r}: {o.error or 'result differs'}")
        questions += [c["question"] for c in question_set["answerable"]]
        questions += [c["question"] for c in question_set["declined"]]

    samples: list[float] = []
    slowest: list[tuple[float, str]] = []
    for question in questions:
        ask_local(question, con)  # warm-up per question (plans cached per process)
        runs = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            ask_local(question, con)
            runs.append((time.perf_counter() - t0) * 1000)
        samples += runs
        slowest.append((max(runs), question))
    print(
        f"\nlatency over {len(questions)} questions x {args.repeat} runs (parse + SQL + execution, warm):"
    )
    print(
        f"  p50 {percentile(samples, 50):.1f} ms   p95 {percentile(samples, 95):.1f} ms   max {max(samples):.1f} ms"
    )
    for ms, question in sorted(slowest, reverse=True)[:5]:
        print(f"  slow: {ms:7.1f} ms  {question}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (RSS): {peak_mb:.0f} MB")
    con.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

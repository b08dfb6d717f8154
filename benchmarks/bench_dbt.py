"""dbt at the default scale: full build, no-op rerun, incremental append of one day (the
first day of a new month), then of a second day inside that month, single-customer reads.
Prints figures (seconds, rows/s, peak memory); passes or fails nothing.

    uv run python benchmarks/bench_dbt.py --customers 50000
    uv run python benchmarks/bench_dbt.py --bronze /tmp/base.duckdb   # reuse a loaded bronze

Each dbt run happens in its own child process, so the peak RSS printed is that run's
alone (dbt + DuckDB), as `c360 build` would see it.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent


CPU_SECONDS: dict[str, float] = {}


def run_child(code: str, *args: str) -> tuple[float, float]:
    """Run python code in a child; returns (seconds, peak RSS in MB) of that child alone.
    Its CPU seconds are kept too: on a shared machine they show what wall time would be
    without the other load."""
    load = os.getloadavg()[0]
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"child failed: {code} {args}")
    CPU_SECONDS["last"] = usage.ru_utime + usage.ru_stime
    CPU_SECONDS["load"] = load
    return seconds, usage.ru_maxrss / 1024  # ru_maxrss is KiB on Linux


BUILD = (
    "import sys; from toolkit.pipeline.dbt_runner import build; "
    "build(sys.argv[1], full_refresh=sys.argv[2] == '1')"
)


def prepare_bronze(workdir: Path, customers: int, seed: int) -> Path:
    base = workdir / "base.duckdb"
    if base.exists():
        return base
    landing = workdir / "landing"
    for command in (
        ["generate", "--customers", str(customers), "--seed", str(seed), "--out", str(landing)],
        ["load", "--landing", str(landing), "--db", str(base)],
    ):
        tick = time.perf_counter()
        subprocess.run([sys.executable, "-m", "toolkit.cli", *command], cwd=ROOT, check=True)
        print(f"{command[0]:<10} {time.perf_counter() - tick:7.1f}s")
    return base


def append_one_day(db: Path, batch: str = "bench-day") -> int:
    """A new daily batch: the last day's transactions replayed one day later."""
    con = duckdb.connect(str(db))
    try:
        last_day, max_id = con.execute(
            "select max(transaction_ts)::date, max(transaction_id) from bronze.raw_transactions"
        ).fetchone()
        con.execute(
            """
            insert into bronze.raw_transactions
            select transaction_id + ? + 1, customer_id, transaction_ts + interval 1 day, amount,
                   merchant_category_id, channel, status, ?, 'bench', now()
            from bronze.raw_transactions where transaction_ts::date = ?
            """,
            [max_id, batch, last_day],
        )
        return con.execute(
            "select count(*) from bronze.raw_transactions where _batch_id = ?", [batch]
        ).fetchone()[0]
    finally:
        con.close()


def reads(db: Path, samples: int = 300) -> dict[str, list[float]]:
    con = duckdb.connect(str(db), read_only=True, config={"threads": 2})
    try:
        ids = [
            r[0]
            for r in con.execute("select customer_id from gold.customer_360_profile").fetchall()
        ]
        picks = random.Random(7).sample(ids, min(samples, len(ids)))
        queries = {
            "profile row": "select * from gold.customer_360_profile where customer_id = ?",
            "last 1,000 transactions": (
                "select * from gold.fct_transactions where customer_id = ? "
                "order by transaction_ts desc limit 1000"
            ),
        }
        timings: dict[str, list[float]] = {}
        for name, sql in queries.items():
            for customer in picks[:20]:  # warm-up
                con.execute(sql, [customer]).fetchall()
            timings[name] = []
            for customer in picks:
                tick = time.perf_counter()
                con.execute(sql, [customer]).fetchall()
                timings[name].append((time.perf_counter() - tick) * 1000)
        return timings
    finally:
        con.close()


def latest_invocation(db: Path) -> str | None:
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(
            "select invocation_id from observability.data_quality_results "
            "order by checked_at desc limit 1"
        ).fetchone()
        return row[0] if row else None
    except duckdb.CatalogException:  # no build recorded yet
        return None
    finally:
        con.close()


def report_build(
    db: Path, label: str, seconds: float, peak_mb: float, previous: str | None = None
) -> None:
    invocation = latest_invocation(db)
    if invocation == previous:
        # `c360 build` found nothing new since the last build and did not start dbt
        print(f"{label:<26} {seconds:7.1f}s  peak RSS {peak_mb:7.0f} MB  (dbt skipped)")
        print(f"    CPU {CPU_SECONDS['last']:.1f}s (user+sys)")
        return
    con = duckdb.connect(str(db), read_only=True)
    try:
        (fct_rows,) = con.execute("select count(*) from gold.fct_transactions").fetchone()
        slowest = con.execute(
            "select node_name, check_type, execution_seconds from observability.data_quality_results "
            "where invocation_id = ? order by execution_seconds desc limit 6",
            [invocation],
        ).fetchall()
        node_seconds = con.execute(
            "select sum(execution_seconds), count(*) from observability.data_quality_results "
            "where invocation_id = ?",
            [invocation],
        ).fetchone()
    finally:
        con.close()
    print(
        f"{label:<26} {seconds:7.1f}s  peak RSS {peak_mb:7.0f} MB  "
        f"{fct_rows / seconds:12,.0f} fact rows/s  ({node_seconds[1]} nodes, "
        f"{node_seconds[0]:.1f}s inside nodes)"
    )
    print(
        f"    CPU {CPU_SECONDS['last']:.1f}s (user+sys, 2 DuckDB threads); "
        f"1-min load average at start {CPU_SECONDS['load']:.1f} on {os.cpu_count()} cores"
    )
    for name, kind, node_s in slowest:
        print(f"    {node_s:6.2f}s  {kind:<14} {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/c360-bench-dbt"))
    parser.add_argument("--bronze", type=Path, help="a database with bronze loaded (reused)")
    args = parser.parse_args()

    args.workdir.mkdir(parents=True, exist_ok=True)
    base = args.bronze or prepare_bronze(args.workdir, args.customers, args.seed)
    db = args.workdir / "bench.duckdb"
    for stale in (db, Path(f"{db}.wal"), args.workdir / "dbt"):
        if stale.is_dir():
            shutil.rmtree(stale)
        elif stale.exists():
            stale.unlink()
    shutil.copy(base, db)
    con = duckdb.connect(str(db), read_only=True)
    transactions, customers = con.execute(
        "select count(*), count(distinct customer_id) from bronze.raw_transactions"
    ).fetchone()
    con.close()
    print(f"bronze: {customers:,} customers, {transactions:,} transactions")

    seconds, peak = run_child(BUILD, str(db), "1")
    report_build(db, "full dbt build", seconds, peak)
    full_seconds = seconds

    full_cpu = CPU_SECONDS["last"]

    previous = latest_invocation(db)
    seconds, peak = run_child(BUILD, str(db), "0")
    report_build(db, "rerun, no new data", seconds, peak, previous)

    appended = append_one_day(db)
    seconds, peak = run_child(BUILD, str(db), "0")
    report_build(db, f"append 1 day ({appended:,} rows)", seconds, peak)
    append_wall, append_cpu = seconds / full_seconds, CPU_SECONDS["last"] / full_cpu

    # the generated data ends on a month's last day, so that append opened a new month (the
    # month-over-month mart then adds a row for every customer); a second day lands inside it,
    # like 29 days of 30
    appended = append_one_day(db, "bench-day-2")
    seconds, peak = run_child(BUILD, str(db), "0")
    report_build(db, f"append a 2nd day ({appended:,})", seconds, peak)
    print(
        f"    2nd day/full: wall {seconds / full_seconds:.1%}, "
        f"CPU {CPU_SECONDS['last'] / full_cpu:.1%}"
    )

    con = duckdb.connect(str(db), read_only=True)
    shares = con.execute(
        "select customer_segment, count(*), round(100.0 * count(*) / sum(count(*)) over (), 1) "
        "from gold.customer_segments group by 1 order by 2 desc"
    ).fetchall()
    con.close()
    print("segments at this scale:")
    for segment, count, share in shares:
        print(f"    {segment:<22} {count:8,}  {share:5.1f}%")

    for name, timings in reads(db).items():
        timings.sort()
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(f"read {name:<24} p50 {statistics.median(timings):6.2f} ms  p95 {p95:6.2f} ms")

    # last, one line: what a daily run costs against a full build (CPU is the figure that
    # holds on a shared machine; wall time moves with the other load)
    print(f"append/full: wall {append_wall:.1%}, CPU {append_cpu:.1%}")


if __name__ == "__main__":
    main()

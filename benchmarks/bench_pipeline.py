"""Per-step seconds, CPU seconds and peak memory of the local pipeline at a given scale.

Each step runs as its own ``c360`` process so its peak memory (max RSS, from
``wait4``) is its own. Prints a table; it passes or fails nothing.

    uv run python benchmarks/bench_pipeline.py --customers 50000
    uv run python benchmarks/bench_pipeline.py --customers 220000 --steps generate,load   # ~60M rows
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

STEPS = {
    "generate": ["generate"],
    "load": ["load"],
    "build": ["build"],
    "train": ["train"],
    "score": ["score"],
    "refresh_profile": ["build", "--select", "customer_360_profile+"],
}


def run_step(argv: list[str], env: dict) -> tuple[float, float, float, int]:
    """(wall seconds, cpu seconds, peak RSS MiB, exit code) of one c360 command."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "toolkit.cli", *argv], env=env, stdout=subprocess.PIPE
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    output = proc.stdout.read().decode().strip() if proc.stdout else ""
    if output:
        print(f"    {output.splitlines()[-1][:150]}", file=sys.stderr)
    return (
        wall,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss / 1024,
        os.waitstatus_to_exitcode(status),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--steps", default=",".join(STEPS), help="comma-separated subset of " + ", ".join(STEPS)
    )
    parser.add_argument(
        "--workdir", type=Path, help="keep the database here (default: a temp dir, removed)"
    )
    args = parser.parse_args()

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="c360-bench-"))
    db_path = workdir / "c360.duckdb"
    landing = workdir / "landing"
    for stale in (db_path, landing):
        if stale.is_dir():
            shutil.rmtree(stale)
        elif stale.exists():
            stale.unlink()
    env = {**os.environ, "C360_DUCKDB_PATH": str(db_path)}
    common = {
        "generate": [
            "--customers",
            str(args.customers),
            "--seed",
            str(args.seed),
            "--out",
            str(landing),
        ],
        "load": ["--landing", str(landing)],
    }

    print(
        f"c360 pipeline benchmark: {args.customers:,} customers, {os.cpu_count()} cores, db {db_path}"
    )
    load_avg = os.getloadavg()[0]
    print(
        f"load average before start: {load_avg:.2f} (other processes on the machine inflate wall time)"
    )
    print(f"{'step':<16}{'wall s':>9}{'cpu s':>9}{'peak MiB':>10}{'rows':>14}{'rows/s':>14}")
    rows_by_step = {}
    try:
        for name in args.steps.split(","):
            wall, cpu, peak, code = run_step([*STEPS[name], *common.get(name, [])], env)
            rows = _rows_after(name, db_path, landing)
            rows_by_step[name] = rows
            count = f"{rows:,}" if rows else ""
            rate = f"{rows / wall:,.0f}" if rows else ""
            print(f"{name:<16}{wall:>9.2f}{cpu:>9.2f}{peak:>10.0f}{count:>14}{rate:>14}")
            if code != 0:
                print(f"step {name} failed with exit code {code}")
                return code
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


def _rows_after(step: str, db_path: Path, landing: Path) -> int | None:
    if step == "generate":
        import json

        return json.loads((landing / "_manifest.json").read_text())["transactions"]
    if not db_path.exists():
        return None
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        if step == "load":
            return con.execute("select sum(rows_in) from observability.load_batches").fetchone()[0]
        if step == "build":
            return con.execute("select count(*) from gold.fct_transactions").fetchone()[0]
        if step == "score":
            return con.execute("select count(*) from gold.churn_predictions").fetchone()[0]
        if step == "refresh_profile":
            return con.execute("select count(*) from gold.customer_360_profile").fetchone()[0]
    except duckdb.Error:
        return None
    finally:
        con.close()
    return None


if __name__ == "__main__":
    sys.exit(main())

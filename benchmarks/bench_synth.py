"""Benchmark: synthesize both stacks (dev + prod) in-process, as `c360 synth` does.

Each run is a fresh Python process (imports, jsii/node start-up, construct, synth). Run 1
is cold: it starts with an empty bytecode cache (a fresh ``XDG_CACHE_HOME``, see
``toolkit.cloud.deploy._cached_bytecode``), so it compiles the provider bindings; the later runs
are warm (bytecode, jsii package cache and OS file cache filled). Prints figures; passes
no judgement. The machine's load average is printed too: other work on the 2 cores
inflates every figure.

    uv run python benchmarks/bench_synth.py --runs 3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

ONE_RUN = """
import json, time, tempfile
t0 = time.perf_counter()
from toolkit.cloud.deploy import build_app, load_bindings
load_bindings()  # imports: python bindings + jsii + node start
t1 = time.perf_counter()
app = build_app(outdir=tempfile.mkdtemp(prefix="bench-synth-"))
t2 = time.perf_counter()
app.synth()
t3 = time.perf_counter()
print(json.dumps({"imports": t1 - t0, "construct": t2 - t1, "synth": t3 - t2}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    cache = tempfile.mkdtemp(prefix="bench-synth-cache-")
    env = {
        **os.environ,
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        "XDG_CACHE_HOME": cache,
        "PYTHONDONTWRITEBYTECODE": "1",  # bytecode goes to the fresh cache, not site-packages
    }
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"synth of dev + prod, {args.runs} fresh processes (first = coldest)")
    print(f"{'run':>4} {'total s':>8} {'imports':>8} {'construct':>10} {'synth':>7}")
    totals = []
    for run in range(1, args.runs + 1):
        tick = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", ONE_RUN],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        total = time.perf_counter() - tick
        parts = json.loads(out.stdout.strip().splitlines()[-1])
        totals.append(total)
        print(
            f"{run:>4} {total:>8.2f} {parts['imports']:>8.2f} {parts['construct']:>10.2f} {parts['synth']:>7.2f}"
        )
    warm = totals[1:] or totals
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"warm mean: {sum(warm) / len(warm):.2f} s   best: {min(totals):.2f} s")
    print(f"peak RSS of a synth process (python or node): {children.ru_maxrss / 1024:.0f} MiB")
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        sys.path.insert(0, str(REPO))
        from toolkit.cloud.deploy import synth

        sizes = [p.stat().st_size for p in synth(outdir=Path(tmp))]
        print(f"stack JSON sizes: {', '.join(f'{s / 1024:.0f} KiB' for s in sizes)}")


if __name__ == "__main__":
    main()

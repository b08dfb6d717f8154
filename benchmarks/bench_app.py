"""Benchmark: how fast each tab of the Streamlit app gets its data, warm, at default scale.

Runs the app's own query functions (streamlit/c360_app/queries.py) through its DuckDB
data source — the exact SQL the tabs send, without Streamlit's cache in front — and
prints p50/p95 per query and per tab ("data ready": all of a tab's queries, in order).
Each iteration uses a different customer / filter so no result is simply re-served.

Targets (issues #5, #16): every tab, Pipeline Health included, ≤ 300 ms p95 warm; customer lookup (search + profile)
≤ 50 ms p95. This script prints figures; it does not pass or fail.

    uv run c360 demo --no-app --db /tmp/bench/c360.duckdb      # once: 50,000 customers
    uv run python benchmarks/bench_app.py --db /tmp/bench/c360.duckdb
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(REPO_ROOT / "streamlit"))
sys.path.append(str(REPO_ROOT))

from c360_app import experiment_queries, health_queries, queries  # noqa: E402
from c360_app.data import DuckDBSource  # noqa: E402
from c360_app.queries import ProfileFilter  # noqa: E402

from toolkit.campaign import PREBUILT_SCENARIOS, priority_coefficients  # noqa: E402
from toolkit.domain import SEGMENTS  # noqa: E402

SUGGESTED_QUESTIONS = [
    "How many customers are in each segment?",
    "What is the average lifetime value by segment?",
    "How many high risk customers are there?",
    "Who are the top 10 customers by lifetime value?",
]


class Timer:
    def __init__(self):
        self.samples: dict[str, list[float]] = defaultdict(list)

    def run(self, name: str, func, *args, **kwargs):
        start = time.perf_counter()
        result = func(*args, **kwargs)
        self.samples[name].append((time.perf_counter() - start) * 1000)
        return result


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[int(q) - 1]


def _filters(rng: random.Random, states: list[str]) -> ProfileFilter:
    choice = rng.randrange(4)
    if choice == 0:
        return ProfileFilter()
    if choice == 1:
        return ProfileFilter(segments=(rng.choice(SEGMENTS),))
    if choice == 2:
        return ProfileFilter(states=tuple(rng.sample(states, k=min(3, len(states)))), ltv_min=1000)
    return ProfileFilter(
        card_types=("Gold", "Platinum"), risk_categories=("High Risk", "Medium Risk")
    )


def segment_explorer(t: Timer, source, flt: ProfileFilter) -> None:
    t.run("segments.data_status", queries.data_status, source)
    t.run("segments.filter_options", queries.filter_options, source)
    t.run("segments.kpis", queries.segment_kpis, source, flt)
    t.run("segments.distribution", queries.segment_distribution, source, flt)
    t.run("segments.ltv_box", queries.ltv_box_stats, source, flt)
    t.run("segments.churn_histogram", queries.churn_histogram, source, flt)
    t.run("segments.mom_trend", queries.mom_trend, source, flt)
    t.run("segments.page", queries.customer_page, source, flt, limit=25, offset=0)


def customer_lookup(t: Timer, source, term: str, customer_id: str) -> None:
    t.run("customer.search", queries.search_customers, source, term)
    t.run("customer.profile", queries.customer_profile, source, customer_id)


def customer_360(t: Timer, source, customer_id: str) -> None:
    t.run("customer.monthly_spend", queries.customer_monthly_spend, source, customer_id)
    t.run("customer.transactions", queries.customer_transactions, source, customer_id)
    t.run("customer.card_history", queries.customer_card_history, source, customer_id)
    t.run("customer.churn", queries.customer_churn, source, customer_id)


def campaign(t: Timer, source, flt: ProfileFilter) -> None:
    t.run("campaign.audience", queries.audience_summary, source, flt)
    for scenario in PREBUILT_SCENARIOS:
        t.run(
            "campaign.scenario_audience",
            queries.audience_summary,
            source,
            ProfileFilter.from_audience(scenario.audience),
        )
    coefficients = priority_coefficients(PREBUILT_SCENARIOS[0].params)
    t.run("campaign.target_summary", queries.target_summary, source, flt, coefficients)
    t.run(
        "campaign.target_top50",
        queries.target_list,
        source,
        flt,
        coefficients,
        limit=50,
        paying_only=True,
    )


def campaign_experiment(t: Timer, source, flt: ProfileFilter) -> None:
    """The Experiment sub-tab: the audience's members, their seeded split, stored campaigns."""
    from toolkit.experiments import assign_holdout

    members = t.run("experiment.audience_members", experiment_queries.audience_members, source, flt)
    t.run("experiment.assign_holdout", assign_holdout, members, holdout_fraction=0.2, seed=42)
    t.run("experiment.stored_campaigns", experiment_queries.stored_campaigns, source)


def pipeline_health(t: Timer, source) -> None:
    """Every query of the Pipeline Health page, in the order its sections render."""
    h = health_queries
    runs = t.run("health.recent_runs", h.recent_runs, source)
    t.run("health.run_steps", h.run_steps, source, tuple(runs["run_id"]))
    t.run("health.load_totals", h.load_totals, source)
    t.run("health.rejects_by_reason", h.rejects_by_reason, source)
    t.run("health.load_batches", h.load_batches, source)
    t.run("health.rejected_sample", h.rejected_sample, source)
    t.run("health.data_quality", h.data_quality, source)
    t.run("health.layer_counts", h.layer_counts_over_time, source)
    t.run("health.latest_table_counts", h.latest_table_counts, source)
    t.run("health.model_versions", h.model_versions, source)
    t.run("health.feedback_summary", h.feedback_summary, source)
    t.run("health.unanswered", h.unanswered_questions, source)


def assistant(t: Timer, source, question: str) -> None:
    from toolkit.assistant import ask

    with source.assistant_connection() as connection:
        answer = t.run("assistant.ask", ask, question, connection=connection)
    if answer.get("error"):
        print(f"  note: assistant declined {question!r}: {answer['error']}")


TABS = {
    "Segment Explorer": "segments.",
    "Customer 360 (whole tab)": "customer.",
    "AI Assistant (one question)": "assistant.",
    "Campaign Simulator": "campaign.",
    "Campaign experiment (sub-tab)": "experiment.",
    "Pipeline Health": "health.",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", type=Path, default=Path("/tmp/bench/c360.duckdb"))
    parser.add_argument("--iterations", type=int, default=40)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args(argv)
    if not args.db.exists():
        print(f"no database at {args.db}; build one with: uv run c360 demo --no-app --db {args.db}")
        return 2

    source = DuckDBSource(args.db)
    rng = random.Random(args.seed)
    customers = source.query("select count(*) as n from gold.customer_360_profile")["n"].iloc[0]
    transactions = source.query("select count(*) as n from gold.fct_transactions")["n"].iloc[0]
    sample = source.query(
        "select customer_id, full_name from gold.customer_360_profile using sample 500 rows"
    )
    states = queries.filter_options(source)["states"]
    print(f"database {args.db}: {customers:,} customers, {transactions:,} transactions")
    print(f"iterations: {args.iterations} per tab (after one warm-up pass)\n")

    def one_pass(timer: Timer, i: int) -> dict[str, float]:
        row = sample.iloc[rng.randrange(len(sample))]
        flt = _filters(rng, states)
        name_fragment = row.full_name.split()[-1][:5].lower()
        per_tab = {}
        for tab, work in (
            ("Segment Explorer", lambda: segment_explorer(timer, source, flt)),
            (
                "Customer lookup by id (search+profile)",
                lambda: customer_lookup(timer, source, row.customer_id.lower(), row.customer_id),
            ),
            (
                "Customer lookup by name (search+profile)",
                lambda: customer_lookup(timer, source, name_fragment, row.customer_id),
            ),
            ("Customer 360 (whole tab)", lambda: customer_360(timer, source, row.customer_id)),
            (
                "AI Assistant (one question)",
                lambda: assistant(timer, source, SUGGESTED_QUESTIONS[i % len(SUGGESTED_QUESTIONS)]),
            ),
            ("Campaign Simulator", lambda: campaign(timer, source, flt)),
            ("Campaign experiment (sub-tab)", lambda: campaign_experiment(timer, source, flt)),
            ("Pipeline Health", lambda: pipeline_health(timer, source)),
        ):
            start = time.perf_counter()
            work()
            per_tab[tab] = (time.perf_counter() - start) * 1000
        # The whole Customer 360 tab includes its lookup.
        per_tab["Customer 360 (whole tab)"] += per_tab["Customer lookup by id (search+profile)"]
        return per_tab

    one_pass(Timer(), 0)  # warm-up: DuckDB buffers, Python imports, semantic model
    timer = Timer()
    tab_samples: dict[str, list[float]] = defaultdict(list)
    for i in range(args.iterations):
        for tab, ms in one_pass(timer, i).items():
            tab_samples[tab].append(ms)

    print(f"{'per tab (data ready)':<42}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}  target")
    targets = {
        "Customer lookup by id (search+profile)": 50,
        "Customer lookup by name (search+profile)": 50,
    }
    for tab, values in tab_samples.items():
        target = targets.get(tab, 300)
        p95 = percentile(values, 95)
        flag = "ok" if p95 <= target else "OVER"
        print(
            f"{tab:<42}{percentile(values, 50):>10.1f}{p95:>10.1f}{max(values):>10.1f}  ≤ {target} ms p95 {flag}"
        )
    print(f"\n{'per query':<40}{'p50 ms':>10}{'p95 ms':>10}{'calls':>10}")
    for name, values in timer.samples.items():
        print(
            f"{name:<40}{percentile(values, 50):>10.1f}{percentile(values, 95):>10.1f}{len(values):>10}"
        )

    start = time.perf_counter()
    export = queries.customer_export(source, ProfileFilter())
    export_ms = (time.perf_counter() - start) * 1000
    print(
        f"\nCSV export of all customers (on request only): {len(export):,} rows in {export_ms:.0f} ms"
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak_mb:.0f} MB")
    source.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

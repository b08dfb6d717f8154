"""Local handlers of the pipeline steps: thin adapters from RunContext to each module."""

from __future__ import annotations

from toolkit.pipeline.runner import RunContext, StepResult


def generate_step(ctx: RunContext) -> StepResult:
    from toolkit.generate import generate_landing

    summary = generate_landing(
        ctx.landing_dir, customers=ctx.customers, seed=ctx.seed, dirty_rate=ctx.dirty_rate
    )
    return StepResult(rows_out=summary.transactions, message=summary.describe())


def load_step(ctx: RunContext) -> StepResult:
    from toolkit.pipeline.load import load_landing

    summary = load_landing(ctx.db_path, ctx.landing_dir)
    return StepResult(
        rows_in=summary.rows_in, rows_out=summary.rows_loaded, message=summary.describe()
    )


def _dbt_step(ctx: RunContext, step_name: str) -> StepResult:
    """Run the dbt command the DAG declares for this step (the same args Snowflake runs)."""
    from toolkit.pipeline.dag import PIPELINE
    from toolkit.pipeline.dbt_runner import run_dbt_step

    return run_dbt_step(ctx, next(s.dbt_args for s in PIPELINE if s.name == step_name))


def build_step(ctx: RunContext) -> StepResult:
    return _dbt_step(ctx, "build")


def refresh_profile_step(ctx: RunContext) -> StepResult:
    return _dbt_step(ctx, "refresh_profile")


def train_step(ctx: RunContext) -> StepResult:
    from toolkit.churn import train_model

    result = train_model(ctx.db_path, seed=ctx.seed)
    return StepResult(rows_in=getattr(result, "rows", None), message=result.describe())


def score_step(ctx: RunContext) -> StepResult:
    from toolkit.churn import score_customers

    result = score_customers(ctx.db_path)
    return StepResult(rows_out=getattr(result, "rows", None), message=result.describe())


def observability_step(ctx: RunContext) -> StepResult:
    from toolkit.pipeline.layer_counts import record_layer_counts

    rows = record_layer_counts(ctx.db_path, run_id=ctx.run_id)
    return StepResult(rows_out=rows, message=f"{rows} tables counted")

"""The ``c360`` command line: every command in docs/CONTRACT.md.

Each command's docstring is its ``--help`` text, with an example. Imports of the
heavy pieces happen inside the commands so ``c360 --help`` stays instant.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from click import exceptions as click_exceptions

from toolkit.config import (
    CLOUD_ENVIRONMENTS,
    DEFAULT_CUSTOMERS,
    DEFAULT_SEED,
    ENVIRONMENTS,
    default_db_path,
)
from toolkit.errors import C360Error

# With rich installed, typer 0.19 escapes the "[default: …]" suffix for rich markup even when
# rich_markup_mode=None hands help to click's plain formatter, so --help printed "\[default: …]"
# (typer/core.py, TyperOption.get_help_record: `if HAS_RICH: escape_before_html_export`).
# Help here is plain click text, so typer is told rich is absent for formatting.
typer.core.HAS_RICH = False

app = typer.Typer(
    name="c360",
    help="c360 — Customer 360 for a credit-card portfolio, on DuckDB locally and Snowflake in the cloud.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
pipeline_app = typer.Typer(
    help="Run the pipeline DAG.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(pipeline_app, name="pipeline")


# ----------------------------------------------------------------- shared options
def _positive(value: int) -> int:
    if value < 1:
        raise typer.BadParameter("must be at least 1")
    return value


def _rate(value: float) -> float:
    if not 0.0 <= value <= 0.5:
        raise typer.BadParameter("must be between 0 and 0.5")
    return value


def _cloud_env(value: str) -> str:
    if value not in CLOUD_ENVIRONMENTS:
        raise typer.BadParameter(f"must be one of: {', '.join(CLOUD_ENVIRONMENTS)}")
    return value


DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="DuckDB file (default: $C360_DUCKDB_PATH or .c360/c360.duckdb).",
        show_default=False,
    ),
]
CustomersOption = Annotated[
    int,
    typer.Option("--customers", "-n", help="Number of customers to generate.", callback=_positive),
]
SeedOption = Annotated[int, typer.Option("--seed", help="Random seed: same seed, same data.")]
DirtyRateOption = Annotated[
    float,
    typer.Option(
        "--dirty-rate", help="Fraction of malformed raw rows to inject (0-0.5).", callback=_rate
    ),
]
LandingOption = Annotated[
    Path | None,
    typer.Option(
        "--landing",
        "--out",
        help="Landing folder (default: 'landing' beside the database).",
        show_default=False,
    ),
]


def _db(db: Path | None) -> Path:
    """The database path; an existing file that is not a c360 database is refused."""
    from toolkit.safety import check_database_path

    return check_database_path(db if db is not None else default_db_path())


# ----------------------------------------------------------------- commands
@app.command()
def demo(
    customers: CustomersOption = DEFAULT_CUSTOMERS,
    seed: SeedOption = DEFAULT_SEED,
    dirty_rate: DirtyRateOption = 0.0,
    no_app: Annotated[
        bool, typer.Option("--no-app", help="Build everything but do not open the app.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Build the whole platform locally (generate, load, dbt build, train, score) and open the app.

    Example: c360 demo --customers 5000 --no-app
    """
    from toolkit.pipeline.runner import run_pipeline

    db_path = _db(db)
    run_pipeline(
        db_path, env="local", customers=customers, seed=seed, dirty_rate=dirty_rate, fresh=True
    )
    if not no_app:
        from toolkit.app_launcher import launch_app

        launch_app(db_path)


@pipeline_app.command("run")
def pipeline_run(
    env: Annotated[
        str, typer.Option("--env", help="Environment to run (only 'local' runs in-process).")
    ] = "local",
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue after the last successful step.")
    ] = False,
    customers: CustomersOption = DEFAULT_CUSTOMERS,
    seed: SeedOption = DEFAULT_SEED,
    dirty_rate: DirtyRateOption = 0.0,
    db: DbOption = None,
) -> None:
    """Run the pipeline DAG in order, recording each step in observability.pipeline_runs.

    Example: c360 pipeline run --env local --customers 2000 --dirty-rate 0.01
    """
    from toolkit.pipeline.runner import run_pipeline

    if env not in ENVIRONMENTS:
        raise C360Error(f"unknown environment {env!r}; expected one of: {', '.join(ENVIRONMENTS)}")
    if env != "local":
        raise C360Error(
            f"the {env} pipeline runs as a Snowflake tasks DAG; deploy it with `c360 deploy {env}`"
        )
    db_path = _db(db)
    run_pipeline(
        db_path, env=env, customers=customers, seed=seed, dirty_rate=dirty_rate, resume=resume
    )
    from toolkit.alerts import check_after_run

    # The conditions Snowflake's alerts notify on (toolkit/alerts.py) fail a local run too.
    open_alerts = check_after_run(db_path, env)
    if open_alerts:
        reasons = "; ".join(f"{c.alert}: {c.reason}" for c in open_alerts)
        raise C360Error(f"the run finished with {len(open_alerts)} open alert(s) — {reasons}")


@app.command()
def status(db: DbOption = None) -> None:
    """Print the last pipeline run, its steps, and any open alert condition (exit 1 if one is open).

    Example: c360 status
    """
    from toolkit.status import read_status

    current = read_status(_db(db))
    typer.echo(current.describe())
    if current.conditions:
        raise C360Error(f"{len(current.conditions)} open alert condition(s); see above")


@pipeline_app.command("steps")
def pipeline_steps() -> None:
    """List the pipeline DAG's steps and their dependencies.

    Example: c360 pipeline steps
    """
    from toolkit.pipeline.dag import PIPELINE

    for step in PIPELINE:
        after = ", ".join(step.after) or "(root)"
        typer.echo(f"{step.name:<16} after {after:<18} {step.description}")


@app.command()
def generate(
    customers: CustomersOption = DEFAULT_CUSTOMERS,
    seed: SeedOption = DEFAULT_SEED,
    dirty_rate: DirtyRateOption = 0.0,
    out: LandingOption = None,
    db: DbOption = None,
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="Also upload the landing folder to s3://BUCKET/PREFIX (files already there are skipped).",
        ),
    ] = None,
) -> None:
    """Generate the synthetic portfolio into the landing folder (laid out like the S3 bucket).

    Example: c360 generate --customers 50000 --seed 42 --dirty-rate 0.01
    Example: c360 generate --customers 2000 --dirty-rate 0.02 --to s3://c360-dev-landing/
    """
    from toolkit.config import default_landing_dir
    from toolkit.generate import generate_landing

    landing = out or default_landing_dir(_db(db))
    summary = generate_landing(landing, customers=customers, seed=seed, dirty_rate=dirty_rate)
    typer.echo(summary.describe())
    if to:
        from toolkit.cloud.s3_upload import upload_landing

        typer.echo(upload_landing(landing, to).describe(to))


@app.command()
def load(landing: LandingOption = None, db: DbOption = None) -> None:
    """Load new landing batches into bronze; bad rows go to bronze.rejected_rows with a reason.

    Loading a batch twice adds nothing.
    Example: c360 load --db .c360/c360.duckdb
    """
    from toolkit.config import default_landing_dir
    from toolkit.pipeline.load import load_landing

    db_path = _db(db)
    summary = load_landing(db_path, landing or default_landing_dir(db_path))
    typer.echo(summary.describe())


@app.command()
def build(
    db: DbOption = None,
    full_refresh: Annotated[
        bool, typer.Option("--full-refresh", help="Rebuild incremental models.")
    ] = False,
    select: Annotated[
        str | None, typer.Option("--select", "-s", help="dbt node selection.")
    ] = None,
) -> None:
    """Run dbt build (silver, snapshot, gold, tests) on the local DuckDB database.

    Example: c360 build --select customer_360_profile+
    """
    from toolkit.pipeline.dbt_runner import build as dbt_build

    dbt_build(_db(db), full_refresh=full_refresh, select=select)


@app.command()
def train(
    db: DbOption = None,
    seed: SeedOption = DEFAULT_SEED,
    force: Annotated[
        bool, typer.Option("--force", help="Promote even if ROC-AUC dropped.")
    ] = False,
) -> None:
    """Train a new version of the churn model; promote it unless ROC-AUC dropped.

    Example: c360 train --seed 42
    """
    from toolkit.churn import train_model

    result = train_model(_db(db), seed=seed, force=force)
    typer.echo(result.describe())


@app.command()
def score(db: DbOption = None) -> None:
    """Score every customer with the promoted churn model into gold.churn_predictions.

    Example: c360 score
    """
    from toolkit.churn import score_customers

    result = score_customers(_db(db))
    typer.echo(result.describe())


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="A question in plain English.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    db: DbOption = None,
) -> None:
    """Ask the assistant a question about the portfolio; it answers with SQL and rows, or declines.

    Example: c360 ask "How many high-risk customers are there per segment?"
    """
    from toolkit.assistant import ask as ask_question

    answer = ask_question(question, db_path=_db(db))
    if as_json:
        typer.echo(json.dumps(answer, default=str))
        return
    if answer.get("error"):
        raise C360Error(answer["error"])
    from toolkit.assistant import format_answer

    typer.echo(format_answer(answer))


@app.command("app")
def app_command(
    db: DbOption = None,
    port: Annotated[int, typer.Option("--port", help="Port to serve on.")] = 8501,
    host: Annotated[
        str,
        typer.Option("--host", help="Address to listen on (0.0.0.0 shares it on the network)."),
    ] = "127.0.0.1",
) -> None:
    """Open the Streamlit app on the local database (on this machine only, unless --host).

    Example: c360 app --port 8502
    """
    from toolkit.app_launcher import launch_app

    launch_app(_db(db), port=port, host=host)


@app.command()
def synth(
    hcl: Annotated[
        bool, typer.Option("--hcl", help="Also write plain Terraform (HCL-compatible) files.")
    ] = False,
) -> None:
    """Synthesize the dev and prod stacks to cdktf.out/stacks/{dev,prod}/cdk.tf.json.

    Example: c360 synth
    """
    from toolkit.cloud.deploy import synth as synth_stacks

    for path in synth_stacks(hcl=hcl):
        typer.echo(str(path))


@app.command()
def deploy(
    env: Annotated[str, typer.Argument(help="dev or prod", callback=_cloud_env)],
    plan_only: Annotated[bool, typer.Option("--plan-only", help="Plan, do not apply.")] = False,
    auto_approve: Annotated[bool, typer.Option("--yes", help="Apply without asking.")] = False,
) -> None:
    """Synthesize and deploy one environment with Terraform (plan, then apply on confirmation).

    Example: c360 deploy dev --plan-only
    """
    from toolkit.cloud.deploy import deploy as deploy_stack

    deploy_stack(env, plan_only=plan_only, auto_approve=auto_approve)


@app.command()
def smoke(env: Annotated[str, typer.Argument(help="dev or prod", callback=_cloud_env)]) -> None:
    """Post-deploy checks on a Snowflake environment (tasks, procedures, app, dbt tests, row counts).

    Example: c360 smoke dev
    """
    from toolkit.cloud.smoke import smoke as smoke_checks

    smoke_checks(env)


@app.command()
def preflight(
    env: Annotated[str, typer.Argument(help="dev or prod", callback=_cloud_env)],
) -> None:
    """Before the first deploy: check, with the deploy credentials, what plan and apply assume.

    Bootstrap done (provider roles, resource monitor, CREATE INTEGRATION, Anaconda terms),
    every procedure package in Snowflake's Anaconda channel, the git origin reachable, the S3
    bucket names free and the state bucket present. One line per check, with the fix for
    each failure; exits non-zero when any fails.

    Example: c360 preflight dev
    """
    from toolkit.cloud.preflight import preflight as preflight_checks

    preflight_checks(env)


# ----------------------------------------------------------------- entry point
def main(argv: list[str] | None = None) -> int:
    """Run the CLI; user errors become one line on stderr and a non-zero exit."""
    try:
        app(args=argv, prog_name="c360", standalone_mode=False)
    except click_exceptions.Exit as exc:
        return exc.exit_code
    except click_exceptions.Abort:
        typer.echo("c360: aborted", err=True)
        return 130
    except click_exceptions.UsageError as exc:
        command = f" {exc.ctx.info_name}" if exc.ctx and exc.ctx.parent else ""
        typer.echo(f"c360{command}: error: {exc.format_message()}", err=True)
        return 2
    except (C360Error, FileNotFoundError, ValueError) as exc:
        typer.echo(f"c360: error: {exc}", err=True)
        return 1
    except KeyboardInterrupt:
        typer.echo("c360: interrupted", err=True)
        return 130
    except Exception as exc:  # an unexpected failure: still one line, traceback on request
        if os.environ.get("C360_DEBUG"):
            raise
        typer.echo(
            f"c360: error: {type(exc).__name__}: {exc} (set C360_DEBUG=1 for a traceback)", err=True
        )
        return 1
    return 0


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()

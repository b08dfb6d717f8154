"""Runs the dbt project on the local target. Implemented by issue #3."""

from toolkit.errors import NotBuiltYet


def build(db_path, *, full_refresh=False, select=None):
    raise NotBuiltYet("c360 build (dbt)", 3)


def run_dbt_step(ctx, dbt_args):
    raise NotBuiltYet("the dbt step", 3)

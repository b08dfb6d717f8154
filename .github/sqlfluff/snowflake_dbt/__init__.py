"""What dbt-snowflake puts in a model's Jinja context, for sqlfluff's offline jinja templater.

CI lints the dbt models twice: with the dbt templater on the local DuckDB target, and with
`--dialect snowflake --templater jinja`, because compiling for the Snowflake target needs a
live connection. This package (``library_path`` in .sqlfluff) stands in for the pieces of
dbt that sqlfluff's own dbt builtins lack, rendering what dbt-snowflake would render:
``dbt.<cross-database macro>``, ``adapter.dispatch`` (resolves ``snowflake__<macro>``,
then ``default__<macro>``, from the project's macros), ``target`` and ``var`` (values
from dbt_project.yml).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from types import SimpleNamespace

import yaml
from jinja2 import pass_context

# sqlfluff puts every module-level name into the Jinja context; these are the ones meant.
__all__ = ["adapter", "dbt", "target", "var"]

DBT_PROJECT = Path(__file__).resolve().parents[3] / "dbt" / "dbt_project.yml"


class _CrossDatabaseMacros:
    """dbt's cross-database macros as dbt-snowflake renders them."""

    def datediff(self, first_date, second_date, datepart):
        return f"datediff({datepart}, {first_date}, {second_date})"

    def dateadd(self, datepart, interval, from_date_or_timestamp):
        return f"dateadd({datepart}, {interval}, {from_date_or_timestamp})"

    def date_trunc(self, datepart, date):
        return f"date_trunc('{datepart}', {date})"

    def current_timestamp(self):
        return "convert_timezone('UTC', current_timestamp())::timestamp_ntz"

    def type_string(self):
        return "varchar"

    def type_timestamp(self):
        return "timestamp_ntz"

    def type_int(self):
        return "integer"

    def type_bigint(self):
        return "bigint"

    def type_float(self):
        return "float"

    def type_numeric(self):
        return "numeric(28, 6)"

    def type_boolean(self):
        return "boolean"


class _Adapter:
    def dispatch(self, macro_name, macro_namespace=None):
        @pass_context
        def dispatched(context, *args, **kwargs):
            for prefix in ("snowflake__", "default__"):
                macro = context.resolve_or_missing(prefix + macro_name)
                if callable(macro):
                    return macro(*args, **kwargs)
            raise LookupError(f"no snowflake__ or default__ implementation of {macro_name}")

        return dispatched

    def get_relation(self, database=None, schema=None, identifier=None):
        return None  # offline: no relation exists yet


@cache
def _project_vars() -> dict:
    return yaml.safe_load(DBT_PROJECT.read_text()).get("vars", {})


def var(name, default=None):
    """dbt's var(): the project's own value, so arithmetic on it renders real SQL."""
    return _project_vars().get(name, default)


dbt = _CrossDatabaseMacros()
adapter = _Adapter()
target = SimpleNamespace(
    name="dev", type="snowflake", schema="gold", database="C360_DEV", threads=8
)

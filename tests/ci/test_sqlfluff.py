"""The sqlfluff setup CI lints the dbt project with (.sqlfluff + the snowflake stand-ins).

The PR workflow lints style; here the suite checks what must never break: every model
renders offline for Snowflake (no templating error) and parses in the snowflake dialect
(DuckDB-only SQL would fail to parse), and the stand-ins render what dbt-snowflake would.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / ".github" / "sqlfluff"


@pytest.fixture(scope="module")
def stand_ins():
    sys.path.insert(0, str(LIBRARY))
    try:
        import snowflake_dbt

        yield snowflake_dbt
    finally:
        sys.path.remove(str(LIBRARY))
        sys.modules.pop("snowflake_dbt", None)


def test_config_lints_dbt_with_both_dialects():
    config = (ROOT / ".sqlfluff").read_text()
    assert "dialect = duckdb" in config and "templater = dbt" in config
    assert "library_path = .github/sqlfluff/snowflake_dbt" in config
    workflow = (ROOT / ".github" / "workflows" / "ci.yml").read_text()
    assert "sqlfluff lint dbt --dialect duckdb --templater dbt" in workflow
    assert "--dialect snowflake --templater jinja" in workflow


def test_stand_ins_render_dbt_snowflake_sql(stand_ins):
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    macros = env.from_string(
        "{% macro snowflake__dow(d) %}extract(dayofweekiso from {{ d }}){% endmacro %}"
        "{% macro default__dow(d) %}extract(isodow from {{ d }}){% endmacro %}"
        "{% macro default__only(d) %}plain({{ d }}){% endmacro %}"
    )
    context = {
        "dbt": stand_ins.dbt,
        "adapter": stand_ins.adapter,
        "target": stand_ins.target,
        "var": stand_ins.var,
        "snowflake__dow": macros.module.snowflake__dow,
        "default__dow": macros.module.default__dow,
        "default__only": macros.module.default__only,
    }
    template = env.from_string(
        "{{ dbt.dateadd('day', -var('window_days'), 'as_of') }} | "
        "{{ dbt.datediff('a', 'b', 'day') }} | {{ dbt.type_string() }} | "
        "{{ adapter.dispatch('dow', 'c360')('d') }} | {{ adapter.dispatch('only')('x') }} | "
        "{{ target.type }}"
    )
    assert template.render(context) == (
        "dateadd(day, -90, as_of) | datediff(day, a, b) | varchar | "
        "extract(dayofweekiso from d) | plain(x) | snowflake"
    )


def test_every_dbt_model_renders_and_parses_for_snowflake():
    paths = [p for p in ("dbt/models", "dbt/tests", "dbt/analyses") if (ROOT / p).is_dir()]
    assert "dbt/models" in paths
    result = subprocess.run(
        [sys.executable, "-m", "sqlfluff", "lint", *paths, "--dialect", "snowflake",
         "--templater", "jinja", "--format", "json", "--processes", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    files = json.loads(result.stdout)
    assert len(files) >= 10, result.stderr
    broken = [
        f"{f['filepath']}:{v['start_line_no']} {v['code']} {v['description']}"
        for f in files
        for v in f["violations"]
        if v["code"] in {"TMP", "PRS"}
    ]
    assert broken == []

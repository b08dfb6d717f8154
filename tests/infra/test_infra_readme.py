"""The README's dev/prod table says exactly what toolkit.config says."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.config import ENVIRONMENTS

README = Path(__file__).resolve().parents[2] / "README.md"


def _table() -> dict[str, tuple[str, str]]:
    text = README.read_text()
    section = text.split("## Environments: dev and prod side by side", 1)[1]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] not in ("setting (`toolkit/config.py`)", "---"):
            rows[cells[0]] = (cells[1], cells[2])
    return rows


def _expected(env) -> dict[str, str]:
    w = env.warehouses
    return {
        "Snowflake database": f"`{env.database}`",
        "warehouses load / transform / app": f"{w['load'].size} / {w['transform'].size} / {w['app'].size}",
        "warehouse auto-suspend": f"{w['load'].auto_suspend_seconds} s",
        "pipeline schedule (root task, UTC cron)": f"`{env.schedule_cron}`",
        "Time Travel retention": f"{env.data_retention_days} day"
        + ("s" if env.data_retention_days != 1 else ""),
        "monthly credit quota (resource monitor)": str(env.monthly_credit_quota),
        "landing / access-log bucket": f"`{env.landing_bucket}` / `{env.log_bucket}`",
        "noncurrent landing versions kept": f"{env.landing_noncurrent_days} days",
        "Terraform state key": f"`{env.state_key}`",
        "role prefix (functional roles)": f"`{env.role_prefix}_`",
    }


@pytest.mark.parametrize("column, env", [(0, "dev"), (1, "prod")])
def test_readme_side_by_side_table_matches_the_config(column, env):
    table = _table()
    expected = _expected(ENVIRONMENTS[env])
    assert set(table) == set(expected)
    assert {k: v[column] for k, v in table.items()} == expected

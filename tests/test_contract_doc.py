"""docs/CONTRACT.md is true: its commands exist, its vocabularies are toolkit.domain's, and
its tables and columns exist in a real local build.

The lists are read from the document itself, so the page and the code cannot drift apart.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from toolkit import domain
from toolkit.cli import main

CONTRACT = Path(__file__).resolve().parent.parent / "docs" / "CONTRACT.md"


def _section(title: str) -> str:
    text = CONTRACT.read_text()
    start = text.index(f"## {title}\n")
    following = text.find("\n## ", start + 1)
    return text[start : following if following != -1 else None]


def contract_commands() -> list[list[str]]:
    """``c360 ...`` commands named in the first column of the command table."""
    rows = re.findall(r"^\| `c360 ([a-z ]+)` \|", _section("Command line"), flags=re.M)
    return [row.split() for row in rows]


def contract_vocabularies() -> dict[str, list[str]]:
    section = _section("Fixed vocabularies")
    return {
        name: re.findall(r"`([^`]+)`", values)
        for name, values in re.findall(r"^- (\w+): (.+)$", section, flags=re.M)
    }


def contract_tables() -> list[tuple[str, str, list[str]]]:
    """(schema, table, required columns) for every bullet under each schema heading."""
    section = _section("Tables and the columns that must exist")
    tables = []
    for schema, body in re.findall(r"^### (\w+)\n(.*?)(?=^### |\Z)", section, flags=re.M | re.S):
        for table, columns in re.findall(r"^- `(\w+)`(?::\s*(.+))?$", body, flags=re.M):
            tables.append((schema, table, re.findall(r"`(\w+)`", columns or "")))
    return tables


def test_the_document_lists_what_the_tests_read():
    # a reformatted page must not silently turn these checks into no-ops
    assert len(contract_commands()) >= 15
    assert set(contract_vocabularies()) == {
        "customer_segment",
        "churn_risk_category",
        "card_type",
        "status",
        "channel",
    }
    assert len(contract_tables()) >= 20


@pytest.mark.parametrize("command", contract_commands(), ids=" ".join)
def test_every_documented_command_exists(command, capsys):
    assert main([*command, "--help"]) == 0
    assert "Usage" in capsys.readouterr().out


def test_documented_vocabularies_are_the_domain_module():
    vocabularies = contract_vocabularies()
    assert tuple(vocabularies["customer_segment"]) == domain.SEGMENTS
    assert tuple(vocabularies["churn_risk_category"]) == domain.RISK_CATEGORIES
    assert tuple(vocabularies["card_type"]) == domain.CARD_TYPES
    assert tuple(vocabularies["status"]) == domain.STATUSES
    assert tuple(vocabularies["channel"]) == domain.CHANNELS


def test_documented_risk_ranges_are_the_domain_bands():
    text = _section("Fixed vocabularies")
    for band in domain.RISK_BANDS:
        assert f"{band.name} {band.low}-{band.high}" in text


def test_documented_tables_and_columns_exist_in_a_real_build(built_db):
    con = duckdb.connect(str(built_db), read_only=True)
    try:
        missing = []
        for schema, table, required in contract_tables():
            columns = {
                row[0]
                for row in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = ? and table_name = ?",
                    [schema, table],
                ).fetchall()
            }
            if not columns:
                missing.append(f"{schema}.{table}")
                continue
            missing += [f"{schema}.{table}.{c}" for c in required if c not in columns]
            if schema != "bronze" or table != "rejected_rows":  # a clean build rejects nothing
                (rows,) = con.execute(f"select count(*) from {schema}.{table}").fetchone()
                if not rows:
                    missing.append(f"{schema}.{table} is empty")
    finally:
        con.close()
    assert missing == []

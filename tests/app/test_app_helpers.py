"""Pure helpers of the app: formatting, risk-factor parsing, chart choice."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from c360_app import charts, fmt
from c360_app.data import normalise
from c360_app.tab_customer import risk_factors, top_categories


def test_money_formats():
    assert fmt.money(1234.5) == "$1,234"  # banker's rounding of .5 is fine for display
    assert fmt.money(1234.567, cents=True) == "$1,234.57"
    assert fmt.money(-5233.2) == "-$5,233"
    assert fmt.money(None) == fmt.money(float("nan")) == "–"
    assert fmt.money_compact(17_234_567) == "$17.2M"
    assert fmt.money_compact(785_800) == "$785.8K"
    assert fmt.money_compact(950) == "$950"
    assert fmt.money_compact(-2_500) == "-$2.5K"
    assert fmt.money_fit(99_999.4) == "$99,999"
    assert fmt.money_fit(319_280.44) == "$319.3K"
    assert fmt.money_fit(Decimal("12.50")) == "$12"


def test_percent_count_arrow_and_markdown():
    assert fmt.percent(0.256) == "25.6%"
    assert fmt.percent(0.05, signed=True, digits=0) == "+5%"
    assert fmt.count(1234.4) == "1,234"
    assert [fmt.arrow(x) for x in (3, -1, 0, None)] == ["▲", "▼", "▬", ""]
    assert fmt.md("$15,000 → $30,000") == "\\$15,000 → \\$30,000"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, []),
        ("", []),
        (["spend fell 40%", "no travel"], ["spend fell 40%", "no travel"]),
        (np.array(["a", "b"]), ["a", "b"]),
        (json.dumps(["x", "y"]), ["x", "y"]),
        ("recency; utilisation | frequency", ["recency", "utilisation", "frequency"]),
        ([{"feature": "recency_days", "impact": 0.3}], ["recency_days (0.3)"]),
        ({"description": "gone quiet"}, ["gone quiet"]),
    ],
)
def test_risk_factors_accepts_every_shape(raw, expected):
    assert risk_factors(raw) == expected


def test_top_categories_lumps_the_tail():
    frame = pd.DataFrame(
        {
            "category_name": [f"c{i}" for i in range(12)],
            "spend": [float(100 - i) for i in range(12)],
            "transactions": [1] * 12,
        }
    )
    frame["share"] = frame["spend"] / frame["spend"].sum()
    top = top_categories(frame, keep=8)
    assert len(top) == 9
    assert top["category_name"].iloc[-1] == "Other (4 categories)"
    assert top["spend"].sum() == pytest.approx(frame["spend"].sum())
    assert len(top_categories(frame.head(9), keep=8)) == 9  # one extra is not lumped


def test_normalise_lowercases_and_floats_decimals():
    frame = normalise(pd.DataFrame({"CUSTOMER_ID": ["C1"], "LTV": [Decimal("10.25")]}))
    assert list(frame.columns) == ["customer_id", "ltv"]
    assert frame["ltv"].dtype == float and frame["ltv"].iloc[0] == 10.25


def test_chart_choice_follows_the_result_shape():
    assert charts.choose_chart(pd.DataFrame({"n": [5]}))[0] == "metric"
    assert charts.choose_chart(pd.DataFrame())[0] == "table"
    by_segment = pd.DataFrame({"segment": ["a", "b"], "customers": [3, 4]})
    assert charts.choose_chart(by_segment)[0] == "bar"
    monthly = pd.DataFrame(
        {"month": [dt.date(2024, 1, 1), dt.date(2024, 2, 1)], "spend": [1.0, 2.0]}
    )
    assert charts.choose_chart(monthly)[0] == "line"
    as_text = pd.DataFrame({"transaction_month": ["2023-07-01", "2023-08-01"], "total": [1.0, 2.0]})
    assert charts.choose_chart(as_text)[0] == "line"
    pairs = pd.DataFrame({"id": [f"c{i}" for i in range(60)], "x": range(60), "y": range(60)})
    assert charts.choose_chart(pairs)[0] == "scatter"
    names = pd.DataFrame({"name": ["a"], "email": ["b"]})
    assert charts.choose_chart(names)[0] == "table"


def test_app_modules_import_without_duckdb():
    """Streamlit in Snowflake has no DuckDB: nothing the app imports may need it up front."""
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    code = """
import builtins, sys
real_import = builtins.__import__
def no_duckdb(name, *args, **kwargs):
    if name == "duckdb" or name.startswith("duckdb."):
        raise ImportError("no duckdb in Streamlit in Snowflake")
    return real_import(name, *args, **kwargs)
builtins.__import__ = no_duckdb
sys.path.append("streamlit")
import toolkit.assistant, toolkit.campaign
from c360_app import data, loaders, queries, tab_assistant, tab_campaign, tab_customer, tab_segments
print("ok")
"""
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("ok")

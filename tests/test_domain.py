"""The fixed vocabularies have one home (toolkit/domain.py); every copy must agree with it.

The dbt project keeps them as vars (its accepted_values tests read them), the semantic
model lists them as sample values, the segmentation model writes the segment names, the
generator draws card types, channels and statuses from them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from toolkit import domain
from toolkit.churn.scoring import risk_category
from toolkit.generate import generate_landing

REPO = Path(__file__).resolve().parent.parent
DBT = REPO / "dbt"
SEMANTIC_MODEL = REPO / "toolkit" / "assistant" / "semantic_model.yaml"


def _dbt_vars() -> dict:
    return yaml.safe_load((DBT / "dbt_project.yml").read_text())["vars"]


@pytest.mark.parametrize(
    ("var", "expected"),
    [
        ("segments", domain.SEGMENTS),
        ("risk_categories", domain.RISK_CATEGORIES),
        ("card_types", domain.CARD_TYPES),
        ("channels", domain.CHANNELS),
        ("statuses", domain.STATUSES),
    ],
)
def test_dbt_vars_equal_the_domain(var, expected):
    assert tuple(_dbt_vars()[var]) == expected


def test_dbt_accepted_values_read_the_vars_not_literal_lists():
    literal_lists = []
    for path in (DBT / "models").rglob("*.yml"):
        text = path.read_text()
        for vocabulary in (domain.SEGMENTS, domain.RISK_CATEGORIES, domain.CARD_TYPES):
            if re.search(r"values:\s*\[\s*" + re.escape(vocabulary[0]), text):
                literal_lists.append(f"{path.relative_to(REPO)}: {vocabulary[0]}")
    assert literal_lists == []


def test_segmentation_model_writes_exactly_the_domain_segments():
    sql = (DBT / "models" / "marts" / "customer" / "customer_segments.sql").read_text()
    case_expression = sql[: sql.index("end as customer_segment")]
    written = set(re.findall(r"then '([^']+)'|else '([^']+)'", case_expression))
    names = {a or b for a, b in written}
    assert names == set(domain.SEGMENTS)


def _semantic_dimension(name: str) -> list[str]:
    model = yaml.safe_load(SEMANTIC_MODEL.read_text())
    for table in model["tables"]:
        for dimension in table.get("dimensions", []):
            if dimension["name"] == name:
                return [str(v) for v in dimension["sample_values"]]
    raise AssertionError(f"semantic model has no dimension {name!r}")


@pytest.mark.parametrize(
    ("dimension", "expected"),
    [
        ("customer_segment", domain.SEGMENTS),
        ("churn_risk_category", domain.RISK_CATEGORIES),
        ("card_type", domain.CARD_TYPES),
        ("channel", domain.CHANNELS),
    ],
)
def test_semantic_model_sample_values_equal_the_domain(dimension, expected):
    assert tuple(_semantic_dimension(dimension)) == expected


def test_risk_bands_cover_0_to_100_without_gaps():
    assert domain.RISK_BANDS[0].low == 0 and domain.RISK_BANDS[-1].high == 100
    for lower, upper in zip(domain.RISK_BANDS, domain.RISK_BANDS[1:], strict=False):
        assert upper.low == lower.high + 1
    # the scoring code labels scores with these bands
    assert list(risk_category([0, 39, 40, 69, 70, 100])) == [
        "Low Risk",
        "Low Risk",
        "Medium Risk",
        "Medium Risk",
        "High Risk",
        "High Risk",
    ]


def test_generator_draws_only_domain_values(tmp_path):
    generate_landing(tmp_path / "landing", customers=300, seed=7)
    first_day = next((tmp_path / "landing" / "transactions").rglob("*.parquet"))
    transactions = pq.ParquetFile(first_day).read()
    assert set(transactions.column("channel").to_pylist()) == set(domain.CHANNELS)
    assert set(transactions.column("status").to_pylist()) == set(domain.STATUSES)
    customer_files = list((tmp_path / "landing" / "customers").rglob("*.*"))
    assert customer_files, "the generator wrote no customer snapshot"
    snapshot = _read_any(customer_files[0])
    assert set(snapshot["card_type"]) <= set(domain.CARD_TYPES)
    for card_type, limit in zip(snapshot["card_type"], snapshot["credit_limit"], strict=True):
        low, high = domain.CREDIT_LIMIT_RANGES[card_type]
        assert low <= float(limit) <= high


def _read_any(path: Path) -> dict[str, list]:
    if path.suffix == ".parquet":
        return pq.ParquetFile(path).read().to_pydict()
    import pandas as pd

    frame = pd.read_csv(path)
    return {column: frame[column].tolist() for column in frame.columns}

"""The local engine's vocabulary is data: the semantic model plus vocabulary.yaml.

Adding a metric is a YAML edit: a copy of the semantic model with one new metric (two
synonyms) is enough for the local engine to answer questions about it, checked here
against SQL written by hand on the gold tables.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

from toolkit.assistant import vocabulary
from toolkit.assistant.local import ask_local
from toolkit.assistant.model import MODEL_PATH

PACKAGE = Path(vocabulary.__file__).parent
NEW_METRIC = {
    "name": "average_credit_headroom",
    "synonyms": ["credit headroom", "unused credit"],
    "description": "Mean credit limit left after the last 90 days' spend.",
    "expr": "AVG(credit_limit - spend_last_90_days)",
}


@pytest.fixture(scope="module")
def model_copy(tmp_path_factory) -> str:
    raw = yaml.safe_load(MODEL_PATH.read_text())
    customers = next(t for t in raw["tables"] if t["name"] == "customers")
    assert all(m["name"] != NEW_METRIC["name"] for m in customers["metrics"])
    customers["metrics"].append(NEW_METRIC)
    path = tmp_path_factory.mktemp("model") / "semantic_model.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return str(path)


def _rows(gold, sql):
    return [
        tuple(float(v) if isinstance(v, int | float) else v for v in r)
        for r in gold.execute(sql).fetchall()
    ]


def test_a_metric_added_to_a_copy_of_the_yaml_is_answered(gold, model_copy):
    headroom = "avg(credit_limit - spend_last_90_days)"
    cases = {
        "What is the credit headroom by card type?": (
            f"select card_type, {headroom} from gold.customer_360_profile group by 1"
        ),
        "Average unused credit in Texas": (
            f"select {headroom} from gold.customer_360_profile where state = 'TX'"
        ),
        "credit headroom for Gold cardholders": (
            f"select {headroom} from gold.customer_360_profile where card_type = 'Gold'"
        ),
    }
    for question, reference in cases.items():
        out = ask_local(question, gold, model_path=model_copy)
        assert out["error"] is None, (question, out["error"])
        got = sorted(tuple(r) for r in out["rows"])
        want = sorted(_rows(gold, reference))
        assert len(got) == len(want) and all(
            g[:-1] == w[:-1] and g[-1] == pytest.approx(w[-1])
            for g, w in zip(got, want, strict=True)
        ), question
        assert "$" in out["answer"], out["answer"]  # its unit was read off its expression
    # ...while the packaged model does not know the word.
    assert ask_local("What is the credit headroom by card type?", gold)["error"]


def test_units_are_read_off_metric_expressions():
    assert vocabulary.inferred_unit("COUNT(customer_id)") == "count"
    assert vocabulary.inferred_unit("SUM(amount)") == "money"
    assert vocabulary.inferred_unit("AVG(churn_probability)") is None


def _imports(module: str) -> set[str]:
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    return {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }


def test_the_parser_and_the_planner_do_not_import_each_other():
    assert "toolkit.assistant.parser" not in _imports("planning")
    assert "toolkit.assistant.planning" in _imports("parser")


def test_no_python_module_of_the_engine_lists_words():
    """Sets or lists of 20+ string literals belong in vocabulary.yaml, not in Python."""
    for path in PACKAGE.glob("*.py"):
        if path.name in {"guard.py", "sql_gate.py"}:  # the safety gate's own patterns
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Set | ast.List | ast.Tuple):
                words = [
                    e for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
                ]
                assert len(words) < 20, f"{path.name}:{node.lineno} lists {len(words)} words"
        assert max(len(line) for line in path.read_text().splitlines()) <= 120, path.name

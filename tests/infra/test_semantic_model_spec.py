"""The semantic model follows Cortex Analyst's specification, per environment as staged.

The validator (``toolkit/assistant/spec.py``) is written from the published field lists
(https://docs.snowflake.com/en/user-guide/snowflake-cortex/cortex-analyst/semantic-model-spec;
required/optional per field from Snowflake-Labs/semantic-model-generator
``semantic_model_generator/protos/semantic_model.proto``). Cortex Analyst rejects unknown
fields, so an unknown key must be refused at every level; the copy each stack stages must
be valid and name that environment's database (issue 11, #10: the repo's model had a
top-level ``comments`` key, and prod's staged copy named ``C360_DEV``).
"""

from __future__ import annotations

import copy
import re

import pytest
import sqlglot
import yaml
from sqlglot import exp
from stack_json import resources

from toolkit.assistant import spec
from toolkit.assistant.model import MODEL_PATH
from toolkit.config import CLOUD_ENVIRONMENTS, ENVIRONMENTS
from toolkit.errors import C360Error

ENVS = list(CLOUD_ENVIRONMENTS)


def _model() -> dict:
    return yaml.safe_load(MODEL_PATH.read_text())


def test_the_repository_model_is_valid():
    assert spec.validate(_model()) == []


def test_the_model_has_no_comments_key_and_every_level_is_spec_only():
    model = _model()
    assert "comments" not in model
    model["comments"] = "Owned by the platform team"
    assert spec.validate(model) == ["model.comments: not a field of the specification"]


def _levels(model: dict):
    """(path, mapping) of one instance of every level of the specification the model uses,
    plus the optional levels it does not use, built from the spec itself."""
    table = model["tables"][0]
    yield "model", model
    yield f"model.tables[{table['name']}]", table
    yield f"model.tables[{table['name']}].base_table", table["base_table"]
    yield f"model.tables[{table['name']}].primary_key", table["primary_key"]
    for kind in ("dimensions", "time_dimensions", "facts", "metrics", "filters"):
        owner = next(t for t in model["tables"] if t.get(kind))
        item = owner[kind][0]
        yield f"model.tables[{owner['name']}].{kind}[{item['name']}]", item
    relationship = model["relationships"][0]
    yield f"model.relationships[{relationship['name']}]", relationship
    yield (
        f"model.relationships[{relationship['name']}].relationship_columns[0]",
        relationship["relationship_columns"][0],
    )
    query = model["verified_queries"][0]
    yield f"model.verified_queries[{query['name']}]", query
    # levels the model does not use yet: added so the unknown key has somewhere to live
    model["module_custom_instructions"] = {"sql_generation": "Round money to cents."}
    yield "model.module_custom_instructions", model["module_custom_instructions"]
    dimension = table["dimensions"][0]
    dimension["cortex_search_service"] = {"service": "CUSTOMER_NAMES"}
    yield (
        f"model.tables[{table['name']}].dimensions[{dimension['name']}].cortex_search_service",
        dimension["cortex_search_service"],
    )


def test_an_unknown_key_is_refused_at_every_level():
    levels = list(_levels(_model()))
    assert len(levels) == 14
    for index in range(len(levels)):
        model = _model()
        path, mapping = list(_levels(model))[index]
        mapping["not_in_the_spec"] = "x"
        problems = spec.validate(model)
        assert problems == [f"{path}.not_in_the_spec: not a field of the specification"], path


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda m: m.pop("name"), "model.name: required"),
        (lambda m: m["tables"][0]["base_table"].pop("schema"), ".base_table.schema: required"),
        (lambda m: m["tables"][0]["dimensions"][0].pop("expr"), ".expr: required"),
        (lambda m: m["tables"][0]["dimensions"][0].update(unique="yes"), "expected bool"),
        (lambda m: m["tables"][0].update(measures=[]), ".measures: not a field"),
        (lambda m: m["relationships"][0].update(join_type="cross"), "is not one of"),
        (lambda m: m["relationships"][0].update(right_table="nope"), "no logical table"),
        (lambda m: m["verified_queries"][0].update(verified_at=True), "expected int"),
        (lambda m: m.update(tables={}), "model.tables: expected a list"),
    ],
)
def test_required_fields_types_and_choices(mutate, expected):
    model = _model()
    mutate(model)
    problems = spec.validate(model)
    assert len(problems) == 1 and expected in problems[0], problems


def test_check_raises_one_line_and_pins_the_database():
    model = _model()
    spec.check(model, database="C360_DEV")
    with pytest.raises(C360Error, match=r"base_table.database: 'C360_DEV' is not 'C360_PROD'"):
        spec.check(model, database="C360_PROD")
    broken = copy.deepcopy(model)
    broken["comments"] = "x"
    with pytest.raises(C360Error) as error:
        spec.check(broken)
    assert "\n" not in str(error.value)


# ------------------------------------------------------- the copy each stack stages
def _staged_model(stack: dict) -> tuple[str, dict]:
    """(target location, parsed YAML) of the statement that writes the semantic model."""
    [statement] = [
        e["execute"]
        for e in resources(stack, "snowflake_execute")
        if e["execute"].startswith("COPY INTO @") and "SEMANTIC_MODELS" in e["execute"]
    ]
    parsed = sqlglot.parse_one(statement, read="snowflake")
    assert isinstance(parsed, exp.Copy)
    text = re.search(r"\$\$(.*)\$\$", statement, re.DOTALL).group(1)
    return parsed.this.sql(dialect="snowflake"), yaml.safe_load(text)


@pytest.mark.parametrize("env", ENVS)
def test_each_stack_stages_a_valid_model_over_its_own_database(stacks, env):
    config = ENVIRONMENTS[env]
    location, model = _staged_model(stacks[env])
    assert location == f"@{config.database}.PLATFORM.SEMANTIC_MODELS/semantic_model.yaml"
    assert spec.validate(model) == []
    assert spec.databases_of(model) == {config.database}
    assert stacks[env]["output"]["semantic_model_path"]["value"] == location


def test_dev_and_prod_stage_the_same_model_but_their_own_databases(stacks):
    dev, prod = (_staged_model(stacks[env])[1] for env in ("dev", "prod"))
    for table in prod["tables"]:
        table["base_table"]["database"] = ENVIRONMENTS["dev"].database
    assert prod == dev

"""Validate a semantic model against Cortex Analyst's semantic model specification.

Cortex Analyst rejects a model with fields its specification does not have, so every key
of every level is checked against the published field lists, as are required fields,
value types and enumerations. Sources:
https://docs.snowflake.com/en/user-guide/snowflake-cortex/cortex-analyst/semantic-model-spec
(top level, logical tables, dimensions, time dimensions, facts, metrics, filters,
relationships, verified queries, custom instructions) and Snowflake's own schema of the
format, ``semantic_model_generator/protos/semantic_model.proto`` in
github.com/Snowflake-Labs/semantic-model-generator (commit 2bf84ac), which marks each
field optional or required. Deprecated fields (``measures``, ``columns``,
``default_aggregation``) are refused: the published specification no longer lists them.

``validate(model)`` returns one line per problem (``path: what is wrong``);
``check(model, database=...)`` raises :class:`C360Error` with all of them, and with
``database`` also requires every ``base_table`` to name that database (the copy staged
for an environment must point at that environment's tables).
"""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.errors import C360Error


@dataclass(frozen=True)
class Field:
    kind: str  # str | bool | int | list[str] | object | list[object]
    required: bool = False
    spec: dict[str, Field] | None = None  # for object / list[object]
    choices: tuple[str, ...] = ()


def _obj(spec: dict[str, Field], required: bool = False) -> Field:
    return Field("object", required, spec)


def _objs(spec: dict[str, Field], required: bool = False) -> Field:
    return Field("list[object]", required, spec)


STR, REQUIRED_STR = Field("str"), Field("str", required=True)
BOOL, INT, STRS = Field("bool"), Field("int"), Field("list[str]")
ACCESS = Field("str", choices=("public_access", "private_access"))

CORTEX_SEARCH_SERVICE = {
    "database": STR,
    "schema": STR,
    "service": REQUIRED_STR,
    "literal_column": STR,
}
_COLUMN = {
    "name": REQUIRED_STR,
    "synonyms": STRS,
    "description": STR,
    "expr": REQUIRED_STR,
    "data_type": REQUIRED_STR,
    "unique": BOOL,
    "sample_values": STRS,
}
DIMENSION = {
    **_COLUMN,
    "cortex_search_service": _obj(CORTEX_SEARCH_SERVICE),
    "cortex_search_service_name": STR,
    "is_enum": BOOL,
}
TIME_DIMENSION = dict(_COLUMN)
FACT = {**_COLUMN, "access_modifier": ACCESS}
METRIC = {
    "name": REQUIRED_STR,
    "synonyms": STRS,
    "description": STR,
    "expr": REQUIRED_STR,
    "access_modifier": ACCESS,
}
FILTER = {"name": REQUIRED_STR, "synonyms": STRS, "description": STR, "expr": REQUIRED_STR}
TABLE = {
    "name": REQUIRED_STR,
    "description": STR,
    "synonyms": STRS,
    "base_table": _obj(
        {"database": REQUIRED_STR, "schema": REQUIRED_STR, "table": REQUIRED_STR}, required=True
    ),
    "primary_key": _obj({"columns": Field("list[str]", required=True)}),
    "dimensions": _objs(DIMENSION),
    "time_dimensions": _objs(TIME_DIMENSION),
    "facts": _objs(FACT),
    "metrics": _objs(METRIC),
    "filters": _objs(FILTER),
}
RELATIONSHIP = {
    "name": REQUIRED_STR,
    "left_table": REQUIRED_STR,
    "right_table": REQUIRED_STR,
    "relationship_columns": _objs(
        {"left_column": REQUIRED_STR, "right_column": REQUIRED_STR}, required=True
    ),
    "join_type": Field("str", choices=("inner", "left_outer")),
    "relationship_type": Field("str", choices=("many_to_one", "one_to_one")),
}
VERIFIED_QUERY = {
    "name": REQUIRED_STR,
    "question": REQUIRED_STR,
    "sql": REQUIRED_STR,
    "verified_at": INT,
    "verified_by": STR,
    "use_as_onboarding_question": BOOL,
    "semantic_model_name": STR,
}
MODULE_CUSTOM_INSTRUCTIONS = {"sql_generation": STR, "question_categorization": STR}
SEMANTIC_MODEL = {
    "name": REQUIRED_STR,
    "description": STR,
    "tables": _objs(TABLE, required=True),
    "relationships": _objs(RELATIONSHIP),
    "verified_queries": _objs(VERIFIED_QUERY),
    "custom_instructions": STR,
    "module_custom_instructions": _obj(MODULE_CUSTOM_INSTRUCTIONS),
}

_TYPES = {"str": str, "bool": bool, "int": int}


def _check_value(value, spec: Field, path: str, problems: list[str]) -> None:
    if spec.kind in _TYPES:
        # bool is an int in Python: an int field must not accept true/false
        if not isinstance(value, _TYPES[spec.kind]) or (
            spec.kind == "int" and isinstance(value, bool)
        ):
            problems.append(f"{path}: expected {spec.kind}, got {type(value).__name__}")
        elif spec.choices and value not in spec.choices:
            problems.append(f"{path}: {value!r} is not one of {', '.join(spec.choices)}")
    elif spec.kind == "list[str]":
        # sample values may be numbers or dates in YAML; Cortex reads them as text
        if not isinstance(value, list) or any(isinstance(v, (dict, list)) for v in value):
            problems.append(f"{path}: expected a list of strings")
    elif spec.kind == "object":
        _check_object(value, spec.spec or {}, path, problems)
    elif spec.kind == "list[object]":
        if not isinstance(value, list):
            problems.append(f"{path}: expected a list")
            return
        for i, item in enumerate(value):
            name = item.get("name") if isinstance(item, dict) else None
            _check_object(item, spec.spec or {}, f"{path}[{name or i}]", problems)


def _check_object(value, spec: dict[str, Field], path: str, problems: list[str]) -> None:
    if not isinstance(value, dict):
        problems.append(f"{path}: expected a mapping, got {type(value).__name__}")
        return
    for key in value:
        if key not in spec:
            problems.append(f"{path}.{key}: not a field of the specification")
    for key, field_spec in spec.items():
        if key not in value or value[key] is None:
            if field_spec.required:
                problems.append(f"{path}.{key}: required")
            continue
        _check_value(value[key], field_spec, f"{path}.{key}", problems)


def validate(model) -> list[str]:
    """Every way ``model`` departs from the specification, one line each (empty: valid)."""
    problems: list[str] = []
    _check_object(model, SEMANTIC_MODEL, "model", problems)
    if problems:
        return problems
    tables = {t["name"] for t in model["tables"]}
    if len(tables) != len(model["tables"]):
        problems.append("model.tables: logical table names must be unique")
    for relationship in model.get("relationships") or []:
        for side in ("left_table", "right_table"):
            if relationship[side] not in tables:
                problems.append(
                    f"model.relationships[{relationship['name']}].{side}: "
                    f"no logical table named {relationship[side]!r}"
                )
    return problems


def databases_of(model: dict) -> set[str]:
    """The databases the model's logical tables read."""
    return {t["base_table"]["database"] for t in model["tables"]}


def check(model, *, database: str | None = None) -> None:
    """Raise :class:`C360Error` listing every problem; with ``database``, every base table
    must be in it."""
    problems = validate(model)
    if not problems and database is not None:
        problems += [
            f"model.tables[{t['name']}].base_table.database: {t['base_table']['database']!r} "
            f"is not {database!r}"
            for t in model["tables"]
            if t["base_table"]["database"] != database
        ]
    if problems:
        raise C360Error(
            "the semantic model does not follow Cortex Analyst's specification: "
            + "; ".join(problems)
        )

"""The semantic model (Cortex Analyst YAML) loaded into small typed objects.

The YAML file is the single source of truth; this module only reads it. Column
expressions stay Snowflake-flavoured SQL text (as Cortex Analyst expects) and are
parsed with sqlglot when compiled.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

MODEL_PATH = Path(__file__).with_name("semantic_model.yaml")


@dataclass(frozen=True)
class Column:
    table: str
    name: str
    kind: str  # "dimension" | "time_dimension" | "fact"
    expr: str
    data_type: str
    synonyms: tuple[str, ...] = ()
    sample_values: tuple[str, ...] = ()
    is_enum: bool = False
    description: str = ""


@dataclass(frozen=True)
class Metric:
    table: str
    name: str
    expr: str
    synonyms: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Filter:
    table: str
    name: str
    expr: str
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Relationship:
    name: str
    left_table: str
    right_table: str
    left_column: str
    right_column: str
    relationship_type: str


@dataclass(frozen=True)
class VerifiedQuery:
    name: str
    question: str
    sql: str


@dataclass
class Table:
    name: str
    schema: str
    physical: str
    primary_key: tuple[str, ...]
    synonyms: tuple[str, ...]
    columns: dict[str, Column] = field(default_factory=dict)
    metrics: dict[str, Metric] = field(default_factory=dict)
    filters: dict[str, Filter] = field(default_factory=dict)

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.physical}"


@dataclass
class SemanticModel:
    name: str
    tables: dict[str, Table]
    relationships: list[Relationship]
    verified_queries: list[VerifiedQuery]
    custom_instructions: str
    raw: dict

    def column(self, table: str, name: str) -> Column:
        return self.tables[table].columns[name]


def _strings(values) -> tuple[str, ...]:
    return tuple(str(v) for v in (values or ()))


def parse_model(raw: dict) -> SemanticModel:
    tables: dict[str, Table] = {}
    for spec in raw["tables"]:
        base = spec["base_table"]
        table = Table(
            name=spec["name"],
            schema=base["schema"],
            physical=base["table"],
            primary_key=_strings(spec.get("primary_key", {}).get("columns")),
            synonyms=_strings(spec.get("synonyms")),
        )
        for kind in ("dimensions", "time_dimensions", "facts"):
            for col in spec.get(kind, []) or []:
                table.columns[col["name"]] = Column(
                    table=table.name,
                    name=col["name"],
                    kind=kind[:-1],
                    expr=str(col["expr"]),
                    data_type=str(col.get("data_type", "")),
                    synonyms=_strings(col.get("synonyms")),
                    sample_values=_strings(col.get("sample_values")),
                    is_enum=bool(col.get("is_enum", False)),
                    description=str(col.get("description", "")),
                )
        for metric in spec.get("metrics", []) or []:
            table.metrics[metric["name"]] = Metric(
                table=table.name,
                name=metric["name"],
                expr=str(metric["expr"]),
                synonyms=_strings(metric.get("synonyms")),
                description=str(metric.get("description", "")),
            )
        for flt in spec.get("filters", []) or []:
            table.filters[flt["name"]] = Filter(
                table=table.name,
                name=flt["name"],
                expr=str(flt["expr"]),
                synonyms=_strings(flt.get("synonyms")),
            )
        tables[table.name] = table
    relationships = []
    for rel in raw.get("relationships", []) or []:
        (pair,) = rel["relationship_columns"]  # every join here is on one column
        relationships.append(
            Relationship(
                name=rel["name"],
                left_table=rel["left_table"],
                right_table=rel["right_table"],
                left_column=pair["left_column"],
                right_column=pair["right_column"],
                relationship_type=rel["relationship_type"],
            )
        )
    verified = [
        VerifiedQuery(name=v["name"], question=v["question"], sql=v["sql"])
        for v in raw.get("verified_queries", []) or []
    ]
    return SemanticModel(
        name=raw["name"],
        tables=tables,
        relationships=relationships,
        verified_queries=verified,
        custom_instructions=str(raw.get("custom_instructions", "")),
        raw=raw,
    )


@lru_cache(maxsize=4)
def load_raw(path: str | None = None) -> dict:
    with open(path or MODEL_PATH, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@lru_cache(maxsize=4)
def load_model(path: str | None = None) -> SemanticModel:
    return parse_model(load_raw(path))


def for_database(database: str, path: str | None = None) -> str:
    """The model as YAML text with every base_table pointing at ``database``.

    The committed file names the dev database; prod (or any other environment)
    gets the same model with its own database, so both run one definition.
    """
    raw = copy.deepcopy(load_raw(path))
    for table in raw["tables"]:
        table["base_table"]["database"] = database
    return yaml.safe_dump(raw, sort_keys=False, allow_unicode=True, width=120)

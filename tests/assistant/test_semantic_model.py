"""The semantic model YAML: Cortex Analyst spec structure, coverage, and a real build."""

from __future__ import annotations

import sqlglot
import yaml
from sqlglot import exp

from toolkit.assistant.model import MODEL_PATH, for_database, load_model, load_raw
from toolkit.assistant.verified import expand

# Keys the Cortex Analyst semantic model specification allows at each level.
MODEL_KEYS = {"name", "description", "comments", "tables", "relationships", "verified_queries",
              "custom_instructions", "module_custom_instructions"}  # fmt: skip
TABLE_KEYS = {"name", "synonyms", "description", "base_table", "primary_key", "dimensions",
              "time_dimensions", "facts", "measures", "metrics", "filters"}  # fmt: skip
COLUMN_KEYS = {"name", "synonyms", "description", "expr", "data_type", "unique", "sample_values",
               "is_enum", "cortex_search_service", "cortex_search_service_name", "access_modifier"}  # fmt: skip
METRIC_KEYS = {"name", "synonyms", "description", "expr", "access_modifier"}
FILTER_KEYS = {"name", "synonyms", "description", "expr"}
REL_KEYS = {
    "name",
    "left_table",
    "right_table",
    "relationship_columns",
    "join_type",
    "relationship_type",
}
VQ_KEYS = {"name", "question", "sql", "verified_at", "verified_by", "use_as_onboarding_question"}


def _all_columns(raw):
    for table in raw["tables"]:
        for kind in ("dimensions", "time_dimensions", "facts"):
            for column in table.get(kind, []):
                yield table, kind, column


def test_structure_follows_the_cortex_analyst_spec():
    raw = yaml.safe_load(MODEL_PATH.read_text())
    assert set(raw) <= MODEL_KEYS and {"name", "tables"} <= set(raw)
    names = [t["name"] for t in raw["tables"]]
    assert len(names) == len(set(names))
    for table in raw["tables"]:
        assert set(table) <= TABLE_KEYS, table["name"]
        assert set(table["base_table"]) == {"database", "schema", "table"}
        assert table["primary_key"]["columns"], table["name"]
        for kind in ("dimensions", "time_dimensions", "facts"):
            for column in table.get(kind, []):
                assert set(column) <= COLUMN_KEYS, column["name"]
                assert {"name", "expr", "data_type"} <= set(column), column["name"]
                sqlglot.parse_one(str(column["expr"]), read="snowflake")
        for metric in table.get("metrics", []):
            assert set(metric) <= METRIC_KEYS and {"name", "expr"} <= set(metric)
            assert sqlglot.parse_one(metric["expr"], read="snowflake").find(exp.AggFunc), metric[
                "name"
            ]
        for flt in table.get("filters", []):
            assert set(flt) <= FILTER_KEYS and {"name", "expr"} <= set(flt)
    for rel in raw["relationships"]:
        assert set(rel) == REL_KEYS
        assert rel["left_table"] in names and rel["right_table"] in names
        assert rel["join_type"] in {"left_outer", "inner"}
        assert rel["relationship_type"] in {"many_to_one", "one_to_one"}
        right = next(t for t in raw["tables"] if t["name"] == rel["right_table"])
        assert [c["right_column"] for c in rel["relationship_columns"]] == right["primary_key"][
            "columns"
        ]
    for vq in raw["verified_queries"]:
        assert set(vq) <= VQ_KEYS and {"name", "question", "sql"} <= set(vq)
        tree = sqlglot.parse_one(vq["sql"], read="snowflake")
        assert isinstance(tree, exp.Select)
        assert all(t.name.startswith("__") for t in tree.find_all(exp.Table))
    assert isinstance(raw["custom_instructions"], str) and "as-of" in raw["custom_instructions"]


def test_coverage_counts_and_business_synonyms():
    raw = load_raw()
    dimensions = sum(
        len(t.get("dimensions", [])) + len(t.get("time_dimensions", [])) for t in raw["tables"]
    )
    metrics = sum(len(t.get("metrics", [])) for t in raw["tables"])
    assert dimensions >= 40
    assert metrics >= 30
    synonyms = {
        s.lower()
        for table in raw["tables"]
        for section in ("dimensions", "time_dimensions", "facts", "metrics", "filters")
        for entry in table.get(section, [])
        for s in entry.get("synonyms", [])
    }
    for phrase in ("ltv", "at risk", "travel spend", "premium", "churn score", "decline rate"):
        assert phrase in synonyms, phrase
    customers = next(t for t in raw["tables"] if t["name"] == "customers")
    state = next(d for d in customers["dimensions"] if d["name"] == "state")
    state_name = next(d for d in customers["dimensions"] if d["name"] == "state_name")
    assert "TX" in state["sample_values"] and "Texas" in state_name["sample_values"]
    assert len(state_name["sample_values"]) == 51


def test_every_expression_runs_on_a_real_build(gold):
    model = load_model()
    for table in model.tables.values():
        physical = {
            r[0]
            for r in gold.execute(
                "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
                [table.schema, table.physical],
            ).fetchall()
        }
        assert physical, f"{table.qualified} missing from the build"
        assert set(table.primary_key) <= physical
        exprs = [c.expr for c in table.columns.values()] + [m.expr for m in table.metrics.values()]
        exprs += [f.expr for f in table.filters.values()]
        for text in exprs:
            tree = sqlglot.parse_one(text, read="snowflake")
            for column in tree.find_all(exp.Column):
                assert column.name in physical, (
                    f"{table.name}: {column.name} not in {table.qualified}"
                )
            sql = f"select {tree.sql(dialect='duckdb')} from {table.qualified} limit 1"
            gold.execute(sql).fetchall()
    for rel in model.relationships:
        left, right = model.tables[rel.left_table], model.tables[rel.right_table]
        gold.execute(
            f"select count(*) from {left.qualified} l join {right.qualified} r "
            f"on l.{rel.left_column} = r.{rel.right_column}"
        ).fetchone()


def test_primary_keys_are_unique_in_the_build(gold):
    for table in load_model().tables.values():
        key = ", ".join(table.primary_key)
        dupes = gold.execute(
            f"select count(*) from (select {key} from {table.qualified} group by {key} having count(*) > 1)"
        ).fetchone()[0]
        assert dupes == 0, table.name


def test_verified_queries_run_locally_and_the_engine_prefers_them(gold):
    from toolkit.assistant.local import ask_local

    model = load_model()
    for vq in model.verified_queries:
        expected = gold.execute(expand(model, vq.sql)).fetchall()
        answer = ask_local(vq.question, gold)
        assert answer["error"] is None, (vq.question, answer["error"])
        assert answer.get("verified_query") == vq.name, vq.question
        assert [tuple(r) for r in answer["rows"]] == [tuple(r) for r in expected] or len(
            expected
        ) > 0


def test_for_database_points_every_table_at_the_environment():
    text = for_database("C360_PROD")
    raw = yaml.safe_load(text)
    assert {t["base_table"]["database"] for t in raw["tables"]} == {"C360_PROD"}
    assert raw["verified_queries"] == load_raw()["verified_queries"]

"""A module per stage: tokenise → ground on the model → plan → compile → guard.

Each module belongs to one stage and imports only modules of its own or an earlier stage
(so no cycle, and a stage can be read without the later ones). The runners that drive the
stages (local engine, Cortex Analyst, answer text, evaluation) come last. No line is over
120 characters.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "toolkit" / "assistant"

STAGES = [
    ("tokenise", {"tokenise", "timeparse", "restate"}),  # restate: a hypothetical, reworded
    # the semantic model and the words around it, the lexicon built from them, and tagging
    # (context: a read question's context clause set aside, in vocabulary.yaml's words)
    ("ground", {"spec", "model", "vocabulary", "lexicon", "ground", "context"}),
    # reading the tags (parser) into a Plan (planning), the readings left open, its words
    (
        "plan",
        {"plan", "planning", "parser", "change", "readings", "interpret"}
        | {"period_change", "distinct_count", "measure_sense"},
    ),
    ("compile", {"compiler", "verified"}),
    ("guard", {"sql_gate", "guard"}),
    ("run", {"answer", "local", "cortex", "evaluation", "__init__"}),
]


def _stage_of() -> dict[str, int]:
    return {module: i for i, (_, modules) in enumerate(STAGES) for module in modules}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith("toolkit.assistant."):
                found.add(node.module.split(".")[2])
            elif node.module == "toolkit.assistant":
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(
                a.name.split(".")[2] for a in node.names if a.name.startswith("toolkit.assistant.")
            )
    return found


def test_every_module_has_a_stage():
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    assert modules == set(_stage_of()), modules ^ set(_stage_of())


def test_modules_import_only_their_own_or_earlier_stages():
    stage = _stage_of()
    backwards = []
    for path in PACKAGE.glob("*.py"):
        for imported in _imports(path):
            if imported in stage and stage[imported] > stage[path.stem]:
                backwards.append(f"{path.stem} ({STAGES[stage[path.stem]][0]}) imports {imported}")
    assert not backwards, backwards


def test_parser_and_planning_do_not_import_each_other_both_ways():
    assert "parser" not in _imports(PACKAGE / "planning.py")


def test_no_line_over_120_characters():
    tests = Path(__file__).resolve().parent
    long = [
        f"{path.name}:{n}"
        for path in [*PACKAGE.glob("*.py"), *tests.glob("*.py")]
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if len(line) > 120
    ]
    assert not long, long

"""Find the tables that Snowflake-side code writes, by parsing its SQL with sqlglot.

A write is ``INSERT [OVERWRITE] INTO``, ``MERGE INTO``, ``COPY INTO <table>`` or
``UPDATE <table> SET``. Each statement is cut out of its text (a ``.sql`` file, a
procedure body, a task's scripting block, a Python string) and parsed with sqlglot's
``snowflake`` dialect; its target table is ``(SCHEMA, TABLE)`` in upper case. A statement
that does not parse, or whose target is not schema-qualified, is reported as a problem
rather than skipped, so the check can only err on the side of failing.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot import exp

# Where a write statement starts. ``UPDATE SET`` / ``INSERT (…) VALUES`` inside a MERGE are
# clauses of that MERGE, not statements: the MERGE's text is consumed as one statement.
_WRITE_START = re.compile(
    r"\b(?:INSERT\s+(?:OVERWRITE\s+)?INTO|MERGE\s+INTO|COPY\s+INTO|UPDATE\s+(?!SET\b)[\w\".$]+\s+SET)\b",
    re.IGNORECASE,
)
_LINE_COMMENT = re.compile(r"--[^\n]*")
PLACEHOLDER = "C360_UNRESOLVED_PLACEHOLDER"


@dataclass(frozen=True)
class Write:
    origin: str  # where the statement was found (file, resource)
    target: tuple[str, str] | None  # (SCHEMA, TABLE), None when it could not be resolved
    statement: str
    problem: str = ""


def _statement_end(text: str, start: int) -> int:
    """Index of the ``;`` ending the statement at ``start`` (outside quotes and ``$$``
    strings), or the end."""
    quote, i = None, start
    while i < len(text):
        if quote:
            if text.startswith(quote, i):
                i += len(quote)
                quote = None
                continue
        elif text.startswith("$$", i):
            quote = "$$"
            i += 2
            continue
        elif text[i] in "'\"":
            quote = text[i]
        elif text[i] == ";":
            return i
        i += 1
    return len(text)


def _target(statement: exp.Expression) -> exp.Expression | None:
    if isinstance(statement, (exp.Insert, exp.Merge, exp.Update, exp.Copy)):
        target = statement.this
        return target.this if isinstance(target, exp.Schema) else target
    return None


def writes_in(text: str, origin: str) -> list[Write]:
    """Every write statement in ``text`` with its target table."""
    text = _LINE_COMMENT.sub("", text)
    found, position = [], 0
    while match := _WRITE_START.search(text, position):
        end = _statement_end(text, match.start())
        statement = text[match.start() : end].strip()
        position = end + 1
        try:
            parsed = sqlglot.parse_one(statement, read="snowflake")
        except sqlglot.errors.ParseError as error:
            found.append(Write(origin, None, statement, f"does not parse: {error}"))
            continue
        target = _target(parsed)
        if isinstance(target, exp.Table) and not isinstance(target.this, exp.Var):
            if PLACEHOLDER.lower() in target.sql().lower():
                found.append(Write(origin, None, statement, "target is built at run time"))
            elif not target.db:
                found.append(Write(origin, None, statement, "target is not schema-qualified"))
            else:
                found.append(Write(origin, (target.db.upper(), target.name.upper()), statement))
        elif target is None:
            found.append(Write(origin, None, statement, "not a recognised write statement"))
        # else: COPY INTO @stage (an unload to a stage writes no table)
    return found


# -------------------------------------------------------------------- sources
def sql_file_writes(root: Path) -> list[Write]:
    """Writes in every ``.sql`` file under ``root`` (procedure bodies included)."""
    return [
        w for path in sorted(root.rglob("*.sql")) for w in writes_in(path.read_text(), str(path))
    ]


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string constants that are docstrings (they describe, never run)."""
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _module_tuples(tree: ast.Module) -> dict[str, tuple[str, ...]]:
    """Module-level ``NAME = ("a", "b")`` assignments (the fixed table lists)."""
    tuples = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, (ast.Tuple, ast.List)):
            values = node.value.elts
            if all(isinstance(v, ast.Constant) and isinstance(v.value, str) for v in values):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        tuples[target.id] = tuple(v.value for v in values)
    return tuples


def _loop_values(tree: ast.Module, call: ast.Call, name: str) -> tuple[str, ...] | None:
    """The values ``name`` takes when it is the variable of a ``for`` over a fixed tuple."""
    tuples = _module_tuples(tree)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.For)
            and isinstance(node.target, ast.Name)
            and node.target.id == name
            and isinstance(node.iter, ast.Name)
            and node.iter.id in tuples
            and any(child is call for child in ast.walk(node))
        ):
            return tuples[node.iter.id]
    return None


def python_writes(path: Path, frame_writer: str = "_write") -> list[Write]:
    """Writes in a Python module: SQL in its string constants (f-strings with their
    placeholders marked), and ``frame_writer(session, frame, SCHEMA, TABLE[, overwrite=…])``
    calls, which append a DataFrame with ``write_pandas``. A call with ``overwrite=True``
    has write_pandas create the table itself (``auto_create_table``), so it needs no
    declaration; an append does."""
    tree = ast.parse(path.read_text())
    docstrings = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings:
                found.extend(writes_in(node.value, f"{path}:{node.lineno}"))
        elif isinstance(node, ast.JoinedStr):
            text = "".join(
                v.value if isinstance(v, ast.Constant) else PLACEHOLDER for v in node.values
            )
            found.extend(writes_in(text, f"{path}:{node.lineno}"))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == frame_writer
        ):
            overwrite = any(
                k.arg == "overwrite" and isinstance(k.value, ast.Constant) and k.value.value
                for k in node.keywords
            )
            if overwrite or len(node.args) < 4:
                continue
            schema, table = node.args[2], node.args[3]
            origin = f"{path}:{node.lineno}"
            if not (isinstance(schema, ast.Constant) and isinstance(schema.value, str)):
                found.append(Write(origin, None, ast.unparse(node), "schema is not a literal"))
                continue
            if isinstance(table, ast.Constant) and isinstance(table.value, str):
                tables = (table.value,)
            elif isinstance(table, ast.Name):
                tables = _loop_values(tree, node, table.id)
            else:
                tables = None
            if tables is None:
                found.append(Write(origin, None, ast.unparse(node), "table is not a literal"))
                continue
            found.extend(
                Write(origin, (schema.value.upper(), t.upper()), ast.unparse(node)) for t in tables
            )
    return found


# Attributes of the synthesized resources that hold SQL Snowflake runs.
SQL_ATTRIBUTES = ("sql_statement", "copy_statement", "execute", "procedure_definition")


def stack_writes(stack: dict) -> list[Write]:
    """Writes in the SQL strings of a synthesized stack (tasks, pipes, procedures, executes)."""
    found = []
    for resource_type, by_id in stack.get("resource", {}).items():
        for logical_id, config in by_id.items():
            for attribute in SQL_ATTRIBUTES:
                if isinstance(config.get(attribute), str):
                    origin = f"{resource_type}.{logical_id}.{attribute}"
                    found.extend(writes_in(config[attribute], origin))
    return found


def declared_tables(stack: dict) -> set[tuple[str, str]]:
    """``(SCHEMA, TABLE)`` of every ``snowflake_table`` the stack declares."""
    schemas = {
        f"${{snowflake_schema.{logical_id}.name}}": config["name"]
        for logical_id, config in stack["resource"].get("snowflake_schema", {}).items()
    }
    return {
        (schemas.get(t["schema"], t["schema"]).upper(), t["name"].upper())
        for t in stack["resource"].get("snowflake_table", {}).values()
    }

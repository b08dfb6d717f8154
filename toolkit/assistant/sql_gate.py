"""The allow-list gate every assistant statement passes before it runs (local and Cortex).

A statement is accepted only when it is one query (SELECT / set operation) that

- reads only the physical tables the semantic model exposes, in its schema, and in no
  other database (a catalog, when written, must be this environment's database);
- reads only the columns of those tables that the semantic model's expressions use;
  every table and column is resolved through every scope with sqlglot's scope and
  qualify machinery, so a CTE named like a catalog view is the CTE, a schema-qualified
  name is never a CTE, and an unqualified name that is not a CTE is refused;
- calls only allow-listed functions (aggregates, arithmetic, dates, conditionals);
- uses no session variables, time travel, table functions or dynamic identifiers.

It is returned regenerated from the parsed tree (comments dropped) with a row cap.
Anything else raises :class:`UnsafeSQL`. Allow-listing, not deny-listing: a function or
table nobody thought of is refused because it is not on the list.
"""

from __future__ import annotations

from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, SqlglotError
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, traverse_scope

from toolkit.assistant.model import SemanticModel, load_model

DEFAULT_MAX_ROWS = 10_000


class UnsafeSQL(ValueError):
    """The statement is not one read-only query over what the semantic model exposes."""


# sqlglot expression classes the assistant's SQL may call. Every one is a pure function
# of its arguments: none reads session state, files, other queries' results or settings.
ALLOWED_FUNCTIONS = frozenset(
    {
        # aggregates
        "Count", "Sum", "Avg", "Min", "Max", "Median", "Stddev", "StddevPop", "StddevSamp",
        "Variance", "VariancePop", "PercentileCont", "PercentileDisc", "ApproxDistinct",
        "CountIf", "AnyValue", "ArgMax", "ArgMin", "Corr", "Quantile", "ApproxQuantile",
        # window functions
        "RowNumber", "Rank", "DenseRank", "PercentRank", "CumeDist", "Ntile", "Lag", "Lead",
        "FirstValue", "LastValue", "NthValue",
        # logic and conditionals
        "And", "Or", "Not", "Xor", "Case", "If", "Coalesce", "Nullif", "Greatest", "Least",
        # casts and arithmetic
        "Cast", "TryCast", "Abs", "Round", "Floor", "Ceil", "Sqrt", "Ln", "Log", "Exp", "Pow",
        "Sign", "SafeDivide",
        # dates
        "DateAdd", "DateSub", "DateDiff", "DateTrunc", "TimestampTrunc", "TimestampAdd",
        "TimestampSub", "TimestampDiff", "DatetimeAdd", "DatetimeSub", "DatetimeDiff", "Year",
        "Month", "Quarter", "Day", "DayOfWeek", "DayOfWeekIso", "DayOfMonth", "DayOfYear",
        "Week", "WeekOfYear", "Extract", "CurrentDate", "TsOrDsToDate", "TsOrDsAdd",
        "TsOrDsDiff", "DateFromParts", "LastDay", "MonthsBetween", "Date", "TimeToStr",
        "StrToDate", "ToChar",
        # strings
        "Lower", "Upper", "Length", "Concat", "ConcatWs", "Substring", "Trim", "Left", "Right",
        "Initcap", "StartsWith", "Lpad", "Rpad",
    }
)  # fmt: skip
# Functions sqlglot keeps as Anonymous (no typed class) that are equally pure.
ALLOWED_ANONYMOUS = frozenset({"iff", "div0", "zeroifnull", "nullifzero", "ratio_to_report"})

# Nodes that never belong in a read of the gold tables, wherever they sit in the tree.
_FORBIDDEN_NODES = (
    exp.DDL,
    exp.DML,
    exp.Command,
    exp.Set,
    exp.Use,
    exp.Pragma,
    exp.Copy,
    exp.Grant,
    exp.TruncateTable,
    exp.Into,
    exp.Attach,
    exp.Detach,
    exp.Describe,
    exp.Show,
    exp.Parameter,  # $var (Snowflake session variables)
    exp.SessionParameter,
    exp.Placeholder,
    exp.DynamicIdentifier,  # IDENTIFIER('...'): a table named by a string
    exp.HistoricalData,  # AT/BEFORE time travel
    exp.TableFromRows,  # TABLE(RESULT_SCAN(...)) and other table functions
    exp.Lateral,
    exp.Dot,  # SNOWFLAKE.CORTEX.COMPLETE(...), struct access
    exp.Changes,
    exp.PositionalColumn,  # DuckDB `SELECT #3 FROM t`: the third physical column, any one
)
_TABLE_ARGS = {"this", "db", "catalog", "alias"}


def _node_name(node: exp.Expression) -> str:
    return type(node).__name__


@lru_cache(maxsize=1)
def _exposed() -> tuple[str, dict[tuple[str, str], frozenset[str]]]:
    """(model's database, {(schema, table): physical columns the semantic model uses})."""
    return _exposed_from(load_model())


def _exposed_from(model: SemanticModel) -> tuple[str, dict[tuple[str, str], frozenset[str]]]:
    raw_tables = {t["name"]: t for t in model.raw["tables"]}
    database = next(iter(raw_tables.values()))["base_table"]["database"]
    key_columns: dict[str, set[str]] = {name: set() for name in model.tables}
    for rel in model.relationships:
        key_columns[rel.left_table].add(rel.left_column)
        key_columns[rel.right_table].add(rel.right_column)
    exposed: dict[tuple[str, str], frozenset[str]] = {}
    for table in model.tables.values():
        names = set(table.primary_key) | key_columns[table.name]
        for column in table.columns.values():
            tree = sqlglot.parse_one(column.expr, read="snowflake")
            names |= {c.name for c in tree.find_all(exp.Column)}
        exposed[(table.schema.lower(), table.physical.lower())] = frozenset(
            n.lower() for n in names
        )
    return database, exposed


def _parse_one(sql: str, dialect: str) -> exp.Expression:
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except SqlglotError as error:
        raise UnsafeSQL(f"the SQL does not parse: {str(error).splitlines()[0]}") from error
    if len(statements) != 1:
        raise UnsafeSQL("exactly one statement is allowed")
    (tree,) = statements
    if not isinstance(tree, exp.Query):
        raise UnsafeSQL(f"only SELECT is allowed, not {tree.key.upper()}")
    return tree


def _check_nodes(tree: exp.Expression) -> None:
    for node in tree.walk():
        if isinstance(node, _FORBIDDEN_NODES):
            raise UnsafeSQL(f"{node.key.upper()} is not allowed")
        if isinstance(node, exp.Anonymous):
            if str(node.name).lower() not in ALLOWED_ANONYMOUS:
                raise UnsafeSQL(f"function {node.name} is not allowed")
        elif isinstance(node, exp.Func) and _node_name(node) not in ALLOWED_FUNCTIONS:
            raise UnsafeSQL(f"function {node.sql_name()} is not allowed")
        if isinstance(node, exp.Table):
            if not isinstance(node.this, exp.Identifier):
                raise UnsafeSQL("table functions are not allowed")
            extra = {k for k, v in node.args.items() if v} - _TABLE_ARGS
            if extra:
                raise UnsafeSQL(f"table modifiers ({', '.join(sorted(extra))}) are not allowed")
            alias = node.args.get("alias")
            if alias is not None and alias.columns:
                # `gold.x AS t(a, b)` renames physical columns by position: `b` is whatever
                # the table's second column is, hidden or not
                raise UnsafeSQL("column aliases on a table are not allowed")
        if isinstance(node, exp.Join) and node.args.get("method"):
            # NATURAL joins on every same-named column (hidden ones too); ASOF and
            # POSITIONAL are not needed by any question
            raise UnsafeSQL(f"{node.args['method']} JOIN is not allowed")


def _check_tables(
    tree: exp.Expression, database: str, exposed: dict[tuple[str, str], frozenset[str]]
) -> list[Scope]:
    """Every table read is an exposed gold table or a CTE in scope; returns the scopes."""
    try:
        scopes = traverse_scope(tree)
    except (OptimizeError, SqlglotError) as error:
        raise UnsafeSQL(f"the query's scopes do not resolve: {error}") from error
    real: set[int] = set()
    for scope in scopes:
        for source in scope.sources.values():
            if isinstance(source, exp.Table):
                real.add(id(source))
    cte_refs: set[int] = set()
    for scope in scopes:
        for table in scope.expression.find_all(exp.Table):
            if id(table) in real or table.args.get("db"):
                continue
            if isinstance(scope.cte_sources.get(table.name), Scope):
                cte_refs.add(id(table))
    for table in tree.find_all(exp.Table):
        if id(table) in cte_refs:
            continue
        if id(table) not in real or not table.db:
            raise UnsafeSQL(f"table {table.sql()} is not a table of the semantic model")
        if table.catalog and table.catalog.lower() != database.lower():
            raise UnsafeSQL(f"table {table.sql()} is in another database")
        if (table.db.lower(), table.name.lower()) not in exposed:
            raise UnsafeSQL(f"table {table.sql()} is not a table of the semantic model")
    return scopes


def _check_alias_references(tree: exp.Expression) -> None:
    """An unqualified name that is also an output alias is allowed only as a whole ORDER BY
    key. Elsewhere (WHERE, GROUP BY, HAVING, inside an expression) DuckDB reads a table
    column of that name first, while sqlglot's qualify reads the alias: the gate would check
    one column and the engine read another, hidden one."""
    for column in tree.find_all(exp.Column):
        if column.table or isinstance(column.this, exp.Star):
            continue
        select = column.find_ancestor(exp.Select)
        if select is None:
            continue
        # `x AS x` renames nothing: both readings are the same column
        aliases = {
            e.alias
            for e in select.expressions
            if e.alias and not (isinstance(e.this, exp.Column) and e.this.name == e.alias)
        }
        if column.name in aliases and not isinstance(column.parent, (exp.Ordered, exp.Alias)):
            raise UnsafeSQL(f"{column.name} names an output alias here: name the table column")


def _check_columns(
    tree: exp.Expression, dialect: str, exposed: dict[tuple[str, str], frozenset[str]]
) -> None:
    """Qualify every column (a copy, catalogs dropped) and check it against its table."""
    copy = tree.copy()
    for table in copy.find_all(exp.Table):
        table.set("catalog", None)
    schema: dict[str, dict[str, dict[str, str]]] = {}
    for (schema_name, table_name), columns in exposed.items():
        schema.setdefault(schema_name, {})[table_name] = {c: "VARCHAR" for c in columns}
    try:
        qualified = qualify(
            copy,
            dialect=dialect,
            schema=schema,
            expand_stars=False,
            validate_qualify_columns=True,
            quote_identifiers=False,
            identify=False,
        )
        scopes = traverse_scope(qualified)
    except (OptimizeError, SqlglotError) as error:
        raise UnsafeSQL(f"a column is not one the semantic model exposes: {error}") from error
    for scope in scopes:
        for projection in scope.expression.expressions:
            if isinstance(projection, exp.Star):
                sources = list(scope.sources.values())
            elif isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star):
                sources = [scope.sources.get(projection.table)]
            else:
                continue
            if any(isinstance(s, exp.Table) for s in sources):
                raise UnsafeSQL("SELECT * over a table is not allowed: name the columns")
    if qualified.find(exp.TableColumn):
        # `SELECT t FROM gold.x t`: DuckDB returns the whole row, every column, as a struct
        raise UnsafeSQL("a table may not be selected as a value: name the columns")
    # Every column node in the tree, not only the ones sqlglot's scopes collect (a HAVING
    # under GROUP BY ALL, for one).
    by_expression = {id(scope.expression): scope for scope in scopes}
    for column in qualified.find_all(exp.Column):
        if isinstance(column.this, exp.Star):
            continue  # checked above
        scope = _enclosing_scope(column, by_expression)
        if not column.table:
            # Only a whole ORDER BY key may name an output alias: there both engines read
            # the alias first. Elsewhere (WHERE, GROUP BY, HAVING, an expression in ORDER
            # BY) an engine may read a same-named table column first, so an alias named
            # like a hidden column would reach it.
            select = column.find_ancestor(exp.Select)
            aliases = {e.alias for e in select.expressions if e.alias} if select else set()
            if not (isinstance(column.parent, exp.Ordered) and column.name in aliases):
                raise UnsafeSQL(f"{column.name} does not resolve to a column of a table")
            continue
        source = _source(scope, column.table)
        if source is None:
            raise UnsafeSQL(f"column {column.sql()} does not resolve")
        if isinstance(source, exp.Table):
            key = (source.db.lower(), source.name.lower())
            if column.name.lower() not in exposed.get(key, frozenset()):
                raise UnsafeSQL(f"column {column.name} of {source.db}.{source.name} is not exposed")


def _enclosing_scope(node: exp.Expression, by_expression: dict[int, Scope]) -> Scope | None:
    parent = node.parent
    while parent is not None and id(parent) not in by_expression:
        parent = parent.parent
    return by_expression.get(id(parent)) if parent is not None else None


def _source(scope: Scope | None, name: str):
    """The source a qualifier names, looking outwards through enclosing scopes
    (a correlated subquery may name its outer query's tables)."""
    while scope is not None:
        if name in scope.sources:
            return scope.sources[name]
        scope = scope.parent
    return None


def _capped(tree: exp.Query, max_rows: int) -> exp.Query:
    """Keep a literal LIMIT up to ``max_rows``; anything else (none, ALL, FETCH, an
    expression) becomes LIMIT ``max_rows``."""
    limit = tree.args.get("limit")
    if isinstance(limit, exp.Limit) and isinstance(limit.expression, exp.Literal):
        try:
            if 0 <= int(limit.expression.name) <= max_rows:
                return tree
        except ValueError:
            pass
    tree.set("limit", None)
    return tree.limit(max_rows, copy=False)


def checked_select(
    sql: str,
    *,
    dialect: str = "duckdb",
    max_rows: int = DEFAULT_MAX_ROWS,
    database: str | None = None,
    model: SemanticModel | None = None,
) -> str:
    """The statement, regenerated with a row cap, after proving it passes the allow-list.

    ``database`` is the environment's database (Snowflake); when not given, the semantic
    model's own database is the only catalog a table may name. On DuckDB no catalog may
    be named at all: the local file is the only database.
    """
    tree = _parse_one(sql, dialect)
    # Checks run on a copy with identifiers folded as the engine folds them; the SQL that
    # runs is the parsed statement itself, regenerated without comments.
    folded = normalize_identifiers(tree.copy(), dialect=dialect)
    model_database, exposed = _exposed() if model is None else _exposed_from(model)
    _check_nodes(folded)
    if dialect == "duckdb":
        for table in folded.find_all(exp.Table):
            if table.catalog:
                raise UnsafeSQL(f"table {table.sql()} names another database")
    _check_tables(folded, database or model_database, exposed)
    _check_alias_references(folded)
    _check_columns(folded, dialect, exposed)
    return _capped(tree, max_rows).sql(dialect=dialect, comments=False)

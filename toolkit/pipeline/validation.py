"""The bronze validation rules, declared once and rendered for DuckDB and for Snowflake.

Each landing source lists its text columns, the typed values parsed from them, the
bronze columns it fills and its checks — ``Check(source, column, rule, reason)``. A row's
reasons are every check that fails, joined with ``"; "``. The local loader
(``toolkit.pipeline.load``) renders the checks as DuckDB SQL; the Snowflake load procedure
(``toolkit.pipeline.ingestion_sql`` → ``sql/procedures/load.sql``) renders the same checks
as Snowflake SQL over the raw landing tables, where every value is text. Only the few
functions that differ between the engines are spelled per dialect (``_FUNCTIONS``); the
rest is SQL both accept.

Snowflake spellings (docs.snowflake.com/en/sql-reference/functions/...):
``TRY_TO_TIMESTAMP_NTZ(text, format)``, ``TRY_TO_DATE(text, format)``,
``TRY_TO_DECIMAL(text, p, s)``, ``TRY_TO_NUMBER(text)`` return NULL instead of failing;
``REGEXP_LIKE`` matches the whole subject (it is anchored, like DuckDB's
``regexp_full_match``); ``CONCAT_WS`` returns NULL when any argument is NULL, so the reasons
are joined with ``ARRAY_TO_STRING(ARRAY_CONSTRUCT_COMPACT(...), '; ')``, which drops NULLs.
"""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.domain import CARD_TYPES, CHANNELS, STATUSES

MAX_AMOUNT = 100_000
DIALECTS = ("duckdb", "snowflake")
REASON_SEPARATOR = "; "

# Regexes without backslashes: Snowflake string literals treat a backslash as an escape,
# DuckDB's do not, so a class like [.] and [[:space:]] reads the same in both.
CUSTOMER_ID_PATTERN = "C[0-9]{6}"
EMAIL_PATTERN = "[^@[:space:]]+@[^@[:space:]]+[.][^@[:space:]]+"

_FUNCTIONS = {
    "duckdb": {
        "bigint": "try_cast({0} as bigint)",
        "decimal": "try_cast({0} as decimal(12, 2))",
        "date": "try_cast({0} as date)",
        "timestamp": "try_strptime({0}, '%Y-%m-%d %H:%M:%S')",
        "matches": "regexp_full_match({0}, '{1}')",
    },
    "snowflake": {
        "bigint": "try_to_number({0})",
        "decimal": "try_to_decimal({0}, 12, 2)",
        "date": "try_to_date({0}, 'YYYY-MM-DD')",
        "timestamp": "try_to_timestamp_ntz({0}, 'YYYY-MM-DD HH24:MI:SS')",
        "matches": "regexp_like({0}, '{1}')",
    },
}


def _quoted(values) -> str:
    # vocabularies are constants of the toolkit, never user input
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def _blank(column: str, dialect: str = "snowflake") -> str:
    if dialect == "duckdb":  # the same test with one trim instead of nullif's two
        return f"({column} is null or trim({column}) = '')"
    return f"nullif(trim({column}), '') is null"


@dataclass(frozen=True)
class Check:
    """One validation rule: ``rule`` applied to ``column`` of ``source`` fails with ``reason``.

    Rules: ``missing`` (blank; several columns comma-separated: any blank),
    ``unparseable`` (the typed value is NULL), ``non_numeric`` (present but not a number),
    ``range`` (typed value outside ``(low, high]``; NULL passes), ``positive`` (NULL or <= 0),
    ``one_of`` (NULL or outside ``values``), ``matches`` (NULL or not matching ``pattern``),
    ``known`` (not in ``reference``: ``table.column``; ``allow_blank`` leaves blanks to
    ``missing``), ``not_after`` (NULL or after the typed column ``other``), ``unique``
    (a later copy of a key already seen in this load).
    """

    source: str
    column: str
    rule: str
    reason: str
    values: tuple[str, ...] = ()
    pattern: str = ""
    low: float = 0
    high: float = 0
    reference: str = ""
    allow_blank: bool = False
    other: str = ""


@dataclass(frozen=True)
class SourceRules:
    """A landing source: text columns, typed values, bronze columns, checks."""

    name: str
    table: str  # bronze table of the valid rows
    columns: tuple[str, ...]  # landing columns, all text
    parsed: dict[str, tuple[str, str]]  # typed alias -> (kind, landing column)
    typed: tuple[tuple[str, str], ...]  # bronze column -> expression over landing/typed
    key: tuple[str, ...]  # duplicate key

    @property
    def checks(self) -> tuple[Check, ...]:
        return tuple(c for c in CHECKS if c.source == self.name)


TRANSACTIONS = SourceRules(
    name="transactions",
    table="raw_transactions",
    columns=(
        "transaction_id",
        "customer_id",
        "transaction_ts",
        "amount",
        "merchant_category_id",
        "channel",
        "status",
    ),
    parsed={
        "_id": ("bigint", "transaction_id"),
        "_ts": ("timestamp", "transaction_ts"),
        "_amount": ("decimal", "amount"),
    },
    typed=(
        ("transaction_id", "_id"),
        ("customer_id", "customer_id"),
        ("transaction_ts", "_ts"),
        ("amount", "_amount"),
        ("merchant_category_id", "merchant_category_id"),
        ("channel", "channel"),
        ("status", "status"),
    ),
    key=("transaction_id",),
)
CUSTOMERS = SourceRules(
    name="customers",
    table="raw_customers",
    columns=(
        "customer_id",
        "first_name",
        "last_name",
        "email",
        "phone",
        "date_of_birth",
        "street_address",
        "city",
        "state",
        "zip_code",
        "employment_status",
        "annual_income",
        "card_type",
        "credit_limit",
        "account_open_date",
        "snapshot_date",
    ),
    parsed={
        "_dob": ("date", "date_of_birth"),
        "_limit": ("decimal", "credit_limit"),
        "_income": ("decimal", "annual_income"),
        "_opened": ("date", "account_open_date"),
        "_snapshot": ("date", "snapshot_date"),
    },
    typed=(
        ("customer_id", "customer_id"),
        ("first_name", "trim(first_name)"),
        ("last_name", "trim(last_name)"),
        ("email", "lower(trim(email))"),
        ("phone", "phone"),
        ("date_of_birth", "_dob"),
        ("street_address", "street_address"),
        ("city", "trim(city)"),
        ("state", "upper(trim(state))"),
        ("zip_code", "zip_code"),
        ("employment_status", "employment_status"),
        ("annual_income", "_income"),
        ("card_type", "card_type"),
        ("credit_limit", "_limit"),
        ("account_open_date", "_opened"),
        ("snapshot_date", "_snapshot"),
    ),
    key=("customer_id", "snapshot_date"),
)
SOURCES = {source.name: source for source in (CUSTOMERS, TRANSACTIONS)}

# The one list of bronze validation rules (order = order of the reasons in a row).
CHECKS: tuple[Check, ...] = (
    Check("transactions", "transaction_id", "missing", "missing transaction_id"),
    # present but not an integer ("-", "abc" from a producer writing ids as text): bronze's
    # transaction_id is a BIGINT, so without this rule the row failed its whole group's load
    Check("transactions", "transaction_id", "non_numeric", "non-numeric transaction_id"),
    Check("transactions", "customer_id", "missing", "missing customer_id"),
    Check(
        "transactions",
        "customer_id",
        "known",
        "unknown customer_id",
        reference="bronze.raw_customers.customer_id",
        allow_blank=True,
    ),
    Check("transactions", "transaction_ts", "unparseable", "unparseable transaction_ts"),
    Check("transactions", "amount", "missing", "missing amount"),
    Check("transactions", "amount", "non_numeric", "non-numeric amount"),
    Check(
        "transactions",
        "amount",
        "range",
        "non-positive or implausible amount",
        low=0,
        high=MAX_AMOUNT,
    ),
    Check(
        "transactions",
        "merchant_category_id",
        "known",
        "unknown merchant_category_id",
        reference="bronze.raw_merchant_categories.merchant_category_id",
    ),
    Check("transactions", "channel", "one_of", "invalid channel", values=tuple(CHANNELS)),
    Check("transactions", "status", "one_of", "invalid status", values=tuple(STATUSES)),
    Check("transactions", "transaction_id", "unique", "duplicate transaction_id"),
    Check(
        "customers",
        "customer_id",
        "matches",
        "malformed customer_id",
        pattern=CUSTOMER_ID_PATTERN,
    ),
    Check("customers", "first_name, last_name", "missing", "missing name"),
    Check("customers", "email", "matches", "missing or malformed email", pattern=EMAIL_PATTERN),
    Check("customers", "date_of_birth", "unparseable", "invalid date_of_birth"),
    Check("customers", "city, state", "missing", "missing city or state"),
    Check("customers", "card_type", "one_of", "invalid card_type", values=tuple(CARD_TYPES)),
    Check("customers", "credit_limit", "positive", "invalid credit_limit"),
    Check(
        "customers",
        "account_open_date",
        "not_after",
        "invalid account_open_date",
        other="snapshot_date",
    ),
    Check("customers", "snapshot_date", "unparseable", "invalid snapshot_date"),
    Check("customers", "customer_id, snapshot_date", "unique", "duplicate customer in snapshot"),
)


def _alias(source: SourceRules, column: str) -> str:
    """The typed alias parsed from a landing column."""
    return next(alias for alias, (_, col) in source.parsed.items() if col == column)


def known_alias(check: Check) -> str:
    return f"_known_{check.column}"


def parsed_values(source: SourceRules, dialect: str) -> str:
    """``<parse>(column) as _alias, ...`` over the landing row ``s``."""
    functions = _FUNCTIONS[dialect]
    return ", ".join(
        f"{functions[kind].format(f's.{column}')} as {alias}"
        for alias, (kind, column) in source.parsed.items()
    )


def known_keys(source: SourceRules) -> str:
    """The reference key each ``known`` check found (NULL when none), from ``lookups``."""
    return ", ".join(
        f"_ref{i}._key as {known_alias(c)}"
        for i, c in enumerate(source.checks)
        if c.rule == "known"
    )


def parsed_columns(source: SourceRules, dialect: str) -> str:
    """``parsed_values`` and ``known_keys``, for one select over ``s`` and its lookups."""
    return ", ".join(part for part in (parsed_values(source, dialect), known_keys(source)) if part)


def lookups(source: SourceRules) -> str:
    """One left join per ``known`` check, onto the distinct reference keys."""
    joins = []
    for i, check in enumerate(source.checks):
        if check.rule == "known":
            table, column = check.reference.rsplit(".", 1)
            joins.append(
                f"left join (select distinct {column} as _key from {table}) _ref{i}"  # noqa: S608
                f" on _ref{i}._key = s.{check.column}"
            )
    return "\n".join(joins)


def predicate(check: Check, dialect: str) -> str:
    """SQL that is TRUE when the row fails ``check`` (may be NULL: callers coalesce)."""
    source = SOURCES[check.source]
    column = check.column
    rule = check.rule
    if rule == "missing":
        return " or ".join(_blank(c.strip(), dialect) for c in column.split(","))
    if rule == "unparseable":
        return f"{_alias(source, column)} is null"
    if rule == "non_numeric":
        return f"not ({_blank(column, dialect)}) and {_alias(source, column)} is null"
    if rule == "range":
        typed = _alias(source, column)
        return f"{typed} <= {check.low:g} or {typed} > {check.high:g}"
    if rule == "positive":
        typed = _alias(source, column)
        return f"{typed} is null or {typed} <= 0"
    if rule == "one_of":
        return f"{column} is null or {column} not in ({_quoted(check.values)})"
    if rule == "matches":
        match = _FUNCTIONS[dialect]["matches"].format(column, check.pattern)
        return f"{column} is null or not {match}"
    if rule == "known":
        unknown = f"{known_alias(check)} is null"
        return f"not ({_blank(column, dialect)}) and {unknown}" if check.allow_blank else unknown
    if rule == "not_after":
        typed, other = _alias(source, column), _alias(source, check.other)
        return f"{typed} is null or {typed} > {other}"
    if rule == "unique":
        return "_duplicate"
    raise ValueError(f"unknown rule {rule!r} in {check}")


def bad_row(source: SourceRules, dialect: str) -> str:
    """TRUE when any check fails; a NULL predicate counts as passing, never as lost."""
    return " or ".join(f"coalesce({predicate(c, dialect)}, false)" for c in source.checks)


def _present(source: SourceRules, column: str) -> str:
    """TRUE only when ``column`` is not blank. A parsed value proves it without a trim: every
    parse here needs a digit, which no blank text holds (tests/ingestion pin it)."""
    parsed = [alias for alias, (_, col) in source.parsed.items() if col == column]
    return f"{parsed[0]} is not null" if parsed else f"trim({column}) <> ''"


def passes(check: Check) -> str:
    """DuckDB: a cheap test that is TRUE only for rows that pass ``check``.

    It is sufficient, not exact: it may be FALSE or NULL for a row that passes (a blank
    ``customer_id`` the ``known`` check leaves to ``missing``, say), and ``valid_row`` then
    asks the exact predicate. It must never be TRUE for a row that fails, or that row would
    reach bronze: tests/ingestion/test_validation_fast_path.py checks every rule against
    adversarial values (NULL, blank and Unicode-space text, malformed numbers and dates).
    """
    source = SOURCES[check.source]
    column = check.column
    rule = check.rule
    if rule == "missing":
        return " and ".join(_present(source, c.strip()) for c in column.split(","))
    if rule in ("unparseable", "non_numeric"):
        return f"{_alias(source, column)} is not null"
    if rule == "range":
        typed = _alias(source, column)
        return f"{typed} > {check.low:g} and {typed} <= {check.high:g}"
    if rule == "positive":
        return f"{_alias(source, column)} > 0"
    if rule == "one_of":
        return f"{column} in ({_quoted(check.values)})"
    if rule == "matches":
        return _FUNCTIONS["duckdb"]["matches"].format(column, check.pattern)
    if rule == "known":
        return f"{known_alias(check)} is not null"
    if rule == "not_after":
        return f"{_alias(source, column)} <= {_alias(source, check.other)}"
    if rule == "unique":
        return "not _duplicate"
    raise ValueError(f"unknown rule {rule!r} in {check}")


def _passes_all(source: SourceRules) -> str:
    tests = dict.fromkeys(passes(c) for c in source.checks)  # one copy of a repeated test
    return " and ".join(f"({test})" for test in tests)


def valid_row(source: SourceRules) -> str:
    """DuckDB: TRUE exactly when no check fails (``not bad_row``), cheaply for the usual row.

    Most rows pass every cheap test and skip the exact predicates: DuckDB evaluates the
    right side of an OR only for the rows its left side did not already accept. Since each
    ``passes`` implies its check passes, the OR is true exactly when ``bad_row`` is false
    (``bad_row`` is never NULL).
    """
    return f"({_passes_all(source)}) or not ({bad_row(source, 'duckdb')})"


def invalid_row(source: SourceRules) -> str:
    """DuckDB: TRUE exactly when a check fails (``bad_row``); the exact predicates run only
    for the rows the cheap tests do not accept."""
    return f"not coalesce({_passes_all(source)}, false) and ({bad_row(source, 'duckdb')})"


def reasons(source: SourceRules, dialect: str) -> str:
    """Every failing check's reason, in declaration order, joined with ``"; "``."""
    if dialect == "duckdb":
        cases = ", ".join(
            f"case when {predicate(c, dialect)} then '{c.reason}' end" for c in source.checks
        )
        return f"concat_ws('{REASON_SEPARATOR}', {cases})"
    cases = ", ".join(f"iff({predicate(c, dialect)}, '{c.reason}', null)" for c in source.checks)
    return f"array_to_string(array_construct_compact({cases}), '{REASON_SEPARATOR}')"


def record(source: SourceRules, dialect: str) -> str:
    """The original landing record as JSON text (every value as it arrived)."""
    if dialect == "duckdb":
        return f"to_json(struct_pack({', '.join(source.columns)}))::varchar"
    pairs = ", ".join(f"'{c}', {c}" for c in source.columns)
    return f"to_json(object_construct_keep_null({pairs}))"


def typed_columns(source: SourceRules) -> str:
    return ", ".join(expression for _, expression in source.typed)


def bronze_columns(source: SourceRules) -> str:
    return ", ".join(column for column, _ in source.typed)

"""The local loader's cheap validity tests decide exactly what the declared checks decide.

``validation.valid_row`` accepts a row when every cheap ``passes`` test holds, and asks the
exact predicates (``bad_row``, the rules as declared) only for the other rows. That is the
same decision as ``not bad_row`` only if no cheap test ever accepts a row its check rejects.
These tests evaluate every check over adversarial rows (NULLs, empty and blank text, Unicode
spaces, malformed numbers and dates, unknown keys, duplicates) on DuckDB, the engine the
local loader runs on.
"""

from __future__ import annotations

import random

import duckdb
import pytest

from toolkit.pipeline import validation
from toolkit.pipeline.validation import CUSTOMERS, SOURCES, TRANSACTIONS

BLANKS = ("", " ", "   ", "\u00a0", "\u3000", "\u2003 ")
ODD = ("\t", ".", "-", "+", "e", " 1 ", "0", "-5", "1e3", "abc", "2024-02-30", "  x  ")
GOOD = {  # first value of each column: as the generator writes it
    "transaction_id": ("1000001", "42"),
    "customer_id": ("C000001", "C000002"),
    "transaction_ts": ("2024-03-01 12:30:00", "2023-07-01 00:00:00"),
    "amount": ("12.50", "99999.99", "100000", "100000.01", "0", "-1", " 7 "),
    "merchant_category_id": ("MC001", "MC002"),
    "channel": ("Online", "In-Store", "Mobile", "online"),
    "status": ("approved", "declined", "Approved"),
    "first_name": ("Ada", " Ada "),
    "last_name": ("Lovelace",),
    "email": ("ada@example.com", "ADA@Example.Org", "ada@example", "a b@x.io"),
    "phone": ("555-0100",),
    "date_of_birth": ("1980-05-17", "1980-5-17"),
    "street_address": ("1 Main St",),
    "city": ("Springfield",),
    "state": ("il", "IL"),
    "zip_code": ("62701",),
    "employment_status": ("Employed",),
    "annual_income": ("55000.00",),
    "card_type": ("Gold", "Basic", "gold"),
    "credit_limit": ("5000.00", "0", "-10", "0.001"),
    "account_open_date": ("2020-01-01", "2025-01-01"),
    "snapshot_date": ("2024-01-01", "2024-06-30"),
}
KNOWN_CUSTOMERS = ("C000001",)
KNOWN_CATEGORIES = ("MC001",)
ROWS = 4000


def _value(rng: random.Random, column: str) -> str | None:
    pick = rng.random()
    if pick < 0.06:
        return None
    if pick < 0.12:
        return rng.choice(BLANKS)
    if pick < 0.18:
        return rng.choice(ODD)
    return rng.choice(GOOD[column])


@pytest.fixture(scope="module", params=[TRANSACTIONS.name, CUSTOMERS.name])
def checked(request):
    """Adversarial landing rows of one source, parsed and looked up as the loader does."""
    source = SOURCES[request.param]
    rng = random.Random(20261130)
    con = duckdb.connect()
    con.execute("create schema bronze")
    con.execute("create table bronze.raw_customers (customer_id varchar)")
    con.execute("create table bronze.raw_merchant_categories (merchant_category_id varchar)")
    con.executemany("insert into bronze.raw_customers values (?)", [[k] for k in KNOWN_CUSTOMERS])
    con.executemany(
        "insert into bronze.raw_merchant_categories values (?)", [[k] for k in KNOWN_CATEGORIES]
    )
    columns = ", ".join(f"{c} varchar" for c in source.columns)
    con.execute(f"create table landing ({columns}, _duplicate boolean, _typical boolean)")
    rows = [
        [_value(rng, c) for c in source.columns] + [rng.random() < 0.1, False] for _ in range(ROWS)
    ]
    # rows as the generator writes them, so the cheap path is exercised too
    rows += [[GOOD[c][0] for c in source.columns] + [False, True] for _ in range(50)]
    marks = ", ".join("?" for _ in range(len(source.columns) + 2))
    con.executemany(f"insert into landing values ({marks})", rows)
    known = validation.known_keys(source)
    con.execute(
        f"""
        create table checked as
        with raw as (select s.*, {validation.parsed_values(source, "duckdb")} from landing s)
        select s.* {", " + known if known else ""} from raw s {validation.lookups(source)}
        """
    )
    yield source, con
    con.close()


def test_no_cheap_test_accepts_a_row_its_check_rejects(checked):
    source, con = checked
    for check in source.checks:
        failing, wrongly_accepted = con.execute(
            f"""
            select count(*) filter (where coalesce({validation.predicate(check, "duckdb")}, false)),
                   count(*) filter (where coalesce({validation.predicate(check, "duckdb")}, false)
                                    and coalesce({validation.passes(check)}, false))
            from checked
            """
        ).fetchone()
        assert failing > 0, f"no adversarial row fails {check.reason!r}: the test proves nothing"
        assert wrongly_accepted == 0, check.reason


def test_valid_and_invalid_rows_are_exactly_the_declared_decision(checked):
    source, con = checked
    bad = validation.bad_row(source, "duckdb")
    counts = con.execute(
        f"""
        select count(*),
               count(*) filter (where {bad}),
               count(*) filter (where coalesce({validation.valid_row(source)}, false) is distinct from not ({bad})),
               count(*) filter (where ({validation.invalid_row(source)}) is distinct from ({bad}))
        from checked
        """
    ).fetchone()
    rows, bad_rows, valid_differs, invalid_differs = counts
    assert 0 < bad_rows < rows  # both outcomes occur
    assert valid_differs == 0
    assert invalid_differs == 0


def test_the_cheap_tests_alone_accept_a_typical_row(checked):
    """The fast path is taken by the rows the generator writes. (Not by every valid row: a
    transaction_id like "-" passes the declared checks yet is no number, so no cheap test
    can vouch for it and the exact predicates decide.)"""
    source, con = checked
    cheap = " and ".join(f"({validation.passes(c)})" for c in source.checks)
    typical, cheap_accepted, valid = con.execute(
        f"""
        select count(*), count(*) filter (where coalesce({cheap}, false)),
               count(*) filter (where not ({validation.bad_row(source, "duckdb")}))
        from checked where _typical
        """
    ).fetchone()
    assert typical == valid == 50
    assert cheap_accepted == typical


PARSE_KINDS = sorted({kind for source in SOURCES.values() for kind, _ in source.parsed.values()})


@pytest.mark.parametrize("kind", PARSE_KINDS)
def test_a_parsed_value_proves_its_text_is_not_blank(kind):
    """``passes`` reads "not blank" off a parsed value: every parse needs a digit."""
    con = duckdb.connect()
    parse = validation._FUNCTIONS["duckdb"][kind].format("?")
    for text in BLANKS:
        assert con.execute(f"select {parse}", [text]).fetchone() == (None,), repr(text)


def test_the_duckdb_blank_test_is_the_snowflake_spelling_on_duckdb():
    """DuckDB's ``missing`` uses one trim; it must decide what ``nullif(trim(x), '') is null``
    (the Snowflake rendering, also valid DuckDB) decides."""
    con = duckdb.connect()
    fast, declared = validation._blank("x", "duckdb"), validation._blank("x", "snowflake")
    for text in (None, *BLANKS, *ODD, "a", " a"):
        row = con.execute(
            f"select {fast}, {declared} from (select ?::varchar as x)",
            [text],
        ).fetchone()
        assert row in [
            (True, True),
            (False, False),
        ], repr(text)

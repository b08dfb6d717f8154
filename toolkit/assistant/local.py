"""The local engine: screen → parse → (verified query | compiled plan) → checked SELECT → run.

Runs on DuckDB. Everything executed is one read-only SELECT (checked with sqlglot),
row-capped and interrupted after a timeout; with a db_path the database is opened
read-only.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import Decimal
from functools import lru_cache

import duckdb

from toolkit.assistant.answer import answer_line
from toolkit.assistant.compiler import compile_plan
from toolkit.assistant.context import restate_context
from toolkit.assistant.guard import MAX_ROWS, UnsafeSQL, checked_select, screen_question
from toolkit.assistant.interpret import interpret
from toolkit.assistant.lexicon import build_lexicon
from toolkit.assistant.model import load_model
from toolkit.assistant.parser import CannotAnswer, Parser
from toolkit.assistant.readings import other_readings, same_rows, two_readings
from toolkit.assistant.restate import restate_hypothetical, restate_request
from toolkit.assistant.verified import closest_by_text, expand

TIMEOUT_SECONDS = 10.0
# Dimensions whose values are looked up in the data (like Cortex Search on a dimension):
# the YAML lists a sample, the database has them all.
VALUE_LOOKUPS = (("customers", "city"), ("merchant_categories", "category_name"))


def result(
    question, *, sql=None, columns=None, rows=None, answer=None, error=None, interpretation=None
) -> dict:
    return {
        "question": question,
        "sql": sql,
        "columns": columns or [],
        "rows": rows or [],
        "answer": answer,
        "interpretation": interpretation,
        "error": error,
    }


def _jsonable(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@lru_cache(maxsize=8)
def _parser_for(extra: tuple, model_path: str | None = None) -> Parser:
    """The parser for a semantic model file (default: the packaged one): every word it
    knows comes from that YAML and vocabulary.yaml, so a copy with a new metric is enough."""
    values: dict = {}
    for table, column, value in extra:
        values.setdefault((table, column), []).append(value)
    model = load_model(model_path)
    return Parser(model, build_lexicon(model, values))


@lru_cache(maxsize=8)
def _verified_signatures(extra: tuple, model_path: str | None = None) -> list:
    parser = _parser_for(extra, model_path)
    out = []
    for vq in parser.model.verified_queries:
        try:
            out.append((parser.parse(vq.question).signature(), vq))
        except CannotAnswer:
            continue
    return out


class _DataContext:
    """Per-database facts the parser needs: as-of date and looked-up dimension values."""

    _cache: dict = {}

    @classmethod
    def get(cls, con) -> tuple[dt.date | None, tuple]:
        key = id(con)
        cached = cls._cache.get(key)
        if cached is not None and cached[0] is con:
            return cached[1], cached[2]
        model = load_model()
        try:
            asof = con.execute(
                "select max(transaction_date) from gold.fct_transactions"
            ).fetchone()[0]
        except duckdb.Error:
            asof = None
        extra = []
        for table, column in VALUE_LOOKUPS:
            t = model.tables[table]
            expr = t.columns[column].expr
            try:
                # Identifiers come from the semantic model, not from the question.
                source = f"{t.schema}.{t.physical}"
                rows = con.execute(
                    f"select distinct {expr} from {source} where {expr} is not null limit 500"  # noqa: S608
                ).fetchall()
            except duckdb.Error:
                rows = []
            extra.extend((table, column, str(r[0])) for r in rows)
        value = (asof, tuple(sorted(extra)))
        try:
            first = con.execute("select min(transaction_date) from gold.fct_transactions")
            cls._first = {key: first.fetchone()[0]}
        except duckdb.Error:
            cls._first = {}
        cls._cache = {key: (con, *value)}
        return value

    @classmethod
    def first_date(cls, con) -> dt.date | None:
        cls.get(con)
        return cls._first.get(id(con))


def _run(con, sql: str, timeout: float):
    timer = threading.Timer(timeout, con.interrupt)
    timer.start()
    try:
        cursor = con.execute(sql)
        columns = [d[0] for d in cursor.description]
        rows = cursor.fetchmany(MAX_ROWS)
    finally:
        timer.cancel()
    return columns, [[_jsonable(v) for v in row] for row in rows]


def plan_question(question: str, con, *, model_path: str | None = None):
    """(plan or None, sql in DuckDB dialect, verified query name or None). Raises CannotAnswer."""
    asof, extra = _DataContext.get(con)
    parser = _parser_for(extra, model_path)
    model = parser.model
    try:
        state_plan = parser.parse_with(question, asof=asof, first_date=_DataContext.first_date(con))
    except CannotAnswer:
        vq = closest_by_text(model, question)
        if vq is None:
            raise
        return None, expand(model, vq.sql), vq.name
    signature = state_plan.signature()
    for sig, vq in _verified_signatures(extra, model_path):
        if sig == signature:
            return state_plan, expand(model, vq.sql), vq.name
    return state_plan, compile_plan(model, state_plan, dialect="duckdb", asof=asof), None


def ask_local(
    question: str, con, *, timeout: float = TIMEOUT_SECONDS, model_path: str | None = None
) -> dict:
    started = time.perf_counter()
    asked = restate_hypothetical(question)  # "if we remove X, what is Y?" = Y excluding X
    asked = restate_request(asked)  # "create a list of X" = show X
    # "before we raise limits: how many ...?" = how many ...; the clause set aside is
    # screened too, so only a read question with a change as its context is answered
    read = restate_context(asked)
    reason = (screen_question(asked) if read != asked else None) or screen_question(read)
    asked = read
    if reason:
        return result(question, error=reason)
    try:
        plan, sql, verified = plan_question(asked, con, model_path=model_path)
    except CannotAnswer as decline:
        return result(question, error=str(decline))
    try:
        sql = checked_select(sql, dialect="duckdb")
    except UnsafeSQL as unsafe:  # a bug in the compiler, never user-fixable
        return result(question, error=f"refused to run generated SQL: {unsafe}")
    try:
        columns, rows = _run(con, sql, timeout)
    except duckdb.InterruptException:
        return result(question, error=f"the query took longer than {timeout:g} s and was stopped")
    except duckdb.Error as error:
        return result(
            question, error=f"the database could not answer: {str(error).splitlines()[0]}"
        )
    answer = answer_line(plan, columns, rows, verified=verified)
    asof, extra = _DataContext.get(con)
    model = _parser_for(extra, model_path).model
    vq = next((q for q in model.verified_queries if q.name == verified), None)
    reading = interpret(
        plan, asof=asof, verified=verified, verified_question=vq.question if vq else None
    )
    declined = _other_reading_differs(asked, con, plan, rows, (reading, answer), model_path)
    if declined:
        return result(question, error=declined)
    out = result(
        question, sql=sql, columns=columns, rows=rows, answer=answer, interpretation=reading
    )
    out["elapsed_ms"] = round((time.perf_counter() - started) * 1000, 1)
    if verified:
        out["verified_query"] = verified
    return out


def _other_reading_differs(question, con, plan, rows, first, model_path) -> str | None:
    """Run each other reading of the question; the decline text if one gives other rows."""
    asof, extra = _DataContext.get(con)
    parser = _parser_for(extra, model_path)
    for choose, key, options in other_readings(plan):
        try:
            alt = parser.parse_with(
                question, asof=asof, choose=choose, first_date=_DataContext.first_date(con)
            )
            sql = checked_select(
                compile_plan(parser.model, alt, dialect="duckdb", asof=asof), dialect="duckdb"
            )
            columns, alt_rows = _run(con, sql, TIMEOUT_SECONDS)
        except (CannotAnswer, UnsafeSQL, duckdb.Error):
            continue  # a reading the engine cannot run is no rival answer
        if not same_rows(rows, alt_rows):
            second = (interpret(alt, asof=asof), answer_line(alt, columns, alt_rows))
            return two_readings(first, second, key, options)
    return None


def compile_question(
    question: str, *, dialect: str = "snowflake", asof=None, database: str | None = None
) -> str:
    """The SQL the local parser would run, written for another engine (e.g. Snowflake).

    Raises CannotAnswer for questions the engine declines. Useful to compare with
    Cortex Analyst's SQL for the same question in a Snowflake deployment.
    """
    from toolkit.assistant.compiler import compile_plan as _compile

    question = restate_request(restate_hypothetical(question))
    reason = screen_question(question)
    if reason:
        raise CannotAnswer(reason)
    parser = _parser_for(())
    plan = parser.parse_with(question, asof=asof)
    return _compile(parser.model, plan, dialect=dialect, database=database)

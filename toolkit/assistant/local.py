"""The local engine: screen → parse → (verified query | compiled plan) → checked SELECT → run.

Runs on DuckDB. Everything executed is one read-only SELECT (checked with sqlglot),
row-capped and interrupted after a timeout; with a db_path the database is opened
read-only.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import threading
import time
from decimal import Decimal
from functools import lru_cache

import duckdb
from sqlglot import exp

from toolkit.assistant.answer import answer_line
from toolkit.assistant.compiler import build_select, compile_plan
from toolkit.assistant.context import restate_context
from toolkit.assistant.guard import MAX_ROWS, UnsafeSQL, checked_select, screen_question
from toolkit.assistant.interpret import interpret
from toolkit.assistant.lexicon import build_lexicon
from toolkit.assistant.model import load_model
from toolkit.assistant.parser import CannotAnswer, Parser
from toolkit.assistant.plan import Condition, Plan
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
    first_date = _DataContext.first_date(con)
    try:
        state_plan = parser.parse_with(question, asof=asof, first_date=first_date)
    except CannotAnswer as whole:
        asked = _both_asks(parser, question, None, asof, first_date)
        if asked is not None:
            return asked, compile_plan(model, asked, dialect="duckdb", asof=asof), None
        vq = closest_by_text(model, question)
        if vq is None:
            raise whole from None
        return None, expand(model, vq.sql), vq.name
    asked = _both_asks(parser, question, state_plan, asof, first_date)
    if asked is not None and asked is not state_plan:
        return asked, compile_plan(model, asked, dialect="duckdb", asof=asof), None
    signature = state_plan.signature()
    for sig, vq in _verified_signatures(extra, model_path):
        if sig == signature:
            return state_plan, expand(model, vq.sql), vq.name
    return state_plan, compile_plan(model, state_plan, dialect="duckdb", asof=asof), None


def _both_asks(parser, question, whole, asof, first_date):
    """With two asks in the sentence: the whole plan when it covers both, else one plan
    answering both over the same rows; declines naming both asks when neither holds (never
    one ask dropped silently). None when the sentence holds one ask (or the whole plan failed
    and the asks cannot be put together: the whole sentence's own decline stands)."""
    asks = split_asks(question)
    if asks is None:
        return None
    first_text, second_text = asks
    parsed = []
    for text in (first_text, bare_ask(second_text)):
        try:
            parsed.append(parser.parse_with(text, asof=asof, first_date=first_date))
        except CannotAnswer:
            parsed.append(None)
    if whole is not None and covers(whole, parsed):
        return whole
    if parsed[0] is not None and parsed[1] is not None:
        together = combine(parsed[0], parsed[1], parser.model)
        if together is not None:
            return together
    if whole is None and None in parsed:
        return None
    raise decline(first_text, second_text)


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


# --- two asks in one sentence ------------------------------------------------------------
# Two asks in one sentence: "how many high-risk customers do we have and what's their combined
# lifetime value?" must never lose one ask silently.
#
# A second ask is a clause after "and" / ", and" / "as well as" led by a question word ("what",
# "how many", "which", "in what", "across how many", ...); "and their <column>" after a list is
# that list's column, no second ask. The plan read from the whole sentence stands only when it
# covers what each ask names on its own (the measure's column, the column asked for); an ask
# with nothing of its own to name ("and
# how much?", "and what was it?") refers to the other ask's figure. When the plan leaves an ask
# out, the two asks are put together only when they share the same rows:
#
# - a figure and another figure of the same rows ("how many ... and what's their total LTV":
#   the count and the sum side by side, the first ask's filters and period apply to both);
# - the largest/smallest value and which <column> it belongs to ("the biggest purchase ... and
#   which customer made it": the column for every row holding that extreme, ties all shown).
#
# Otherwise the question declines naming both asks, so the user asks them one at a time.

_LEAD = (
    r"(?:what|what's|whats|how|which|who|when|where|in what|in which|across how many|"
    r"over how many|by how much)"
)
_SPLIT = re.compile(r"(?:,\s*and|\band|,?\s*as well as)\s+(?=" + _LEAD + r"\b)", re.IGNORECASE)
# words that point back at the first ask's rows, not content of the second
_POINTERS = re.compile(r"\b(?:their|them|they|it|its|those|these|that|of them)\b", re.IGNORECASE)
_LEADING_GLUE = re.compile(r"^\s*(?:across|over|in)\s+(?=how many|what|which)", re.IGNORECASE)
# display columns shown beside an asked-for customer; they are not what a list asks
_DISPLAY = {"customer_id", "full_name"}
_EXTREMES = (exp.Max, exp.Min)


def split_asks(question: str) -> tuple[str, str] | None:
    """(first ask, second ask) when the sentence holds a second ask, else None."""
    matches = list(_SPLIT.finditer(question))
    if not matches:
        return None
    m = matches[-1]
    first = question[: m.start()].strip(" ,;:-—–")
    second = question[m.end() :].strip(" ?.!")
    if not first or not second:
        return None
    return first, second


def bare_ask(second: str) -> str:
    """The second ask without the words pointing back at the first ask's rows."""
    text = _LEADING_GLUE.sub("", second)
    return re.sub(r"\s+", " ", _POINTERS.sub(" ", text)).strip()


def _names(expressions) -> set[str]:
    return {c.name for e in expressions for c in e.find_all(exp.Column)}


def _asked(plan: Plan) -> set[str]:
    """The columns an ask names on its own: a split's column ('which segment'), a measure's
    column, or a list's columns other than the display id and name."""
    if plan.groups:
        return _names(g.expr for g in plan.groups)
    if plan.measures:
        return _names(m.expr for m in plan.measures)
    listed = _names(c.expr for c in plan.columns)
    return (listed - _DISPLAY) or listed


def _shown(plan: Plan) -> set[str]:
    return _names(e.expr for e in [*plan.measures, *plan.groups, *plan.columns])


def covers(plan: Plan, asks: list[Plan | None]) -> bool:
    """True when the plan shows what every parsed ask names (an ask that cannot be read alone
    has nothing of its own: every word of it was placed by the whole-sentence plan)."""
    shown = _shown(plan)
    # two asks for a figure each need two figures ("how many X, and how many of them are Y")
    figures = [a for a in asks if a is not None and a.measures and not a.groups]
    if len(figures) > len(plan.measures):
        return False
    return all(ask is None or _asked(ask) <= shown for ask in asks)


def _aggregate_only(plan: Plan) -> bool:
    return bool(plan.measures) and not (
        plan.groups or plan.columns or plan.period_change or plan.limit or plan.having
    )


def _own_rows(plan: Plan) -> bool:
    return bool(plan.conditions or plan.semi_joins)


def combine(first: Plan, second: Plan, model) -> Plan | None:
    """One plan answering both asks over the same rows, or None."""
    if first.alternatives or second.alternatives:
        return None  # an open reading in either ask: not put together silently
    if _aggregate_only(first) and _aggregate_only(second) and not _own_rows(second):
        if second.base != first.base:
            return None
        merged = copy.deepcopy(first)
        labels = {m.label for m in merged.measures}
        merged.measures += [m for m in second.measures if m.label not in labels]
        return merged
    extreme = _extreme_row(first, second, model)
    return extreme


def _extreme_row(first: Plan, second: Plan, model) -> Plan | None:
    """'the biggest purchase ... and which customer made it': the asked column(s) of the rows
    holding the extreme value, beside that value (ties: every such row)."""
    if not _aggregate_only(first) or len(first.measures) != 1 or _own_rows(second):
        return None
    measure = first.measures[0]
    if not isinstance(measure.expr, _EXTREMES) or (second.measures and not second.groups):
        return None
    asked = second.groups or list(second.columns)
    if not asked:
        return None
    inner = build_select(model, first)
    inner.set("limit", None)
    plan = copy.deepcopy(first)
    plan.groups = copy.deepcopy(asked)
    plan.conditions.append(
        Condition(
            table=measure.table,
            expr=exp.EQ(this=measure.expr.this.copy(), expression=exp.Subquery(this=inner)),
            describe=f"the row holds the {measure.label.replace('_', ' ')} of those rows (ties: all)",
        )
    )
    plan.order = [(c.label, False) for c in plan.groups]
    return plan


def decline(first: str, second: str) -> CannotAnswer:
    return CannotAnswer(
        f"That sentence asks two things, '{first}' and '{second}', and I can't answer both in one "
        "result; ask them one at a time."
    )

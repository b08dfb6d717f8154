"""Cortex Analyst client (Snowflake deployments): the REST `message` API.

POST /api/v2/cortex/analyst/message with the question and one of: the semantic model
YAML on a stage (`semantic_model_file`), a semantic view (`semantic_view`), or the
YAML inline (`semantic_model`). The reply's SQL is checked exactly like the local
engine's (one read-only SELECT, sqlglot, Snowflake dialect) before it runs on the
Snowpark session with a row cap and a statement timeout. Shapes follow Snowflake's
documentation; tests/assistant/fixtures holds the recorded examples.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from toolkit.assistant.guard import MAX_ROWS, UnsafeSQL, checked_select, screen_question

ENDPOINT = "/api/v2/cortex/analyst/message"
TIMEOUT_SECONDS = 60
STATEMENT_TIMEOUT_SECONDS = 30

# (method-less) transport: body dict -> (status code, response body text)
Transport = Callable[[dict], tuple[int, str]]


class CortexError(RuntimeError):
    """Cortex Analyst could not be reached or answered with an error status."""


@dataclass
class AnalystReply:
    request_id: str | None
    text: str
    sql: str | None
    suggestions: list[str] = field(default_factory=list)
    verified_query: dict | None = None
    warnings: list[str] = field(default_factory=list)


def build_request(
    question: str,
    *,
    semantic_model_file: str | None = None,
    semantic_view: str | None = None,
    semantic_model: str | None = None,
    history: list[dict] | None = None,
) -> dict:
    """The documented request body; exactly one model source must be given."""
    sources = {
        "semantic_model_file": semantic_model_file,
        "semantic_view": semantic_view,
        "semantic_model": semantic_model,
    }
    given = {k: v for k, v in sources.items() if v}
    if len(given) != 1:
        raise ValueError("give exactly one of semantic_model_file, semantic_view, semantic_model")
    messages = list(history or [])
    messages.append({"role": "user", "content": [{"type": "text", "text": question}]})
    return {"messages": messages, **given}


def parse_response(body: dict) -> AnalystReply:
    """Read the content blocks by type; unknown block types are ignored (forward compatible)."""
    message = body.get("message") or {}
    texts, sql, suggestions, verified = [], None, [], None
    for block in message.get("content") or []:
        kind = block.get("type")
        if kind == "text":
            texts.append(block.get("text", ""))
        elif kind == "sql":
            sql = block.get("statement")
            verified = (block.get("confidence") or {}).get("verified_query_used")
        elif kind in ("suggestions", "suggestion"):
            suggestions.extend(block.get("suggestions") or [])
    return AnalystReply(
        request_id=body.get("request_id"),
        text="\n".join(t for t in texts if t),
        sql=sql,
        suggestions=suggestions,
        verified_query=verified,
        warnings=[w.get("message", "") for w in body.get("warnings") or []],
    )


def snowflake_internal_transport(timeout_ms: int = TIMEOUT_SECONDS * 1000) -> Transport:
    """Inside Snowflake (Streamlit in Snowflake): the `_snowflake` module's API call."""
    import _snowflake  # type: ignore[import-not-found]  # only exists inside Snowflake

    def send(body: dict) -> tuple[int, str]:
        resp = _snowflake.send_snow_api_request("POST", ENDPOINT, {}, {}, body, None, timeout_ms)
        return int(resp["status"]), resp["content"]

    return send


def session_rest_transport(session, timeout: int = TIMEOUT_SECONDS) -> Transport:
    """Outside Snowflake: HTTPS with the Snowpark session's token."""
    import requests

    connection = session.connection
    url = f"https://{connection.host}{ENDPOINT}"
    headers = {
        "Authorization": f'Snowflake Token="{connection.rest.token}"',
        "Content-Type": "application/json",
        "Accept": "application/json",
    }

    def send(body: dict) -> tuple[int, str]:
        resp = requests.post(url, headers=headers, json=body, timeout=timeout)
        return resp.status_code, resp.text

    return send


class CortexAnalystClient:
    def __init__(self, transport: Transport, **model_source: str | None):
        self.transport = transport
        self.model_source = model_source
        build_request("probe", **model_source)  # fail fast on a bad source

    def send(self, question: str) -> AnalystReply:
        status, text = self.transport(build_request(question, **self.model_source))
        if status >= 400:
            try:
                detail = json.loads(text).get("message", text)
            except (ValueError, AttributeError):
                detail = text
            raise CortexError(f"Cortex Analyst returned {status}: {str(detail)[:200]}")
        return parse_response(json.loads(text))


def default_model_source(session) -> dict:
    """Semantic view or staged file from the environment, else the repo YAML inline."""
    if os.environ.get("C360_SEMANTIC_VIEW"):
        return {"semantic_view": os.environ["C360_SEMANTIC_VIEW"]}
    if os.environ.get("C360_SEMANTIC_MODEL_FILE"):
        return {"semantic_model_file": os.environ["C360_SEMANTIC_MODEL_FILE"]}
    from toolkit.assistant.model import for_database

    database = (session.get_current_database() or "C360_DEV").strip('"')
    return {"semantic_model": for_database(database)}


def default_transport(session) -> Transport:
    try:
        return snowflake_internal_transport()
    except ImportError:
        return session_rest_transport(session)


def _interpretation(text: str) -> str | None:
    """Cortex Analyst restates the question it answered in its text block ("This is our
    interpretation of your question: ..."); that restatement is its reading."""
    lead = "this is our interpretation of your question:"
    body = (text or "").strip()
    if body.lower().startswith(lead):
        body = body[len(lead) :].strip()
    return body or None


def ask_cortex(question: str, session, *, client: CortexAnalystClient | None = None) -> dict:
    """Same contract as the local engine: question, sql, columns, rows, answer, error."""
    from toolkit.assistant.local import result

    reason = screen_question(question)
    if reason:
        return result(question, error=reason)
    client = client or CortexAnalystClient(
        default_transport(session), **default_model_source(session)
    )
    try:
        reply = client.send(question)
    except CortexError as error:
        return result(question, error=str(error))
    if not reply.sql:
        hint = f" Try: {'; '.join(reply.suggestions[:3])}" if reply.suggestions else ""
        return result(
            question, error=(reply.text or "Cortex Analyst could not answer that.") + hint
        )
    try:
        # Tables may only be in the session's own database (never another environment's).
        current = getattr(session, "get_current_database", lambda: None)()
        database = (current or "").strip('"') or None
        sql = checked_select(reply.sql, dialect="snowflake", max_rows=MAX_ROWS, database=database)
    except UnsafeSQL as unsafe:
        return result(question, error=f"refused to run the generated SQL: {unsafe}")
    frame = session.sql(sql).limit(MAX_ROWS)
    rows = frame.collect(
        statement_params={"STATEMENT_TIMEOUT_IN_SECONDS": STATEMENT_TIMEOUT_SECONDS}
    )
    columns = list(frame.columns) if hasattr(frame, "columns") else []
    values = [list(row) for row in rows]
    answer = reply.text.strip().splitlines()[-1] if reply.text else f"{len(values):,} rows."
    out = result(
        question, sql=sql, columns=columns, rows=values, answer=answer,
        interpretation=_interpretation(reply.text),
    )  # fmt: skip
    if reply.verified_query:
        out["verified_query"] = reply.verified_query.get("name")
    return out

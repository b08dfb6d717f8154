"""AI Assistant: questions in plain English, answered with SQL over the gold tables.

The engine is ``toolkit.assistant.ask`` (Cortex Analyst in Snowflake, a deterministic
parser of the same semantic model locally). This module is only the chat UI: history,
suggested questions, the generated SQL, results, an automatic chart, CSV export and
thumbs up/down written to ``observability.assistant_feedback``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pandas as pd

import streamlit as st
from c360_app import charts, fmt
from c360_app.widgets import csv_download

SUGGESTED_QUESTIONS: dict[str, list[str]] = {
    "Segments": [
        "How many customers are in each segment?",
        "What is the average lifetime value by segment?",
    ],
    "Churn": [
        "How many high risk customers are there?",
        "What is the average churn probability by card type?",
    ],
    "Spending": [
        "What was the total spend by month?",
        "What are the top 5 merchant categories by spend?",
    ],
    "Customers": [
        "Who are the top 10 customers by lifetime value?",
        "How many customers are there in each state?",
    ],
}

HISTORY_KEY = "assistant_history"
PENDING_KEY = "assistant_pending"


def _queue(question: str) -> None:
    st.session_state[PENDING_KEY] = question


def ask_engine(source, question: str) -> dict[str, Any]:
    """Call the assistant; any failure becomes an answer with ``error`` set, never a crash."""
    try:
        from toolkit.assistant import ask

        with source.assistant_connection() as connection:
            answer = ask(question, connection=connection)
    except Exception as exc:  # the engine is another team's code: never let it take the tab down
        return _failed_answer(
            question, f"The assistant is unavailable right now ({type(exc).__name__}: {exc})."
        )
    if not isinstance(answer, dict):
        return _failed_answer(question, "The assistant returned an unexpected response.")
    return answer


def _failed_answer(question: str, error: str) -> dict[str, Any]:
    """An answer in the engine's own shape (no SQL, no rows) that carries only ``error``."""
    return {
        "question": question,
        "sql": None,
        "columns": [],
        "rows": [],
        "answer": None,
        "interpretation": None,
        "error": error,
    }


def _session_id() -> str:
    return st.session_state.setdefault("assistant_session_id", uuid.uuid4().hex)


def _log_feedback(source, entry: dict[str, Any], rating: str) -> None:
    row = {
        "feedback_id": uuid.uuid4().hex,
        "session_id": _session_id(),
        "question": entry["question"],
        "sql": entry.get("sql"),
        "rating": rating,
        "answer": entry.get("answer") or entry.get("error"),
        "recorded_at": datetime.now(UTC).replace(tzinfo=None),
    }
    try:
        source.record_feedback(row)
    except Exception as exc:
        st.toast(f"Could not save your feedback: {exc}", icon=":material/error:")
        return
    entry["feedback"] = rating
    st.toast("Thanks, your feedback was saved.", icon=":material/check:")


def _feedback(source, index: int, entry: dict[str, Any]) -> None:
    # Two buttons rather than st.feedback: AppTest cannot drive st.feedback in Streamlit 1.51.
    if entry.get("feedback"):
        verdict = "helpful" if entry["feedback"] == "up" else "not helpful"
        st.caption(f"You rated this answer {verdict}. Thanks!")
        return
    up, down, _ = st.columns([1, 1, 4])
    up.button(
        "Helpful",
        icon=":material/thumb_up:",
        key=f"assistant_up_{index}",
        on_click=_log_feedback,
        args=(source, entry, "up"),
    )
    down.button(
        "Not helpful",
        icon=":material/thumb_down:",
        key=f"assistant_down_{index}",
        on_click=_log_feedback,
        args=(source, entry, "down"),
    )


def _result_frame(entry: dict[str, Any]) -> pd.DataFrame:
    columns = [str(c).lower() for c in entry.get("columns") or []]
    rows = entry.get("rows") or []
    frame = pd.DataFrame([list(r) for r in rows], columns=columns or None)
    for column in frame.columns:  # dates and numbers may arrive as text from JSON engines
        if frame[column].dtype == object:
            converted = pd.to_numeric(frame[column], errors="coerce")
            if converted.notna().all() and len(frame):
                frame[column] = converted
    return frame


def _show_answer(source, index: int, entry: dict[str, Any]) -> None:
    if entry.get("error"):
        st.warning(entry["error"], icon=":material/help:")
        if entry.get("sql"):
            with st.expander("Generated SQL"):
                st.code(entry["sql"], language="sql")
    else:
        if entry.get("answer"):
            st.markdown(fmt.md(entry["answer"]))
        if entry.get("interpretation"):  # how the question was read, so it can be checked
            st.caption(fmt.md(f"Read as: {entry['interpretation']}"))
        with st.expander("Generated SQL"):
            st.code(entry.get("sql") or "", language="sql")
        frame = _result_frame(entry)
        kind, chart = charts.choose_chart(frame)
        if kind == "metric":
            st.metric(
                frame.columns[0],
                fmt.count(frame.iloc[0, 0])
                if float(frame.iloc[0, 0]).is_integer()
                else f"{float(frame.iloc[0, 0]):,.2f}",
            )
        elif chart is not None:
            st.altair_chart(chart)
        if not frame.empty:
            st.dataframe(frame, hide_index=True, key=f"assistant_table_{index}")
            csv_download(
                "Download results (CSV)",
                frame.to_csv(index=False).encode(),
                file_name=f"c360_answer_{index + 1}.csv",
                key=f"assistant_download_{index}",
            )
        else:
            st.caption("The query returned no rows.")
    _feedback(source, index, entry)


def render(source) -> None:
    st.subheader("AI Assistant")
    st.caption(
        "Ask about customers, segments, churn and spending. Every answer shows the SQL it ran; "
        "questions it cannot answer get a clear “can't answer”, never a guess."
    )
    history: list[dict[str, Any]] = st.session_state.setdefault(HISTORY_KEY, [])
    with st.expander("Suggested questions", expanded=not history, icon=":material/lightbulb:"):
        columns = st.columns(len(SUGGESTED_QUESTIONS))
        for column, (category, questions) in zip(columns, SUGGESTED_QUESTIONS.items(), strict=True):
            column.markdown(f"**{category}**")
            for i, question in enumerate(questions):
                column.button(
                    question,
                    key=f"assistant_suggest_{category}_{i}",
                    on_click=_queue,
                    args=(question,),
                    width="stretch",
                )
    # The conversation is drawn above the input, but filled after reading it, so a new
    # question shows up at once.
    conversation = st.container()
    typed = st.chat_input("Ask a question about your customers", key="assistant_input")
    question = st.session_state.pop(PENDING_KEY, None) or typed
    with conversation:
        if question and question.strip():
            with st.spinner("Thinking…"):
                answer = ask_engine(source, question.strip())
            history.append({**answer, "question": question.strip()})
        if not history:
            st.info("Pick a suggested question or type your own below.")
        for index, entry in enumerate(history):
            with st.chat_message("user"):
                st.markdown(fmt.md(entry["question"]))
            with st.chat_message("assistant"):
                _show_answer(source, index, entry)
        if history and st.button(
            "Clear conversation", key="assistant_clear", icon=":material/delete:"
        ):
            st.session_state[HISTORY_KEY] = []
            st.rerun()

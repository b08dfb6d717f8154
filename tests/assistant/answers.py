"""Shared helpers of the assistant's fix tests: an answer that must not be a decline, a
decline that must not carry SQL, and the single value a reference query returns."""

from __future__ import annotations

from toolkit.assistant.local import ask_local


def one_value(gold, sql: str, *params) -> float:
    return float(gold.execute(sql, list(params)).fetchone()[0])


def answer(gold, question: str) -> dict:
    out = ask_local(question, gold)
    assert out["error"] is None, (question, out["error"])
    return out


def declined(gold, question: str) -> str:
    """The decline's reason; fails if the question was answered."""
    out = ask_local(question, gold)
    assert out["sql"] is None and out["error"], (question, out["sql"])
    return out["error"]

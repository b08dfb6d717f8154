"""Shared helpers of the assistant's fix tests: an answer that must not be a decline, and
the single value a reference query returns."""

from __future__ import annotations

from toolkit.assistant.local import ask_local


def one_value(gold, sql: str) -> float:
    return float(gold.execute(sql).fetchone()[0])


def answer(gold, question: str) -> dict:
    out = ask_local(question, gold)
    assert out["error"] is None, (question, out["error"])
    return out

"""Execution accuracy: does the assistant's result set match a reference query's?

Used by the tests (small build) and benchmarks/bench_assistant.py (default scale).
Two result sets match when they have the same number of rows and every reference
column can be paired with a distinct answer column so that the rows agree as a
multiset (extra answer columns, column names and row order do not matter; numbers
are compared after rounding to 4 decimals).
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import yaml

QUESTIONS_DIR = Path(__file__).resolve().parents[2] / "tests" / "assistant"


def _norm(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float, Decimal)):
        return round(float(value), 4) + 0.0
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        return parsed.date().isoformat() if parsed.time() == dt.time(0) else parsed.isoformat()
    return value


def results_match(reference: list[tuple], answer: list[list]) -> bool:
    if len(reference) != len(answer):
        return False
    if not reference:
        return True
    ref = [tuple(_norm(v) for v in row) for row in reference]
    ans = [tuple(_norm(v) for v in row) for row in answer]
    n_ref, n_ans = len(ref[0]), len(ans[0])
    if n_ans < n_ref:
        return False
    ref_cols = [Counter(r[i] for r in ref) for i in range(n_ref)]
    ans_cols = [Counter(a[j] for a in ans) for j in range(n_ans)]
    candidates = [[j for j in range(n_ans) if ans_cols[j] == ref_cols[i]] for i in range(n_ref)]
    if any(not c for c in candidates):
        return False
    want = Counter(ref)
    for choice in itertools.product(*candidates):
        if len(set(choice)) != len(choice):
            continue
        if Counter(tuple(a[j] for j in choice) for a in ans) == want:
            return True
    return False


@dataclass
class Outcome:
    question: str
    ok: bool
    declined: bool
    error: str | None
    elapsed_ms: float
    sql: str | None = None


@dataclass
class Report:
    answerable: list[Outcome] = field(default_factory=list)
    declined: list[Outcome] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return sum(o.ok for o in self.answerable) / max(len(self.answerable), 1)

    @property
    def decline_rate(self) -> float:
        return sum(o.declined for o in self.declined) / max(len(self.declined), 1)

    def latencies(self) -> list[float]:
        return sorted(o.elapsed_ms for o in self.answerable + self.declined)


def load_set(name: str) -> dict:
    with open(QUESTIONS_DIR / name, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def evaluate(con, question_set: dict) -> Report:
    from toolkit.assistant.local import ask_local

    report = Report()
    for case in question_set.get("answerable", []):
        reference = con.execute(case["sql"]).fetchall()
        started = time.perf_counter()
        answer = ask_local(case["question"], con)
        elapsed = (time.perf_counter() - started) * 1000
        ok = answer["error"] is None and results_match(reference, answer["rows"])
        report.answerable.append(
            Outcome(
                case["question"],
                ok,
                answer["error"] is not None,
                answer["error"],
                elapsed,
                answer["sql"],
            )
        )
    for case in question_set.get("declined", []):
        started = time.perf_counter()
        answer = ask_local(case["question"], con)
        elapsed = (time.perf_counter() - started) * 1000
        declined = answer["error"] is not None and answer["sql"] is None
        report.declined.append(
            Outcome(case["question"], declined, declined, answer["error"], elapsed)
        )
    return report

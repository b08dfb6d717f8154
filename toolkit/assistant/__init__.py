"""The natural-language assistant: one interface, two engines.

``ask`` answers with Cortex Analyst when handed a Snowpark session (Snowflake) and
with the local deterministic engine on DuckDB otherwise. Both read the same
semantic model (semantic_model.yaml) and return the same dict: question, sql,
columns, rows, answer, error (error None on success; sql None when declined).
"""

from __future__ import annotations

from pathlib import Path

from toolkit.assistant.answer import format_answer

__all__ = ["ask", "format_answer"]


def _is_snowpark_session(connection) -> bool:
    return type(connection).__module__.startswith("snowflake.snowpark")


def ask(question: str, *, db_path: str | Path | None = None, connection=None) -> dict:
    """Answer a plain-English question about the portfolio, or decline with a reason."""
    if connection is not None and _is_snowpark_session(connection):
        from toolkit.assistant.cortex import ask_cortex

        return ask_cortex(question, connection)
    from toolkit.assistant.local import ask_local, result

    if connection is not None:
        return ask_local(question, connection)
    from toolkit.config import default_db_path

    path = Path(db_path) if db_path is not None else default_db_path()
    if not path.exists():
        return result(
            question, error=f"no database at {path}; run `c360 demo` or `c360 pipeline run` first"
        )
    from toolkit.assistant.guard import sandboxed_duckdb

    # A private read-only instance with external access off and settings locked.
    with sandboxed_duckdb(path) as con:
        return ask_local(question, con)

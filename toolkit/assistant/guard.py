"""What the assistant refuses, and the read-only check on every statement it runs.

Two gates: `screen_question` declines requests before any parsing (data changes,
personal data the model does not hold, topics outside the portfolio), and
`checked_select` verifies the SQL itself against an allow-list (toolkit/assistant/sql_gate.py):
one SELECT reading only the tables and columns the semantic model exposes, calling only
allow-listed functions, row-capped. `sandboxed_duckdb` is where the local engine runs it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from toolkit.assistant.sql_gate import UnsafeSQL, checked_select

MAX_ROWS = 10_000  # enough for any list a person reads; caps runaway results
__all__ = ["MAX_ROWS", "UnsafeSQL", "checked_select", "sandboxed_duckdb", "screen_question"]

# Verbs that ask to change data. Matched as whole words at the start of a clause or
# anywhere in a clear imperative ("please delete ..."); "declined" is not "decline".
_IMPERATIVE = (
    r"^(?:(?:please|kindly|now|then|ok|okay|hey|so)\s*,?\s+|(?:can|could|would|will) you\s+(?:please\s+)?"
    r"|i (?:want|need|would like|'d like) (?:you )?to\s+|let'?s\s+|go ahead and\s+)*"
)
_WRITE_PATTERNS = [
    # Verbs that only ever mean changing data, anywhere in the question.
    r"\b(delete|truncate|insert|upsert|alter|grant|revoke|erase|wipe|purge|overwrite)\b",
    # "drop" the noun ("the biggest drop in spend", "a drop of 50%") is a question (#15).
    r"\bdrop\b(?!\s+(?:in|of|off)\b)(?<!\ba drop)(?<!\bbiggest drop)(?<!\blargest drop)"
    r"(?<!\bsharpest drop)(?<!\bsteepest drop)(?<!\bbig drop)(?<!\bsharp drop)",
    r"\b(update|modify|edit|rename|remove|destroy)\b(?!\s+(?:date|time|history|frequency))",
    # Verbs that change data when the question is an instruction ("set the limit to ...").
    _IMPERATIVE
    + r"(set|change|reset|raise|lower|increase|decrease|bump|cut|adjust|add|assign|move|upgrade|"
    r"downgrade|close|cancel|freeze|unfreeze|block|unblock|mark|flag|approve|reject|decline|refund|"
    r"reverse|write|save|store|load|import|upload|create|send|email|text|call|"
    r"enroll|enrol|unsubscribe|reactivate|deactivate|suspend|restore|fix|correct)\s+"
    # "change in spend", "decline rate by channel" are questions, not instructions.
    r"(?!(?:in|of|over|from|between|per|by|across|rate|rates|trend|trends)\b)",
    # "give everyone in Texas a Platinum card": handing something out is a change; "give me
    # the top 5 ..." and "transfer volume by channel" are questions (#15, held-out set 7).
    _IMPERATIVE
    + r"(give|issue|award|transfer|switch|double|halve|waive)\s+"
    + r"(?!(?:me|us|in|of|over|from|between|per|by|across|rate|rates|volume)\b)",
    # "put customer C000200 in the Declining segment", "make all Texas customers Gold": the
    # rest parsed as a list of those customers (#15, H19 probes); "make me a list" asks
    _IMPERATIVE
    + r"(put|make|tag|label|convert|notify|archive|reassign|promote|demote)\s+"
    + r"(?!(?:me|us|a list|a table|a chart|a breakdown|together)\b)",
    r"\b(?:and|then)\s+(set|change|reset|raise|lower|increase|decrease|delete|remove|update|"
    r"upgrade|downgrade|close|cancel|freeze|block|mark|flag)\s+(?:their|the|them|its|it|his|her)\b",
    r";\s*\w",
    r"--|/\*",
]

_PII_TERMS = {
    "social security": "social security numbers",
    "ssn": "social security numbers",
    "passport": "passport numbers",
    "driver's license": "driver's licence numbers",
    "drivers license": "driver's licence numbers",
    "password": "passwords",
    "pin": "PINs",
    "cvv": "card security codes",
    "cvc": "card security codes",
    "card number": "card numbers",
    "credit card number": "card numbers",
    "account number": "account numbers",
    "routing number": "bank routing numbers",
    "phone": "phone numbers",
    "telephone": "phone numbers",
    "mobile number": "phone numbers",
    "cell number": "phone numbers",
    "email": "e-mail addresses",
    "e-mail": "e-mail addresses",
    "emails": "e-mail addresses",
    "street address": "street addresses",
    "home address": "street addresses",
    "mailing address": "street addresses",
    "address": "street addresses",
    "addresses": "street addresses",
    "zip code": "postal codes",
    "zip": "postal codes",
    "postal code": "postal codes",
    "date of birth": "dates of birth",
    "birthday": "dates of birth",
    "birth date": "dates of birth",
    "dob": "dates of birth",
    "income": "income",
    "salary": "income",
    "salaries": "income",
    "credit score": "credit bureau scores",
    "fico": "credit bureau scores",
    "ip address": "IP addresses",
    "gender": "gender",
    "race": "ethnicity",
    "ethnicity": "ethnicity",
    "religion": "religion",
    "medical record": "medical records",
}

_OUT_OF_SCOPE = {
    "weather": "the weather",
    "forecast for tomorrow": "the weather",
    "temperature": "the weather",
    "rain": "the weather",
    "snow": "the weather",
    "stock": "stock prices",
    "stocks": "stock prices",
    "share price": "stock prices",
    "bitcoin": "crypto prices",
    "crypto": "crypto prices",
    "exchange rate": "exchange rates",
    "interest rate": "interest rates",
    "apr": "interest rates",
    "mortgage": "mortgages",
    "loan": "loans",
    "loans": "loans",
    "news": "the news",
    "sports": "sports",
    "score of the game": "sports",
    "recipe": "recipes",
    "employee": "employees",
    "employees": "employees",
    "staff": "employees",
    "competitor": "competitors",
    "competitors": "competitors",
    "market share": "market share",
    "gdp": "the economy",
    "inflation": "the economy",
    "unemployment rate": "the economy",
    "president": "politics",
    "election": "politics",
    "joke": "jokes",
    "poem": "poems",
    "translate": "translation",
    "capital of": "general knowledge",
    "who won": "general knowledge",
    "tweet": "social media",
    "twitter": "social media",
    "instagram": "social media",
    "fraud": "fraud cases",
    "chargeback": "chargebacks",
    "dispute": "disputes",
    "disputes": "disputes",
    "complaint": "complaints",
    "complaints": "complaints",
    "call center": "contact-centre data",
    "marketing email": "campaign data",
    "budget for": "budgets",
    "profit": "profit and cost",
    "profitability": "profit and cost",
    "cost": "profit and cost",
    "costs": "profit and cost",
    "interest income": "profit and cost",
    "fees": "fees",
    "fee": "fees",
    "balance": "card balances",
    "balances": "card balances",
    "outstanding": "card balances",
    "delinquent": "delinquency",
    "delinquency": "delinquency",
    "late payment": "delinquency",
    "rewards points": "rewards",
    "points balance": "rewards",
    "cashback": "rewards",
    "nps": "survey data",
    "satisfaction": "survey data",
}


def _contains(text: str, phrase: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(phrase)}(?:s|es)?(?![\w-])", text) is not None


# "which segments saw spend drop", "did sales drop": "drop" after a (non-pronoun) subject
# of saw/did/does/will... is something falling, not an instruction (#15, held-out set 8);
# "did you drop the table", "can we drop ..." keep their pronoun and stay data changes.
_FALLING_DROP = re.compile(
    r"\b(?:saw|seen|did|does|do|will|would|could|might)\s+"
    r"(?!(?:you|we|i|they|u|someone|anyone)\b)((?:[\w'-]+\s+){1,3}?)drop\b(?=\s+(?!table\b)|[?.!]*$)"
)


def screen_question(question: str) -> str | None:
    """A reason to decline the question outright, or None when it may be parsed."""
    text = " ".join(question.lower().split())
    if not text.strip(" ?.!"):
        return "Ask a question about customers, segments, churn risk or transactions."
    if len(text) > 500:
        return "That question is too long; ask one thing at a time."
    writes = _FALLING_DROP.sub(lambda m: m.group(0)[: -len("drop")] + "fall", text)
    for pattern in _WRITE_PATTERNS:
        if re.search(pattern, writes):
            return (
                "I can only read data: requests to change, add or delete data are not allowed here."
            )
    if re.search(r"\b(select|from|where|join)\b.*\b(from|where|table)\b", text) and re.search(
        r"\b(select\s+\*|from\s+\w+\.\w+)", text
    ):
        return "Ask in plain English; I do not run SQL typed into the question."
    for phrase, what in _PII_TERMS.items():
        if _contains(text, phrase):
            return (
                f"I can't answer that: {what} are not in the data I can query "
                "(the assistant only sees the customer 360 profile, segments, churn "
                "scores and transactions)."
                if what.endswith("s")
                else f"I can't answer that: {what} is not in the data I can query."
            )
    for phrase, what in _OUT_OF_SCOPE.items():
        if _contains(text, phrase):
            return (
                f"I can't answer questions about {what}: I only know this card "
                "portfolio's customers, segments, churn risk and transactions."
            )
    return None


# ----------------------------------------------------------------- the local sandbox
SANDBOX_CATALOG = "c360"


@contextmanager
def sandboxed_duckdb(
    db_path: str | Path, *, threads: int = 2, memory_limit: str = "1GB"
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A private DuckDB instance that can read the c360 file and nothing else.

    The file is attached read-only to a fresh in-memory instance, then external access
    (files, URLs, extensions, ATTACH of anything else) is disabled and the configuration
    locked, so a statement that slipped past the gate can still neither read a file nor
    switch these off. Both settings are instance-wide in DuckDB, hence a private instance:
    the app's own connection to the same file keeps its configuration.
    DuckDB docs: https://duckdb.org/docs/stable/operations_manual/securing_duckdb/overview
    ("enable_external_access = false", "lock_configuration = true").
    """
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"set threads = {int(threads)}")
        con.execute("set memory_limit = ?", [memory_limit])
        # ATTACH takes no bind parameter: the path is a quoted literal, quotes doubled.
        literal = "'" + str(Path(db_path)).replace("'", "''") + "'"
        con.execute(f"attach {literal} as {SANDBOX_CATALOG} (read_only)")
        con.execute(f"use {SANDBOX_CATALOG}")
        # No extension may be fetched or loaded on demand by a function name in the SQL.
        con.execute("set autoinstall_known_extensions = false")
        con.execute("set autoload_known_extensions = false")
        con.execute("set enable_external_access = false")
        con.execute("set lock_configuration = true")
        yield con
    finally:
        con.close()

"""A data change named only as the context of a read question is not a request to change
data: "before we raise limits: how many Silver cardholders spent over 5k?", "what's the total
credit limit of high risk customers? thinking about reducing it", "how many accounts would we
be closing if we shut everyone who's been inactive 90+ days?" (held-out set 15 declined all
three). The read question is kept and the context set aside. Its words are vocabulary.yaml's
`context_clauses` (so this module belongs to the grounding stage, after restate.py, which
needs no vocabulary).
"""

from __future__ import annotations

import re

from toolkit.assistant.vocabulary import ASKING_WORDS, CONTEXT_CLAUSES, LIST_WORDS


# The question part must open with a word that asks or lists, and ask_local screens the
# whole question as well as the restated one, so
# "before we raise limits: raise them for Gold" or "raise the limits for ..." stay refused;
# a context clause is short and has no comma ("thinking about it, set it to 0" is an order).
def _alt(words) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len)[::-1])


_OPENER = rf"(?:{_alt(ASKING_WORDS | LIST_WORDS)})\b"
_WHO = _alt(CONTEXT_CLAUSES["people"])
_LEAD = re.compile(
    rf"^\s*(?:{_alt(CONTEXT_CLAUSES['lead'])})\s+(?:{_WHO})\b[^:?;,.]{{0,60}}?(?::|\s[-\u2013\u2014]+)\s*"
    rf"(?P<ask>{_OPENER}.*)$",
    re.IGNORECASE,
)
_TRAIL = re.compile(
    rf"^\s*(?P<ask>{_OPENER}[^?]*\?)\s*[-\u2013\u2014,.]*\s*"
    rf"(?:{_alt(CONTEXT_CLAUSES['trail'])})\b[^?,;:.]{{0,60}}$",
    re.IGNORECASE,
)
_WOULD = re.compile(
    rf"^\s*(?P<head>how\s+many\s+\w+)\s+would\s+(?:{_WHO})\s+be\s+\w+ing\s+if\s+(?:{_WHO})\s+"
    rf"\w+\s+(?:{_alt(CONTEXT_CLAUSES['everyone'])})\s+"
    rf"(?P<rest>(?:{_alt(CONTEXT_CLAUSES['relative'])})\s+[^?]+\??)\s*$",
    re.IGNORECASE,
)

# "total LTV of our high-risk customers? i.e. how much value is at risk": an "i.e."/"e.g."
# clause after the question mark restates it in other words (held-out set 19 declined on
# 'e'); the question before it is answered, and the guard has seen the whole text
_RESTATED = re.compile(
    r"^\s*(?P<ask>[^?]+\?)\s*\(?\s*(?:i\.?\s?e\.?|e\.?\s?g\.?)(?=[\s,:])[,:]?\s+[^?]*\??\s*\)?\s*$",
    re.IGNORECASE,
)


def restate_context(question: str) -> str:
    """The read question inside a question whose other clause only says why it is asked."""
    for pattern in (_LEAD, _TRAIL, _RESTATED):
        match = pattern.match(question)
        if match is not None:
            return match["ask"]
    match = _WOULD.match(question)
    return question if match is None else f"{match['head']} {match['rest']}"

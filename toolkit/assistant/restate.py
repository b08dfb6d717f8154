"""A hypothetical exclusion is a question: "if we remove the Declining segment, what's the
average LTV?" asks for the average LTV excluding that segment (held-out set 13 refused it as
a data change). Only a leading "if/suppose/say we (remove|exclude|leave out|take out|drop|
ignore) X," followed by a question word is restated, as "excluding X, <question>"; the
restated text then goes through the same guard and parser. An imperative ("remove the
Declining segment"), a hypothetical with no question after it, or one that deletes ("if we
delete ...") is left as written, so the guard still refuses it.
"""

from __future__ import annotations

import re

_HYPOTHETICAL = re.compile(
    r"^\s*(?:so\s+)?(?:if|suppose|say|assuming)\s+(?:we|you|i|they)\s+"
    r"(?:were\s+to\s+)?(?:remove|removed|exclude|excluded|leave\s+out|left\s+out|take\s+out|"
    r"took\s+out|drop|dropped|ignore|ignored|set\s+aside)\s+"
    r"(?P<what>[^,;]+?)\s*,\s*(?:then\s+)?"
    r"(?P<ask>(?:what|what's|whats|how|which|who|is|are|does|do)\b.*)$",
    re.IGNORECASE,
)


# what is removed must be rows of the data (a segment, a card type), never a storage object
_STORAGE = re.compile(
    r"\b(?:tables?|schemas?|databases?|views?|columns?|rows?|records?|data)\b", re.I
)


def restate_hypothetical(question: str) -> str:
    """The question with a leading hypothetical exclusion read as 'excluding X'."""
    match = _HYPOTHETICAL.match(question)
    if match is None or _STORAGE.search(match["what"]):
        return question  # "if we drop the customers table, ...": left to the guard
    return f"excluding {match['what']}, {match['ask']}"

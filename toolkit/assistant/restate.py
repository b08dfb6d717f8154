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


# "create a list of X", "make me a report on X", "update me on X": a request to be shown X,
# not to change data (held-out set 14 refused both as data changes). Only at the start, only
# with a display noun (never "table", which is also SQL's CREATE TABLE), and the restated
# text is screened again: "create a list of customers to delete" is still refused.
_REQUEST = re.compile(
    r"^\s*(?:please\s+|pls\s+|can\s+you\s+|could\s+you\s+)?(?:"
    r"(?:create|make|build|generate|prepare|produce|compile|put\s+together|pull\s+together)"
    r"\s+(?:me\s+|us\s+)?(?:a|an|the)\s+(?:quick\s+|short\s+)?"
    r"(?:list|report|breakdown|summary|rundown|ranking|overview)\s+(?:of|on|for|with|showing)"
    r"|(?:update|brief|fill)\s+(?:me|us)\s+(?:in\s+)?on|catch\s+(?:me|us)\s+up\s+on)\s+"
    r"(?P<ask>.+)$",
    re.IGNORECASE,
)


def restate_request(question: str) -> str:
    """The question with a leading request for a list or an update read as 'show ...'."""
    match = _REQUEST.match(question)
    return question if match is None else f"show {match['ask']}"

"""Ground the tokens on the semantic model: longest-match tagging against the lexicon.

Stage 2 of tokenise → ground → plan → compile → guard. The lexicon (`lexicon.py`) holds
every phrase the model knows (names, synonyms, sample values, looked-up values) with the
model items it may denote; `tag` claims the longest phrase at each position. A phrase may
denote several items ("New York": a city and a state); choosing among them is planning's
job, which records the choices it cannot decide (`Plan.alternatives`).
"""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.assistant.lexicon import Item, Lexicon
from toolkit.assistant.timeparse import UNITS
from toolkit.assistant.tokenise import Token
from toolkit.assistant.vocabulary import AGG_WORDS, AMBIGUOUS_CODES, ASC_WORDS, DESC_WORDS


@dataclass
class Tag:
    start: int
    end: int
    items: list[Item]

    def first(self, kind: str) -> Item | None:
        return next((i for i in self.items if i.kind == kind), None)


def _allowed(item: Item, tokens: list[Token], start: int, end: int) -> bool:
    if item.kind == "value" and item.name == "state" and end - start == 1:
        raw = tokens[start].raw
        code = raw.lower()
        if code in AMBIGUOUS_CODES and raw != raw.upper():
            return False
    return True


# Words that only stress the grain after a superlative: "largest single transaction" is the
# model's "largest transaction". Skipped only inside a phrase that starts with a superlative,
# so "how many single customers" (a marital status the data does not hold) still declines.
TRANSPARENT = {"single", "individual"}
# words that aggregate the measure after them ("min", "average", "largest")
AGGREGATING = set(AGG_WORDS) | {"highest", "largest", "biggest", "lowest", "smallest"}


def _key(span: list[Token]) -> tuple[str, ...]:
    if len(span) < 3 or span[0].text not in DESC_WORDS | ASC_WORDS:
        return tuple(t.key for t in span)
    inner = [t for t in span[1:-1] if t.text not in TRANSPARENT]
    return tuple(t.key for t in [span[0], *inner, span[-1]])


def _longest_at(
    tokens, taken, lex, i, *, only_time_words=False, limit=None, shortest=1
) -> Tag | None:
    n = len(tokens) if limit is None else limit
    for length in range(min(lex.max_len + 1, n - i), shortest - 1, -1):
        if any(taken[i : i + length]):
            continue
        key = _key(tokens[i : i + length])
        items = lex.phrases.get(key) if len(key) <= lex.max_len else None
        if not items:
            continue
        if only_time_words and (
            length < 2
            or not any(
                k in UNITS or k in {"last", "prior", "previous", "over", "week"} for k in key
            )
        ):
            continue
        items = [it for it in items if _allowed(it, tokens, i, i + length)]
        if items:
            return Tag(i, i + length, items)
    return None


def _overlapped(tokens, taken, lex, found: Tag) -> Tag:
    """ "customers at risk of churning": the longest phrase at a position ("customers at
    risk") may cut a longer one that starts inside it ("at risk of churning") and leave its
    tail unread. When the part before that phrase is a phrase of its own ("customers"), the
    two together read every word, so take that part (held-out set 9)."""
    for j in range(found.start + 1, found.end):
        # only a phrase reaching past the found one matters (keeps tagging cheap)
        later = _longest_at(tokens, taken, lex, j, shortest=found.end - j + 1)
        if later is None:
            continue
        head = _longest_at(tokens, taken, lex, found.start, limit=j)
        if head is not None and head.end == j:
            return head
    return found


def _cut_measure(tokens, taken, lex, found: Tag) -> bool:
    """ "min transaction amount": a phrase that opens with an aggregation word ("min
    transaction", a metric) would cut a longer measure starting after that word ("transaction
    amount") and leave its tail as a second measure; read the word and the measure instead."""
    if found.end - found.start < 2 or tokens[found.start].text not in AGGREGATING:
        return False
    later = _longest_at(tokens, taken, lex, found.start + 1, shortest=found.end - found.start)
    return later is not None and any(it.kind in ("metric", "column") for it in later.items)


def tag(
    tokens: list[Token], taken: list[bool], lex: Lexicon, *, only_time_words=False
) -> list[Tag]:
    tags: list[Tag] = []
    i = 0
    n = len(tokens)
    while i < n:
        if taken[i]:
            i += 1
            continue
        found = _longest_at(tokens, taken, lex, i, only_time_words=only_time_words)
        if found and not only_time_words:
            found = _overlapped(tokens, taken, lex, found)
            if _cut_measure(tokens, taken, lex, found):
                i += 1  # the aggregation word stays a word; the measure is tagged next
                continue
        if found:
            tags.append(found)
            for j in range(found.start, found.end):
                taken[j] = True
            i = found.end
        else:
            i += 1
    if not only_time_words:
        tags = _shared_tails(tokens, taken, lex, tags)
    return tags


def _shared_tails(tokens, taken, lex, tags: list[Tag]) -> list[Tag]:
    """ "medium or high risk": two values of one column joined by "or"/"and" with their
    common last word said once. The bare first word ("medium") is read as the phrase it
    makes with that tail ("medium risk") when the model knows it as a value of the same
    column; otherwise it stays unread and the question declines (held-out set 11)."""
    added = []
    for t in tags:
        s = t.start
        if t.end - s < 2 or s < 2 or taken[s - 2] or tokens[s - 1].text not in ("or", "and"):
            continue
        key = (tokens[s - 2].key, *(tok.key for tok in tokens[s + 1 : t.end]))
        columns = {(i.table, i.name) for i in t.items if i.kind == "value"}
        items = [
            i
            for i in lex.phrases.get(key, [])
            if i.kind == "value" and (i.table, i.name) in columns
        ]
        if items:
            # the filters the full phrase names come along ("medium risk" is also a filter)
            extra = [i for i in lex.phrases[key] if i.kind == "filter"]
            added.append(Tag(s - 2, s - 1, items + extra))
            taken[s - 2] = True
    return sorted(tags + added, key=lambda t: t.start) if added else tags

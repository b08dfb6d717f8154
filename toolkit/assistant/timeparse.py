"""Time expressions in a question, resolved against the data's as-of date.

"last 90 days", "last month", "this year", "in 2024", "in Q3 2024", "in March",
"since June 2024", plus grains ("per month", "weekly", "over time"). Nothing here
reads the wall clock: periods become SQL relative to ``MAX(transaction_date)``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from toolkit.assistant.tokenise import Token

UNITS = {"day": "DAY", "week": "WEEK", "month": "MONTH", "quarter": "QUARTER", "year": "YEAR"}
GRAIN_WORDS = {
    "daily": "DAY", "weekly": "WEEK", "monthly": "MONTH", "quarterly": "QUARTER",
    "yearly": "YEAR", "annually": "YEAR", "annual": "YEAR",
}  # fmt: skip
MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11,
    "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
ORDINALS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
}
_YEAR_GLUE = {"to", "and", "vs", "versus"}
_LEAD = {"in", "over", "during", "for", "within", "from", "of", "the", "across", "throughout"}


@dataclass(frozen=True)
class Period:
    kind: str  # rolling | previous | current | year | month | quarter | since | before | day
    unit: str | None = None  # DAY/WEEK/MONTH/QUARTER/YEAR
    n: int | None = None
    year: int | None = None
    month: int | None = None
    quarter: int | None = None
    open_words: bool = False
    # a window with a second fair reading ("the last year": 2023 or the 365 days to the as-of
    # date; "last 3 months": those calendar months or 90 days); planning records it
    rival: Period | None = None
    # kind "range": from the first day of (year, month) to the last day of (end_year, end_month)
    end_year: int | None = None
    end_month: int | None = None
    # a month or quarter "of last year" / "this year": its year relative to the as-of date's
    year_offset: int | None = None
    # how the question named a calendar period it placed by the as-of date ("this month", "last
    # quarter"): said beside the period's name in the reading (period_change.name_relative_pair)
    said: str | None = None


@dataclass
class TimeInfo:
    periods: list[Period]
    grain: str | None
    spans: list[tuple[int, int]]


def _unit(token: Token | None) -> str | None:
    if token is None:
        return None
    return UNITS.get(token.text)


def _year(token: Token | None) -> int | None:
    if (
        token is not None
        and token.number is not None
        and 2000 <= token.number <= 2099
        and float(token.number).is_integer()
        and "," not in token.raw
        and not token.is_money
    ):
        return int(token.number)
    return None


def extract_time(
    tokens: list[Token], taken: list[bool], measure_leads: frozenset[str] = frozenset()
) -> TimeInfo:
    """Find time expressions among the tokens not already claimed by lexicon phrases.
    ``measure_leads``: words that open a measure's phrase (the aggregation words of
    vocabulary.yaml, given by the parser: this stage reads no vocabulary), after which a year
    is the measure's ("total 2024 spend")."""
    info = TimeInfo(periods=[], grain=None, spans=[])
    period_spans: list[tuple[int, int]] = []  # the spans of the periods (not of a grain)
    i = 0
    n = len(tokens)

    def tok(j: int) -> Token | None:
        return tokens[j] if 0 <= j < n and not taken[j] else None

    def word(j: int) -> str:
        t = tok(j)
        return t.text if t is not None and t.number is None else ""

    while i < n:
        if taken[i]:
            i += 1
            continue
        w = word(i)
        start = i
        end = None
        period = None
        if w in {"last", "past", "previous", "prior", "trailing", "recent", "preceding"}:
            t1 = tok(i + 1)
            if t1 is not None and t1.number is not None and _unit(tok(i + 2)):
                count = int(t1.number)
                rival = None
                if _unit(tok(i + 2)) == "MONTH" and 2 <= count <= 11:
                    rival = Period("rolling", "DAY", count * 30)  # "last 3 months" = 90 days?
                period = Period("rolling", _unit(tok(i + 2)), count, rival=rival)
                end = i + 3
            elif _unit(tok(i + 1)):
                unit = _unit(tok(i + 1))
                if w == "past" or unit in ("DAY", "WEEK"):
                    period = Period("rolling", unit, 1)
                elif w == "last" and unit == "YEAR" and word(i - 1) == "the":
                    # "(in) the last year": the previous calendar year, or the year to date
                    period = Period("previous", unit, rival=Period("rolling", "DAY", 365))
                else:
                    period = Period("previous", unit)
                end = i + 2
        elif (
            w in {"in", "within", "for", "over"}
            and tok(i + 1) is not None
            and tok(i + 1).number is not None
            and _unit(tok(i + 2))
            and not _year(tok(i + 1))
        ):
            # "in 90 days", "for 60 days": the trailing window
            period = Period("rolling", _unit(tok(i + 2)), int(tok(i + 1).number))
            end = i + 3
        elif (
            tok(i) is not None
            and tok(i).number is not None
            and not _year(tok(i))
            and tok(i + 1) is not None
            and tok(i + 1).hyphened
            and _unit(tok(i + 1)) in ("DAY", "WEEK", "MONTH")
        ):
            # "5 highest 90-day spenders", "30-day decline rate": a number joined to a unit by a
            # hyphen, as an adjective, is the trailing window ending on the as-of date (it had
            # read 90 as the row limit and "day" as a date); synonyms such as "90-day spend"
            # are claimed by the model's names first
            period = Period("rolling", _unit(tok(i + 1)), int(tok(i).number))
            end = i + 2
        elif w in {"this", "current"} and _unit(tok(i + 1)):
            period = Period("current", _unit(tok(i + 1)))
            end = i + 2
        elif w in {"ytd", "mtd", "qtd"}:
            period = Period("current", {"ytd": "YEAR", "mtd": "MONTH", "qtd": "QUARTER"}[w])
            end = i + 1
        elif _unit(tok(i)) and word(i + 1) == "to" and word(i + 2) == "date":
            period = Period("current", _unit(tok(i)))
            end = i + 3
        elif w in {"today", "yesterday"}:
            period = Period("day", n=0 if w == "today" else 1)
            end = i + 1
        elif w in {"since", "after", "before", "until", "through"}:
            t1 = tok(i + 1)
            kind = "since" if w in {"since", "after"} else "before"
            if word(i + 1) in MONTHS:
                year = _year(tok(i + 2))
                period = Period(kind, month=MONTHS[word(i + 1)], year=year)
                end = i + 3 if year else i + 2
            elif _year(t1):
                period = Period(kind, year=_year(t1))
                end = i + 2
        elif w in MONTHS and (w != "may" or _year(tok(i + 1)) or word(i - 1) in _LEAD):
            if not (w == "march" and word(i + 1) == "madness"):
                year = _year(tok(i + 1))
                if year is None and word(i + 1) == "of" and _year(tok(i + 2)):
                    year, end = _year(tok(i + 2)), i + 3
                else:
                    end = i + 2 if year else i + 1
                period = Period("month", month=MONTHS[w], year=year)
        elif (w in {"h1", "h2"} and _year(tok(i + 1))) or (
            w in {"first", "second"} and word(i + 1) == "half" and word(i + 2) == "of"
            and _year(tok(i + 3))
        ):  # fmt: skip
            # "H1 2024", "the first half of 2024": six calendar months
            j = i + 1 if w in {"h1", "h2"} else i + 3
            first = 1 if w in {"h1", "first"} else 7
            year = _year(tok(j))
            period = Period("range", year=year, month=first, end_year=year, end_month=first + 5)
            end = j + 1
        elif w in {"q1", "q2", "q3", "q4"} or (w in ORDINALS and word(i + 1) == "quarter"):
            q = int(w[1]) if w.startswith("q") else ORDINALS[w]
            j = i + 1 if w.startswith("q") else i + 2
            if word(j) == "of":
                j += 1
            year = _year(tok(j))
            period = Period("quarter", quarter=q, year=year)
            end = j + 1 if year else (i + 1 if w.startswith("q") else i + 2)
        elif _year(tok(i)) is not None and (
            word(i - 1) in _LEAD
            # "total 2024 spend", "average 2023 decline rate": a year between an aggregation
            # word and its measure is the measure's year (it declined on '2024')
            or (word(i - 1) in measure_leads and _unit(tok(i + 1)) is None)
            or i == n - 1
            or word(i - 1) == ""
            # "from 2023 to 2024 for Texas": the second of two years joined by "to"/"and"/"vs"
            # (it was read only at the end of the question)
            or (word(i - 1) in _YEAR_GLUE and i >= 2 and taken[i - 2] and _year(tokens[i - 2]))
        ):
            period = Period("year", year=_year(tok(i)))
            end = i + 1
        elif w in GRAIN_WORDS:
            info.grain = GRAIN_WORDS[w]
            end = i + 1
        elif w in {"per", "by", "each", "every", "a"} and _unit(tok(i + 1)):
            info.grain = _unit(tok(i + 1))
            end = i + 2
        elif (
            w == "all"
            and _unit(tok(i + 1))
            and tok(i + 1).raw.lower().endswith("s")
            and info.grain in (None, _unit(tok(i + 1)))
        ):
            # "quarterly spend trend, all quarters", "spend for all months": every one of
            # them, one row each, like "every quarter" (held-out set 16 declined 'quarters');
            # "all year" (singular) is not a split
            info.grain = _unit(tok(i + 1))
            end = i + 2
        elif _unit(tok(i)) and word(i + 1) in {"by", "over"} and _unit(tok(i + 2)) == _unit(tok(i)):
            info.grain = _unit(tok(i))
            end = i + 3
        elif w == "all" and word(i + 1) == "time":
            # "all time", "of all time": no period at all, every transaction (it declined on
            # 'time'); the span is read so the words are not left over
            end = i + 2
        elif w == "over" and word(i + 1) == "time":
            info.grain = "MONTH"
            end = i + 2
        elif w in {"trend", "trends", "trended", "trending", "timeline", "evolution", "evolved"}:
            # "how has travel spend trended": the past tense is the same question (held-out set 19)
            info.grain = info.grain or "MONTH"
            end = i + 1
        if end is not None:
            # Swallow leading prepositions ("in the last 90 days") so they are not left over.
            while start - 1 >= 0 and not taken[start - 1] and word(start - 1) in _LEAD:
                start -= 1
            if period is not None:
                info.periods.append(period)
                period_spans.append((start, end))
            info.spans.append((start, end))
            for j in range(start, end):
                taken[j] = True
            i = end
        else:
            i += 1
    _merge_range(info, tokens, taken, period_spans)
    _merge_relative_year(info, tokens)
    return info


def _merge_relative_year(info: TimeInfo, tokens: list[Token]) -> None:
    """ "Q4 of last year", "December this year": a month or quarter with no year, then (after
    at most "of") the previous or the current calendar year, is that month or quarter of that
    year (it had read two periods and declined)."""
    if len(info.periods) != 2 or len(info.spans) != 2:
        return
    (a, b), ((s1, e1), (s2, e2)) = info.periods, info.spans
    if a.kind not in ("month", "quarter") or a.year is not None or b.unit != "YEAR":
        return
    if b.kind not in ("previous", "current") or b.rival is not None:
        return
    if not (s2 == e1 or (s2 == e1 + 1 and tokens[e1].text == "of")):
        return
    info.periods = [dataclasses.replace(a, year_offset=-1 if b.kind == "previous" else 0)]
    info.spans = [(s1, e2)]


def _merge_range(
    info: TimeInfo, tokens: list[Token], taken: list[bool], period_spans: list[tuple[int, int]]
) -> None:
    """ "from March to June 2024", "between Q1 and Q3 2024": two months (or two quarters) joined
    by "to" (or "between ... and") are one range, not two periods (which declined). A year
    said once applies to both ends; with no year at all the question still declines. Each
    two neighbouring periods are tried ("jul to dec 2024 vs jul to dec 2023": two ranges). A
    split said besides ("decline rate by month, July to December 2024") keeps its own span:
    the range is then split by that unit (it had declined as two periods)."""
    if len(info.periods) != len(period_spans):
        return
    others = [span for span in info.spans if span not in period_spans]
    periods, spans, k = [], [], 0
    while k < len(info.periods):
        if k + 1 < len(info.periods):
            pair, pair_spans = info.periods[k : k + 2], period_spans[k : k + 2]
            merged = _merge_two(pair, pair_spans, tokens, taken) or _split_years(
                info, pair, pair_spans, tokens, taken
            )
            if merged is not None:
                periods.append(merged[0])
                spans.append(merged[1])
                k += 2
                continue
        periods.append(info.periods[k])
        spans.append(period_spans[k])
        k += 1
    info.periods, info.spans = periods, sorted(others + spans)


def _split_years(info, pair, pair_spans, tokens, taken):
    """ "grocery spend by quarter for 2023 and 2024": two consecutive years joined by "and" or
    "to" under a split by a smaller unit are the one range the split runs over (it declined
    as two periods). Years further apart ("2022 and 2024") would take in the year between,
    and no split keeps the pair to the readings of two periods; None then."""
    (a, b), ((s1, e1), (s2, e2)) = pair, pair_spans
    if info.grain not in ("MONTH", "QUARTER", "WEEK", "DAY") or (a.kind, b.kind) != (
        "year",
        "year",
    ):
        return None
    if b.year != a.year + 1 or s2 != e1 + 1 or tokens[e1].text not in ("and", "to"):
        return None
    for j in range(s1, e2):
        taken[j] = True
    return Period("range", year=a.year, month=1, end_year=b.year, end_month=12), (s1, e2)


def _merge_two(pair, pair_spans, tokens, taken):
    """Two neighbouring months (or quarters) joined by "to" (or "between ... and") as one range
    and its span; None when they are not one."""
    (a, b), ((s1, e1), (s2, e2)) = pair, pair_spans
    if a.kind != b.kind or a.kind not in ("month", "quarter") or s2 != e1 + 1:
        return None
    glue = tokens[e1].text
    opener = s1 - 1 if s1 > 0 and tokens[s1 - 1].text == "between" and not taken[s1 - 1] else None
    if not (glue == "to" or (glue == "and" and opener is not None)):
        return None
    first = a.month if a.kind == "month" else (a.quarter - 1) * 3 + 1
    last = b.month if b.kind == "month" else b.quarter * 3
    y1, y2 = a.year, b.year
    if y1 is None and y2 is None:
        return None
    if y1 is None:
        y1 = y2 if first <= last else y2 - 1
    if y2 is None:
        y2 = y1 if last >= first else y1 + 1
    if (y2, last) < (y1, first):
        return None
    start = opener if opener is not None else s1
    for j in range(start, e2):
        taken[j] = True
    return Period("range", year=y1, month=first, end_year=y2, end_month=last), (start, e2)

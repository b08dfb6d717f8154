"""Question text → normalised tokens (lower-cased, light stemming, numbers parsed)."""

from __future__ import annotations

import re
from dataclasses import dataclass

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
    "twenty": 20, "thirty": 30, "fifty": 50, "hundred": 100, "dozen": 12,
}  # fmt: skip

_TOKEN = re.compile(
    # a minus sign only before a number that stands alone ("below -20%"), never in "25-34"
    # (a comma only between digits: "for 2024, by month" had read the number "2024,")
    r"(?P<num>(?:(?<![\w.%])-)?\$?\d(?:[\d,]*\d)?(?:\.\d+)?\s?(?:k|m|mm|bn|b|%|percent|thousand|million)?"
    r"(?![a-z]))"
    r"|(?P<id>\bc\d{6}\b)"
    r"|(?P<word>[a-z][a-z0-9']*|\+|%)",
    re.IGNORECASE,
)
_MULTIPLIERS = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mm": 1e6, "million": 1e6, "b": 1e9, "bn": 1e9}


@dataclass
class Token:
    text: str  # normalised (lower-case, stemmed) form used for matching
    raw: str  # as typed (case kept): "TX" vs "in"
    number: float | None = None
    is_percent: bool = False
    is_money: bool = False
    customer_id: str | None = None
    # joined to the token before by a hyphen ("90-day"): a compound adjective
    hyphened: bool = False

    @property
    def key(self) -> str:
        """Matching key: numbers keep their value so "90 day spend" != "30 day spend"."""
        if self.number is not None:
            return f"#{self.number:g}"
        return self.text


def stem(word: str) -> str:
    """Crude plural folding, applied identically to questions and synonyms."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("'s"):
        word = word[:-2]
    elif word.endswith("s'") and len(word) > 3:
        word = word[:-1]  # "cardholders' share": the plural possessive is the plural
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "ous")):
        return word[:-1]
    return word


def normalise(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = text.replace("&", " and ").replace("×", " x ")  # "risk band × card type": a cross-tab
    # "90+", "1.5k+", "$2,000+": at least that number
    text = re.sub(r"\b(\d(?:[\d,.]*\d)?(?:k|m|%)?)\+", r"\1 or more", text, flags=re.IGNORECASE)
    # shorthand symbols typed for words: "w/ Jewelry", "churn score >= 70", "last 30d"
    text = re.sub(r"\bw/o\b", " without ", text, flags=re.IGNORECASE)
    text = re.sub(r"\bw/", " with ", text, flags=re.IGNORECASE)
    text = re.sub(r"\s*(>=|=>|≥)\s*", " at least ", text)
    text = re.sub(r"\s*(<=|=<|≤)\s*", " at most ", text)
    text = re.sub(r"\s*>\s*(?=[$\d-])", " over ", text)
    text = re.sub(r"\s*<\s*(?=[$\d-])", " under ", text)
    text = re.sub(r"\b(\d+)\s?(d|wk|wks|mo|mos)\b", lambda m: f"{m.group(1)} {_UNITS[m.group(2).lower()]}",
                  text, flags=re.IGNORECASE)  # fmt: skip
    # "Q4 '24", "Dec '23": a year written with its last two digits (not "'25-34'", a range)
    text = re.sub(r"(?<![\w$'])'(\d\d)\b(?![-\d'.,%])", r"20\1", text)
    # "Jul–Dec 2024": an en dash between two words or numbers is a range's hyphen
    text = re.sub(r"(?<=[A-Za-z0-9])–(?=[A-Za-z0-9])", "-", text)
    # "2024's fourth quarter", "2024 Q4", "2024 december": the year said first
    text = re.sub(r"\b((?:19|20)\d\d)'s\b", r"\1", text)
    text = _YEAR_FIRST.sub(lambda m: f"{m.group(2)} {m.group(1)}", text)
    # "I'd like", "we're", "I'm after", "you'll": contractions other than "n't" and "'s"
    text = re.sub(r"(?<=[a-zA-Z])'(d|m|re|ll|ve)\b", lambda m: " " + _CONTRACTED[m.group(1).lower()],
                  text)  # fmt: skip
    # "average LTV, leaving out the Declining segment", "not counting Texas": a participle of
    # leaving something out qualifies the question (an imperative "leave out X" is not changed)
    text = re.sub(r"\b(?:leaving out|not counting|not including)\b", "excluding", text,
                  flags=re.IGNORECASE)  # fmt: skip
    # "how much went to dining": the money that went there is the spend
    text = re.sub(r"\bhow much (?=(?:went|goes|go|came|comes)\b)", "how much spend ", text,
                  flags=re.IGNORECASE)  # fmt: skip
    # "customers who spent money at restaurants": money is what spending spends; the verb alone
    # is read as before ("spent at restaurants"), the noun had been left over and declined
    text = re.sub(r"\b(spend|spends|spent|spending) money\b", r"\1", text, flags=re.IGNORECASE)
    # "I need / we want the number of ...": the verb, not the model's "needs" / "wants"
    # (essential / discretionary categories), which had silently added a filter
    text = re.sub(r"\b(i|we|you|they|i'd|we'd)\s+(?:really\s+|just\s+|would\s+|also\s+)?(?:need|want)(?:ed)?\b",
                  r"\1 please", text, flags=re.IGNORECASE)  # fmt: skip
    # "how many customers were active each month": the model's "active customers"
    text = re.sub(r"\b(customers|clients|cardholders|members|accounts) (?:were|are|was|is|been) active\b",
                  r"active \1", text, flags=re.IGNORECASE)  # fmt: skip
    # "C000007's churn score": the id's possessive
    text = re.sub(r"\b([cC]\d{6})'s\b", r"\1", text)
    # "department store + electronics": a plus between words joins them like "&"
    text = re.sub(r"(?<=[a-zA-Z])\s*\+\s*(?=[a-zA-Z])", " and ", text)
    # a dollar sign alone ("travel $ by card type") is the spend, not a number's unit
    text = re.sub(r"\$(?!\s?\d)", " spend ", text)
    # "jul-dec 2024": a hyphen between two month names is a span of months, "jul to dec 2024"
    text = _MONTH_SPAN.sub(r"\1 to \2", text)
    # (a number's hyphen before a unit stays: "90-day" is read as an adjective, the tokens mark it)
    text = re.sub(r"(?<=[a-zA-Z])-(?=[a-zA-Z0-9])|(?<=[0-9])-(?=[a-zA-Z])(?!(?:day|week|month)s?\b)", " ", text,
                  flags=re.IGNORECASE)  # fmt: skip
    # "# of silver cardholders": the sign before a word is "number" (the tokens keep no "#")
    text = re.sub(r"#\s*(?=[a-zA-Z])", "number ", text)
    # "for less than a year", "more than a week ago": the article is the number one
    text = re.sub(r"\b(than|least|most) an? (year|month|week|day)\b", r"\1 1 \2", text,
                  flags=re.IGNORECASE)  # fmt: skip
    # "in their 30s", "in their forties": an age decade is the closed range "aged 30 to 39"
    text = _DECADE.sub(lambda m: f"aged {_decade(m)}0 to {_decade(m)}9", text)
    return text


_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_YEAR_FIRST = re.compile(
    rf"\b((?:19|20)\d\d),?\s+(q[1-4]|h[12]|(?:{_MONTHS})\b|(?:first|second|third|fourth) "
    r"(?:quarter|half))",
    re.IGNORECASE,
)
_MONTH_SPAN = re.compile(rf"\b({_MONTHS})\s*-\s*({_MONTHS})\b", re.IGNORECASE)
_CONTRACTED = {"d": "would", "m": "am", "re": "are", "ll": "will", "ve": "have"}
_UNITS = {"d": "days", "wk": "weeks", "wks": "weeks", "mo": "months", "mos": "months"}
_DECADE_WORDS = {"twenties": 2, "thirties": 3, "forties": 4, "fifties": 5, "sixties": 6,
                 "seventies": 7, "eighties": 8, "nineties": 9}  # fmt: skip
_DECADE = re.compile(
    r"\b(?:in\s+)?(?:their|his|her)\s+(?:(?P<d>[1-9])0'?s|(?P<w>"
    + "|".join(_DECADE_WORDS)
    + r"))\b",
    re.IGNORECASE,
)


def _decade(match: re.Match) -> int:
    return int(match.group("d")) if match.group("d") else _DECADE_WORDS[match.group("w").lower()]


def _parse_number(raw: str) -> tuple[float, bool, bool]:
    s = raw.lower().replace(" ", "")
    sign = -1.0 if s.startswith("-") else 1.0
    s = s.lstrip("-")
    money = s.startswith("$")
    s = s.lstrip("$").replace(",", "")
    percent = s.endswith("%") or s.endswith("percent")
    s = s.removesuffix("%").removesuffix("percent")
    mult = 1.0
    for suffix in sorted(_MULTIPLIERS, key=len, reverse=True):
        if s.endswith(suffix):
            mult = _MULTIPLIERS[suffix]
            s = s[: -len(suffix)]
            break
    return sign * float(s) * mult, percent, money


def tokenize(question: str) -> list[Token]:
    tokens: list[Token] = []
    text = normalise(question)
    last_end = -1
    for match in _TOKEN.finditer(text):
        raw = match.group(0)
        joined = last_end >= 0 and match.start() == last_end + 1 and text[last_end] == "-"
        last_end = match.end()
        before = len(tokens)
        if match.group("num"):
            value, percent, money = _parse_number(raw)
            tokens.append(Token("#", raw, number=value, is_percent=percent, is_money=money))
        elif match.group("id"):
            tokens.append(Token("#id", raw, customer_id=raw.upper()))
        else:
            low = raw.lower()
            if low == "%":
                if tokens and tokens[-1].number is not None:
                    tokens[-1].is_percent = True
                    continue
                # "what % of ...": the sign alone is the word "percent"
                tokens.append(Token("%", raw))
                continue
            if low in NUMBER_WORDS:
                tokens.append(Token("#", raw, number=float(NUMBER_WORDS[low])))
                continue
            tokens.append(Token(stem(low), raw))
        if joined and len(tokens) > before:
            tokens[-1].hyphened = True
    return tokens


def phrase_key(phrase: str) -> tuple[str, ...]:
    """A synonym or value as the token tuple a question would produce for it."""
    return tuple(t.key for t in tokenize(phrase))

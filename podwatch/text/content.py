"""What a text field prints: the buyer's value looked up, dates reformatted, case and spaces tidied."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from podwatch.config.rule import TextField

# Dates as shops and buyers write them: ISO, US, European, and spelled out.
DEFAULT_DATE_INPUTS = ("%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y", "%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y")
# `%-d` (day without a leading zero) is a glibc extension Windows' strftime refuses,
# so these are filled in here, the same on every system.
_UNPADDED = frozenset("dmHIj")
_DIRECTIVE = re.compile(r"%%|%-(.)")


def format_date(value: date, pattern: str) -> str:
    """strftime, plus `%-d`, `%-m`, `%-H`, `%-I`, `%-j` without leading zeros on every platform."""

    def unpadded(match: re.Match) -> str:
        if match.group(0) == "%%":
            return "%%"
        code = match.group(1)
        if code not in _UNPADDED:
            raise ValueError(f"%-{code} is not supported; use %-d, %-m, %-H, %-I or %-j")
        return str(int(value.strftime(f"%{code}")))

    moment = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
    return moment.strftime(_DIRECTIVE.sub(unpadded, pattern))


def parse_date(text: str, formats: list[str] | tuple[str, ...]) -> date | None:
    """The first of `formats` that reads the whole of `text`; None when none does."""
    cleaned = " ".join(text.split())
    for pattern in formats:
        try:
            return datetime.strptime(cleaned, pattern).date()
        except ValueError:
            continue
    return None


def lookup(data: dict[str, Any], key: str) -> Any:
    """`personalization.name` → data["personalization"]["name"]; None when any step is missing."""
    value: Any = data
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def as_text(value: Any) -> str | None:
    """The buyer's value as text; numbers (a year typed as 2024) count, lists and tables do not."""
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    return value if isinstance(value, str) else str(value)


def transform(text: str, how: str) -> str:
    if how == "upper":
        return text.upper()
    if how == "lower":
        return text.lower()
    if how == "title":
        # Word by word, so "ANNE-MARIE o'neill" becomes "Anne-Marie O'neill", not str.title()'s "1St".
        return re.sub(r"[^\s\-]+", lambda m: m.group(0)[:1].upper() + m.group(0)[1:].lower(), text)
    return text


def tidy(text: str, max_lines: int) -> str:
    """What goes on the print: NFC, no outer or doubled spaces; line breaks kept only where lines are allowed."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = [" ".join(line.split()) for line in text.split("\n")]
    lines = [line for line in lines if line]
    return ("\n" if max_lines > 1 else " ").join(lines)


@dataclass(frozen=True)
class Spacing:
    """Odd spacing in what the buyer typed; the print is tidied, the seller is told."""

    outer: bool  # leading or trailing spaces
    doubled: bool  # two or more spaces in a row


def spacing(typed: str) -> Spacing:
    flat = typed.replace("\t", " ")
    return Spacing(outer=flat != flat.strip(), doubled=bool(re.search(r"\S {2,}\S", flat)))


def case_oddity(typed: str) -> str | None:
    """How the case looks unintended: "all in capitals", "all in lowercase", or "partly in capitals,
    partly in lowercase" ("RENÉE dubois"); None for ordinary names and scripts without case."""
    letters = [c for c in typed if c.isalpha() and (c.isupper() or c.islower())]
    if len(letters) < 2:
        return None
    if all(c.isupper() for c in letters):
        return "all in capitals"
    if all(c.islower() for c in letters):
        return "all in lowercase"
    words = ["".join(c for c in word if c.isalpha()) for word in typed.split()]
    shouted = any(len(w) >= 2 and w.isupper() for w in words)
    # Short lowercase words are particles of real names: "de", "van", "y", "los".
    small = any(len(w) >= 4 and w.islower() for w in words)
    return "partly in capitals, partly in lowercase" if shouted and small else None


def printed_text(field: TextField, typed: str) -> str | None:
    """What `field` prints for `typed`: the date reformatted, case transformed, spaces tidied;
    None when the field takes a date and `typed` reads as none. The review desk shows this
    beside what was typed without laying any text out."""
    text = typed
    if field.date_format:
        when = parse_date(typed, field.date_input)
        if when is None:
            return None
        text = format_date(when, field.date_format)
    return tidy(transform(text, field.transform), field.max_lines)

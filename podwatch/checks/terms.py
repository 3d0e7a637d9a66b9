"""Blocked terms: brand and character names found in buyer text, file names and metadata."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from podwatch.errors import ConfigError

# Letters and digits are words; everything else (spaces, punctuation, "_", "-") separates them.
_WORD = re.compile(r"[^\W_]+")


def fold(text: str, *, camel: bool = False) -> tuple[str, list[int]]:
    """`text` as it is compared: accents stripped (NFKD), case folded; plus, for every
    folded character, the index of the original character it came from, so a match can
    be quoted exactly as the buyer typed it. With `camel`, a space is read between a
    lower- and an upper-case letter, as file names run words together (`DisneyPrincess.png`)."""
    out: list[str] = []
    where: list[int] = []
    for index, char in enumerate(text):
        if camel and index and char.isupper() and text[index - 1].islower():
            out.append(" ")
            where.append(index)
        plain = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        for folded in plain.casefold():
            out.append(folded)
            where.append(index)
    return "".join(out), where


def _edge(char: str) -> str:
    # A letter may not touch another letter, a digit another digit: "Nikeisha" is not
    # "Nike", but "disney2024.png" is "disney".
    return r"[^\W\d_]" if not char.isdigit() else r"\d"


@dataclass(frozen=True)
class Term:
    """One entry of a term list, e.g. `Star Wars` or `Disney*` (prefix)."""

    text: str
    origin: str  # the list it came from, in words for the seller
    pattern: re.Pattern[str] = field(compare=False, repr=False)

    @classmethod
    def parse(cls, text: str, origin: str) -> Term:
        text = " ".join(text.split())
        prefix = text.endswith("*")
        words = _WORD.findall(fold(text)[0])  # the star is no letter: not among them
        if not words:
            raise ValueError(f"{text!r} has no letters or digits to look for")
        # Words may be joined by any run of spaces or punctuation, or none: "Star-Wars", "starwars".
        body = r"[\W_]*".join(re.escape(word) for word in words)
        start = rf"(?<!{_edge(words[0][0])})"
        end = "" if prefix else rf"(?!{_edge(words[-1][-1])})"
        return cls(text, origin, re.compile(start + body + end))

    @property
    def key(self) -> str:
        return _key(self.text)


def _key(text: str) -> str:
    """What makes two entries the same term: their words, folded, and whether it is a prefix
    (outside `Term.key`, a property, where `make mutate` could not reach it)."""
    return " ".join(_WORD.findall(fold(text)[0])) + ("*" if text.endswith("*") else "")


@dataclass(frozen=True)
class Hit:
    term: Term
    found: str  # the text exactly as written where it was found
    where: str  # e.g. 'buyer text "name"', 'file name', 'instructions'


@dataclass(frozen=True)
class TermList:
    terms: tuple[Term, ...] = ()

    def __add__(self, other: TermList) -> TermList:
        # The first list to name a term keeps it, so a finding names the list the seller expects.
        kept = {term.key: term for term in self.terms}
        for term in other.terms:
            kept.setdefault(term.key, term)
        return TermList(tuple(kept.values()))

    def __len__(self) -> int:
        return len(self.terms)

    def without(self, keys: Iterable[str]) -> TermList:
        drop = set(keys)
        return TermList(tuple(term for term in self.terms if term.key.rstrip("*") not in drop))

    def find(self, text: str, where: str) -> list[Hit]:
        """Every term in `text`, once each, quoted as written."""
        # Read both ways: "iStock-123.jpg" as written, "GettyImages-123.jpg" and a buyer's "BarbieGirl" split.
        readings = [fold(text), fold(text, camel=True)]
        spans: dict[Term, tuple[int, int]] = {}
        for folded, origin in readings:
            for term in self.terms:
                match = term.pattern.search(folded)
                if match and term not in spans:
                    spans[term] = (origin[match.start()], origin[match.end() - 1] + 1)
        # "Getty" inside "GettyImages" is one finding, the longer one.
        kept = [
            term for term, (start, end) in spans.items()
            if not any(o != term and o_start <= start and end <= o_end and (o_end - o_start) > (end - start)
                       for o, (o_start, o_end) in spans.items())
        ]
        return [Hit(term, text[spans[term][0]: spans[term][1]], where) for term in kept]

    @classmethod
    def of(cls, terms: Iterable[Term]) -> TermList:
        return cls() + cls(tuple(terms))


def parse_terms(lines: Iterable[str], origin: str, source: str) -> tuple[TermList, set[str]]:
    """A term file's lines: one term per line, `#` comments, `!term` to drop one of podwatch's own.

    Returns the terms and the keys to drop; a mistake raises ConfigError naming `source` and the line.
    """
    terms: list[Term] = []
    drops: set[str] = set()
    for number, raw in enumerate(lines, start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            term = Term.parse(line.lstrip("!").strip(), origin)
        except ValueError as exc:
            raise ConfigError(f"{source}: line {number}: {exc}") from None
        if line.startswith("!"):
            drops.add(term.key.rstrip("*"))
        else:
            terms.append(term)
    return TermList.of(terms), drops


def load_terms(path: Path, origin: str, source: str) -> tuple[TermList, set[str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(f"{source}: is not UTF-8 text; save it as UTF-8 (plain text) and start again") from None
    except OSError as exc:
        raise ConfigError(f"{source}: cannot be read ({exc.strerror})") from None
    return parse_terms(text.splitlines(), origin, source)

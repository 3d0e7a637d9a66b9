"""Risk: someone else's brand, character, photo or picture that the seller should not print unseen."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

from podwatch.checks.registry import Subject, register
from podwatch.checks.terms import Hit, Term, TermList, fold
from podwatch.findings import Finding, Level

TAKEDOWN = (
    "Printing it without a licence risks a takedown or a claim: check the proof, and decline the order "
    "or ask the buyer to change it unless you hold a licence."
)
STOCK = (
    "Stock pictures are licensed for limited uses, almost never for printing on products that are sold. "
    "Ask the buyer for their own picture, or for proof of an extended licence."
)


def blocked_terms(subject: Subject) -> Iterator[Finding]:
    """Blocked terms in what the buyer typed, the upload's file name and the order's instructions.
    Runs on name-only orders too: a name printed on a mug is where a brand is most likely."""
    terms = _terms(subject)
    order = subject.order
    hits: list[Hit] = []
    for where, text in _buyer_text(order.personalization):
        hits += terms.find(text, where)
    if subject.artwork is not None:
        name = subject.picture.path.name
        hits += terms.find(name, f'the file name "{name}"')
    if order.instructions:
        hits += terms.find(order.instructions, "the instructions")
    yield from _term_findings(hits, Level(subject.rule.checks.risk_level))


def rights_metadata(subject: Subject) -> Iterator[Finding]:
    """Authors, rights holders and stock agencies named in the upload's EXIF, IPTC and XMP."""
    from podwatch.checks.blocklist import AGENCIES, stock_agencies
    from podwatch.checks.metadata import read_tags

    name = subject.picture.path.name
    level = Level(subject.rule.checks.risk_level)
    tags = read_tags(subject.picture.path)
    agencies = stock_agencies()
    stock = [(tag, hit) for tag in tags for hit in agencies.find(tag.text, tag.label)]
    if stock:
        named = sorted({hit.term.text for _, hit in stock})
        yield Finding(
            "stock_photo", level,
            f"{name}'s metadata names the stock {'agency' if len(named) == 1 else 'agencies'} {_list(named)}: "
            f"{_quoted(tag for tag, _ in stock)}. {STOCK}",
            {"agencies": named, "tags": _by_label(tag for tag, _ in stock)}, hold=True,
        )
    rights = [tag for tag in tags if tag.rights and tag not in {t for t, _ in stock}]
    if rights:
        buyer = str(subject.order.customer.get("name", "")).strip()
        theirs = bool(buyer) and all(_mentions(tag.text, buyer) for tag in rights)
        said = _quoted(rights)
        if theirs:
            yield Finding(
                "rights_metadata", Level.INFO,
                f"{name}'s metadata names the buyer ({buyer}) as its author: {said}.",
                {"tags": _by_label(rights)},
            )
        else:
            yield Finding(
                "rights_metadata", level,
                f"{name}'s metadata names an author or rights holder: {said}. "
                "If that is not the buyer, they may not have the right to have it printed: "
                "ask them to confirm they made the picture or may use it.",
                {"tags": _by_label(rights)}, hold=True,
            )
    # A caption or title can name a brand the buyer never typed ("Mickey at Disneyland").
    captions = [hit for tag in tags for hit in _terms(subject).find(tag.text, f"the metadata ({tag.label})")]
    yield from _term_findings([hit for hit in captions if hit.term.origin != AGENCIES], level)


def blocklist(subject: Subject) -> Iterator[Finding]:
    """The upload looks like a picture in the seller's blocklist/ folder."""
    lists = subject.blocklist
    if lists is None:
        return
    limit = subject.rule.checks.blocklist_distance
    matches = lists.match(subject.picture.image, limit)
    if not matches:
        return
    best = matches[0]
    others = f" (and {len(matches) - 1} more: {', '.join(m.name for m in matches[1:4])})" if len(matches) > 1 else ""
    likeness = "is the same picture as" if best.distance <= 2 else "looks like"
    yield Finding(
        "blocklisted", Level(subject.rule.checks.risk_level),
        f"{subject.picture.path.name} {likeness} blocklist/{best.name}{others}, a picture you marked as never "
        f"to be printed ({best.distance} of 64 fingerprint bits differ; {limit} or fewer count as a copy). "
        "Compare the two; decline the order if it is the same picture, however resized, cropped or recompressed.",
        {"matches": [{"file": m.name, "distance": m.distance} for m in matches], "max_distance": limit}, hold=True,
    )


def _terms(subject: Subject) -> TermList:
    from podwatch.checks.blocklist import Blocklist

    lists = subject.blocklist or Blocklist.bundled()
    extra = subject.rule.checks.blocked_terms
    return lists.terms + _rule_terms(tuple(extra), subject.rule.file_label) if extra else lists.terms


@lru_cache(maxsize=32)
def _rule_terms(texts: tuple[str, ...], origin: str) -> TermList:
    return TermList.of(Term.parse(text, origin) for text in texts)


def _buyer_text(value: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """Every string the buyer typed, with the field it came from: nested dicts and lists too (the
    personalization is a dict, so every string has a field)."""
    if isinstance(value, str):
        yield f'the buyer\'s text "{where}"', value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _buyer_text(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value, start=1):
            yield from _buyer_text(item, f"{where}[{index}]")


def _term_findings(hits: list[Hit], level: Level) -> Iterator[Finding]:
    from podwatch.checks.blocklist import AGENCIES

    by_term: dict[Term, list[Hit]] = {}
    for hit in hits:
        by_term.setdefault(hit.term, []).append(hit)
    for term, found in by_term.items():
        places = "; ".join(f'{hit.where} {"say" if hit.where.endswith("instructions") else "says"} "{hit.found}"'
                           for hit in found)
        yield Finding(
            "blocked_term", level,
            f'{places[0].upper()}{places[1:]}: "{term.text}" is on {term.origin}. '
            f"{STOCK if term.origin == AGENCIES else TAKEDOWN}",
            {"term": term.text, "list": term.origin, "found": [{"where": h.where, "text": h.found} for h in found]},
            hold=True,
        )


def _mentions(text: str, name: str) -> bool:
    words = fold(name)[0].split()
    folded = fold(text)[0]
    return bool(words) and all(word in folded for word in words)


def _quoted(tags: Iterable) -> str:
    return "; ".join(f'{tag.label} "{tag.text}"' for tag in dict.fromkeys(tags))


def _by_label(tags: Iterable) -> dict[str, str]:
    """{label: text} for the ledger; two creators in one XMP tag are both kept: "Jane Doe; Joe Roe"."""
    texts: dict[str, list[str]] = {}
    for tag in dict.fromkeys(tags):
        texts.setdefault(tag.label, []).append(tag.text)
    return {label: "; ".join(said) for label, said in texts.items()}


def _list(names: list[str]) -> str:
    """'"Alamy"', '"Alamy" and "Getty Images"', '"Alamy", "Getty Images" and "iStockphoto"'."""
    quoted = [f'"{n}"' for n in names]
    return " and ".join([", ".join(quoted[:-1]), quoted[-1]]) if len(quoted) > 1 else quoted[0]


# In the order they report (registry.register says why not a decorator).
register("terms", blocked_terms, needs_artwork=False)
register("metadata", rights_metadata)
register("blocklist", blocklist)

"""What each desk page needs, as plain values for its template: counts, neighbours, buyer text, colours."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from podwatch.config.rule import Rule
from podwatch.desk.records import FILTERS, Item, matches
from podwatch.text.content import as_text, lookup, printed_text


@dataclass(frozen=True)
class TextLine:
    """One buyer text on the item page: the key, as typed, and what the print carries."""

    key: str
    typed: str
    printed: str  # "" when no field of the rule prints it
    editable: bool  # a personalization value the seller may correct


@dataclass(frozen=True)
class QueueView:
    items: list[Item]
    shown: list[Item]
    wanted: str
    counts: dict[str, int] = field(default_factory=dict)


def queue_view(items: list[Item], wanted: str) -> QueueView:
    wanted = wanted if wanted in FILTERS else "all"
    counts = {name: sum(1 for item in items if matches(item, name)) for name in FILTERS}
    return QueueView(items, [item for item in items if matches(item, wanted)], wanted, counts)


def neighbours(items: list[Item], name: str) -> tuple[str | None, str | None]:
    """The proofs before and after `name` in the queue (j / k)."""
    names = [item.name for item in items]
    if name not in names:
        return (names[0] if names else None), None
    at = names.index(name)
    return (names[at + 1] if at + 1 < len(names) else None), (names[at - 1] if at > 0 else None)


def after_decision(items: list[Item], name: str) -> str | None:
    """Where the seller goes once `name` is decided: the next proof, else the one before."""
    following, before = neighbours(items, name)
    return following or before


def text_lines(item: Item, rule: Rule | None) -> list[TextLine]:
    """Every buyer text: as typed and as printed by the rule's [[text]] fields (same key, said once)."""
    printed: dict[str, list[str]] = {}
    for text_field in rule.text if rule else []:
        typed = as_text(lookup(item.order, text_field.key))
        if typed is None:
            printed.setdefault(text_field.key, [])
            continue
        shown = printed_text(text_field, typed)
        printed.setdefault(text_field.key, []).append("(a date podwatch cannot read)" if shown is None else shown)
    lines = [
        TextLine(key, value, " / ".join(dict.fromkeys(printed.get(f"personalization.{key}", []))), True)
        for key, value in item.personalization.items()
    ]
    for key, forms in printed.items():
        short = key.removeprefix("personalization.")
        if short not in item.personalization:
            value = as_text(lookup(item.order, key)) or ""
            lines.append(TextLine(short, value, " / ".join(dict.fromkeys(forms)), key.startswith("personalization.")))
    return lines


def colors(item: Item, rule: Rule | None) -> tuple[str, list[str]]:
    """The order's garment colour and the colours the product comes in."""
    current = str(item.order.get("variant") or "").split("/")[0].strip()
    if not current and rule is not None:
        current = rule.default_color()  # what the proof shows for an order without a variant
    offered = list(rule.product.colors) if rule else []
    if current and current not in offered:
        offered.insert(0, current)
    return current, offered


def tag_counts(items: list[Item]) -> dict[str, int]:
    return dict(Counter(tag for item in items for tag in item.tags))


def level_counts(findings: list[dict[str, Any]]) -> dict[str, int]:
    return dict(Counter(str(f.get("level")) for f in findings))

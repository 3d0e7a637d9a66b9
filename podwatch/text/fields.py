"""Each of a rule's text fields for one order: what was typed, what prints, in which fonts, at what size."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from podwatch.config.order import Order
from podwatch.config.rule import Rule, TextField
from podwatch.text import content
from podwatch.text.fonts import fallback_font, find_font, lacks
from podwatch.text.layout import Fitting, Layout, Word, fit_text

MAX_TEXT = 500  # characters laid out per field: more is a pasted essay, never a name


@dataclass(frozen=True)
class FieldText:
    """One field of the rule, filled from one order: computed once, read by checks, drawing and the proof."""

    index: int  # position in the rule's [[text]] list: `text.0`
    field: TextField
    typed: str | None  # exactly as in the order JSON; None when the key is missing
    text: str  # what is printed: date reformatted, case transformed, spaces tidied
    font: Path
    fallback: Path | None  # the fallback font, when the rule allows it
    fallback_chars: str = ""  # characters only the fallback font could draw
    missing: str = ""  # characters no allowed font can draw
    unreadable_date: bool = False
    too_long_to_lay_out: bool = False
    layout: Layout | None = None

    @property
    def label(self) -> str:
        return self.field.label or self.field.key.rsplit(".", 1)[-1]

    @property
    def blank(self) -> bool:
        return self.typed is None or not self.typed.strip()


def lay_out_fields(rule: Rule, order: Order) -> tuple[FieldText, ...]:
    """Every [[text]] field of `rule` for `order`; fonts are found as the rule says (FontNotFound if gone)."""
    data = order.model_dump()
    folder = Path(rule.source).parent
    return tuple(_one(i, field, content.as_text(content.lookup(data, field.key)), rule, folder)
                 for i, field in enumerate(rule.text))


def _one(index: int, field: TextField, typed: str | None, rule: Rule, folder: Path) -> FieldText:
    font = find_font(field.font, folder)
    fallback = fallback_font() if field.fallback and font != fallback_font() else None
    base = FieldText(index, field, typed, "", font, fallback)
    if typed is None or not typed.strip():
        return base
    text = content.printed_text(field, typed)
    if text is None:
        return FieldText(index, field, typed, "", font, fallback, unreadable_date=True)
    if len(text) > MAX_TEXT:
        return FieldText(index, field, typed, text, font, fallback, too_long_to_lay_out=True)
    paragraphs, from_fallback, missing = _choose_fonts(text, font, fallback)
    area = rule.print_area
    box = field.box
    spec = Fitting(
        box=(round(box.x * area.dpi), round(box.y * area.dpi), round((box.x + box.width) * area.dpi),
             round((box.y + box.height) * area.dpi)),
        dpi=area.dpi, min_pt=field.min_pt, max_pt=field.max_pt, max_lines=field.max_lines,
        align=field.align, valign=field.valign, stroke_pt=field.stroke_pt,
    )
    layout = fit_text(paragraphs, spec)
    return FieldText(index, field, typed, text, font, fallback, from_fallback, missing, layout=layout)


def _choose_fonts(text: str, font: Path, fallback: Path | None) -> tuple[list[list[Word]], str, str]:
    """Words in the rule's font; a word it cannot draw goes whole into the fallback font
    (a sans Ł glued into a script name looks worse than the whole name in the fallback)."""
    paragraphs: list[list[Word]] = []
    from_fallback, missing = "", ""
    for line in text.split("\n"):
        words = []
        for word in line.split(" "):
            lacking = lacks(font, word)
            chosen = font
            if lacking and fallback is not None:
                still = lacks(fallback, word)
                if len(still) < len(lacking):
                    chosen, lacking = fallback, still
                    from_fallback += "".join(c for c in lacks(font, word) if c not in still)
            missing += lacking
            words.append(Word(word, chosen))
        paragraphs.append(words)
    return paragraphs, "".join(dict.fromkeys(from_fallback)), "".join(dict.fromkeys(missing))

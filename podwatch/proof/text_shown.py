"""How the buyer's text is shown to the seller on the proof: exactly as typed, then as printed."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PIL import Image, ImageFont

from podwatch.text.fonts import fallback_font, family, lacks

if TYPE_CHECKING:
    from podwatch.config.order import Order
    from podwatch.text.fields import FieldText


def visible(text: str) -> str:
    # Buyer text is shown exactly as typed, so invisible characters must show as something.
    marks = {"\n": "↵", "\t": "⇥"}
    return "".join(marks.get(c, "�") if unicodedata.category(c) in ("Cc", "Cf") else c for c in text)


@functools.lru_cache(maxsize=8)
def buyer_font(size: int) -> ImageFont.FreeTypeFont:
    """The bundled wide-coverage font: Greek, Cyrillic, Hebrew, Arabic… read as typed on every machine."""
    return ImageFont.truetype(str(fallback_font()), size)


def legible(text: str) -> str:
    """`visible`, with every character the proof font cannot draw written as its code (`[U+1F436]`):
    an empty box would hide exactly the character the seller needs to see."""
    shown = visible(text)
    for char in lacks(fallback_font(), shown):
        shown = shown.replace(char, f"[U+{ord(char):04X}]")
    return shown


def buyer_lines(order: Order, text: Sequence[FieldText]) -> list[tuple[str, bool]]:
    """(line, is_note): what the buyer typed, each followed by what the print carries, so the
    seller spots a typo or a misread date (05/01/2024 → May 1) before it prints."""
    lines: list[tuple[str, bool]] = []
    typed = {f"personalization.{key}": (key, value) for key, value in order.personalization_lines()}
    for field in text:  # fields reading other keys of the order JSON (a top-level "gift_message")
        if field.typed is not None and field.field.key not in typed:
            typed[field.field.key] = (field.field.key, field.typed)
    for key, (label, value) in typed.items():
        lines.append((f'{label}: "{legible(value)}"', False))
        # A field printed twice (both sides of a mug) the same way is said once.
        lines += [(note, True) for note in dict.fromkeys(printed(f) for f in text if f.field.key == key and f.text)]
    return lines


READABLE_PX = 16  # an em at least this tall reads on the proof's product picture


def close_ups(art: Image.Image, text: Sequence[FieldText], zoom: tuple[float, tuple[int, int, int]],
              room: tuple[int, int]) -> list[Image.Image]:
    """Printed text too small to read on the product picture, cut from the print and enlarged to fit
    `room`, on the garment colour: a 9 pt date on a 15 in shirt is a grey smudge otherwise."""
    scale, garment = zoom
    pictures, seen = [], set()
    for field in text:
        layout = field.layout
        if layout is None or layout.size_px * scale >= READABLE_PX or (field.field.key, field.text) in seen:
            continue
        seen.add((field.field.key, field.text))
        pad = round(layout.size_px * 0.25)
        left, top, right, bottom = layout.ink
        crop = art.crop((max(0, left - pad), max(0, top - pad), min(art.width, right + pad),
                         min(art.height, bottom + pad))).convert("RGBA")
        factor = min(room[0] / crop.width, room[1] / crop.height)
        crop = crop.resize((max(1, round(crop.width * factor)), max(1, round(crop.height * factor))),
                           Image.Resampling.LANCZOS)
        picture = Image.new("RGB", crop.size, garment)
        picture.paste(crop, (0, 0), crop)
        pictures.append(picture)
    return pictures


def printed(field: FieldText) -> str:
    if field.layout is None:
        return "↳ not printed: it cannot be drawn in its box"
    fonts = family(field.font) + (f" + {family(field.fallback)}" if field.fallback and field.fallback_chars else "")
    what = "as typed" if field.text == field.typed else f'as "{legible(field.text)}"'
    size = f"{field.layout.size_pt:g} pt" + ("" if field.layout.fits else f" (min {field.field.min_pt:g})")
    return f"↳ printed {what} · {size} · {fonts}"

"""The proof: the artwork on the product in the order's colour, with the order and every finding in words."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw, ImageFont

from podwatch.colors import RGB, garment_rgb, is_known_color
from podwatch.config.order import Order
from podwatch.config.rule import Rule
from podwatch.findings import Finding, Level, worst
from podwatch.proof.inset import draw_inset
from podwatch.proof.marks import draw_guides, draw_watermark, place_art
from podwatch.proof.silhouettes import Box, draw_over_art, draw_product
from podwatch.proof.text_shown import buyer_font, buyer_lines, close_ups, legible, visible

if TYPE_CHECKING:
    from podwatch.text.fields import FieldText

STAGE = (236, 236, 233)  # behind the product: a white shirt still shows against it
PAPER = (255, 255, 255)
BAND = (38, 50, 56)
INK = (33, 33, 33)
MUTED = (105, 105, 105)
GREEN = (46, 125, 50)
LEVEL_STYLE = {
    Level.FAIL: ("FAIL", (198, 40, 40)),
    Level.WARN: ("WARN", (205, 90, 0)),
    Level.INFO: ("note", MUTED),
}
MORE = "+ {n} more (see the .error.txt / podwatch status)"
FOOTER = "podwatch proof — not for print"
# Tried in order (a bare name is searched for in the system font folders); the last resort is
# Pillow's own scalable font, so a CI machine without fonts still renders readable text.
_FONT_DIRS = ("", "/usr/share/fonts/truetype/dejavu/", "/usr/share/fonts/dejavu/", "/usr/share/fonts/TTF/")
_FONTS = {
    False: [d + "DejaVuSans.ttf" for d in _FONT_DIRS] + ["arial.ttf", "/System/Library/Fonts/Supplemental/Arial.ttf"],
    True: [d + "DejaVuSans-Bold.ttf" for d in _FONT_DIRS]
    + ["arialbd.ttf", "/System/Library/Fonts/Supplemental/Arial Bold.ttf"],
}


@functools.lru_cache(maxsize=64)
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    for name in _FONTS[bold]:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)  # type: ignore[return-value]


def _line_height(f: ImageFont.FreeTypeFont) -> int:
    return round(f.size * 1.3)


@dataclass(frozen=True)
class _Layout:
    size: tuple[int, int]
    header: Box
    art: Box
    info: Box
    u: float  # pixels per point: every size below is in points of a 1200 px proof


def _layout(aspect: float, long_side: int) -> _Layout:
    u = long_side / 1200
    head = round(126 * u)
    foot = round(32 * u)
    if aspect >= 1.15:
        # Wide prints (mugs, landscape posters): product on top, words below; portrait reads well on a phone.
        w, h = round(long_side * 0.75), long_side
        art_h = round(min(0.55 * (h - head - foot), max(0.35 * (h - head - foot), w / aspect * 1.45)))
        return _Layout((w, h), (0, 0, w, head), (0, head, w, head + art_h), (0, head + art_h, w, h - foot), u)
    w, h = long_side, round(long_side * 0.75)
    split = round(w * 0.56)
    return _Layout((w, h), (0, 0, w, head), (0, head, split, h - foot), (split, head, w, h - foot), u)


def render_proof(
    art: Image.Image,
    *,
    rule: Rule,
    order: Order,
    item: int,
    findings: list[Finding],
    engine_note: str | None = None,
    cutout: bool = False,
    long_side: int = 1200,
    text: Sequence[FieldText] = (),
) -> Image.Image:
    """An RGB proof about `long_side` px long: product + artwork, order header, buyer text, findings.
    `cutout`: a background was removed, so an inset shows the artwork alone on a checkerboard.
    `text` (the rule's laid-out text fields) adds what was printed, and at what size, under what was typed."""
    color_name = rule.color_for(order)
    notes = [(text, LEVEL_STYLE[Level.WARN][1]) for text in [color_note(color_name)] if text]
    notes += [(engine_note, MUTED)] if engine_note else []
    area = rule.print_area
    layout = _layout(area.width_in / area.height_in, long_side)
    proof = Image.new("RGB", layout.size, PAPER)
    proof.paste(STAGE, layout.art)
    panel, box = _product_panel(art, rule, garment_rgb(color_name), layout)
    if cutout:
        draw_inset(panel, art, layout.u, font(round(15 * layout.u)))
    proof.paste(panel, layout.art[:2], panel)
    draw = ImageDraw.Draw(proof)
    _header(draw, layout, rule, order, item, findings)
    # Text too small to read on the product picture gets a close-up under what was typed.
    u = layout.u
    room = (layout.info[2] - layout.info[0] - round(60 * u), 2 * _line_height(font(round(21 * u))))
    pictures = close_ups(art, text, ((box[2] - box[0]) / art.width, garment_rgb(color_name)), room)
    _info(draw, layout, order, findings, notes, text, (proof, pictures))
    f = font(round(15 * layout.u))
    draw.text((layout.size[0] - round(16 * layout.u), layout.size[1] - round(16 * layout.u)), FOOTER, font=f,
              fill=MUTED, anchor="rm")
    return proof


def color_note(name: str) -> str | None:
    """What the proof says when it cannot draw the order's colour (it is then drawn white)."""
    return None if is_known_color(name) else f"colour '{name}' not recognised, shown as white"


def _product_panel(art: Image.Image, rule: Rule, color: RGB, layout: _Layout) -> tuple[Image.Image, Box]:
    """The product with the artwork on it, guides, watermark and a one-line key, on a transparent layer,
    and where the print area landed on it."""
    u, (left, top, right, bottom) = layout.u, layout.art
    caption = font(round(16 * u))
    size = (right - left, bottom - top - _line_height(caption) - round(8 * u))
    area, kind = rule.print_area, rule.product.silhouette
    panel, box = draw_product(kind, color, size, area.width_in / area.height_in)
    place_art(panel, art, box, kind, color)
    draw_over_art(kind, panel, box, color, wrap=(area.wrap_in / area.width_in, area.wrap_in / area.height_in))
    # On a canvas the safe area is measured on the face, inside the band that folds away.
    inset = area.safe_margin_in + area.wrap_in if area.safe_margin_in else 0
    draw_guides(panel, box, color, safe=(inset / area.width_in, inset / area.height_in))
    draw_watermark(panel, box, lambda size: font(size, bold=True))
    canvas = Image.new("RGBA", (right - left, bottom - top), (0, 0, 0, 0))
    canvas.alpha_composite(panel)
    draw = ImageDraw.Draw(canvas)
    key = _clip(draw, _key(rule), caption, canvas.width - round(16 * u))
    draw.text((canvas.width // 2, canvas.height - round(8 * u)), key, font=caption, fill=MUTED, anchor="md")
    return canvas, box


def _key(rule: Rule) -> str:
    area = rule.print_area
    words = ["dashed: print area"]
    if area.safe_margin_in > 0:
        words.append("dotted: safe area")
    if rule.product.silhouette == "canvas" and area.wrap_in > 0:
        face = f"{area.width_in - 2 * area.wrap_in:g}×{area.height_in - 2 * area.wrap_in:g} in"
        words.append(f"white dashes: {face} face · shaded: {area.wrap_in:g} in wrap")
    if rule.product.silhouette == "mug":
        words.append("the band wraps round; its ends meet at the handle")
    return " · ".join(words)


def _clip(draw: ImageDraw.ImageDraw, text: str, f, width: float) -> str:
    """`text` cut with an ellipsis so it fits `width` on one line."""
    if draw.textlength(text, font=f) <= width:
        return text
    return text[: _longest_fit(draw, text, f, width - draw.textlength("…", font=f))] + "…"


def _wrap(draw: ImageDraw.ImageDraw, text: str, f, width: float) -> list[str]:
    """Greedy word wrap by measured width; a word longer than a line is split where it must."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if line and draw.textlength(candidate, font=f) > width >= draw.textlength(word, font=f):
                lines.append(line)
                line = word
            else:  # fits, or is too long for any line: then it is split, starting right here
                line = candidate
            while draw.textlength(line, font=f) > width and len(line) > 1:
                cut = _longest_fit(draw, line, f, width)
                lines.append(line[:cut])
                line = line[cut:]
        lines.append(line)
    return lines


def _capped(draw: ImageDraw.ImageDraw, text: str, f, width: float, max_lines: int) -> list[str]:
    """At most `max_lines` wrapped lines, the last ending in … when text was left out."""
    # Nobody reads past the cap, so a 10,000-character paste is not measured in full.
    lines = _wrap(draw, text[: max_lines * 200], f, width)
    if len(lines) > max_lines:
        lines = lines[: max_lines - 1] + [_clip(draw, lines[max_lines - 1] + "…", f, width)]
    return lines


def _longest_fit(draw: ImageDraw.ImageDraw, text: str, f, width: float) -> int:
    low, high = 1, len(text)  # binary search: a 2,000-character line must not take seconds
    while low < high:
        mid = (low + high + 1) // 2
        low, high = (mid, high) if draw.textlength(text[:mid], font=f) <= width else (low, mid - 1)
    return low


def _header(draw: ImageDraw.ImageDraw, layout: _Layout, rule: Rule, order: Order, item: int, findings) -> None:
    u, width = layout.u, layout.header[2]
    draw.rectangle(layout.header, fill=BAND)
    pad, big, small, bold = round(20 * u), font(round(32 * u), True), font(round(22 * u)), font(round(22 * u), True)
    status, status_color = _status(findings)  # top right: what the seller must do, at a glance
    draw.text((width - pad, pad), status, font=bold, fill=status_color, anchor="ra")
    room = width - 3 * pad - draw.textlength(status, font=bold)
    draw.text((pad, pad), _clip(draw, f"Order {order.order_id} · item {item}", big, room), font=big, fill=PAPER)
    area = rule.print_area
    variant = order.variant or f"{rule.default_color()} (default)"
    wrap = f" · {area.wrap_in:g} in wrap" if area.wrap_in else ""
    size = f"{area.size_px[0]}×{area.size_px[1]} px · {area.width_in:g}×{area.height_in:g} in @ {area.dpi} dpi"
    lines = (f"{rule.product.name} · {variant} · Qty {order.quantity}", f"Print {size}{wrap}")
    y = pad + _line_height(big)
    for line in lines:
        draw.text((pad, y), _clip(draw, line, small, width - 2 * pad), font=small, fill=(214, 222, 226))
        y += _line_height(small)


def _status(findings: list[Finding]) -> tuple[str, RGB]:
    level = worst(findings)
    if level is None:
        return "no problems", (129, 199, 132)
    count = sum(1 for f in findings if f.level == level)
    words = {Level.FAIL: "cannot print", Level.WARN: "warning", Level.INFO: "note"}
    label = words[level] if level == Level.FAIL else f"{count} {words[level]}{'s' if count > 1 else ''}"
    return label, {Level.FAIL: (239, 83, 80), Level.WARN: (255, 167, 38), Level.INFO: (176, 190, 197)}[level]


class _Column:
    """Writes lines top-down in a box and knows how much room is left."""

    def __init__(self, draw: ImageDraw.ImageDraw, box: Box, u: float) -> None:
        pad = round(24 * u)
        self.draw, self.u = draw, u
        self.x, self.y, self.right, self.bottom = box[0] + pad, box[1] + round(18 * u), box[2] - pad, box[3]
        self.width = self.right - self.x

    def room(self) -> int:
        return self.bottom - self.y

    def write(self, lines: list[str], f, fill, indent: int = 0, label: str = "") -> int:
        """Lines that would cross the bottom are dropped: the budgets above keep that rare."""
        lines = lines[: max(0, self.room() // _line_height(f))]
        if lines and label:
            self.draw.text((self.x, self.y), label, font=font(f.size, True), fill=fill)
        for line in lines:
            self.draw.text((self.x + indent, self.y), line, font=f, fill=fill)
            self.y += _line_height(f)
        return len(lines)

    def heading(self, text: str) -> None:
        self.y += round(6 * self.u)
        self.write([text], font(round(21 * self.u), True), INK)

    def capped(self, text: str, f, fill, max_lines: int) -> int:
        indent = round(12 * self.u)
        return self.write(_capped(self.draw, text, f, self.width - indent, max_lines), f, fill, indent=indent)


def _info(draw: ImageDraw.ImageDraw, layout: _Layout, order: Order, findings: list[Finding], notes,
          text: Sequence[FieldText] = (), close_ups: tuple[Image.Image, list[Image.Image]] | None = None) -> None:
    col = _Column(draw, layout.info, layout.u)
    body = font(round(21 * layout.u))
    buyer = buyer_font(body.size)
    lh = _line_height(body)
    # Buyer text and instructions share a third of the room: the findings keep the rest.
    budget = max(3, col.room() // 3 // lh)
    col.heading("Buyer text (exactly as typed)")
    typed = [(line, MUTED if note else INK) for line, note in buyer_lines(order, text)]
    left = budget * 2 // 3 if order.instructions else budget
    for i, (line, fill) in enumerate(typed or [("(none)", MUTED)]):
        if left < 2 and i < len(typed) - 1:
            col.capped(f"+ {len(typed) - i} more lines (see the order JSON)", body, MUTED, 1)
            break
        left -= col.capped(line, buyer, fill, max(1, min(left, budget // max(1, len(typed)))))
    proof, pictures = close_ups or (None, [])
    for picture in pictures:
        if proof is not None and col.room() > picture.height + 4 * lh:  # the findings below matter more
            proof.paste(picture, (col.x + round(12 * layout.u), col.y + round(4 * layout.u)))
            col.y += picture.height + round(8 * layout.u)
    if order.instructions:
        col.heading("Instructions")
        # Instructions are a note to the seller, so their line breaks are kept as breaks.
        said = "\n".join(visible(part) for part in order.instructions.splitlines())
        col.capped(said, body, INK, max(2, budget - budget * 2 // 3))
    col.heading("Checks")
    _findings(col, body, findings, notes)


def _findings(col: _Column, body, findings: list[Finding], notes: list[tuple[str, RGB]]) -> None:
    lh, gap = _line_height(body), round(4 * col.u)
    indent = round(max(col.draw.textlength(label, font=font(body.size, True)) for label, _ in LEVEL_STYLE.values()))
    indent += round(10 * col.u)
    note_rows = [("note", fill, _capped(col.draw, text, body, col.width - indent, 3)) for text, fill in notes]

    def height(some) -> int:
        return sum(len(lines) * lh + gap for _, _, lines in some)

    def wrapped(cap: int) -> list:
        return [(*LEVEL_STYLE[f.level], _capped(col.draw, legible(f.message), body, col.width - indent, cap))
                for f in sorted(findings, key=lambda f: -f.level.rank)] or [("", GREEN, ["No problems found."])]

    # Every finding in full when they fit; otherwise each one shortened so more of them show.
    rows = wrapped(12)
    if height(rows) + height(note_rows) > col.room():
        rows = wrapped(5)

    def more(n: int) -> list[str]:
        return _wrap(col.draw, MORE.format(n=n), body, col.width)

    # Notes about the proof itself always show; findings that do not fit are counted instead.
    room = col.room() - height(note_rows)
    shown = next((k for k in range(len(rows), 0, -1)
                  if height(rows[:k]) + (len(more(len(rows) - k)) * lh if k < len(rows) else 0) <= room), 0)
    extra = [("", INK, more(len(rows) - shown))] if shown < len(rows) else []
    for label, fill, lines in rows[:shown] + extra + note_rows:
        col.write(lines, body, fill, indent=indent if label else 0, label=label)
        col.y += gap

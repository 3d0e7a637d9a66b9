"""Drawing laid-out text onto the print image, in the colour the rule gives for the garment."""

from __future__ import annotations

from collections.abc import Iterable

from PIL import Image, ImageColor, ImageDraw

from podwatch.colors import RGB, garment_rgb, is_known_color, name_key
from podwatch.text.fields import FieldText
from podwatch.text.fonts import pil_font
from podwatch.text.layout import Layout


def pick(spec: str | dict[str, str], garment: str) -> str:
    """The colour a rule gives for `garment`: one colour, or a table by garment colour with a `default`."""
    if isinstance(spec, str):
        return spec
    wanted = name_key(garment)
    return next((value for key, value in spec.items() if name_key(key) == wanted), spec["default"])


def ink_rgb(name: str) -> RGB:
    """Ink colours read as CSS first ("navy" is #000080 ink), then as garment names ("heather grey")."""
    try:
        red, green, blue = ImageColor.getrgb(name.strip())[:3]
        return red, green, blue
    except ValueError:
        return garment_rgb(name) if is_known_color(name) else (0, 0, 0)


def draw_fields(image: Image.Image, fields: Iterable[FieldText], garment: str) -> None:
    """Every laid-out field onto `image` (RGBA: transparency kept; RGB: flattened prints), in place."""
    for field in fields:
        if field.layout is None:
            continue
        spec = field.field
        stroke = ink_rgb(pick(spec.stroke_color, garment)) if field.layout.stroke_px else None
        draw_layout(image, field.layout, ink_rgb(pick(spec.color, garment)), stroke)


def draw_layout(image: Image.Image, layout: Layout, fill: RGB, stroke: RGB | None = None) -> None:
    # Drawn as coverage masks, then composited: ImageDraw straight onto a transparent RGBA
    # canvas would darken the anti-aliased edges (colour blended towards the canvas's black).
    region = _region(image, layout)
    if stroke is not None:
        _composite(image, region, _mask(layout, region, layout.stroke_px), stroke)
    _composite(image, region, _mask(layout, region, 0), fill)


def _region(image: Image.Image, layout: Layout) -> tuple[int, int, int, int]:
    # Room around the ink, so a layout that measured wrongly shows up as ink outside its box
    # in the tests instead of being cut off here.
    left, top, right, bottom = layout.ink
    pad = round(layout.size_px)
    return max(0, left - pad), max(0, top - pad), min(image.width, right + pad), min(image.height, bottom + pad)


def _mask(layout: Layout, region: tuple[int, int, int, int], stroke_px: int) -> Image.Image:
    mask = Image.new("L", (region[2] - region[0], region[3] - region[1]), 0)
    draw = ImageDraw.Draw(mask)
    for line in layout.lines:
        for run in line.runs:
            xy = (line.origin[0] + run.x - region[0], line.origin[1] - region[1])
            draw.text(xy, run.text, font=pil_font(run.font, layout.size_px), fill=255, anchor="ls",
                      stroke_width=stroke_px, stroke_fill=255)
    return mask


def _composite(image: Image.Image, region: tuple[int, int, int, int], mask: Image.Image, rgb: RGB) -> None:
    if image.mode == "RGBA":
        layer = Image.new("RGBA", mask.size, (*rgb, 0))
        layer.putalpha(mask)
        image.alpha_composite(layer, dest=region[:2])
    else:
        image.paste(rgb, region, mask)

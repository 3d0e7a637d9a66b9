"""What a proof draws on its product panel: the artwork shrunk into place, guides, the PROOF mark."""

from __future__ import annotations

import math
from collections.abc import Callable

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from podwatch.colors import RGB, is_dark, shade
from podwatch.prepress.bands import strip_reduce
from podwatch.proof.silhouettes import CLEAR, Box, Pen, dashed_rect


def kiss_cut(art: Image.Image, border: int, color: RGB = (255, 255, 255)) -> Image.Image:
    """The sticker as cut: `art` on a `border`-wide margin that follows its shape; `border` px larger each side."""
    art = art.convert("RGBA")
    size = (art.width + 2 * border, art.height + 2 * border)
    alpha = Image.new("L", size, 0)
    alpha.paste(art.getchannel("A"), (border, border))
    if art.getchannel("A").getextrema()[0] == 255:
        # No transparency: the cutter follows a rounded square around the artwork.
        pen = Pen(size)
        pen.rect((0, 0, size[0] - 1, size[1] - 1), fill=(255, 255, 255, 255), radius=border * 1.6)
        shape = pen.done().getchannel("A")
    else:
        # Blur then threshold: a margin that is round at corners and bridges tiny gaps, like a real cut line.
        spread = alpha.filter(ImageFilter.GaussianBlur(border / 2)).point(lambda v: 255 if v > 8 else 0)
        shape = spread.filter(ImageFilter.GaussianBlur(1))
    cut_line = ImageChops.subtract(shape.filter(ImageFilter.MaxFilter(3)), shape)
    out = Image.new("RGBA", size, CLEAR)
    out.paste((*shade(color, 0.35), 255), mask=cut_line)
    out.paste((*color, 255), mask=shape)
    out.alpha_composite(art, (border, border))
    return out


def place_art(panel: Image.Image, art: Image.Image, box: Box, kind: str, color: RGB) -> None:
    """Shrink the print-ready `art` into `box` on the RGBA `panel`; a sticker gets its kiss-cut border."""
    small = shrink(art, (box[2] - box[0], box[3] - box[1]))
    if kind == "sticker":
        border = max(3, round(0.045 * max(small.size)))
        panel.alpha_composite(kiss_cut(small, border, color), (box[0] - border, box[1] - border))
    elif small.mode == "RGBA":
        panel.alpha_composite(small, box[:2])
    else:
        panel.paste(small, box[:2])


def shrink(art: Image.Image, size: tuple[int, int]) -> Image.Image:
    """`art` at `size`, cheaply: integer reduction in strips (bounded memory), then LANCZOS for the rest."""
    if art.mode not in ("RGB", "RGBA"):
        art = art.convert("RGBA" if art.has_transparency_data else "RGB")
    factor = int(min(art.width / size[0], art.height / size[1]) / 2)
    if factor >= 2:
        art = _reduce(art, factor)
    return art.resize(size, Image.Resampling.LANCZOS)


def _reduce(art: Image.Image, factor: int) -> Image.Image:
    if art.mode == "RGB":
        return art.reduce(factor)
    # Averaging must be premultiplied or transparent pixels bleed a dark fringe into the edges.
    return strip_reduce(art, (factor, factor)).convert("RGBA")


def draw_guides(panel: Image.Image, box: Box, color: RGB, *, safe=(0.0, 0.0)) -> None:
    """A faint dashed print-area outline and, when `safe` (inset as shares of width, height) is set,
    a dotted safe area."""
    layer = Image.new("RGBA", panel.size, CLEAR)
    draw = ImageDraw.Draw(layer)
    ink = (235, 235, 235, 150) if is_dark(color) else (90, 90, 90, 130)
    dashed_rect(draw, (box[0], box[1], box[2] - 1, box[3] - 1), fill=ink, width=1, dash=7)
    if safe[0] > 0 or safe[1] > 0:
        dx, dy = safe[0] * (box[2] - box[0]), safe[1] * (box[3] - box[1])
        inner = (box[0] + dx, box[1] + dy, box[2] - 1 - dx, box[3] - 1 - dy)
        dashed_rect(draw, inner, fill=(30, 136, 229, 160), dash=3)
    panel.alpha_composite(layer)


def draw_watermark(panel: Image.Image, box: Box, font_at: Callable[[int], ImageFont.FreeTypeFont]) -> None:
    """A large diagonal PROOF across `box`: light fill for dark art, dark edge for light art, both faint."""
    text, w, h = "PROOF", box[2] - box[0], box[3] - box[1]
    left, top, right, bottom = font_at(100).getbbox(text)
    cos, sin = math.cos(math.radians(30)), math.sin(math.radians(30))
    tw, th = right - left, bottom - top
    f = font_at(max(10, int(100 * min(0.9 * w / (tw * cos + th * sin), 0.9 * h / (tw * sin + th * cos)))))
    stroke = max(1, f.size // 40)
    left, top, right, bottom = f.getbbox(text, stroke_width=stroke)
    layer = Image.new("RGBA", (round(right - left), round(bottom - top)), CLEAR)
    ImageDraw.Draw(layer).text((-left, -top), text, font=f, fill=(255, 255, 255, 80), stroke_width=stroke,
                               stroke_fill=(0, 0, 0, 55))
    layer = layer.rotate(30, expand=True, resample=Image.Resampling.BICUBIC)
    # Pasted onto a panel-sized layer, which clips it, as on a tiny print it can outgrow the panel.
    full = Image.new("RGBA", panel.size, CLEAR)
    full.paste(layer, (box[0] + (w - layer.width) // 2, box[1] + (h - layer.height) // 2))
    panel.alpha_composite(full)

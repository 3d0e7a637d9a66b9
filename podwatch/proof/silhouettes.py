"""The proof's product outlines: each product drawn in the order's colour, and what sits in front of its print."""

from __future__ import annotations

import math
from collections.abc import Callable

from PIL import Image, ImageChops, ImageDraw, ImageFilter

from podwatch.colors import RGB, is_dark, shade

Box = tuple[int, int, int, int]
# Shapes are drawn at 3x and shrunk with LANCZOS: smooth edges with plain ImageDraw.
SS = 3
CLEAR = (0, 0, 0, 0)


class Pen:
    """ImageDraw on a supersampled RGBA layer, taking coordinates in final pixels."""

    def __init__(self, size: tuple[int, int]) -> None:
        self.size = size
        self.image = Image.new("RGBA", (size[0] * SS, size[1] * SS), CLEAR)
        self.draw = ImageDraw.Draw(self.image)
        self.shadows: list[tuple[tuple[float, ...], float, float]] = []

    def _xy(self, points):
        return [(x * SS, y * SS) for x, y in points]

    def polygon(self, points, fill, outline=None, width=1.0) -> None:
        self.draw.polygon(self._xy(points), fill=fill, outline=outline, width=max(1, round(width * SS)))

    def rect(self, box, fill=None, outline=None, width=1.0, radius=0.0) -> None:
        self.draw.rounded_rectangle(
            [v * SS for v in box], radius=radius * SS, fill=fill, outline=outline, width=max(1, round(width * SS))
        )

    def ellipse(self, box, fill=None, outline=None, width=1.0) -> None:
        self.draw.ellipse([v * SS for v in box], fill=fill, outline=outline, width=max(1, round(width * SS)))

    def line(self, points, fill, width=1.0) -> None:
        self.draw.line(self._xy(points), fill=fill, width=max(1, round(width * SS)), joint="curve")

    def shadow(self, box, blur: float, radius: float = 0.0) -> None:
        """A soft shadow under `box`, blurred at final size (cheap) when the pen is done."""
        self.shadows.append((tuple(box), blur, radius))

    def done(self) -> Image.Image:
        out = Image.new("RGBA", self.size, CLEAR)
        for box, blur, radius in self.shadows:
            mask = Image.new("L", self.size, 0)
            ImageDraw.Draw(mask).rounded_rectangle(box, radius=radius, fill=70)
            out.paste((0, 0, 0, 255), mask=mask.filter(ImageFilter.GaussianBlur(blur)))
        return Image.alpha_composite(out, self.image.resize(self.size, Image.Resampling.LANCZOS))


class _Frame:
    """Maps a shape designed in unit coordinates onto the panel, centred and as large as fits."""

    def __init__(self, size, x0: float, y0: float, x1: float, y1: float, margin: float = 0.04) -> None:
        w, h = size
        self.k = min(w * (1 - 2 * margin) / (x1 - x0), h * (1 - 2 * margin) / (y1 - y0))
        self.ox = (w - (x1 - x0) * self.k) / 2 - x0 * self.k
        self.oy = (h - (y1 - y0) * self.k) / 2 - y0 * self.k

    def pt(self, x: float, y: float) -> tuple[float, float]:
        return self.ox + x * self.k, self.oy + y * self.k

    def pts(self, points) -> list[tuple[float, float]]:
        return [self.pt(x, y) for x, y in points]

    def box(self, x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        return (*self.pt(x0, y0), *self.pt(x1, y1))


def fit_box(region, aspect: float, valign: str = "center") -> Box:
    """The largest integer box of width/height `aspect` inside `region`."""
    left, top, right, bottom = region
    w, h = right - left, bottom - top
    w = min(w, h * aspect)
    width = max(1, round(w))
    height = max(1, round(width / aspect))
    x = round(left + (right - left - width) / 2)
    y = round(top) if valign == "top" else round(top + (bottom - top - height) / 2)
    return x, y, x + width, y + height


def _arc(cx, cy, rx, ry, start, end, n=24):
    # Degrees, y down: 0 is right, 90 is below the centre.
    return [
        (cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
        for a in (start + (end - start) * i / n for i in range(n + 1))
    ]


def _ink(color: RGB) -> tuple[RGB, RGB]:
    """(outline, inside) shades: darker on light products, lighter on dark ones so seams show."""
    if is_dark(color):
        return shade(color, -0.28), shade(color, -0.12)
    return shade(color, 0.25), shade(color, 0.12)


Silhouette = Callable[[Pen, RGB, float], Box]
_SILHOUETTES: dict[str, Silhouette] = {}


def _register(kind: str):
    def add(fn: Silhouette) -> Silhouette:
        _SILHOUETTES[kind] = fn
        return fn

    return add


def _mirror(points):
    return [(1 - x, y) for x, y in points]


@_register("tshirt")
def _tshirt(pen: Pen, color: RGB, aspect: float) -> Box:
    f = _Frame(pen.size, 0.0, 0.0, 1.0, 0.93, margin=0.02)
    line, inside = _ink(color)
    w = max(1.5, f.k * 0.003)
    left = [(0.39, 0.035), (0.25, 0.085), (0.03, 0.31), (0.13, 0.405), (0.205, 0.335), (0.2, 0.915)]
    back_collar = _arc(0.5, 0.035, 0.11, 0.012, 360, 180)  # right to left, rising a little
    body = left + _mirror(left)[::-1] + back_collar[1:-1]
    pen.polygon(f.pts(body), fill=color, outline=line, width=w)
    # The inside of the back, seen through the neck opening, then the front collar rib.
    back_neck, front_neck = _arc(0.5, 0.035, 0.11, 0.02, 180, 0), _arc(0.5, 0.035, 0.11, 0.08, 0, 180)
    pen.polygon(f.pts(back_neck + front_neck[1:-1]), fill=inside, outline=line, width=w)
    pen.line(f.pts(front_neck), fill=line, width=f.k * 0.018)
    pen.line(f.pts(_arc(0.5, 0.035, 0.11, 0.08, 2, 178)), fill=color, width=f.k * 0.018 - 2 * w)
    for side in (lambda p: p, _mirror):
        pen.line(f.pts(side([(0.25, 0.085), (0.232, 0.21), (0.205, 0.335)])), fill=line, width=w * 0.8)
        pen.line(f.pts(side([(0.052, 0.289), (0.152, 0.384)])), fill=line, width=w * 0.8)
    pen.line(f.pts([(0.2, 0.885), (0.8, 0.885)]), fill=line, width=w * 0.8)
    return fit_box(f.box(0.27, 0.16, 0.73, 0.78), aspect, valign="top")


_MUG_SIDE = 0.03  # the mug body is wider than the band on each side, in band widths


@_register("mug")
def _mug(pen: Pen, color: RGB, aspect: float) -> Box:
    # The whole wrap is shown flat across the front, as shops preview a full-wrap mug.
    bh, e = 1 / aspect, 0.04
    top, bottom, x0, x1 = -0.12 * bh - e, 1.1 * bh, -_MUG_SIDE, 1 + _MUG_SIDE
    f = _Frame(pen.size, -0.05, top - e, 1.24, bottom + e, margin=0.04)
    line, inside = _ink(color)
    w = max(1.5, f.k * 0.003)
    body_h = bottom - top
    hy0, hy1 = top + 0.16 * body_h, bottom - 0.22 * body_h
    grip = min(0.055, (hy1 - hy0) / 4)  # handle thickness; thinner on a very wide, low wrap
    pen.rect(f.box(x1 - 0.05, hy0, x1 + 0.18, hy1), fill=color, outline=line, width=w, radius=f.k * 0.09)
    hole = f.box(x1 - 0.05, hy0 + grip, x1 + 0.18 - grip, hy1 - grip)
    pen.rect(hole, fill=CLEAR, outline=line, width=w, radius=min(f.k * 0.05, (hole[3] - hole[1]) / 2))
    cx, rx = (x0 + x1) / 2, (x1 - x0) / 2
    outline = [(x0, top), (x0, bottom)] + _arc(cx, bottom, rx, e, 180, 0)[1:-1] + [(x1, bottom), (x1, top)]
    pen.polygon(f.pts(outline + _arc(cx, top, rx, e, 0, 180)[1:-1]), fill=color, outline=line, width=w)
    pen.ellipse(f.box(x0, top - e, x1, top + e), fill=color, outline=line, width=w)
    pen.ellipse(f.box(x0 + 0.012, top - e + 0.006, x1 - 0.012, top + e - 0.006), fill=inside, outline=line, width=w)
    return fit_box(f.box(0, 0, 1, bh), aspect)


def _mug_over(image: Image.Image, box: Box, color: RGB, wrap) -> None:
    # Darker towards both sides and one soft highlight: the flat band reads as a round mug.
    bw = box[2] - box[0]
    x0, x1 = round(box[0] - _MUG_SIDE * bw), round(box[2] + _MUG_SIDE * bw)
    n = max(2, x1 - x0)
    dark, light = Image.new("L", (n, 1)), Image.new("L", (n, 1))
    for i in range(n):
        t = 2 * i / (n - 1) - 1
        dark.putpixel((i, 0), round(255 * 0.24 * max(0.0, (abs(t) - 0.5) / 0.5) ** 1.8))
        light.putpixel((i, 0), round(255 * 0.22 * math.exp(-(((t + 0.55) / 0.1) ** 2))))
    body = image.crop((x0, 0, x0 + n, image.height))
    for tone, profile in (((0, 0, 0), dark), ((255, 255, 255), light)):
        alpha = ImageChops.multiply(profile.resize(body.size), body.getchannel("A"))
        body.alpha_composite(Image.merge("RGBA", (*Image.new("RGB", body.size, tone).split(), alpha)))
    image.paste(body, (x0, 0))


def _sheet(pen: Pen, color: RGB, aspect: float, margin: float, blur: float) -> Box:
    box = fit_box(_inset(pen.size, margin), aspect)
    pen.shadow((box[0] + blur / 2, box[1] + blur / 2, box[2] + blur / 2, box[3] + blur / 2), blur)
    pen.rect(box, fill=color, outline=_ink(color)[0], width=1)
    return box


def _inset(size, share: float) -> tuple[float, float, float, float]:
    m = share * min(size)
    return m, m, size[0] - m, size[1] - m


@_register("poster")
def _poster(pen: Pen, color: RGB, aspect: float) -> Box:
    return _sheet(pen, color, aspect, margin=0.06, blur=6)


@_register("canvas")
def _canvas(pen: Pen, color: RGB, aspect: float) -> Box:
    # The print file includes the band that folds around the frame; draw_over_art marks it.
    return _sheet(pen, color, aspect, margin=0.05, blur=10)


@_register("plain")
def _plain(pen: Pen, color: RGB, aspect: float) -> Box:
    box = fit_box(_inset(pen.size, 0.06), aspect)
    pen.rect(box, fill=color, outline=_ink(color)[0], width=1.5)
    return box


@_register("sticker")
def _sticker(pen: Pen, color: RGB, aspect: float) -> Box:
    # A pale backing sheet; the sticker itself is the art plus its kiss-cut border (see kiss_cut).
    box = fit_box(_inset(pen.size, 0.16), aspect)
    pad = 0.12 * max(box[2] - box[0], box[3] - box[1])
    sheet = (box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad)
    pen.shadow((sheet[0] + 3, sheet[1] + 4, sheet[2] + 3, sheet[3] + 4), 6, radius=pad / 3)
    pen.rect(sheet, fill=(226, 231, 237), outline=(190, 196, 204), width=1, radius=pad / 3)
    return box


@_register("phonecase")
def _phonecase(pen: Pen, color: RGB, aspect: float) -> Box:
    box = fit_box(_inset(pen.size, 0.06), aspect)
    rim = 0.035 * (box[2] - box[0])
    outer = (box[0] - rim, box[1] - rim, box[2] + rim, box[3] + rim)
    pen.shadow((outer[0] + 4, outer[1] + 5, outer[2] + 4, outer[3] + 5), 6, radius=_case_radius(box) + rim)
    pen.rect(outer, fill=color, outline=_ink(color)[0], width=1.5, radius=_case_radius(box) + rim)
    return box


def _case_radius(box: Box) -> float:
    return 0.14 * (box[2] - box[0])


@_register("tote")
def _tote(pen: Pen, color: RGB, aspect: float) -> Box:
    bh = 1 / aspect
    top, bottom, x0, x1 = -0.12 * bh, 1.07 * bh, -0.09, 1.09
    f = _Frame(pen.size, x0, top - 0.5, x1, bottom, margin=0.03)
    line = _ink(color)[0]
    w = max(1.5, f.k * 0.003)
    strap = f.k * 0.05
    loop = f.box(0.22, top - 0.46, 0.78, top + 0.46)
    pen.draw.arc([v * SS for v in loop], 180, 360, fill=line, width=round((strap + 2 * w) * SS))
    pen.draw.arc([v * SS for v in _grow(loop, -w)], 181, 359, fill=color, width=round(strap * SS))
    pen.rect(f.box(x0, top, x1, bottom), fill=color, outline=line, width=w, radius=f.k * 0.01)
    pen.line(f.pts([(x0, top + 0.035), (x1, top + 0.035)]), fill=line, width=w * 0.8)
    return fit_box(f.box(0, 0, 1, bh), aspect)


def _grow(box, by: float):
    return box[0] - by, box[1] - by, box[2] + by, box[3] + by


def draw_product(kind: str, color: RGB, canvas_size: tuple[int, int], art_aspect: float) -> tuple[Image.Image, Box]:
    """The product in `color` on a transparent RGBA layer, and the box where the print area goes."""
    pen = Pen(canvas_size)
    box = _SILHOUETTES.get(kind, _plain)(pen, color, art_aspect)
    return pen.done(), box


# Details that sit in front of the print: they are drawn after the artwork is placed.


def _phonecase_over(image: Image.Image, box: Box, color: RGB, wrap) -> None:
    w = box[2] - box[0]
    rim = 0.035 * w
    pen = Pen(image.size)
    outer = _grow(box, rim)
    pen.rect(outer, fill=color, outline=_ink(color)[0], width=1.5, radius=_case_radius(box) + rim)
    pen.rect(_grow(box, 0.5), fill=CLEAR, radius=_case_radius(box))
    pen.rect(box, outline=_ink(color)[0], width=1, radius=_case_radius(box))
    # The print is cut to the case outline: erase the artwork's corners outside it.
    clip = Pen(image.size)
    clip.rect(outer, fill=(0, 0, 0, 255), radius=_case_radius(box) + rim)
    keep = Image.new("L", image.size, 255)
    keep.paste(clip.done().getchannel("A").crop(box), box[:2])
    image.putalpha(ImageChops.multiply(image.getchannel("A"), keep))
    cam = (box[0] + 0.07 * w, box[1] + 0.05 * w, box[0] + 0.45 * w, box[1] + 0.43 * w)
    pen.rect(cam, fill=(48, 50, 56), outline=(120, 124, 130), width=1.5, radius=0.1 * w)
    for cx, cy, r in ((0.16, 0.14, 0.065), (0.16, 0.34, 0.065), (0.36, 0.24, 0.065), (0.36, 0.11, 0.02)):
        lens = (box[0] + (cx - r) * w, box[1] + (cy - r) * w, box[0] + (cx + r) * w, box[1] + (cy + r) * w)
        pen.ellipse(lens, fill=(18, 18, 22), outline=(150, 150, 158), width=2)
    image.alpha_composite(pen.done())


def _canvas_over(image: Image.Image, box: Box, color: RGB, wrap) -> None:
    fx, fy = (min(share, 0.45) for share in wrap)  # a band of half the print or more leaves no face
    if fx <= 0 and fy <= 0:
        return
    w, h = box[2] - box[0], box[3] - box[1]
    face = (box[0] + round(fx * w), box[1] + round(fy * h), box[2] - round(fx * w), box[3] - round(fy * h))
    layer = Image.new("RGBA", image.size, CLEAR)
    draw = ImageDraw.Draw(layer)
    draw.rectangle(box, fill=(0, 0, 0, 95))
    draw.rectangle(face, fill=CLEAR)
    # The corners are tucked behind the frame: nothing printed there is seen.
    for x0, x1 in ((box[0], face[0]), (face[2], box[2])):
        for y0, y1 in ((box[1], face[1]), (face[3], box[3])):
            draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=(0, 0, 0, 150))
    dashed_rect(draw, face, fill=(255, 255, 255, 230), width=2, dash=10)
    image.alpha_composite(layer)


_OVER_ART: dict[str, Callable[[Image.Image, Box, RGB, tuple[float, float]], None]] = {
    "phonecase": _phonecase_over,
    "canvas": _canvas_over,
    "mug": _mug_over,
}


def draw_over_art(kind: str, image: Image.Image, box: Box, color: RGB, *, wrap=(0.0, 0.0)) -> None:
    """Draw what hides part of the print (case rim, camera, canvas fold band) onto RGBA `image`.

    `wrap` is the canvas fold band as shares of the print's (width, height)."""
    if kind in _OVER_ART:
        _OVER_ART[kind](image, box, color, wrap)


def dashed_rect(draw: ImageDraw.ImageDraw, box, fill, width: int = 1, dash: int = 8) -> None:
    """A dashed rectangle outline; the print and safe area guides on the proof."""
    left, top, right, bottom = box
    for x in range(round(left), round(right), 2 * dash):
        for y in (top, bottom):
            draw.line([(x, y), (min(x + dash, right), y)], fill=fill, width=width)
    for y in range(round(top), round(bottom), 2 * dash):
        for x in (left, right):
            draw.line([(x, y), (x, min(y + dash, bottom))], fill=fill, width=width)

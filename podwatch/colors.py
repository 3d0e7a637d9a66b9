"""Garment and product colour names, as POD shops write them, turned into RGB for the proof."""

from __future__ import annotations

import re

from PIL import ImageColor

RGB = tuple[int, int, int]

WHITE: RGB = (255, 255, 255)

# Blank makers (Gildan, Bella+Canvas, Next Level) name colours that CSS does not
# know, or knows as something else: CSS "navy" is pure #000080, a navy tee is not.
# Values approximate the fabric, so the seller sees roughly what the buyer picked.
_GARMENT: dict[str, RGB] = {
    "white": (255, 255, 255),
    "black": (25, 25, 27),
    "navy": (38, 44, 72),
    "heather grey": (190, 190, 192),
    "sport grey": (170, 170, 172),
    "ash": (214, 214, 210),
    "ash grey": (214, 214, 210),
    "grey": (150, 150, 152),
    "light grey": (205, 205, 205),
    "charcoal": (66, 66, 70),
    "dark heather": (72, 74, 80),
    "dark grey": (80, 80, 84),
    "asphalt": (82, 82, 88),
    "silver": (192, 192, 196),
    "red": (200, 30, 45),
    "cardinal": (155, 26, 50),
    "cardinal red": (155, 26, 50),
    "maroon": (98, 30, 42),
    "burgundy": (110, 30, 45),
    "royal": (35, 75, 160),
    "royal blue": (35, 75, 160),
    "light blue": (160, 200, 230),
    "baby blue": (170, 205, 235),
    "carolina blue": (120, 170, 215),
    "sky": (135, 200, 235),
    "indigo blue": (75, 95, 125),
    "teal": (0, 120, 130),
    "forest": (35, 65, 45),
    "forest green": (35, 65, 45),
    "kelly green": (20, 140, 70),
    "kelly": (20, 140, 70),
    "irish green": (0, 155, 80),
    "military green": (90, 95, 65),
    "olive": (100, 100, 60),
    "mint": (170, 230, 200),
    "purple": (85, 45, 125),
    "lilac": (200, 170, 210),
    "pink": (240, 170, 190),
    "light pink": (245, 200, 210),
    "heliconia": (220, 50, 130),
    "azalea": (235, 110, 165),
    "orange": (245, 110, 30),
    "safety orange": (255, 100, 0),
    "gold": (245, 175, 30),
    "yellow": (250, 220, 60),
    "daisy": (250, 215, 70),
    "sand": (220, 205, 175),
    "natural": (238, 230, 212),
    "cream": (245, 238, 215),
    "ivory": (248, 243, 225),
    "tan": (200, 170, 130),
    "brown": (95, 65, 45),
    "dark chocolate": (65, 45, 40),
    "coral": (245, 120, 100),
    "oatmeal": (225, 215, 195),
}
# The same table without spaces: "heathergrey", "royalblue" as some exports write them.
_SQUASHED = {key.replace(" ", ""): rgb for key, rgb in _GARMENT.items()}


def _squash(name: str) -> str:
    # "Heather_Grey", "heather-grey", " HEATHER  Gray " all mean the same shirt.
    return re.sub(r"[\s_\-]+", "", name.lower()).replace("gray", "grey")


def _lookup(name: str) -> RGB | None:
    key = _squash(name)
    if not key:
        return None
    if key in _SQUASHED:
        return _SQUASHED[key]
    # CSS names ("lightblue", "Light Blue") and "#1a2b3c", "rgb(…)".
    for candidate in (name.strip(), key):
        try:
            return ImageColor.getrgb(candidate)[:3]
        except ValueError:
            continue
    # "Heather Navy", "Vintage Black": the base colour is close enough for a proof.
    words = re.split(r"[\s_\-]+", name.strip())
    for word in reversed(words if len(words) > 1 else []):
        if _squash(word) in _SQUASHED:
            return _SQUASHED[_squash(word)]
    return None


def name_key(name: str) -> str:
    """What two spellings of one colour name have in common: "Heather_Grey" == "heather gray"."""
    return _squash(name)


def is_known_color(name: str) -> bool:
    """Whether `name` is a colour we can draw, rather than a guess shown as white."""
    return _lookup(name) is not None


def order_color(wanted: str, colors: list[str], default: str) -> str:
    """The colour an order is printed on: its variant's colour, else the product's default; on a
    one-colour product the variant is a size or phone model, so an unknown name means the default."""
    name = wanted or default
    return default if not is_known_color(name) and len(colors) == 1 else name


def garment_rgb(name: str) -> RGB:
    """RGB for a shop colour name; unknown names are white (ask `is_known_color` first)."""
    return _lookup(name) or WHITE


def luminance(rgb: RGB) -> float:
    """WCAG relative luminance, 0 (black) to 1 (white)."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: RGB, b: RGB) -> float:
    """WCAG contrast ratio, 1 (same) to 21 (black on white)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# A background at least this light (WCAG luminance; white is 1) shows as a box on a dark garment.
LIGHT_BACKGROUND = 0.6


def is_dark(rgb: RGB) -> bool:
    """Dark enough that a white box around the artwork would show on the garment."""
    return luminance(rgb) < 0.35


def shade(rgb: RGB, amount: float) -> RGB:
    """Mix towards black (amount > 0) or white (amount < 0): outlines, seams, rims."""
    target = 0 if amount > 0 else 255
    a = abs(amount)
    return tuple(round(c + (target - c) * a) for c in rgb[:3])  # type: ignore[return-value]

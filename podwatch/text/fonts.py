"""Fonts: the bundled set, the seller's own files, and which characters each can draw."""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

FONTS_DIR = Path(__file__).resolve().parent.parent / "data" / "fonts"

# The names a rule may use instead of a file; data/fonts/README.md says where each comes from.
BUNDLED = {
    "sans": "Lato-Regular.ttf",
    "serif": "LiberationSerif-Regular.ttf",
    "script": "DancingScript-Regular.otf",
    "wide": "DejaVuSans.ttf",
}
FALLBACK = "wide"  # Latin, Greek, Cyrillic, Hebrew, Arabic and more: what a field falls back on
FONT_SUFFIXES = (".ttf", ".otf", ".ttc")


class FontNotFound(ValueError):
    """The rule names a font that is neither bundled nor a readable file."""


def find_font(name: str, rules_folder: Path) -> Path:
    """The font file a rule means: a bundled name, or a path (relative to the rules folder)."""
    if name in BUNDLED:
        return FONTS_DIR / BUNDLED[name]
    path = Path(name).expanduser()
    if not path.is_absolute():
        path = rules_folder / path
    if path.suffix.lower() not in FONT_SUFFIXES:
        raise FontNotFound(
            f"{name!r} is not a bundled font ({', '.join(BUNDLED)}) nor a font file (.ttf, .otf, .ttc)"
        )
    if not path.is_file():
        raise FontNotFound(f"font file {path} does not exist (a relative path starts in the rules folder)")
    return path


def fallback_font() -> Path:
    return FONTS_DIR / BUNDLED[FALLBACK]


@functools.lru_cache(maxsize=32)
def _cmap(path: Path) -> tuple[frozenset[int], str]:
    from fontTools.ttLib import TTFont  # only when text is laid out: `podwatch --help` stays instant

    try:
        with TTFont(path, fontNumber=0, lazy=True) as font:
            names = font["name"]
            family = names.getDebugName(16) or names.getDebugName(1) or path.stem
            return frozenset(font.getBestCmap() or {}), family
    except Exception as exc:  # a corrupt or unsupported file: say so instead of crashing every order
        raise FontNotFound(f"{path} cannot be read as a font ({type(exc).__name__}: {exc})") from None


def family(path: Path) -> str:
    """The font's family name, as a seller would see it in a font menu: "Dancing Script"."""
    return _cmap(path)[1]


def needs_glyph(char: str) -> bool:
    # Spaces, line breaks, joiners and variation selectors draw nothing, so no font needs them.
    return not (char.isspace() or unicodedata.category(char) in ("Cc", "Cf") or 0xFE00 <= ord(char) <= 0xFE0F
                or 0xE0100 <= ord(char) <= 0xE01EF)


def lacks(path: Path, text: str) -> str:
    """The distinct characters of `text` that the font at `path` has no glyph for, in order."""
    cmap = _cmap(path)[0]
    return "".join(dict.fromkeys(c for c in text if needs_glyph(c) and ord(c) not in cmap))


def describe(chars: str, limit: int = 6) -> str:
    """`🐶 (U+1F436 DOG FACE)` for each character (the code is exact even where the proof
    font has no glyph), the first `limit` of them, then how many more."""
    named = [f"{c} (U+{ord(c):04X} {unicodedata.name(c, 'unnamed character')})" for c in chars[:limit]]
    more = len(chars) - limit
    return ", ".join(named) + (f" and {more} more" if more > 0 else "")


@functools.lru_cache(maxsize=256)
def pil_font(path: Path, size_px: float):
    """A Pillow font at a pixel size; raqm (HarfBuzz) shaping where Pillow has it, for kerning and scripts."""
    from PIL import ImageFont, features

    engine = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC
    return ImageFont.truetype(str(path), size=size_px, layout_engine=engine)


def layout_engine() -> str:
    """What shapes the text: said in the README and tests, since BASIC layout has no kerning."""
    from PIL import features

    return "raqm" if features.check("raqm") else "basic"

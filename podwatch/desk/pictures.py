"""Pictures for the desk: cached thumbnails of proofs and uploads, and 100 % crops of print files."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

from podwatch.files import save_image

THUMB_PX = 360  # long side of a queue thumbnail: sharp on a phone's 2x screen at 180 CSS px
VIEW_PX = 1400  # long side of an upload shown beside the proof
ZOOM_PX = 520  # side of the 1:1 crop of the print file
CHECKER = 24  # transparency shows as a checkerboard, so a cut-out's edge is visible


def cache_name(source: Path, *key: object) -> str:
    """A cache file name that changes whenever the source file does (size, time) or the request does."""
    stat = source.stat()
    text = "|".join(str(part) for part in (source, stat.st_size, stat.st_mtime_ns, *key))
    return hashlib.sha256(text.encode()).hexdigest()[:32] + ".jpg"


def thumbnail(source: Path, cache: Path, long_side: int) -> Path:
    """`source` shrunk to `long_side` pixels as a JPEG, made once and kept in `cache`."""
    target = cache / cache_name(source, "thumb", long_side)
    if target.is_file():
        return target
    from PIL import Image, ImageOps

    with Image.open(source) as image:
        image.draft("RGB", (long_side, long_side))  # JPEGs decode at 1/2, 1/4, 1/8 size: fast
        picture = ImageOps.exif_transpose(image)
        picture.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
        flat = _on_checker(picture)
    cache.mkdir(parents=True, exist_ok=True)
    save_image(target, lambda handle: flat.save(handle, "JPEG", quality=85))
    return target


def zoom(source: Path, cache: Path, x: float | None = None, y: float | None = None) -> Path:
    """A ZOOM_PX square of the print file at 100 %, centred on (x, y) given as shares of its width and
    height, or on the artwork's edge nearest its middle when not given: where pixelation and a rough
    cut-out edge show, which a shrunk proof hides."""
    at = None if x is None or y is None else (round(min(max(x, 0.0), 1.0), 2), round(min(max(y, 0.0), 1.0), 2))
    target = cache / cache_name(source, "zoom", at or "auto", ZOOM_PX)
    if target.is_file():
        return target
    from PIL import Image

    with Image.open(source) as image:
        width, height = image.size
        cx, cy = at or focus(image)
        left = min(max(round(cx * width) - ZOOM_PX // 2, 0), max(width - ZOOM_PX, 0))
        top = min(max(round(cy * height) - ZOOM_PX // 2, 0), max(height - ZOOM_PX, 0))
        crop = image.crop((left, top, left + min(ZOOM_PX, width), top + min(ZOOM_PX, height)))
        flat = _on_checker(crop)
    cache.mkdir(parents=True, exist_ok=True)
    save_image(target, lambda handle: flat.save(handle, "JPEG", quality=92))
    return target


def focus(image) -> tuple[float, float]:
    """Where to look first, as shares of width and height: on a print with transparency, the edge of
    the artwork nearest the middle (a name mug's middle is empty; a cut-out's edge is what goes wrong);
    on an opaque print, the middle."""
    from PIL import ImageFilter

    if image.mode not in ("RGBA", "LA"):
        return 0.5, 0.5
    small = image.getchannel("A").copy()
    small.thumbnail((96, 96))
    edges = small.filter(ImageFilter.FIND_EDGES)
    w, h = edges.size
    found = [(i % w, i // w) for i, value in enumerate(edges.tobytes()) if value > 64]  # one byte a pixel (L)
    if not found:
        return 0.5, 0.5
    px, py = min(found, key=lambda p: (p[0] - w / 2) ** 2 + (p[1] - h / 2) ** 2)
    return (px + 0.5) / w, (py + 0.5) / h


def prune(cache: Path, days: float) -> int:
    """Remove the desk's cached pictures last written more than `days` ago; returns how many.
    Only files this module names (`<32 hex>.jpg`) are touched."""
    cutoff = time.time() - days * 86400
    removed = 0
    for path in cache.rglob("*.jpg") if cache.is_dir() else []:
        if len(path.stem) == 32 and all(c in "0123456789abcdef" for c in path.stem) and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def _on_checker(picture):
    """RGB for the browser; transparent parts on a grey checkerboard."""
    from PIL import Image, ImageDraw

    if picture.mode not in ("RGBA", "LA", "PA") and "transparency" not in picture.info:
        return picture.convert("RGB")
    rgba = picture.convert("RGBA")
    board = Image.new("RGB", rgba.size, (236, 236, 236))
    draw = ImageDraw.Draw(board)
    for top in range(0, rgba.height, CHECKER):
        for left in range((top // CHECKER) % 2 * CHECKER, rgba.width, 2 * CHECKER):
            draw.rectangle((left, top, left + CHECKER - 1, top + CHECKER - 1), fill=(205, 205, 205))
    board.paste(rgba, (0, 0), rgba)
    return board

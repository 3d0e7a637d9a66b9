"""Pictures for the desk: cached thumbnails of proofs and uploads, and 100 % crops of print files."""

from __future__ import annotations

import hashlib
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


def zoom(source: Path, cache: Path, x: float, y: float) -> Path:
    """A ZOOM_PX square of the print file at 100 %, centred on (x, y) given as shares of its width and
    height: where pixelation and a rough cut-out edge show, which a shrunk proof hides."""
    x, y = round(min(max(x, 0.0), 1.0), 2), round(min(max(y, 0.0), 1.0), 2)
    target = cache / cache_name(source, "zoom", x, y, ZOOM_PX)
    if target.is_file():
        return target
    from PIL import Image

    with Image.open(source) as image:
        width, height = image.size
        left = min(max(round(x * width) - ZOOM_PX // 2, 0), max(width - ZOOM_PX, 0))
        top = min(max(round(y * height) - ZOOM_PX // 2, 0), max(height - ZOOM_PX, 0))
        crop = image.crop((left, top, left + min(ZOOM_PX, width), top + min(ZOOM_PX, height)))
        flat = _on_checker(crop)
    cache.mkdir(parents=True, exist_ok=True)
    save_image(target, lambda handle: flat.save(handle, "JPEG", quality=92))
    return target


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

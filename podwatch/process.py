"""Processing: fit artwork into the print area and export the print-ready file."""

from __future__ import annotations

import struct
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageCms, ImageColor

from .fsutil import save_image
from .geometry import Placement, art_box, place
from .rule import Fit, Output, PrintArea, Rule, Transparency


def fit(image: Image.Image, area: PrintArea, fit_: Fit, background: str | None = None) -> Image.Image:
    """`image` scaled and aligned into a canvas of exactly the print area's pixel size.

    With `background` None the canvas is transparent (RGBA), otherwise flattened
    onto that colour (RGB), as posters and canvases print every pixel.
    """
    placement = place(image.size, area, fit_)
    if fit_.box is not None:
        # A `cover` fit overflows its box; what overflows must not land on the text beside it.
        image, placement = _crop_to_box(image, placement, art_box(area, fit_))
    if placement.size != image.size:
        # reducing_gap lets Pillow shrink in cheap integer steps first, then
        # finish with LANCZOS; enlargements get LANCZOS only.
        scaled = image.resize(placement.size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    else:
        scaled = image
    if background is None:
        canvas = Image.new("RGBA", area.size_px, (0, 0, 0, 0))
        canvas.paste(scaled.convert("RGBA") if scaled.mode != "RGBA" else scaled, placement.offset)
        return canvas
    canvas = Image.new("RGB", area.size_px, ImageColor.getrgb(background))
    if scaled.mode == "RGBA":
        canvas.paste(scaled, placement.offset, scaled)
    else:
        canvas.paste(scaled.convert("RGB"), placement.offset)
    return canvas


def _crop_to_box(image: Image.Image, placement: Placement, box: tuple[int, int, int, int]):
    left, top, width, height = box
    (x, y), (w, h) = placement.offset, placement.size
    visible = (max(x, left), max(y, top), min(x + w, left + width), min(y + h, top + height))
    if visible == (x, y, x + w, y + h):
        return image, placement
    # The visible part, back in the artwork's own pixels (the resize below brings it to size).
    sx, sy = image.width / w, image.height / h
    crop = (round((visible[0] - x) * sx), round((visible[1] - y) * sy),
            round((visible[2] - x) * sx), round((visible[3] - y) * sy))
    size = (visible[2] - visible[0], visible[3] - visible[1])
    return image.crop(crop), replace(placement, size=size, offset=visible[:2])


def print_image(image: Image.Image | None, rule: Rule) -> Image.Image:
    """The print file's pixels for `rule`: transparent where the product allows it,
    flattened where every pixel prints (posters, canvas) or the format has no alpha.
    Without artwork (a name-only order) it is the empty print area, ready for the text."""
    flatten = rule.checks.transparency is Transparency.FORBIDDEN or rule.output.format == "jpeg"
    background = rule.background.flatten_onto if flatten else None
    if image is None:
        if background is None:
            return Image.new("RGBA", rule.print_area.size_px, (0, 0, 0, 0))
        return Image.new("RGB", rule.print_area.size_px, ImageColor.getrgb(background))
    return fit(image, rule.print_area, rule.fit, background)


@lru_cache(maxsize=1)
def srgb_profile() -> bytes:
    """sRGB ICC bytes with a fixed creation date (LittleCMS stamps the current second), so the
    same pixels always give a byte-identical print file and sha256 in the manifest."""
    profile = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    profile[24:36] = struct.pack(">6H", 2024, 1, 1, 0, 0, 0)  # ICC header: dateTimeNumber
    return bytes(profile)


def export(image: Image.Image, dest: Path, output: Output, dpi: int) -> None:
    """Write the print file with its DPI and an sRGB profile, atomically."""
    common = {"dpi": (dpi, dpi), "icc_profile": srgb_profile()}
    if output.format == "jpeg":
        rgb = image.convert("RGB") if image.mode != "RGB" else image
        save_image(dest, lambda fh: rgb.save(fh, "JPEG", quality=output.jpeg_quality, subsampling=0, **common))
    else:
        save_image(dest, lambda fh: image.save(fh, "PNG", compress_level=output.png_compress_level, **common))

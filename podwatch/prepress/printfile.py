"""Processing: fit artwork into the print area and export the print-ready file."""

from __future__ import annotations

import struct
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageCms, ImageColor

from podwatch.config.rule import Fit, Output, PrintArea, Rule, Transparency
from podwatch.files import save_image
from podwatch.prepress import png
from podwatch.prepress.placement import Placement, art_box, place


def fit_artwork(image: Image.Image, area: PrintArea, fit_: Fit, background: str | None = None) -> Image.Image:
    """`image` scaled and aligned into a canvas of exactly the print area's pixel size.

    With `background` None the canvas is transparent (RGBA), otherwise flattened
    onto that colour (RGB), as posters and canvases print every pixel.
    """
    placement = place(image.size, area, fit_)
    if background is not None and image.mode == "RGBA":
        # Flattened before scaling: the same pixels (scaling commutes with compositing onto a
        # plain colour), fewer of them when enlarging, and no premultiplied copies in resize().
        flat = Image.new("RGB", image.size, ImageColor.getrgb(background))
        flat.paste(image, (0, 0), image)
        image = flat
    # A `cover` fit overflows its box (or the area); what overflows must not land on the text beside it.
    scaled, at = _visible_part(image, placement, art_box(area, fit_))
    if background is None:
        if scaled.size == area.size_px and scaled.mode == "RGBA":
            return scaled
        canvas = Image.new("RGBA", area.size_px, (0, 0, 0, 0))
        canvas.paste(scaled, at)  # an RGB picture is made RGBA here, once, at its final size
        return canvas
    if scaled.size == area.size_px:
        return scaled
    canvas = Image.new("RGB", area.size_px, ImageColor.getrgb(background))
    canvas.paste(scaled, at)
    return canvas


def _visible_part(
    image: Image.Image, placement: Placement, box: tuple[int, int, int, int],
) -> tuple[Image.Image, tuple[int, int]]:
    """The part of the placed artwork that lands inside `box` (left, top, width, height), scaled once,
    and where it goes.

    A cover fit cuts some of the picture off: only what shows is resampled, so a canvas
    never holds a scaled copy larger than itself.
    """
    (width, height), (x, y) = placement.size, placement.offset
    bx, by, bw, bh = box
    left, top = max(0, bx - x), max(0, by - y)
    right, bottom = min(width, bx + bw - x), min(height, by + bh - y)
    if (left, top, right, bottom) == (0, 0, *image.size):
        return image, (x, y)
    sx, sy = image.width / width, image.height / height
    size = (right - left, bottom - top)
    if image.mode == "RGBA":  # resize() premultiplies the whole picture itself
        return _resize(image, size, (left * sx, top * sy, right * sx, bottom * sy)), (x + left, y + top)
    # resize() works across, then down, through a buffer as wide as the result and as tall as
    # the source: for a canvas that buffer alone would be 170 MB. Bands of rows keep it small.
    scaled = Image.new(image.mode, size)
    for row in range(0, size[1], BAND_ROWS):
        rows = min(BAND_ROWS, size[1] - row)
        source = (left * sx, (top + row) * sy, right * sx, (top + row + rows) * sy)
        scaled.paste(_resize(image, (size[0], rows), source), (0, row))
    return scaled, (x + left, y + top)


BAND_ROWS = 512


def _resize(image: Image.Image, size: tuple[int, int], box: tuple[float, float, float, float]) -> Image.Image:
    # reducing_gap lets Pillow shrink in cheap integer steps first, then finish with LANCZOS.
    return image.resize(size, Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)


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
    return fit_artwork(image, rule.print_area, rule.fit, background)


@lru_cache(maxsize=1)
def srgb_profile() -> bytes:
    """sRGB ICC bytes with a fixed creation date (LittleCMS stamps the current second), so the
    same pixels always give a byte-identical print file and sha256 in the manifest."""
    profile = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    profile[24:36] = struct.pack(">6H", 2024, 1, 1, 0, 0, 0)  # ICC header: dateTimeNumber
    return bytes(profile)


def export(image: Image.Image, dest: Path, output: Output, dpi: int) -> None:
    """Write the print file with its DPI and an sRGB profile, atomically."""
    if output.format == "jpeg":
        rgb = image.convert("RGB") if image.mode != "RGB" else image
        save_image(dest, lambda fh: rgb.save(fh, "JPEG", quality=output.jpeg_quality, subsampling=0,
                                             dpi=(dpi, dpi), icc_profile=srgb_profile()))
    else:
        level = output.png_compress_level
        save_image(dest, lambda fh: png.write_png(image, fh, dpi=dpi, icc_profile=srgb_profile(), level=level))

"""Processing: fit artwork into the print area and export the print-ready file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageCms, ImageColor

from .fsutil import save_image
from .geometry import place
from .rule import Fit, Output, PrintArea, Rule, Transparency


def fit(image: Image.Image, area: PrintArea, fit_: Fit, background: str | None = None) -> Image.Image:
    """`image` scaled and aligned into a canvas of exactly the print area's pixel size.

    With `background` None the canvas is transparent (RGBA), otherwise flattened
    onto that colour (RGB), as posters and canvases print every pixel.
    """
    placement = place(image.size, area, fit_)
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


def print_image(image: Image.Image, rule: Rule) -> Image.Image:
    """The print file's pixels for `rule`: transparent where the product allows it,
    flattened where every pixel prints (posters, canvas) or the format has no alpha."""
    flatten = rule.checks.transparency is Transparency.FORBIDDEN or rule.output.format == "jpeg"
    return fit(image, rule.print_area, rule.fit, rule.background.flatten_onto if flatten else None)


@lru_cache(maxsize=1)
def srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def export(image: Image.Image, dest: Path, output: Output, dpi: int) -> None:
    """Write the print file with its DPI and an sRGB profile, atomically."""
    common = {"dpi": (dpi, dpi), "icc_profile": srgb_profile()}
    if output.format == "jpeg":
        rgb = image.convert("RGB") if image.mode != "RGB" else image
        save_image(dest, lambda fh: rgb.save(fh, "JPEG", quality=output.jpeg_quality, subsampling=0, **common))
    else:
        save_image(dest, lambda fh: image.save(fh, "PNG", compress_level=output.png_compress_level, **common))

"""Processing: fit artwork into the print area and export the print-ready file."""

from __future__ import annotations

import struct
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageCms, ImageColor

from podwatch.config.rule import Fit, Output, PrintArea, Rule, Transparency
from podwatch.files import save_image
from podwatch.prepress import png
from podwatch.prepress.bands import BandedPrint, flat_mode, scaled_part
from podwatch.prepress.placement import print_mode, visible_region
from podwatch.prepress.streamed import Picture


def fit_artwork(image: Image.Image, area: PrintArea, fit_: Fit, background: str | None = None, *,
                keep_alpha: bool = False) -> Image.Image:
    """`image` scaled and aligned into a canvas of exactly the print area's pixel size.

    With `background` None the canvas is transparent (RGBA) where the artwork does not cover it;
    artwork without transparency that covers the whole area stays RGB (half the bytes to scale and
    a quarter fewer to deflate) unless `keep_alpha`. With a `background` it is flattened onto that
    colour (RGB), as posters and canvases print every pixel.
    """
    region = visible_region(image.size, area, fit_)
    scaled = scaled_part(image, region, background)
    mode = print_mode(flat_mode(image.mode, background), region, area, background, keep_alpha)
    if scaled.size == area.size_px and scaled.mode == mode:
        return scaled
    fill = ImageColor.getrgb(background) if background is not None else (0, 0, 0, 0)
    canvas = Image.new(mode, area.size_px, fill)
    canvas.paste(scaled, region.at)  # an RGB picture is made RGBA here, once, at its final size
    return canvas


def print_image(image: Image.Image | None, rule: Rule) -> Image.Image:
    """The print file's pixels for `rule`: transparent where the product allows it,
    flattened where every pixel prints (posters, canvas) or the format has no alpha.
    Without artwork (a name-only order) it is the empty print area, ready for the text."""
    background = print_background(rule)
    if image is None:
        if background is None:
            return Image.new("RGBA", rule.print_area.size_px, (0, 0, 0, 0))
        return Image.new("RGB", rule.print_area.size_px, ImageColor.getrgb(background))
    return fit_artwork(image, rule.print_area, rule.fit, background, keep_alpha=needs_alpha(rule))


def made_in_bands(rule: Rule) -> bool:
    """Whether `rule`'s print is made band by band while the PNG is written (`banded_print`): nothing
    is drawn onto it afterwards (no [[text]] fields) and it is a PNG."""
    return not rule.text and rule.output.format == "png"


def banded_print(image: Picture, rule: Rule, proof_side: int) -> BandedPrint:
    """The same pixels as `print_image`, made band by band while the PNG is written (prepress/bands.py)."""
    return BandedPrint(image, rule.print_area, rule.fit, print_background(rule), keep_alpha=needs_alpha(rule),
                       proof_side=proof_side)


def print_background(rule: Rule) -> str | None:
    """The colour the print is flattened onto, or None where the product prints transparency."""
    flatten = rule.checks.transparency is Transparency.FORBIDDEN or rule.output.format == "jpeg"
    return rule.background.flatten_onto if flatten else None


def needs_alpha(rule: Rule) -> bool:
    """A sticker's kiss-cut follows the alpha channel: its print keeps one even when every pixel is opaque."""
    return rule.checks.transparency is Transparency.REQUIRED


@lru_cache(maxsize=1)
def srgb_profile() -> bytes:
    """sRGB ICC bytes with a fixed creation date (LittleCMS stamps the current second), so the
    same pixels always give a byte-identical print file and sha256 in the manifest."""
    profile = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    profile[24:36] = struct.pack(">6H", 2024, 1, 1, 0, 0, 0)  # ICC header: dateTimeNumber
    return bytes(profile)


def export(image: Image.Image | BandedPrint, dest: Path, output: Output, dpi: int, threads: int = 1) -> None:
    """Write the print file with its DPI and an sRGB profile, atomically (a PNG deflated on up to `threads` cores)."""
    if output.format == "jpeg":
        assert isinstance(image, Image.Image), "a banded print is only made for PNG files"
        rgb = image.convert("RGB") if image.mode != "RGB" else image
        save_image(dest, lambda fh: rgb.save(fh, "JPEG", quality=output.jpeg_quality, subsampling=0,
                                             dpi=(dpi, dpi), icc_profile=srgb_profile()))
    else:
        level = output.png_compress_level
        save_image(dest, lambda fh: png.write_png(image, fh, dpi=dpi, icc_profile=srgb_profile(), level=level,
                                                  threads=threads))

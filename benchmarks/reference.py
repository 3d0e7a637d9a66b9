"""The same essential work as podwatch's print file (decode, turn upright, fit into the print area,
PNG export), done by libvips and by plain Pillow at default settings, for the benchmark's ratios."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageOps

from podwatch.config.rule import Rule, Transparency
from podwatch.prepress.placement import place


def flattened(rule: Rule) -> bool:
    return rule.checks.transparency is Transparency.FORBIDDEN or rule.output.format == "jpeg"


def vips(path: Path, rule: Rule, dest: Path, **pngsave) -> None:
    """libvips as its documentation suggests: thumbnail (shrink-on-load, auto-rotate), embed, pngsave."""
    import pyvips

    width, height = rule.print_area.size_px
    crop = "centre" if rule.fit.mode == "cover" else "none"
    if path.suffix.lower() in (".heic", ".heif"):
        # Prebuilt libvips has no HEVC decoder: the pixels come from libheif (pillow-heif), as in podwatch.
        image = _from_pillow(path).thumbnail_image(width, height=height, crop=crop, size="both")
    else:
        image = pyvips.Image.thumbnail(str(path), width, height=height, crop=crop, size="both")
    if flattened(rule):
        if image.hasalpha():
            image = image.flatten(background=[255, 255, 255])
        background = [255, 255, 255]
    else:
        if not image.hasalpha():
            image = image.bandjoin(255)
        background = [0, 0, 0, 0]
    if (image.width, image.height) != (width, height):
        image = image.gravity("centre", width, height, extend="background", background=background)
    per_mm = rule.print_area.dpi / 25.4
    image.copy(xres=per_mm, yres=per_mm).pngsave(str(dest), **pngsave)


def vips_small_files(path: Path, rule: Rule, dest: Path) -> None:
    """libvips writing PNGs the way podwatch does: its defaults skip PNG row filters (no filter,
    zlib level 6), which is fast but makes files 1.4-1.7x larger than Pillow's defaults."""
    vips(path, rule, dest, compression=4, filter=0x20)  # the "up" row filter, zlib level 4


def _from_pillow(path: Path):
    import pillow_heif
    import pyvips

    pillow_heif.register_heif_opener()
    with Image.open(path) as im:
        im = ImageOps.exif_transpose(im)
        return pyvips.Image.new_from_memory(im.tobytes(), im.width, im.height, len(im.getbands()), "uchar")


def pillow(path: Path, rule: Rule, dest: Path) -> None:
    """Plain Pillow, defaults everywhere: open, exif_transpose, resize LANCZOS, paste, save PNG."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    area = rule.print_area
    with Image.open(path) as opened:
        image = ImageOps.exif_transpose(opened)
    placement = place(image.size, area, rule.fit)
    scaled = image.resize(placement.size, Image.Resampling.LANCZOS)
    if flattened(rule):
        canvas = Image.new("RGB", area.size_px, "white")
        canvas.paste(scaled, placement.offset, scaled if scaled.mode == "RGBA" else None)
    else:
        canvas = Image.new("RGBA", area.size_px, (0, 0, 0, 0))
        canvas.paste(scaled.convert("RGBA"), placement.offset)
    canvas.save(dest, "PNG", dpi=(area.dpi, area.dpi))

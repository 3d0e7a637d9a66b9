"""Pure print-area arithmetic: where artwork lands and how sharp it prints."""

from __future__ import annotations

from dataclasses import dataclass

from podwatch.config.rule import Fit, PrintArea


@dataclass(frozen=True)
class Placement:
    """Where artwork of a given size lands in the print area."""

    scale: float  # print pixels per artwork pixel
    size: tuple[int, int]  # scaled artwork size in print pixels
    offset: tuple[int, int]  # top-left of the scaled artwork in the print area (may be outside its box: cropped)
    crop_share: float  # share of the artwork cut off (cover)
    empty_share: float  # share of the artwork's box left empty (contain)


def art_box(area: PrintArea, fit: Fit) -> tuple[int, int, int, int]:
    """Where artwork may go, in print pixels (left, top, width, height): `[fit] box`, or the whole area."""
    if fit.box is None:
        return (0, 0, *area.size_px)
    box, dpi = fit.box, area.dpi
    left, top = round(box.x * dpi), round(box.y * dpi)
    return left, top, round((box.x + box.width) * dpi) - left, round((box.y + box.height) * dpi) - top


def fill_scale(art_size: tuple[int, int], area: PrintArea, fit: Fit) -> float:
    """The scale that fits the artwork to its box as the rule asks, before any cap."""
    _, _, box_w, box_h = art_box(area, fit)
    fill_w, fill_h = box_w / art_size[0], box_h / art_size[1]
    return max(fill_w, fill_h) if fit.mode == "cover" else min(fill_w, fill_h)


def place(art_size: tuple[int, int], area: PrintArea, fit: Fit) -> Placement:
    """Where the artwork lands; it is never enlarged beyond the rule's `max_upscale`."""
    width, height = art_size
    left, top, area_w, area_h = art_box(area, fit)
    scale = min(fill_scale(art_size, area, fit), fit.max_upscale)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    offset = (left + _align(area_w, size[0], fit.align, "left", "right"),
              top + _align(area_h, size[1], fit.align, "top", "bottom"))
    visible_w, visible_h = min(size[0], area_w), min(size[1], area_h)
    crop_share = 1 - (visible_w * visible_h) / (size[0] * size[1])
    empty_share = 1 - (visible_w * visible_h) / (area_w * area_h)
    return Placement(scale, size, offset, crop_share, empty_share)


def _align(space: int, length: int, align: str, start: str, end: str) -> int:
    if align == start:
        return 0
    if align == end:
        return space - length
    return (space - length) // 2


def effective_dpi(art_size: tuple[int, int], area: PrintArea, fit: Fit) -> float:
    """Artwork pixels per printed inch when fitted to the print area: the number print
    shops judge sharpness by. Measured at the size the rule asks for, so a tiny upload
    is judged by the print it should become, not by a capped, smaller one."""
    return area.dpi / fill_scale(art_size, area, fit)


@dataclass(frozen=True)
class Region:
    """The part of the placed artwork that lands inside its box: where it goes, its scaled size,
    and the part of the source it is scaled from."""

    at: tuple[int, int]  # where its top-left lands in the print area
    size: tuple[int, int]  # its size in print pixels
    crop: tuple[int, int]  # how much of the scaled artwork is cut off at its left and top
    scale: tuple[float, float]  # source pixels per print pixel, across and down
    whole: bool  # the whole source at its own size: nothing to scale

    def source_box(self, first: int, last: int) -> tuple[float, float, float, float]:
        """The part of the source that becomes rows `first` to `last` of the region."""
        (left, top), (sx, sy) = self.crop, self.scale
        return left * sx, (top + first) * sy, (left + self.size[0]) * sx, (top + last) * sy


def visible_region(image_size: tuple[int, int], area: PrintArea, fit_: Fit) -> Region:
    """A `cover` fit cuts some of the picture off, and what overflows its box must not land on the
    text beside it: only what shows is resampled, so a canvas never holds a scaled copy larger than itself."""
    placement = place(image_size, area, fit_)
    (width, height), (x, y) = placement.size, placement.offset
    bx, by, bw, bh = art_box(area, fit_)
    left, top = max(0, bx - x), max(0, by - y)
    right, bottom = min(width, bx + bw - x), min(height, by + bh - y)
    sx, sy = image_size[0] / width, image_size[1] / height
    whole = (left, top, right, bottom) == (0, 0, *image_size)
    return Region((x + left, y + top), (right - left, bottom - top), (left, top), (sx, sy), whole)


def print_mode(source_mode: str, region: Region, area: PrintArea, background: str | None, keep_alpha: bool) -> str:
    """RGB unless some pixel of the print can be see-through: the art's own transparency, or print
    area it leaves empty on a product that prints transparency (or needs it, like a sticker's cut)."""
    if background is not None:
        return "RGB"
    covers = region.at == (0, 0) and region.size == area.size_px
    return "RGB" if source_mode == "RGB" and covers and not keep_alpha else "RGBA"

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

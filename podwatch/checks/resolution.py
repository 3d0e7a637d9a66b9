"""Resolution: will the artwork print sharp at the product's size?"""

from __future__ import annotations

from collections.abc import Iterator

from podwatch.checks.registry import Subject, check
from podwatch.findings import Finding, Level, graded
from podwatch.prepress.placement import effective_dpi, fill_scale, place

# A pixel that subtends one arcminute is at the limit of normal sight (20/20 vision): from
# 3438 / DPI inches away an image at that DPI looks continuous, closer up its pixels soften edges.
ARCMINUTE_DISTANCE = 3438


@check("dpi")
def dpi(subject: Subject) -> Iterator[Finding]:
    image, rule = subject.picture, subject.rule
    limits, area = rule.checks, rule.print_area
    dots = effective_dpi(image.source_size, area, rule.fit)
    width, height = image.source_size
    printed = (width / dots, height / dots)  # inches, before any cover crop
    floor = limits.reject_floor
    detail = {"effective_dpi": round(dots, 1), "min_dpi": limits.min_dpi, "warn_dpi": limits.warn_dpi,
              "reject_dpi": floor, "orientation": area.shape}
    needed = (round(printed[0] * limits.min_dpi), round(printed[1] * limits.min_dpi))
    # A cover fit overflows the area: what the seller recognises is the area it fills, not the overflow.
    where = (f"filling the {area.width_in:g} x {area.height_in:g} in print area of the {rule.product.name}"
             if rule.fit.mode == "cover" and rule.fit.box is None
             else f"printed {printed[0]:.1f} x {printed[1]:.1f} in on the {rule.product.name}")
    said = f"{image.path.name} ({width} x {height} px), {where}, comes out at {dots:.0f} DPI"
    send = (f"ask the buyer for a larger original (at least {needed[0]} x {needed[1]} px; the file itself, "
            "not a screenshot or a messenger copy)")
    if dots < floor:
        yield Finding(
            "dpi_too_low", Level.FAIL,
            f"{said}, far below the lowest podwatch will print for this product ({floor} DPI, "
            f"[checks] reject_dpi in {rule.file_label}): each of its pixels would print as a "
            f"{25.4 / dots:.1f} mm square, so the picture would not be recognisable. To make it, {send}.",
            detail,
        )
    elif dots < limits.min_dpi:
        yield Finding(
            "dpi_low", Level.WARN,
            f"{said}, below the minimum of {limits.min_dpi}: it will look soft (blurred edges, fine detail "
            f"lost) closer than about {_distance(dots)}.{_capped(image.source_size, rule)} Held for you: approve "
            f"the proof if that is good enough, or {send}.",
            detail, hold=True,
        )
    elif dots < limits.warn_dpi:
        yield Finding(
            "dpi_marginal", Level.WARN,
            f"{said}, below the recommended {limits.warn_dpi}: fine detail may look soft. "
            "Check the proof closely or ask for a larger original.",
            detail,
        )


def _capped(size: tuple[int, int], rule) -> str:
    """What the seller must know when the fit stops enlarging at `max_upscale`: the print is smaller."""
    area, fit_ = rule.print_area, rule.fit
    placement = place(size, area, fit_)
    if placement.scale >= fill_scale(size, area, fit_) - 1e-9:
        return ""
    width, height = (side / area.dpi for side in placement.size)
    return (f" podwatch enlarges at most {fit_.max_upscale:g}x ([fit] max_upscale), so it prints "
            f"{width:.1f} x {height:.1f} in, smaller than the print area, as the proof shows.")


def _distance(dots: float) -> str:
    """How far away a print at `dots` DPI starts to look sharp, in words: `70 cm (28 in)`."""
    inches = ARCMINUTE_DISTANCE / dots
    if inches < 40:
        return f"{inches * 2.54:.0f} cm ({inches:.0f} in)"
    return f"{inches * 0.0254:.1f} m ({inches / 12:.0f} ft)"


@check("fit")
def crop_or_empty(subject: Subject) -> Iterator[Finding]:
    image, rule = subject.picture, subject.rule
    placement = place(image.source_size, rule.print_area, rule.fit)
    limits = rule.checks
    if rule.fit.mode == "cover" and placement.crop_share > limits.max_crop:
        yield graded(
            limits.crop_level, "crop",
            f"{image.path.name} has a different shape from the print area; filling it cuts off "
            f"{placement.crop_share:.0%} of the picture ({_edges(placement, rule)}). "
            "Check that nothing important (a face, a name) is cut on the proof.",
            {"crop_share": round(placement.crop_share, 3)},
        )
    elif rule.fit.mode == "contain" and placement.empty_share > limits.max_empty:
        yield Finding(
            "empty_area", Level.INFO,
            f"{image.path.name} has a different shape from the print area, so {placement.empty_share:.0%} "
            "of the print area stays empty. That is often fine (a round logo on a shirt); "
            "use fit = \"cover\" in the rule to fill it instead.",
            {"empty_share": round(placement.empty_share, 3)},
        )


def _edges(placement, rule) -> str:
    area_w, _area_h = rule.print_area.size_px
    return "left and right edges" if placement.size[0] > area_w else "top and bottom edges"

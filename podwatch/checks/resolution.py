"""Resolution: will the artwork print sharp at the product's size?"""

from __future__ import annotations

from collections.abc import Iterator

from podwatch.checks.registry import Subject, register
from podwatch.config.rule import Rule
from podwatch.findings import Finding, Level, graded
from podwatch.prepress.loading import LoadedImage
from podwatch.prepress.placement import art_box, effective_dpi, place

# A pixel that subtends one arcminute is at the limit of normal sight (20/20 vision): from
# 3438 / DPI inches away an image at that DPI looks continuous, closer up its pixels soften edges.
ARCMINUTE_DISTANCE = 3438


def dpi(subject: Subject) -> Iterator[Finding]:
    image, rule = subject.picture, subject.rule
    limits, area = rule.checks, rule.print_area
    dots = effective_dpi(image.source_size, area, rule.fit)
    floor = limits.reject_floor
    detail = {"effective_dpi": round(dots, 1), "min_dpi": limits.min_dpi, "warn_dpi": limits.warn_dpi,
              "reject_dpi": floor, "orientation": area.shape}
    said = f"{_the_file(image)} {_prints_at(image.source_size, rule, dots)}"
    send = (f"ask the buyer for a larger original (at least {_needed(image, dots, limits.min_dpi)}; the file "
            "itself, not a screenshot or a messenger copy)")
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
            f"lost) closer than about {_distance(dots)}. Held for you: approve the proof if that is good "
            f"enough, or {send}.",
            detail, hold=True,
        )
    elif dots < limits.warn_dpi:
        yield Finding(
            "dpi_marginal", Level.WARN,
            f"{said}, below the recommended {limits.warn_dpi}: fine detail may look soft. "
            "Check the proof closely or ask for a larger original.",
            detail,
        )


def _the_file(image: LoadedImage) -> str:
    """The buyer's file and its size; for a cut-out, also the size of the artwork cut out of it."""
    width, height = image.upload_size or image.source_size
    cut = "" if image.upload_size is None else "; the artwork cut out of it is {} x {} px".format(*image.source_size)
    return f"{image.path.name} ({width} x {height} px{cut})"


def _prints_at(size: tuple[int, int], rule: Rule, dots: float) -> str:
    """The size the artwork really prints at: never enlarged past `max_upscale`, so a small file
    prints smaller than its box, at a little more than the DPI it would fill the box at."""
    area, fit = rule.print_area, rule.fit
    placement = place(size, area, fit)
    _, _, box_w, box_h = art_box(area, fit)
    inches = (min(placement.size[0], box_w) / area.dpi, min(placement.size[1], box_h) / area.dpi)
    real = area.dpi / placement.scale
    on = f"on the {rule.product.name}"
    if real <= dots * 1.01:  # filled as the rule asks
        return f"prints {inches[0]:.1f} x {inches[1]:.1f} in {on} at {dots:.0f} DPI"
    full = (size[0] / dots, size[1] / dots)  # inches at the scale that fills the box
    return (f"prints only {inches[0]:.1f} x {inches[1]:.1f} in {on}, at {real:.0f} DPI, because podwatch enlarges "
            f"artwork at most {fit.max_upscale:g} times ([fit] max_upscale); filling its "
            f"{full[0]:.1f} x {full[1]:.1f} in would give {dots:.0f} DPI")


def _needed(image: LoadedImage, dots: float, min_dpi: int) -> str:
    """The buyer's file size that reaches `min_dpi`: for a cut-out, the whole original, scaled as
    much as its artwork must grow."""
    width, height = image.upload_size or image.source_size
    grow = min_dpi / dots
    return f"{round(width * grow)} x {round(height * grow)} px"


def _distance(dots: float) -> str:
    """How far away a print at `dots` DPI starts to look sharp, in words: `70 cm (28 in)`."""
    inches = ARCMINUTE_DISTANCE / dots
    if inches < 40:
        return f"{inches * 2.54:.0f} cm ({inches:.0f} in)"
    return f"{inches * 0.0254:.1f} m ({inches / 12:.0f} ft)"


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


# In the order they report (registry.register says why not a decorator).
register("dpi", dpi)
register("fit", crop_or_empty)

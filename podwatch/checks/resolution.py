"""Resolution: will the artwork print sharp at the product's size?"""

from __future__ import annotations

from collections.abc import Iterator

from podwatch.checks.registry import Subject, check
from podwatch.findings import Finding, Level
from podwatch.prepress.placement import effective_dpi, place


@check("dpi")
def dpi(subject: Subject) -> Iterator[Finding]:
    image, rule = subject.picture, subject.rule
    limits, area = rule.checks, rule.print_area
    dots = effective_dpi(image.source_size, area, rule.fit)
    width, height = image.source_size
    printed = (width / dots, height / dots)  # inches, before any cover crop
    detail = {"effective_dpi": round(dots, 1), "min_dpi": limits.min_dpi, "warn_dpi": limits.warn_dpi}
    needed = (round(printed[0] * limits.min_dpi), round(printed[1] * limits.min_dpi))
    said = (
        f"{image.path.name} ({width} x {height} px) printed {printed[0]:.1f} x {printed[1]:.1f} in "
        f"on the {rule.product.name} comes out at {dots:.0f} DPI"
    )
    if dots < limits.min_dpi:
        yield Finding(
            "dpi_low", Level.FAIL,
            f"{said}, below the minimum of {limits.min_dpi}: it will print blurry or blocky. "
            f"Ask the buyer for a larger original (at least {needed[0]} x {needed[1]} px).",
            detail,
        )
    elif dots < limits.warn_dpi:
        yield Finding(
            "dpi_marginal", Level.WARN,
            f"{said}, below the recommended {limits.warn_dpi}: fine detail may look soft. "
            "Check the proof closely or ask for a larger original.",
            detail,
        )


@check("fit")
def crop_or_empty(subject: Subject) -> Iterator[Finding]:
    image, rule = subject.picture, subject.rule
    placement = place(image.source_size, rule.print_area, rule.fit)
    limits = rule.checks
    if rule.fit.mode == "cover" and placement.crop_share > limits.max_crop:
        yield Finding(
            "crop", Level(limits.crop_level),
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

"""Quality: uploads that pass the DPI check and still print badly (blurry, blown up, tiny, faint, thin, see-through)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from podwatch.checks.registry import Subject, register
from podwatch.config.rule import Transparency
from podwatch.findings import Finding, graded
from podwatch.prepress.placement import art_box, effective_dpi, place

if TYPE_CHECKING:
    from podwatch.checks.measure import Content, Views

# Rounded corners and the tips of letters always lose a little ink to the line measurement;
# measured: bold logos and lettering lose under 1%, lines just over the limit about 2%, art
# drawn with hairlines 6% and up (benchmarks/check_table.py).
THIN_SHARE = 0.03


# Measurements, each made once per upload and shared through subject.scratch. numpy and
# scipy load here, on the first check that needs them, never when podwatch starts.

def _memo(subject: Subject, key: str, make):
    if key not in subject.scratch:
        subject.scratch[key] = make()
    return subject.scratch[key]


def views(subject: Subject) -> Views:
    from podwatch.checks.measure import views as reduce

    return _memo(subject, "views", lambda: reduce(subject.picture.image))


def sharpness(subject: Subject) -> float | None:
    from podwatch.checks.measure import sharpness as measure

    return _memo(subject, "sharpness", lambda: measure(views(subject)))


def detail_factor(subject: Subject) -> float | None:
    from podwatch.checks.measure import detail_factor as measure

    return _memo(subject, "detail", lambda: measure(subject.picture.image, views(subject)))


def content(subject: Subject) -> Content | None:
    from podwatch.checks.measure import content as measure

    return _memo(subject, "content", lambda: measure(views(subject)))


def subject_box(subject: Subject) -> tuple[float, float, float] | None:
    """(share of the art's box, width in, height in) the artwork covers once fitted. The box is
    `[fit] box` when the rule has one (a 3 in left-chest logo fills its box on purpose), else the
    whole print area."""
    box = content(subject)
    if box is None:
        return None
    rule = subject.rule
    placement = place(subject.picture.image.size, rule.print_area, rule.fit)
    (x, y), (w, h) = placement.offset, placement.size
    left, top, box_w, box_h = art_box(rule.print_area, rule.fit)
    width = max(0.0, min(x + box.right * w, left + box_w) - max(x + box.left * w, left))
    height = max(0.0, min(y + box.bottom * h, top + box_h) - max(y + box.top * h, top))
    dpi = rule.print_area.dpi
    return width * height / (box_w * box_h), width / dpi, height / dpi


def thin_share(subject: Subject) -> float | None:
    """Share of the ink in lines under the rule's minimum width; None for photos."""
    from podwatch.checks.measure import is_flat_art
    from podwatch.checks.measure import thin_share as measure

    rule, image = subject.rule, subject.picture.image
    box = content(subject)
    if box is None or not is_flat_art(views(subject)):
        return None  # photos have no lines to lose; nor has art where nothing prints (no box)
    scale = place(image.size, rule.print_area, rule.fit).scale  # print pixels per artwork pixel
    line_px = rule.checks.min_line_pt / 72 * rule.print_area.dpi / scale
    return measure(image, views(subject), box.background, line_px)


def semi_share(subject: Subject) -> float | None:
    """Share of the visible pixels that are see-through beyond soft edges; None when all is opaque."""
    import numpy as np

    from podwatch.checks.measure import semi_transparent as measure

    image = subject.picture.in_memory  # only where transparency prints: never an upload read in pieces
    return measure(np.asarray(image.getchannel("A"))) if image.mode == "RGBA" else None


def _level(subject: Subject) -> str:
    return subject.rule.checks.quality_level


def blur(subject: Subject) -> Iterator[Finding]:
    score, limit = sharpness(subject), subject.rule.checks.blur_threshold
    if score is not None and score < limit:
        yield graded(
            _level(subject), "blurry",
            f"{subject.picture.path.name} looks blurry: even its sharpest parts are soft (sharpness {score:.2f}, "
            f"below {limit:g}; a crisp picture scores about 2). It will print soft at any size. Ask the buyer "
            "for the original photo, taken in focus (not a screenshot or a copy sent through a messenger).",
            {"sharpness": round(score, 3), "blur_threshold": limit},
        )


def upscaled(subject: Subject) -> Iterator[Finding]:
    rule, art = subject.rule, subject.picture
    score = sharpness(subject)
    if score is not None and score < rule.checks.blur_threshold:
        return  # already reported as blurry; one warning says it
    factor = detail_factor(subject)
    if factor is None or factor < rule.checks.upscale_factor:
        return
    nominal = effective_dpi(art.source_size, rule.print_area, rule.fit)
    real = nominal / factor
    if real >= rule.checks.warn_dpi:
        return  # enlarged, but still more real detail than the print needs
    width, height = art.source_size
    yield graded(
        _level(subject), "upscaled",
        f"{art.path.name} looks enlarged from a smaller picture (about {factor:.1f}x): its {width} x {height} "
        f"pixels hold only as much detail as about {width / factor:.0f} x {height / factor:.0f}, so it prints "
        f"like {real:.0f} DPI, not {nominal:.0f}. Ask the buyer for the original file, not an enlarged copy.",
        {"factor": round(factor, 2), "detail_dpi": round(real), "effective_dpi": round(nominal),
         "upscale_factor": rule.checks.upscale_factor},
    )


def tiny_subject(subject: Subject) -> Iterator[Finding]:
    measured = subject_box(subject)
    limit = subject.rule.checks.min_subject_share
    if measured is None or measured[0] >= limit:
        return
    share, width_in, height_in = measured
    box = content(subject)
    assert box is not None, "subject_box measured it"
    rule = subject.rule
    area, fit = rule.print_area, rule.fit
    where = (f"the {fit.box.width:g} x {fit.box.height:g} in box the rule places artwork in ([fit] box)" if fit.box
             else f"the {area.width_in:g} x {area.height_in:g} in print area")
    empty = "transparent" if box.background is None else "plain background"
    if share == 0:
        said = (f"The artwork in {subject.picture.path.name} lies where filling {where} cuts the file off: "
                "none of it prints. Crop the file to the artwork, or centre the artwork in it.")
    else:
        said = (f"The artwork in {subject.picture.path.name} covers only {share:.1%} of {where} (below {limit:.0%}): "
                f"it prints about {width_in:.1f} x {height_in:.1f} in, because the rest of the file is {empty}. "
                "If a small print is not what the buyer wants, crop the file to the artwork so it fills its space.")
    yield graded(_level(subject), "tiny_subject", said, {"subject_share": round(share, 4), "min_subject_share": limit})


def off_center(subject: Subject) -> Iterator[Finding]:
    box = content(subject)
    if box is None:
        return
    rule, art = subject.rule, subject.picture
    dx, dy = (box.left + box.right) / 2 - 0.5, (box.top + box.bottom) / 2 - 0.5
    limit = rule.checks.max_offcenter
    if max(abs(dx), abs(dy)) <= limit:
        return
    placement = place(art.image.size, rule.print_area, rule.fit)
    inches = (dx * placement.size[0] / rule.print_area.dpi, dy * placement.size[1] / rule.print_area.dpi)
    moved = [f"{abs(inches[0]):.1f} in to the {'right' if dx > 0 else 'left'}" if abs(dx) > limit else "",
             f"{abs(inches[1]):.1f} in too {'low' if dy > 0 else 'high'}" if abs(dy) > limit else ""]
    yield graded(
        _level(subject), "off_center",
        f"The artwork in {art.path.name} sits off-centre in its file: {' and '.join(m for m in moved if m)} "
        f"({max(abs(dx), abs(dy)):.0%} of the file's size; more than {limit:.0%} is reported), so it prints "
        "off-centre. If that is not intended, crop the empty space away or centre the artwork.",
        {"offset": [round(dx, 3), round(dy, 3)], "offset_in": [round(i, 2) for i in inches], "max_offcenter": limit},
    )


def contrast(subject: Subject) -> Iterator[Finding]:
    from podwatch.checks.measure import contrast as measure

    spread, limit = measure(views(subject)), subject.rule.checks.min_contrast
    if spread is not None and spread < limit:
        yield graded(
            _level(subject), "low_contrast",
            f"{subject.picture.path.name} has very low contrast: its darkest and lightest parts are only "
            f"{spread:.0%} of the full range apart (below {limit:.0%}). It will print flat and faded, and may "
            "nearly vanish on a garment of similar colour. Ask for a better original, or adjust its levels.",
            {"contrast": round(spread, 3), "min_contrast": limit},
        )


def thin_lines(subject: Subject) -> Iterator[Finding]:
    points = subject.rule.checks.min_line_pt
    share = thin_share(subject) if points > 0 else None
    if share is None or share <= THIN_SHARE:
        return
    yield graded(
        _level(subject), "thin_lines",
        f"{share:.0%} of the ink in {subject.picture.path.name} is in lines thinner than {points:g} pt "
        f"({points * 25.4 / 72:.2f} mm) at print size: the printer may break them up or drop them. "
        "Ask for a version with bolder lines, or print it larger.",
        {"thin_share": round(share, 3), "min_line_pt": points},
    )


def semi_transparent(subject: Subject) -> Iterator[Finding]:
    rule = subject.rule
    if rule.checks.transparency is Transparency.FORBIDDEN:
        return  # flattened onto paper, see-through pixels simply blend with it
    share, limit = semi_share(subject), rule.checks.max_semi_transparent_share
    if share is not None and share > limit:
        yield graded(
            _level(subject), "semi_transparent",
            f"{share:.0%} of the visible pixels in {subject.picture.path.name} are semi-transparent (more than "
            f"soft edges: shadows, glows, faded parts; above {limit:.0%}). DTG printers turn them into a speckled "
            "or pale patch, especially on dark garments. Check the proof; ask for solid colours if it matters.",
            {"semi_transparent_share": round(share, 3), "max_semi_transparent_share": limit},
        )


# In the order they report (registry.register says why not a decorator).
register("blur", blur)
register("upscaled", upscaled)
register("tiny_subject", tiny_subject)
register("off_center", off_center)
register("contrast", contrast)
register("thin_lines", thin_lines)
register("semi_transparent", semi_transparent)

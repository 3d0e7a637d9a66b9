"""Background: was the cut plausible, and would a kept background print as a box on the garment?"""

from __future__ import annotations

from collections.abc import Iterator

from podwatch.background.dark import clear_border
from podwatch.checks.registry import Subject, register
from podwatch.colors import LIGHT_BACKGROUND, garment_rgb, is_dark, is_known_color, luminance
from podwatch.config.rule import Transparency
from podwatch.findings import Finding, Level

# A cut that keeps less than this share of the picture probably removed the subject too ...
ALMOST_NOTHING = 0.01
# ... and one that keeps more probably found no background at all.
ALMOST_EVERYTHING = 0.97


def cutout(subject: Subject) -> Iterator[Finding]:
    removal = subject.removal
    if removal is None or removal.kept_share is None:
        return
    name, kept = subject.picture.path.name, removal.kept_share
    detail = {"kept_share": round(kept, 4), "engine": removal.engine}
    if kept < ALMOST_NOTHING:
        yield Finding(
            "cutout_empty", Level.WARN,
            f"Background removal left only {kept:.1%} of {name}: the subject may have been cut away with the "
            "background. Check the proof; if the cut is wrong, ask the buyer for a file with a transparent "
            'background, or set [background] mode = "keep" for this product.',
            detail,
        )
    elif kept > ALMOST_EVERYTHING:
        yield Finding(
            "cutout_full", Level.WARN,
            f"Background removal kept {kept:.0%} of {name}: it found almost no background, so the picture may "
            "still print as a rectangle. Check the proof.",
            detail,
        )


def dark_garment_box(subject: Subject) -> Iterator[Finding]:
    rule, order, image = subject.rule, subject.order, subject.picture
    if rule.checks.transparency is Transparency.FORBIDDEN:
        return  # posters and canvases print every pixel: a white background is simply paper
    color = rule.color_for(order)
    if not is_known_color(color) or not is_dark(garment_rgb(color)):
        return
    from podwatch.background.solid import border, sample

    edge = border(sample(image.in_memory))
    if edge is None or not edge.is_uniform or luminance(edge.rgb) < LIGHT_BACKGROUND:
        return
    if image.has_alpha and clear_border(image.in_memory):
        return
    what = "white" if luminance(edge.rgb) > 0.9 else f"light ({edge.hex})"
    fix = ('set [background] mode = "auto" in ' f"{rule.file_label}, or ask the buyer for a PNG with a "
           "transparent background")
    if rule.background.mode != "keep":
        fix = "check the cut on the proof"
    elif rule.background.cut_on_dark:  # flat art would have been cut out: this one reads as a photo
        fix = ('note that it looks like a photo, so podwatch left it as it is: set [background] mode = "auto" '
               f'and engine = "rembg" in {rule.file_label} (see `podwatch models`), or ask the buyer for a PNG '
               "with a transparent background")
    yield Finding(
        "background_box", Level.WARN,
        f"{image.path.name} has a {what} background that will print as a {what.split()[0]} box on a "
        f"{color} {rule.product.name}. To print only the artwork, {fix}.",
        {"background": edge.hex, "garment": color},
    )


# In the order they report (registry.register says why not a decorator).
register("cutout", cutout)
register("dark_garment_box", dark_garment_box)

"""Artwork: transparency the product needs, and what the file format means for print."""

from __future__ import annotations

from collections.abc import Iterator

from podwatch.checks.registry import Subject, register
from podwatch.config.rule import Transparency
from podwatch.findings import Finding, Level, graded


def transparency(subject: Subject) -> Iterator[Finding]:
    image, rule = subject.picture, subject.rule
    wanted = rule.checks.transparency
    name = image.path.name
    if wanted is Transparency.REQUIRED and not image.has_alpha:
        yield graded(
            rule.checks.transparency_level, "transparency_missing",
            f"{name} has no transparent background, but a {rule.product.name.lower()} needs one "
            "(the cut or the print follows the artwork's outline, so the whole rectangle would print). "
            "Ask the buyer for a PNG with a transparent background, or remove the background.",
        )
    elif wanted is Transparency.FORBIDDEN and image.has_alpha:
        yield Finding(
            "transparency_flattened", Level.INFO,
            f"{name} has transparent areas; a {rule.product.name.lower()} prints every pixel, "
            f"so they will print as {rule.background.flatten_onto}.",
        )


def file_format(subject: Subject) -> Iterator[Finding]:
    image = subject.picture
    name = image.path.name
    # Whatever loading had to do (profiles, CMYK, 16-bit, animation) is reported here.
    yield from image.findings
    if image.source_format == "GIF" or image.source_mode in ("P", "PA"):
        yield Finding(
            "palette", Level.INFO,
            f"{name} uses a limited palette (at most 256 colours): smooth gradients and photos may show bands.",
        )
    cut_out = subject.removal is not None and subject.removal.engine is not None
    if image.source_format == "JPEG" and subject.rule.checks.transparency is Transparency.REQUIRED and not cut_out:
        yield Finding("jpeg_no_alpha", Level.INFO, f"{name} is a JPEG, which can never hold transparency.")


# In the order they report (registry.register says why not a decorator).
register("transparency", transparency)
register("format", file_format)

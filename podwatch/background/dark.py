"""Dark garments: whether flat art on a plain light background should be cut out before it prints."""

from __future__ import annotations

from typing import TYPE_CHECKING

from podwatch.colors import LIGHT_BACKGROUND, garment_rgb, is_dark, is_known_color, luminance

if TYPE_CHECKING:
    from podwatch.config.rule import Rule
    from podwatch.prepress.loading import LoadedImage


def on_dark(rule: Rule, color: str | None) -> bool:
    """The rule cuts flat art out on dark garments, and `color` is one."""
    return bool(rule.background.cut_on_dark and color and is_known_color(color) and is_dark(garment_rgb(color)))


def flat_art_on_light(artwork: LoadedImage) -> str | None:
    """The background's colour (#rrggbb) when `artwork` is flat art (a logo, lettering, clipart)
    on one plain light colour that would print as a box; None for photos, transparent uploads
    and art whose border is not one light colour."""
    from podwatch.background.solid import border, sample
    from podwatch.checks.measure import is_flat_art, views

    image = artwork.in_memory
    if artwork.has_alpha and clear_border(image):
        return None  # already cut out: nothing around the art prints
    edge = border(sample(image))
    if edge is None or not edge.is_uniform or luminance(edge.rgb) < LIGHT_BACKGROUND:
        return None
    # A photo on a light backdrop (a studio portrait) keeps its backdrop: the flat-art remover
    # would eat the subject's own light parts, and only rembg can cut a photo.
    return edge.hex if is_flat_art(views(image)) else None


def clear_border(image) -> bool:
    """True when the picture's outer edge is see-through, so no box can print."""
    alpha = image.getchannel("A")
    w, h = alpha.size
    edges = [alpha.crop(box) for box in ((0, 0, w, 1), (0, h - 1, w, h), (0, 0, 1, h), (w - 1, 0, w, h))]
    return max(sum(e.histogram()[128:]) for e in edges) == 0

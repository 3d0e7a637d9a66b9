"""Artwork checks: the transparency a product needs, and what the upload's file format means for print."""

from __future__ import annotations

import pictures
import pytest
from PIL import Image

from podwatch.background import Removal
from podwatch.bundled import rules_dir
from podwatch.checks.catalog import findings_for
from podwatch.checks.registry import Subject
from podwatch.config.order import Order
from podwatch.config.rulebook import load_rules
from podwatch.findings import Finding, Level
from podwatch.prepress.loading import load_image

RULES = load_rules(rules_dir())
ARTWORK = {"transparency_missing", "transparency_flattened", "palette", "jpeg_no_alpha"}


@pytest.fixture
def check(tmp_path):
    """The artwork findings for `image` uploaded as `name` for `product`, with rule `[checks]` changes."""

    def run_one(image: Image.Image, product: str, name: str, removal: Removal | None = None,
                **checks) -> dict[str, Finding]:
        path = tmp_path / name
        image.save(path)
        rule = RULES[product]
        if checks:
            rule = rule.model_copy(update={"checks": rule.checks.model_copy(update=checks)})
        art = load_image(path, max_pixels=10**9)
        found = findings_for(Subject(art, rule, Order(order_id="1", product=product), removal=removal))
        return {f.code: f for f in found if f.code in ARTWORK}

    return run_one


def sticker_art() -> Image.Image:
    return pictures.on_canvas(pictures.logo(900), (1200, 1200))


def test_a_sticker_photo_without_transparency_is_reported_at_the_rules_level(check):
    found = check(pictures.photo((1200, 1200), seed=3), "sticker", "cat.jpg")
    assert set(found) == {"transparency_missing", "jpeg_no_alpha"}
    missing = found["transparency_missing"]
    assert (missing.level, missing.hold) == (Level.WARN, False)
    assert missing.message == (
        "cat.jpg has no transparent background, but a sticker 4x4 kiss-cut needs one (the cut or the print "
        "follows the artwork's outline, so the whole rectangle would print). Ask the buyer for a PNG with a "
        "transparent background, or remove the background.")
    assert found["jpeg_no_alpha"].level is Level.INFO
    assert found["jpeg_no_alpha"].message == "cat.jpg is a JPEG, which can never hold transparency."
    # A seller whose cutter cannot work without it makes it refuse the order.
    refused = check(pictures.photo((1200, 1200), seed=3), "sticker", "cat.jpg", transparency_level="fail")
    assert refused["transparency_missing"].level is Level.FAIL


def test_an_alpha_channel_with_nothing_see_through_is_no_transparency(check):
    opaque = pictures.photo((1200, 1200), seed=3).convert("RGBA")
    assert set(check(opaque, "sticker", "cat.png")) == {"transparency_missing"}
    assert check(sticker_art(), "sticker", "paws.png") == {}


def test_a_jpeg_cut_out_by_podwatch_is_not_told_it_cannot_hold_transparency(check):
    cut = Removal(engine="solid", kept_share=0.5)
    assert "jpeg_no_alpha" not in check(pictures.photo((1200, 1200), seed=3), "sticker", "cat.jpg", removal=cut)
    # Background removal that did not run (mode = "keep") cut nothing out.
    kept = Removal(engine=None, kept_share=None)
    assert "jpeg_no_alpha" in check(pictures.photo((1200, 1200), seed=3), "sticker", "cat.jpg", removal=kept)


def test_transparent_areas_on_a_product_that_prints_every_pixel_are_said_to_print_as_its_paper(check):
    found = check(pictures.on_canvas(pictures.logo(900), (1800, 2400)), "poster", "paws.png")
    assert set(found) == {"transparency_flattened"}
    assert found["transparency_flattened"].level is Level.INFO
    assert found["transparency_flattened"].message == (
        "paws.png has transparent areas; a poster 18x24 prints every pixel, so they will print as white.")
    assert check(pictures.photo((1800, 2400), seed=3), "poster", "garden.png") == {}
    # Where transparency is welcome, neither kind of finding.
    assert check(sticker_art(), "tshirt", "paws.png") == {}
    assert check(pictures.photo((1200, 1200), seed=3), "tshirt", "cat.jpg") == {}


def palette_with_alpha() -> Image.Image:
    """A palette TIFF with an alpha channel (mode PA), as some design tools export badges."""
    image = Image.new("PA", (600, 600), (1, 0))
    image.putpalette([200, 40, 60, 255, 235, 200] + [0] * 762)
    image.paste((0, 255), (100, 100, 500, 500))
    return image


@pytest.mark.parametrize(("name", "image"), [
    ("badge.gif", lambda: pictures.logo(600).convert("RGB").quantize(16)),
    ("badge.png", lambda: pictures.logo(600).convert("RGB").quantize(16)),
    ("grey.gif", lambda: Image.linear_gradient("L").resize((600, 600))),  # Pillow opens a grey GIF as L
    ("badge.tif", palette_with_alpha),
], ids=["gif", "palette png", "grey gif", "palette tiff with alpha"])
def test_a_palette_picture_is_said_to_band_smooth_gradients(check, name, image):
    found = check(image(), "tshirt", name)
    assert set(found) == {"palette"}
    assert found["palette"].level is Level.INFO
    assert found["palette"].message == (
        f"{name} uses a limited palette (at most 256 colours): smooth gradients and photos may show bands.")


def test_what_loading_had_to_do_is_reported_with_the_format(check, tmp_path):
    # A CMYK JPEG is converted for print: loading's own note comes out of the format check.
    found = findings_for(Subject(
        _loaded(tmp_path, pictures.photo((1200, 1200), seed=3).convert("CMYK"), "cmyk.jpg"),
        RULES["tshirt"], Order(order_id="1", product="tshirt"),
    ))
    assert "cmyk" in [f.code for f in found]


def _loaded(tmp_path, image: Image.Image, name: str):
    path = tmp_path / name
    image.save(path)
    return load_image(path, max_pixels=10**9)

"""Print files carry an alpha channel only where a pixel can be see-through, and a print made band by
band (no [[text]] on it) has exactly the pixels of one made whole, and transparent art flattened
band by band has exactly the pixels of the art flattened whole first (issue 17)."""

from __future__ import annotations

import io

import numpy as np
import pictures
import pytest
from conftest import approve_all, artwork, files_in, make_order, run
from PIL import Image

from podwatch.bundled import rules_dir
from podwatch.config.rulebook import load_rules
from podwatch.prepress import png
from podwatch.prepress.bands import flattened
from podwatch.prepress.printfile import banded_print, print_image


def printed(root) -> Image.Image:
    run(root)
    approve_all(root)
    run(root)
    (made,) = files_in(root.production, "*.png")
    with Image.open(made) as image:
        image.load()
        return image


def test_an_opaque_photo_that_fills_the_phone_case_is_printed_without_an_alpha_channel(root):
    make_order(root, product="phonecase", image=pictures.photo((1800, 2400)), ext="jpg")
    image = printed(root)
    assert image.size == (879, 1830) and image.mode == "RGB", "no pixel is see-through: RGB, a quarter fewer bytes"


def test_a_landscape_photo_on_a_mug_keeps_transparent_sides(root):
    make_order(root, product="mug", image=pictures.photo((2400, 1800)), ext="jpg")
    image = printed(root)
    assert image.mode == "RGBA", "the mug's print area is wider than the photo: its sides print no ink"
    assert image.getpixel((5, 500))[3] == 0 and image.getpixel((1350, 500))[3] == 255


def test_a_logo_with_transparency_keeps_its_alpha(root):
    make_order(root, product="mug", image=pictures.logo(900), ext="png")
    image = printed(root)
    assert image.mode == "RGBA" and image.getextrema()[3] == (0, 255)


def test_a_sticker_keeps_its_alpha_channel_even_for_an_opaque_photo(root):
    # The kiss-cut follows the alpha channel, so a sticker's print always has one.
    make_order(root, product="sticker", image=artwork((1500, 1500)), ext="jpg")
    assert printed(root).mode == "RGBA"


@pytest.mark.parametrize(("product", "picture"), [
    ("canvas", lambda: pictures.photo((900, 1200))),  # enlarged 8x, flattened: RGB, made band by band
    ("poster", lambda: pictures.logo(1400)),  # transparent art flattened onto white
    ("mug", lambda: pictures.logo(900)),  # transparent art, scaled whole, placed in bands
    ("tshirt", lambda: pictures.photo((2000, 1500))),  # a contain fit: empty rows above and below
    ("phonecase", lambda: artwork((879, 1830))),  # exactly the print size: nothing to scale
])
def test_a_print_made_band_by_band_has_exactly_the_pixels_of_the_print_made_whole(product, picture):
    rule = load_rules(rules_dir())[product]
    image = picture()
    rule = rule.for_art(image.size)
    whole = print_image(image, rule)
    banded = banded_print(image, rule, proof_side=600)
    out = io.BytesIO()
    png.write_png(banded, out, dpi=300, icc_profile=b"", level=4)
    with Image.open(out) as back:
        assert (back.mode, back.size) == (whole.mode, whole.size)
        assert back.tobytes() == whole.tobytes()
    # The proof's copy, reduced on the way, is the whole print reduced.
    preview = banded.preview()
    expected = whole.reduce(banded.factor) if whole.mode == "RGB" else \
        whole.convert("RGBa").reduce(banded.factor).convert("RGBA")
    assert preview.size == expected.size
    assert np.abs(np.asarray(preview, np.int16) - np.asarray(expected, np.int16)).max() <= 1


def test_a_print_that_fails_its_checks_still_gets_a_proof_from_its_reduced_copy():
    rule = load_rules(rules_dir())["canvas"]
    banded = banded_print(pictures.photo((600, 800)), rule, proof_side=1200)
    preview = banded.preview()  # nothing was written: every row is made for the proof alone
    assert preview.size == (-(-7200 // banded.factor), -(-9000 // banded.factor)) and preview.mode == "RGB"


@pytest.mark.parametrize("art_size", [
    (300, 500),  # enlarged: scaled across first
    (600, 4000),  # a tall strip shrunk: Pillow scales it down first, and so must each band's rows
    (2600, 1900),  # shrunk more than 6x across: reduce() first
    (1100, 1300),  # a gentle reduction, several bands
])
def test_transparent_art_flattened_band_by_band_has_the_pixels_of_art_flattened_whole(tmp_path, art_size):
    # A poster 4 x 12 inches at 100 dpi (400 x 1200 px): flattened onto white, three bands of rows.
    rule_text = (rules_dir() / "poster.toml").read_text()
    rule_text = rule_text.replace("width_in = 18", "width_in = 4").replace("height_in = 24", "height_in = 12")
    rule_text = rule_text.replace("dpi = 300", "dpi = 100").replace('orientation = "either"', 'orientation = "fixed"')
    (tmp_path / "poster.toml").write_text(rule_text)
    rule = load_rules(tmp_path)["poster"]
    art = pictures.see_through_art(art_size)
    made = print_image(art, rule)
    assert made.mode == "RGB" and made.size == (400, 1200)
    # What podwatch did before: a second, flattened copy of the whole upload, then scaled.
    expected = print_image(flattened(art, rule.background.flatten_onto), rule)
    assert made.tobytes() == expected.tobytes()

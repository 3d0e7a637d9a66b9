"""The proof a seller looks at before approving: product, colour, artwork, words."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from podwatch.colors import garment_rgb, is_dark, is_known_color
from podwatch.config.order import Order
from podwatch.config.rule import Rule
from podwatch.findings import Finding, Level
from podwatch.proof import render as proof_module
from podwatch.proof.marks import kiss_cut, shrink
from podwatch.proof.render import FOOTER, color_note, font, render_proof
from podwatch.proof.silhouettes import draw_product

MAGENTA = (255, 0, 255)

# Real print sizes in inches, at a low dpi so the tests stay fast.
PRODUCTS = {
    "tshirt": {"width_in": 15, "height_in": 18},
    "mug": {"width_in": 9, "height_in": 3.5},
    "poster": {"width_in": 18, "height_in": 24},
    "canvas": {"width_in": 24, "height_in": 30, "wrap_in": 3},
    "sticker": {"width_in": 4, "height_in": 4},
    "phonecase": {"width_in": 2.93, "height_in": 6.1},
    "tote": {"width_in": 17, "height_in": 16.5},
    "plain": {"width_in": 36, "height_in": 24},
}


def make_rule(silhouette: str = "tshirt", dpi: int = 40, colors=("white", "black"), **area) -> Rule:
    print_area = {**PRODUCTS.get(silhouette, PRODUCTS["plain"]), "dpi": dpi, **area}
    return Rule.model_validate(
        {"product": {"name": silhouette.title(), "silhouette": silhouette, "colors": list(colors)},
         "print_area": print_area}
    )


def make_order(variant: str = "black / L", **fields) -> Order:
    fields = {"personalization": {"name": "Luna "}, **fields}
    return Order(order_id="1234", product="tshirt", variant=variant, quantity=2,
                 **fields)


def solid_art(rule: Rule, color=MAGENTA, mode: str = "RGB") -> Image.Image:
    return Image.new(mode, rule.print_area.size_px, color)


def small_logo(rule: Rule) -> Image.Image:
    """Mostly transparent: a magenta disc in the middle, so the garment shows around it."""
    w, h = rule.print_area.size_px
    art = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    ImageDraw.Draw(art).ellipse((w * 0.35, h * 0.35, w * 0.65, h * 0.65), fill=(*MAGENTA, 255))
    return art


def count(image: Image.Image, near: tuple[int, int, int], tolerance: int = 40) -> int:
    """Pixels within `tolerance` of `near` on every channel."""
    bands = [
        band.point(lambda v, c=c: 255 if abs(v - c) <= tolerance else 0)
        for band, c in zip(image.convert("RGB").split(), near)
    ]
    mask = bands[0]
    for band in bands[1:]:
        mask = Image.composite(band, Image.new("L", mask.size, 0), mask)
    return mask.histogram()[255]


def art_panel(image: Image.Image) -> Image.Image:
    """Roughly the product panel of a landscape proof: below the header, left of the words."""
    return image.crop((0, 140, image.width // 2, image.height - 40))


def proof(rule: Rule, art: Image.Image | None = None, order: Order | None = None, findings=(), **kw) -> Image.Image:
    return render_proof(art if art is not None else small_logo(rule), rule=rule, order=order or make_order(),
                        item=1, findings=list(findings), **kw)


@pytest.mark.parametrize("silhouette", ["tshirt", "mug", "canvas", "phonecase", "sticker", "tote", "poster", "plain"])
def test_proof_is_about_1200_px_long_and_rgb(silhouette):
    image = proof(make_rule(silhouette))
    assert image.mode == "RGB"
    assert 1100 <= max(image.size) <= 1300


@pytest.mark.parametrize("silhouette", list(PRODUCTS))
def test_print_box_has_the_print_area_aspect(silhouette):
    aspect = PRODUCTS[silhouette]["width_in"] / PRODUCTS[silhouette]["height_in"]
    layer, (left, top, right, bottom) = draw_product(silhouette, (255, 255, 255), (640, 700), aspect)
    assert layer.size == (640, 700)
    assert 0 <= left < right <= 640 and 0 <= top < bottom <= 700
    assert (right - left) / (bottom - top) == pytest.approx(aspect, rel=0.02)
    assert (right - left) * (bottom - top) > 0.05 * 640 * 700  # big enough to judge the art


def test_shirt_is_drawn_in_the_orders_colour():
    rule = make_rule("tshirt")
    black = count(art_panel(proof(rule, order=make_order("black / L"))), garment_rgb("black"), tolerance=12)
    white = count(art_panel(proof(rule, order=make_order("white / L"))), garment_rgb("black"), tolerance=12)
    assert black > 100_000
    assert white < 500
    navy = proof(rule, order=make_order("Navy / M"))
    assert count(art_panel(navy), garment_rgb("navy"), tolerance=12) > 100_000


def test_empty_variant_uses_the_rules_default_colour():
    rule = make_rule("tshirt", colors=("black", "white"))
    assert count(proof(rule, order=make_order("")), garment_rgb("black"), tolerance=12) > 100_000


def test_the_artwork_appears_on_every_product():
    for silhouette in PRODUCTS:
        rule = make_rule(silhouette)
        image = proof(rule, art=solid_art(rule))
        # The watermark and guides cover some of it; most of a fully magenta print must show.
        assert count(image, MAGENTA, tolerance=60) > 25_000, silhouette


def test_sticker_with_transparent_art_gets_a_white_kiss_cut_border():
    rule = make_rule("sticker", colors=("white",))
    image = proof(rule, art=small_logo(rule), order=make_order("white"))
    assert count(image, MAGENTA, tolerance=60) > 5_000
    assert count(image, (255, 255, 255), tolerance=3) > 5_000


def test_kiss_cut_follows_the_alpha_and_rounds_an_opaque_square():
    art = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    ImageDraw.Draw(art).ellipse((30, 30, 70, 70), fill=(*MAGENTA, 255))
    cut = kiss_cut(art, 10)
    assert cut.size == (120, 120)
    assert cut.getpixel((60, 35))[3] == 255 and cut.getpixel((60, 35))[:3] == (255, 255, 255)  # border above disc
    assert cut.getpixel((5, 5))[3] == 0  # far corner: not part of the sticker
    square = kiss_cut(Image.new("RGB", (100, 100), MAGENTA), 10)
    assert square.getpixel((60, 3))[3] == 255 and square.getpixel((0, 0))[3] < 128  # rounded corners


def test_shrink_keeps_edges_clean_on_transparent_art():
    # Transparent pixels stored as black must not darken the edge of white artwork.
    art = Image.new("RGBA", (3000, 3000), (0, 0, 0, 0))
    art.paste((255, 255, 255, 255), (1003, 1003, 1997, 1997))  # edges fall inside reduction blocks
    small = shrink(art, (300, 300))
    assert small.size == (300, 300)
    edge = [small.getpixel((x, 150)) for x in range(95, 106)]
    assert any(0 < p[3] < 255 for p in edge)  # there is a soft edge...
    assert all(min(p[:3]) > 240 for p in edge if p[3] > 20)  # ...and it is not grey


# The fabric colours written out (podwatch/colors.py's table), so neither the spelling rules nor the
# table can drift without this test noticing.
@pytest.mark.parametrize(
    "name, rgb",
    [
        ("white", (255, 255, 255)),
        ("Black", (25, 25, 27)),
        ("Heather Grey", (190, 190, 192)),
        ("heather-gray", (190, 190, 192)),
        ("HEATHER_GREY", (190, 190, 192)),
        ("Sport Gray", (170, 170, 172)),
        ("navy", (38, 44, 72)),
        ("Royal Blue", (35, 75, 160)),
        ("Forest Green", (35, 65, 45)),
        ("military green", (90, 95, 65)),
        ("#1a2b3c", (26, 43, 60)),
        ("rebeccapurple", (102, 51, 153)),
        ("Light Blue", (160, 200, 230)),
        ("Heather Navy", (38, 44, 72)),
    ],
)
def test_garment_names_as_shops_write_them(name, rgb):
    assert is_known_color(name)
    assert garment_rgb(name) == rgb


def test_garment_colours_are_plausible():
    assert garment_rgb("navy") != garment_rgb("black") and garment_rgb("navy")[2] > garment_rgb("navy")[0]
    assert garment_rgb("red")[0] > 150 and garment_rgb("maroon")[0] < garment_rgb("red")[0]
    assert min(garment_rgb("natural")) > 200 and min(garment_rgb("heather grey")) > 150
    for name in ("black", "navy", "charcoal", "forest", "maroon", "royal"):
        assert is_dark(garment_rgb(name)), name
    for name in ("white", "heather grey", "natural", "light blue", "yellow", "ash"):
        assert not is_dark(garment_rgb(name)), name


def test_unknown_colour_is_drawn_white_with_a_note():
    assert not is_known_color("xyz") and garment_rgb("xyz") == (255, 255, 255)
    assert color_note("xyz") == "colour 'xyz' not recognised, shown as white"
    assert color_note("black") is None
    rule = make_rule("tshirt")
    unknown, white = proof(rule, order=make_order("xyz / L")), proof(rule, order=make_order("white / L"))
    assert art_panel(unknown).tobytes() == art_panel(white).tobytes()  # only the words differ
    assert unknown.tobytes() != white.tobytes()


def test_huge_rgba_art_is_shrunk_in_integer_steps_and_strips(monkeypatch):
    # How long this takes is measured by benchmarks/proof_shrink.py; here, how it is done: the
    # premultiplied copy is only ever made of strips, and LANCZOS only sees a reduced picture.
    converted, resized = [], []
    convert, resize = Image.Image.convert, Image.Image.resize

    def spy_convert(self, mode=None, *args, **kw):
        if mode == "RGBa":
            converted.append(self.size)
        return convert(self, mode, *args, **kw)

    def spy_resize(self, size, *args, **kw):
        resized.append((self.size, tuple(size)))
        return resize(self, size, *args, **kw)

    monkeypatch.setattr(Image.Image, "convert", spy_convert)
    monkeypatch.setattr(Image.Image, "resize", spy_resize)
    art = Image.new("RGBA", (7200, 9000), (0, 0, 0, 0))
    art.paste((*MAGENTA, 255), (1000, 1000, 6200, 8000))
    image = proof(make_rule("canvas", dpi=300), art=art)
    assert count(image, MAGENTA, tolerance=60) > 25_000
    strips = [height for width, height in converted if width == 7200]
    assert strips and max(strips) <= 256, f"the full-size art was premultiplied in one piece: {converted}"
    for source, target in resized:  # the print panel, the inset: each gets a reduced copy
        assert source[0] < 4 * target[0], f"LANCZOS got {source} for {target}: the integer steps did too little"


def test_too_many_findings_never_overflow_the_page():
    findings = [Finding(f"c{i}", Level.WARN, f"Problem {i}: " + "words " * 30) for i in range(40)]
    order = make_order(instructions="please " * 400, personalization={f"field{i}": "x" * 300 for i in range(30)})
    for silhouette in ("tshirt", "mug"):
        image = proof(make_rule(silhouette), order=order, findings=findings, engine_note="rembg u2net " * 10)
        # The footer strip holds only the footer text, right-aligned, and the right margin
        # of the words stays empty: nothing spilled out of the text panel.
        white = ((255, 255), (255, 255), (255, 255))
        assert image.crop((0, image.height - 30, image.width // 3, image.height)).getextrema() == white
        margin = (image.width - 18, round(image.height * 0.6), image.width, image.height - 35)
        assert image.crop(margin).getextrema() == white, silhouette


def test_small_proofs_scale_their_text():
    findings = [Finding("x", Level.FAIL, "too small")]
    small = proof(make_rule("mug"), long_side=600, findings=findings)
    assert max(small.size) == 600
    # Text, margins and panels all scale: a 600 px proof is the 1200 px one, shrunk. (Text kept
    # at its 1200 px size would move every line: a quarter of the pixels would differ.)
    large = proof(make_rule("mug"), long_side=1200, findings=findings).resize(small.size, Image.Resampling.BOX)
    differ = np.abs(np.asarray(small, dtype=np.int16) - np.asarray(large, dtype=np.int16)).max(axis=2) > 60
    assert differ.mean() < 0.04


def test_fonts_are_scalable_even_without_system_fonts():
    assert font(30).size == 30 and font(30, bold=True).size == 30
    assert font(10).getbbox(FOOTER)[2] < font(30).getbbox(FOOTER)[2]


def test_renders_without_system_fonts(monkeypatch):
    # CI machines may have no fonts at all: Pillow's own scalable font must take over.
    monkeypatch.setattr(proof_module, "_FONTS", {False: ["no-such-font.ttf"], True: ["no-such-font-bold.ttf"]})
    font.cache_clear()
    try:
        assert isinstance(font(24), ImageFont.FreeTypeFont) and font(24).size == 24
        image = proof(make_rule("mug"), findings=[Finding("x", Level.WARN, "a warning")])
        assert max(image.size) == 1200
    finally:
        font.cache_clear()


def test_single_colour_products_ignore_a_variant_that_is_not_a_colour():
    # A phone case's variant is the phone model, a poster's its size: no colour note for those.
    rule = make_rule("phonecase", colors=("black",))
    case = proof(rule, order=make_order("iPhone 15"))
    below_header = (0, 130, case.width, case.height)  # the header names the variant as given
    assert case.crop(below_header).tobytes() == proof(rule, order=make_order("black")).crop(below_header).tobytes()

"""Flat-art background removal: a logo on white or on a coloured card, cut out cleanly for any shirt."""

from __future__ import annotations

import io
import json

import numpy as np
import pictures
import pytest
from conftest import files_in, make_order, run
from PIL import Image, ImageDraw, ImageFont

from podwatch.background import cut_background
from podwatch.background.solid import remove_solid
from podwatch.config.order import Order
from podwatch.config.rule import Rule
from podwatch.config.rulebook import load_rule
from podwatch.errors import ConfigError
from podwatch.prepress.loading import load_image
from podwatch.proof.render import render_proof

RED = (200, 30, 45)
WHITE = (255, 255, 255)
SKY = (176, 214, 240)


def font(size: int) -> ImageFont.FreeTypeFont:
    try:
        return ImageFont.truetype("DejaVuSans-Bold.ttf", size)
    except OSError:
        return ImageFont.load_default(size=size)


def logo_alpha(size=(600, 720)) -> Image.Image:
    """The true coverage of a logo: an anti-aliased ring (its hole is enclosed) and the word "GOOD"."""
    w, h = size
    big = Image.new("L", (w * 3, h * 3), 0)
    draw = ImageDraw.Draw(big)
    draw.ellipse((w * 0.6, h * 0.3, w * 2.4, h * 1.8), fill=255)
    draw.ellipse((w * 0.95, h * 0.6, w * 2.05, h * 1.5), fill=0)
    alpha = big.reduce(3)
    ImageDraw.Draw(alpha).text((w / 2, h * 0.8), "GOOD", font=font(round(h * 0.16)), fill=255, anchor="mm")
    return alpha


def upload(alpha: Image.Image, ink=RED, paper=WHITE, quality: int | None = 85) -> Image.Image:
    """The logo as a buyer sends it: composited onto paper, usually as a JPEG."""
    image = Image.composite(Image.new("RGB", alpha.size, ink), Image.new("RGB", alpha.size, paper), alpha)
    if quality is None:
        return image
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def iou(a: Image.Image, b: Image.Image) -> float:
    ma, mb = (im.point(lambda v: 255 if v > 127 else 0) for im in (a, b))
    inter = Image.composite(ma, Image.new("L", ma.size, 0), mb).histogram()[255]
    union = Image.composite(Image.new("L", ma.size, 255), ma, mb).histogram()[255]
    return inter / union


def mean_abs(a: Image.Image, b: Image.Image) -> float:
    pairs = zip(a.tobytes(), b.tobytes())
    return sum(abs(x - y) for x, y in pairs) / (255 * a.width * a.height)


def edge_pixels(alpha: Image.Image) -> list[tuple[int, int]]:
    """Where the truth is partly covered: the anti-aliased rim, where halos live."""
    return [(i % alpha.width, i // alpha.width) for i, v in enumerate(alpha.tobytes()) if 30 < v < 225]


def distance(a, b) -> float:
    return sum((x - y) ** 2 for x, y in zip(a[:3], b[:3])) ** 0.5


@pytest.mark.parametrize("paper", [WHITE, SKY], ids=["on white", "on a sky-blue card"])
def test_a_logo_comes_off_its_background_with_the_right_alpha(paper):
    truth = logo_alpha()
    cut = remove_solid(upload(truth, paper=paper), clear_enclosed=True)

    assert cut.background.rgb == pytest.approx(paper, abs=3)
    alpha = cut.image.getchannel("A")
    assert iou(alpha, truth) > 0.98
    assert mean_abs(alpha, truth) < 0.01
    assert alpha.getpixel((5, 5)) == 0 and alpha.getpixel((300, 130)) == 255  # corner gone, ring kept


def test_edges_take_the_logos_colour_so_no_white_halo_shows_on_a_black_shirt():
    truth = logo_alpha()
    given = upload(truth)
    cut = remove_solid(given, clear_enclosed=True).image
    rim = edge_pixels(truth)
    # The upload's rim is pink (red blended with the white paper) ...
    assert sum(distance(given.getpixel(p), RED) for p in rim) / len(rim) > 60
    # ... the cut-out's rim is red, only less opaque.
    kept = [p for p in rim if cut.getpixel(p)[3] > 25]
    assert len(kept) > 0.8 * len(rim)
    assert sum(distance(cut.getpixel(p), RED) for p in kept) / len(kept) < 25


def test_enclosed_background_is_cleared_only_when_the_rule_says_so():
    given = upload(logo_alpha(), quality=None)
    hole = (300, 252)  # the middle of the ring, enclosed by it

    assert remove_solid(given, clear_enclosed=False).image.getpixel(hole) == (*WHITE, 255)
    cleared = remove_solid(given, clear_enclosed=True)
    assert cleared.image.getpixel(hole)[3] == 0
    # The ring's hole and the counters of O, O and D.
    assert cleared.cleared_enclosed == 4


def test_a_busy_photo_forced_through_the_flat_art_remover_is_not_unmixed_pixel_by_pixel():
    # Nearly every pixel of noise is an "edge": unmixing them all took ~30 s on 7 MP.
    import numpy as np

    noise = Image.fromarray(np.random.default_rng(3).integers(0, 256, (400, 400, 3), dtype=np.uint8), "RGB")
    busy = remove_solid(noise)
    assert not busy.unmixed and busy.image.size == noise.size
    assert remove_solid(upload(logo_alpha())).unmixed, "flat art keeps its edge decontamination"


def rule_text(**background) -> str:
    """A small shirt (2 x 2.4 in, 600 x 720 px) so the tests stay quick."""
    lines = "\n".join(f"{k} = {json.dumps(v)}" for k, v in background.items())
    return ('[product]\nname = "T-shirt"\ncolors = ["white", "black"]\nsilhouette = "tshirt"\n'
            "[print_area]\nwidth_in = 2\nheight_in = 2.4\ndpi = 300\n"
            f"[background]\n{lines}\n")


def rule(tmp_path, **background) -> Rule:
    path = tmp_path / "tshirt.toml"
    path.write_text(rule_text(**background), encoding="utf-8")
    return load_rule(path)


def loaded(tmp_path, image: Image.Image, name: str = "logo.png"):
    path = tmp_path / name
    image.save(path)
    return load_image(path, max_pixels=10**9)


def test_an_upload_that_is_already_transparent_is_left_alone_in_auto(tmp_path):
    art = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    ImageDraw.Draw(art).ellipse((100, 100, 300, 300), fill=(*RED, 255))
    removal = cut_background(loaded(tmp_path, art), rule(tmp_path, mode="auto"))
    assert removal.image is None and removal.engine is None
    assert "already transparent" in removal.note


def test_remove_also_clears_a_white_box_pasted_onto_a_transparent_canvas(tmp_path):
    art = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    ImageDraw.Draw(art).rectangle((50, 50, 350, 350), fill=(*WHITE, 255))
    ImageDraw.Draw(art).ellipse((120, 120, 280, 280), fill=(*RED, 255))
    removal = cut_background(loaded(tmp_path, art), rule(tmp_path, mode="remove", trim=False))
    assert removal.engine == "solid"
    assert removal.image.getpixel((60, 60))[3] == 0, "the white box is gone"
    assert removal.image.getpixel((200, 200)) == (*RED, 255) and removal.image.getpixel((5, 5))[3] == 0


def test_a_photo_with_a_busy_border_goes_to_rembg_in_auto(tmp_path, monkeypatch):
    monkeypatch.setenv("U2NET_HOME", str(tmp_path / "no-models-here"))
    photo = Image.linear_gradient("L").resize((400, 480)).convert("RGB")
    ImageDraw.Draw(photo).ellipse((100, 120, 300, 360), fill=(180, 120, 60))
    removal = cut_background(loaded(tmp_path, photo, "dog.jpg"), rule(tmp_path, mode="auto"))
    # No model here, so rembg's turn ends at the model check, with advice instead of a download.
    assert [f.code for f in removal.findings] == ["model_missing"]
    assert "u2net.onnx" in removal.findings[0].message


def test_the_flat_art_remover_warns_when_forced_onto_a_photo(tmp_path):
    photo = Image.linear_gradient("L").resize((400, 480)).convert("RGB")
    removal = cut_background(loaded(tmp_path, photo, "dog.jpg"), rule(tmp_path, mode="remove", engine="solid"))
    assert "border_not_uniform" in [f.code for f in removal.findings]


def test_a_rule_naming_a_non_commercial_model_is_refused(tmp_path):
    with pytest.raises(ConfigError, match=r"tshirt.toml: background.model: .*bria-rmbg.*commercial"):
        rule(tmp_path, mode="auto", model="bria-rmbg")


def test_a_logo_on_white_becomes_a_clean_cutout_on_a_black_shirt(root):
    (root.rules / "tee.toml").write_text(rule_text(mode="auto"), encoding="utf-8")
    make_order(root, product="tee", image=upload(logo_alpha((900, 1080))), ext="jpg", variant="black / L")

    assert run(root) == 0
    (proof,) = files_in(root.review)
    assert proof.name == "1234_tee_black-L_1_proof.jpg"
    printed = Image.open(root.pending / "1234_tee_black-L_1_print.png")
    assert printed.size == (600, 720) and printed.mode == "RGBA"
    assert printed.getpixel((3, 3))[3] == 0, "the white paper is gone"
    # Cropped to the logo, then fitted: the ring's top now touches the top of the print area.
    assert max(printed.getpixel((300, y))[3] for y in range(0, 8)) == 255
    from podwatch.outputs.ledger import Ledger

    with Ledger(root.ledger) as ledger:
        (item,) = ledger.items("1234")
    assert item.state.value == "review"
    assert [f["code"] for f in item.findings] == [], "no box warning, no cut warning: the cut is clean"
    # No white fringe: the soft edge (partly transparent: the enclosed white stays opaque) is red,
    # only less opaque. Left pink, red mixed with the paper, it draws a light outline on the shirt.
    pixels = np.asarray(printed).reshape(-1, 4).astype(int)
    rim = sorted(pixels[(pixels[:, 3] >= 40) & (pixels[:, 3] <= 215)][:, 1:3].max(axis=1).tolist())
    assert len(rim) > 500, "the print keeps a soft anti-aliased edge"
    # The JPEG's red ink itself has green and blue about 50; pink edge pixels about 240.
    assert rim[len(rim) // 2] < 90, "the edge keeps the white paper mixed in"
    assert sum(1 for gb in rim if gb > 150) < 0.1 * len(rim), "the edge is mostly pink, not red"


def test_a_white_box_on_a_dark_shirt_is_flagged_when_the_background_is_kept(tmp_path):
    given = upload(logo_alpha())
    art = loaded(tmp_path, given, "logo.jpg")
    from podwatch.checks.catalog import findings_for
    from podwatch.checks.registry import Subject

    def codes(variant, **background):
        order = Order(order_id="1", product="tshirt", variant=variant)
        return [f.code for f in findings_for(Subject(art, rule(tmp_path, **background), order))]

    assert "background_box" in codes("black / L", mode="keep")
    assert "background_box" not in codes("white / L", mode="keep")
    assert "background_box" in codes("navy", mode="keep")
    order = Order(order_id="1", product="tshirt", variant="black / L")
    (box,) = [f for f in findings_for(Subject(art, rule(tmp_path, mode="keep"), order)) if f.code == "background_box"]
    assert box.level.value == "warn"
    assert "logo.jpg has a white background" in box.message and "white box on a black T-shirt" in box.message
    assert 'mode = "auto"' in box.message


def test_a_cut_that_leaves_almost_nothing_is_flagged(tmp_path):
    from podwatch.checks.catalog import findings_for
    from podwatch.checks.registry import Subject

    speck = Image.new("RGB", (1000, 1000), WHITE)
    ImageDraw.Draw(speck).rectangle((500, 500, 520, 520), fill=RED)
    art = loaded(tmp_path, speck)
    the_rule = rule(tmp_path, mode="auto", trim=False)
    removal = cut_background(art, the_rule)
    findings = findings_for(Subject(art, the_rule, Order(order_id="1", product="t"), removal=removal))
    (empty,) = [f for f in findings if f.code == "cutout_empty"]
    assert "0.0%" in empty.message or "0.1%" in empty.message


def test_a_cut_that_keeps_almost_everything_is_flagged(tmp_path):
    from podwatch.checks.catalog import findings_for
    from podwatch.checks.registry import Subject

    framed = Image.new("RGB", (1000, 1000), WHITE)
    picture = Image.linear_gradient("L").resize((990, 990)).point(lambda v: v * 0.6)
    framed.paste(picture.convert("RGB"), (5, 5))
    art = loaded(tmp_path, framed)
    the_rule = rule(tmp_path, mode="auto", engine="solid")
    removal = cut_background(art, the_rule)
    findings = findings_for(Subject(art, the_rule, Order(order_id="1", product="t"), removal=removal))
    assert "cutout_full" in [f.code for f in findings]


BOX = "logo.jpg has a white background that will print as a white box on a black T-shirt. To print only the artwork, "


@pytest.mark.parametrize(("background", "fix"), [
    ({"mode": "keep"}, 'set [background] mode = "auto" in rules/tshirt.toml, or ask the buyer for a PNG with a '
                       "transparent background."),
    ({"mode": "keep", "cut_on_dark": True}, 'note that it looks like a photo, so podwatch left it as it is: set '
     '[background] mode = "auto" and engine = "rembg" in rules/tshirt.toml (see `podwatch models`), or ask the '
     "buyer for a PNG with a transparent background."),
    ({"mode": "auto"}, "check the cut on the proof."),
], ids=["kept", "kept as a photo", "cut"])
def test_the_box_warning_says_what_to_do_for_the_rules_background_mode(tmp_path, background, fix):
    from podwatch.checks.background import dark_garment_box
    from podwatch.checks.registry import Subject

    art = loaded(tmp_path, upload(logo_alpha()), "logo.jpg")
    order = Order(order_id="1", product="tshirt", variant="black / L")
    (box,) = dark_garment_box(Subject(art, rule(tmp_path, **background), order))
    assert (box.code, box.level.value, box.message) == ("background_box", "warn", BOX + fix)
    assert box.detail == {"background": "#FFFFFF", "garment": "black"}


def test_a_light_background_is_named_by_its_colour_and_busy_or_clear_borders_are_no_box(tmp_path):
    from podwatch.checks.background import dark_garment_box
    from podwatch.checks.registry import Subject

    order = Order(order_id="1", product="tshirt", variant="black / L")

    def box(image: Image.Image, name: str) -> list[str]:
        subject = Subject(loaded(tmp_path, image, name), rule(tmp_path, mode="keep"), order)
        return [f.message for f in dark_garment_box(subject)]

    pale = Image.new("RGB", (600, 600), (235, 225, 170))  # cream paper
    ImageDraw.Draw(pale).ellipse((100, 100, 500, 500), fill=RED)
    assert box(pale, "pale.png") == [
        "pale.png has a light (#EBE1AA) background that will print as a light box on a black T-shirt. To print "
        'only the artwork, set [background] mode = "auto" in rules/tshirt.toml, or ask the buyer for a PNG with a '
        "transparent background."]
    # A faded photo: light at its edges, but no one colour there to print as a box.
    assert box(pictures.washed_out(pictures.photo((600, 600), seed=3), 200, 250), "faded.jpg") == []
    # A die-cut style logo, outlined in white on a see-through canvas: the white is its own edge, not a box.
    outlined = Image.new("RGBA", (600, 600), (0, 0, 0, 0))
    ImageDraw.Draw(outlined).ellipse((50, 50, 550, 550), fill=(*WHITE, 255))
    ImageDraw.Draw(outlined).ellipse((90, 90, 510, 510), fill=(*RED, 255))
    assert box(outlined, "outlined.png") == []


@pytest.mark.parametrize(("kept", "code", "message"), [
    (0.005, "cutout_empty", "Background removal left only 0.5% of logo.png: the subject may have been cut away with "
     "the background. Check the proof; if the cut is wrong, ask the buyer for a file with a transparent background, "
     'or set [background] mode = "keep" for this product.'),
    (0.01, None, None),  # the limits themselves are plausible cuts
    (0.97, None, None),
    (0.985, "cutout_full", "Background removal kept 98% of logo.png: it found almost no background, so the picture "
     "may still print as a rectangle. Check the proof."),
])
def test_a_cut_is_judged_by_the_share_it_kept(tmp_path, kept, code, message):
    from podwatch.background import Removal
    from podwatch.checks.background import cutout
    from podwatch.checks.registry import Subject

    art = loaded(tmp_path, Image.new("RGB", (100, 100), WHITE))
    subject = Subject(art, rule(tmp_path, mode="auto"), Order(order_id="1", product="t"),
                      removal=Removal(engine="solid", kept_share=kept))
    found = [(f.code, f.level.value, f.message, f.detail) for f in cutout(subject)]
    assert found == ([(code, "warn", message, {"kept_share": kept, "engine": "solid"})] if code else [])
    # No cut made (mode = "keep"), or none tried: nothing to judge.
    for nothing in (Removal(), None):
        assert list(cutout(Subject(art, subject.rule, subject.order, removal=nothing))) == []


def test_the_proof_shows_the_cutout_on_a_checkerboard(tmp_path):
    the_rule = rule(tmp_path, mode="auto")
    art = remove_solid(upload(logo_alpha())).image
    order = Order(order_id="1", product="tshirt", variant="black")
    plain = render_proof(art, rule=the_rule, order=order, item=1, findings=[])
    inset = render_proof(art, rule=the_rule, order=order, item=1, findings=[], cutout=True,
                         engine_note="Background #FFFFFF removed by the flat-art remover")
    corner = (10, 140, 160, 290)  # top left of the product panel
    grey = (204, 204, 204)

    def checker_pixels(image):
        data = image.crop(corner).tobytes()
        return sum(1 for i in range(0, len(data), 3) if distance(data[i:i + 3], grey) < 12)

    assert checker_pixels(inset) > 1000 and checker_pixels(plain) < 50


def test_a_jpeg_logo_becomes_a_sticker_that_follows_its_outline(root):
    # The bundled sticker rule cuts flat art out by itself: a JPEG logo on white needs nothing more.
    make_order(root, product="sticker", image=upload(logo_alpha((1200, 1440))), ext="jpg", variant="white")

    assert run(root) == 0

    from podwatch.outputs.ledger import Ledger

    with Ledger(root.ledger) as ledger:
        (item,) = ledger.items("1234")
    codes = [f["code"] for f in item.findings]
    assert "transparency_missing" not in codes and "jpeg_no_alpha" not in codes
    printed = Image.open(root.pending / "1234_sticker_white_1_print.png")
    assert printed.getpixel((2, 2))[3] == 0 and printed.getpixel((600, 100))[3] == 255

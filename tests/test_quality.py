"""Quality checks: each one flags the upload that prints badly and leaves the good look-alike alone."""

from __future__ import annotations

import pictures
import pytest
from conftest import files_in, make_order, run
from PIL import Image, ImageDraw

from podwatch.bundled import rules_dir
from podwatch.checks.catalog import findings_for
from podwatch.checks.registry import Subject
from podwatch.config.order import Order
from podwatch.config.rulebook import load_rules
from podwatch.findings import Finding
from podwatch.outputs.ledger import Ledger
from podwatch.prepress.loading import load_image

RULES = load_rules(rules_dir())
QUALITY = {"blurry", "upscaled", "tiny_subject", "off_center", "low_contrast", "thin_lines", "semi_transparent"}


@pytest.fixture
def upload(tmp_path):
    """`image` saved as the buyer's `name` and loaded as podwatch loads an upload."""

    def save_and_load(image: Image.Image, name: str = "upload.png"):
        path = tmp_path / name
        image.save(path, **({"quality": 90} if name.endswith(".jpg") else {"compress_level": 1}))
        return load_image(path, max_pixels=10**9)

    return save_and_load


@pytest.fixture
def check(upload):
    """The quality findings for `image` uploaded as `name` for `product`, with rule `[checks]` changes."""

    def run_one(image: Image.Image, product: str = "tshirt", name: str = "upload.png", **checks) -> dict[str, Finding]:
        rule = RULES[product]
        if checks:
            rule = rule.model_copy(update={"checks": rule.checks.model_copy(update=checks)})
        found = findings_for(Subject(upload(image, name), rule, Order(order_id="1", product=product)))
        return {f.code: f for f in found if f.code in QUALITY}

    return run_one


SNAPSHOT = (1600, 1200)


def test_a_blurry_photo_is_flagged_and_a_sharp_one_with_a_big_smooth_sky_is_not(check):
    sharp = pictures.photo(SNAPSHOT, seed=12)
    assert check(sharp, name="sharp.jpg") == {}
    found = check(pictures.blurred(sharp, 3), name="soft.jpg")
    assert set(found) == {"blurry"}, "one warning: a blurred photo is not also reported as enlarged"
    assert found["blurry"].message == (
        "soft.jpg looks blurry: even its sharpest parts are soft (sharpness 0.56, below 1; a crisp picture scores "
        "about 2). It will print soft at any size. Ask the buyer for the original photo, taken in focus (not a "
        "screenshot or a copy sent through a messenger).")
    assert (found["blurry"].level, found["blurry"].detail) == ("warn", {"sharpness": 0.565, "blur_threshold": 1.0})


def test_a_portrait_with_a_soft_background_is_not_blurry(check):
    """Most of the picture is out of focus on purpose; the face (here: the sign and dog) is crisp."""
    sharp = pictures.photo(SNAPSHOT, seed=12)
    mask = Image.new("L", SNAPSHOT, 0)
    ImageDraw.Draw(mask).ellipse((500, 400, 1300, 1150), fill=255)
    portrait = pictures.blurred(sharp, 12)
    portrait.paste(sharp, (0, 0), mask)
    assert "blurry" not in check(portrait, name="portrait.jpg")


def test_a_photo_blown_up_from_a_thumbnail_is_flagged_with_its_real_detail(check):
    # A phone editor enlarged a 500 px picture 4x: at 2000 px it passes a pixel count, not a look.
    enlarged = pictures.upscaled(pictures.photo((2000, 1500), seed=5), 4)
    found = check(enlarged, product="mug", name="enlarged.jpg")
    assert set(found) == {"upscaled"}
    detail = found["upscaled"].detail
    assert 3 <= detail["factor"] <= 6 and detail["detail_dpi"] < 200 < detail["effective_dpi"]
    assert found["upscaled"].message == (
        "enlarged.jpg looks enlarged from a smaller picture (about 4.4x): its 2000 x 1500 pixels hold only as much "
        "detail as about 460 x 345, so it prints like 98 DPI, not 429. Ask the buyer for the original file, not an "
        "enlarged copy.")
    assert detail == {"factor": 4.35, "detail_dpi": 98, "effective_dpi": 429, "upscale_factor": 2.5}


def test_a_camera_original_is_not_called_enlarged(check):
    assert "upscaled" not in check(pictures.photo((2000, 1500), seed=5), product="mug", name="original.jpg")


def test_an_enlarged_picture_with_detail_to_spare_is_not_reported(check):
    # Enlarged 4x, yet on a rule content with 60 DPI its real detail (~100 DPI) is plenty.
    enlarged = pictures.upscaled(pictures.photo((2000, 1500), seed=5), 4)
    assert "upscaled" not in check(enlarged, product="mug", name="enlarged.jpg", warn_dpi=60, min_dpi=60)


def test_a_tiny_logo_lost_on_a_huge_canvas_is_flagged(check):
    upload = pictures.on_canvas(pictures.logo(100), (1500, 1800))  # printed 3x: a 0.9 in logo
    found = check(upload)
    assert set(found) == {"tiny_subject"}
    assert found["tiny_subject"].detail["subject_share"] < 0.01
    assert "of the 15 x 18 in print area" in found["tiny_subject"].message and "0.9 x 0.9 in" in found["tiny_subject"].message


def test_a_tiny_logo_is_measured_against_the_rules_box_and_named_with_what_surrounds_it(check):
    chest = check(pictures.on_canvas(pictures.logo(60), (1050, 1050)), product="tshirt-chest")["tiny_subject"]
    assert chest.message == (
        "The artwork in upload.png covers only 0.3% of the 3.5 x 3.5 in box the rule places artwork in ([fit] box) "
        "(below 5%): it prints about 0.2 x 0.2 in, because the rest of the file is transparent. If a small print is "
        "not what the buyer wants, crop the file to the artwork so it fills its space.")
    assert (chest.level, chest.detail) == ("warn", {"subject_share": 0.0028, "min_subject_share": 0.05})
    page = Image.new("RGB", (1500, 1800), "white")
    page.paste(pictures.logo(100), (700, 850), pictures.logo(100))
    found = check(page, name="page.png")
    assert set(found) == {"tiny_subject"}
    assert found["tiny_subject"].message == (
        "The artwork in page.png covers only 0.3% of the 15 x 18 in print area (below 5%): it prints about "
        "0.9 x 0.9 in, because the rest of the file is plain background. If a small print is not what the buyer "
        "wants, crop the file to the artwork so it fills its space.")


def test_a_minimal_sticker_logo_is_fine_when_the_rule_says_so(check):
    # A 0.3 in mark in the middle of a 4 x 4 in sticker: 0.6% of the area, meant to be small.
    mark = pictures.on_canvas(pictures.logo(180), (1200, 1200))
    assert "tiny_subject" in check(mark, product="sticker", min_subject_share=0.05)
    assert "tiny_subject" not in check(mark, product="sticker", min_subject_share=0.005)
    # The shipped sticker rule accepts marks down to 2% of the area.
    assert "tiny_subject" not in check(pictures.on_canvas(pictures.logo(240), (1200, 1200)), product="sticker")


def test_a_photo_edge_to_edge_is_never_a_tiny_subject(check):
    assert {"tiny_subject", "off_center"} & set(check(pictures.photo(SNAPSHOT, seed=3), name="p.jpg")) == set()


def test_art_pushed_to_one_side_of_its_file_is_flagged_and_centred_art_is_not(check):
    left = check(pictures.on_canvas(pictures.logo(600), (1500, 1800), at=(0.27, 0.5)))
    assert set(left) == {"off_center"}
    assert left["off_center"].detail["offset_in"] == [pytest.approx(-3.45, abs=0.1), pytest.approx(0, abs=0.05)]
    assert "sits off-centre in its file: 3." in left["off_center"].message and "to the left (" in left["off_center"].message
    assert check(pictures.on_canvas(pictures.logo(600), (1500, 1800))) == {}
    # On an opaque white page too: the plain colour around the art frames it.
    page = Image.new("RGB", (1500, 1500), "white")
    page.paste(pictures.logo(600), (850, 100), pictures.logo(600))
    found = check(page, name="page.jpg")
    assert "to the right and" in found["off_center"].message and "too high" in found["off_center"].message
    # Too low, in full: the words, the share and what goes into the ledger.
    low = check(pictures.on_canvas(pictures.logo(600), (1500, 1800), at=(0.5, 0.75)))["off_center"]
    assert low.message == (
        "The artwork in upload.png sits off-centre in its file: 4.5 in too low (25% of the file's size; more than "
        "15% is reported), so it prints off-centre. If that is not intended, crop the empty space away or centre "
        "the artwork.")
    assert (low.level.value, low.detail) == ("warn", {"offset": [0.0, 0.25], "offset_in": [0.0, 4.51],
                                                      "max_offcenter": 0.15})


def test_a_washed_out_photo_is_flagged_and_a_flat_colour_logo_is_not(check):
    photo = pictures.photo(SNAPSHOT, seed=8)
    found = check(pictures.washed_out(photo), name="faded.jpg")
    assert set(found) == {"low_contrast"}
    assert found["low_contrast"].message == (
        "faded.jpg has very low contrast: its darkest and lightest parts are only 18% of the full range apart "
        "(below 20%). It will print flat and faded, and may nearly vanish on a garment of similar colour. Ask for a "
        "better original, or adjust its levels.")
    assert found["low_contrast"].detail == {"contrast": 0.184, "min_contrast": 0.2}
    # Its spread is 47 of 255 levels: a rule asking for exactly that much is satisfied.
    assert check(pictures.washed_out(photo), name="faded.jpg", min_contrast=47 / 255) == {}
    assert check(photo, name="fine.jpg") == {}
    one_ink = Image.new("RGBA", (1200, 1200), (0, 0, 0, 0))
    ImageDraw.Draw(one_ink).ellipse((100, 100, 1100, 1100), fill=(30, 30, 30, 255))
    assert "low_contrast" not in check(one_ink, product="sticker")


def test_hairlines_in_line_art_are_flagged_and_bold_art_is_not(check):
    # 1500 px art on a 15 in wide shirt: each pixel prints 3 px wide, so a 1 px line is 0.7 pt.
    found = check(pictures.line_art((1500, 1500), line=1, bold=30))
    assert set(found) == {"thin_lines"} and found["thin_lines"].detail["thin_share"] > 0.03
    assert "thinner than 1 pt (0.35 mm)" in found["thin_lines"].message
    assert check(pictures.line_art((1500, 1500), line=2, bold=30)) == {}


def test_the_line_width_follows_the_rule_and_photos_are_not_line_art(check):
    hairline = pictures.line_art((1500, 1500), line=1, bold=30)
    assert check(hairline, min_line_pt=0.5) == {}
    assert check(hairline, min_line_pt=0) == {}, "0 switches the check off"
    found = check(hairline, min_line_pt=2)["thin_lines"]
    assert found.message == (
        "13% of the ink in upload.png is in lines thinner than 2 pt (0.71 mm) at print size: the printer may break "
        "them up or drop them. Ask for a version with bolder lines, or print it larger.")
    assert (found.level, found.detail) == ("warn", {"thin_share": 0.129, "min_line_pt": 2})
    assert "thin_lines" not in check(pictures.photo(SNAPSHOT, seed=2), name="photo.jpg", min_line_pt=6)


def test_a_soft_shadow_is_reported_with_its_share_and_clean_edges_are_not(check):
    found = check(pictures.soft_shadow(900))
    share = found["semi_transparent"].detail["semi_transparent_share"]
    assert set(found) == {"semi_transparent"} and 0.3 < share < 0.8
    assert f"{share:.0%} of the visible pixels" in found["semi_transparent"].message
    # Anti-aliased edges of a hard-edged logo are no problem.
    assert check(pictures.on_canvas(pictures.logo(900), (900, 900))) == {}
    # A poster flattens everything onto paper: see-through pixels just blend.
    assert "semi_transparent" not in check(pictures.soft_shadow(900), product="poster")


def test_semi_transparent_pixels_exactly_at_the_limit_are_not_reported(check):
    # Half the design is a 50% glow, and the rule allows half: "more than" the limit is reported.
    glow = Image.new("RGBA", (400, 400), (200, 40, 60, 255))
    glow.paste((200, 40, 60, 128), (0, 200, 400, 400))
    assert "semi_transparent" not in check(glow, max_semi_transparent_share=0.5)
    found = check(glow, max_semi_transparent_share=0.49)["semi_transparent"]
    assert found.message == (
        "50% of the visible pixels in upload.png are semi-transparent (more than soft edges: shadows, glows, "
        "faded parts; above 49%). DTG printers turn them into a speckled or pale patch, especially on dark "
        "garments. Check the proof; ask for solid colours if it matters.")
    assert (found.level, found.detail) == ("warn", {"semi_transparent_share": 0.5, "max_semi_transparent_share": 0.49})


def test_every_quality_check_can_be_switched_off_by_name(check):
    badge = pictures.logo(100)
    faded = Image.merge("RGBA", (*pictures.washed_out(badge.convert("RGB")).split(), badge.getchannel("A")))
    faded_tiny = pictures.on_canvas(faded, (1500, 1800), at=(0.2, 0.2))
    assert {"tiny_subject", "off_center", "low_contrast"} <= set(check(faded_tiny))
    assert check(faded_tiny, disabled=["tiny_subject", "off_center", "contrast"]) == {}


def test_a_blurry_photo_reaches_the_seller_with_the_warning_on_record(root):
    rule = root.rules / "mug.toml"
    rule.write_text(rule.read_text().replace('policy = "always"', 'policy = "when_clean"'))
    make_order(root, "61", "mug", pictures.blurred(pictures.photo((2700, 1050), seed=4), 5), ext="jpg", name="luna")
    make_order(root, "62", "mug", pictures.photo((2700, 1050), seed=4), ext="jpg", name="luna_sharp")

    assert run(root) == 0
    assert [p.name for p in files_in(root.review)] == ["61_mug_white_1_proof.jpg"]
    assert [p.name for p in files_in(root.production, "*.png")] == ["62_mug_white_1_print.png"]
    with Ledger(root.ledger) as ledger:
        (row,) = ledger.items("61")
    assert [(f["code"], f["level"]) for f in row.findings] == [("blurry", "warn")]
    assert "luna.jpg looks blurry" in row.findings[0]["message"]


@pytest.mark.parametrize(("art_size", "size"), [
    ((2400, 3000), (819, 1024)),  # reduced 2x each way, then BOX for the rest
    ((3001, 777), (1024, 265)),  # an odd width: the last block of the reduction is partial
    ((700, 4500), (159, 1024)),  # a tall strip: more rows than one strip of the reduction
])
def test_the_checks_see_art_reduced_as_pillow_reduces_it(art_size, size):
    # The checks measure a reduced copy; for transparent art it is made a strip at a time (no
    # premultiplied copy of the whole upload), and must be exactly Pillow's own reduction.
    import numpy as np

    from podwatch.checks.measure import reduced

    pixels = np.random.default_rng(5).integers(0, 256, (art_size[1], art_size[0], 4), dtype=np.uint8)
    pixels[::7, :, 3] = 0  # see-through rows: premultiplying matters
    art = Image.fromarray(pixels, "RGBA")
    assert reduced(art, size).tobytes() == art.resize(size, Image.Resampling.BOX, reducing_gap=2.0).tobytes()
    opaque = art.convert("RGB")
    assert reduced(opaque, size).tobytes() == opaque.resize(size, Image.Resampling.BOX, reducing_gap=2.0).tobytes()


def resolution_findings(tmp_path, size: tuple[int, int], product: str) -> dict[str, str]:
    path = tmp_path / "photo.png"
    pictures.photo(size, seed=1).save(path, compress_level=1)
    art = load_image(path, max_pixels=10**9)
    return {f.code: f.message for f in findings_for(Subject(art, RULES[product], Order(order_id="1", product=product)))}


@pytest.mark.parametrize(("size", "edges"), [((3000, 1000), "left and right edges"), ((1000, 3000), "top and bottom edges")])
def test_a_crop_names_the_edges_it_cuts(tmp_path, size, edges):
    found = resolution_findings(tmp_path, size, "phonecase")
    share = {"left and right edges": "84%", "top and bottom edges": "31%"}[edges]
    assert found["crop"] == (
        f"photo.png has a different shape from the print area; filling it cuts off {share} of the picture ({edges}). "
        "Check that nothing important (a face, a name) is cut on the proof.")


@pytest.mark.parametrize(("size", "product", "distance"), [
    ((3000, 1000), "phonecase", "53 cm (21 in)"),  # 164 DPI: fine from arm's length
    ((1000, 3000), "poster", "1.6 m (5 ft)"),  # 56 DPI: a poster seen across a room
    ((1530, 2040), "poster", "1.0 m (3 ft)"),  # 85 DPI: 40.4 in, just past where centimetres stop
    ((920, 1227), "poster", "1.7 m (6 ft)"),  # 51 DPI: 67 in, 5.6 ft
])
def test_a_soft_print_says_from_how_far_it_looks_sharp(tmp_path, size, product, distance):
    found = resolution_findings(tmp_path, size, product)
    assert f"it will look soft (blurred edges, fine detail lost) closer than about {distance}. Held" in found["dpi_low"]


@pytest.mark.parametrize(("size", "product", "prints"), [
    ((3000, 1000), "phonecase", "prints 2.9 x 6.1 in on the Phone case at 164 DPI, below the minimum of 200"),
    ((1000, 3000), "poster", "prints only 13.3 x 24.0 in on the Poster 18x24, at 75 DPI, because podwatch enlarges "
                             "artwork at most 4 times ([fit] max_upscale); filling its 18.0 x 54.0 in would give 56 DPI"),
])
def test_a_low_resolution_message_says_how_large_the_art_really_prints(tmp_path, size, product, prints):
    found = resolution_findings(tmp_path, size, product)
    assert found["dpi_low"].startswith(f"photo.png ({size[0]} x {size[1]} px) {prints}")


POSTER_LIMITS = {"min_dpi": 150, "warn_dpi": 200, "reject_dpi": 50, "orientation": "portrait"}


@pytest.mark.parametrize(("size", "code", "level", "hold", "message", "dots"), [
    ((300, 400), "dpi_too_low", "fail", False,
     "photo.png (300 x 400 px) prints only 4.0 x 5.3 in on the Poster 18x24, at 75 DPI, because podwatch enlarges "
     "artwork at most 4 times ([fit] max_upscale); filling its 18.0 x 24.0 in would give 17 DPI, far below the "
     "lowest podwatch will print for this product (50 DPI, [checks] reject_dpi in rules/poster.toml): each of its "
     "pixels would print as a 1.5 mm square, so the picture would not be recognisable. To make it, ask the buyer "
     "for a larger original (at least 2700 x 3600 px; the file itself, not a screenshot or a messenger copy).", 16.7),
    ((2200, 2900), "dpi_low", "warn", True,
     "photo.png (2200 x 2900 px) prints 18.0 x 24.0 in on the Poster 18x24 at 121 DPI, below the minimum of 150: it "
     "will look soft (blurred edges, fine detail lost) closer than about 72 cm (28 in). Held for you: approve the "
     "proof if that is good enough, or ask the buyer for a larger original (at least 2731 x 3600 px; the file "
     "itself, not a screenshot or a messenger copy).", 120.8),
    ((3150, 4200), "dpi_marginal", "warn", False,
     "photo.png (3150 x 4200 px) prints 18.0 x 24.0 in on the Poster 18x24 at 175 DPI, below the recommended 200: "
     "fine detail may look soft. Check the proof closely or ask for a larger original.", 175.0),
], ids=["refused", "held", "marginal"])
def test_each_dpi_finding_in_full(tmp_path, size, code, level, hold, message, dots):
    path = tmp_path / "photo.png"
    pictures.photo(size, seed=1).save(path, compress_level=1)
    art = load_image(path, max_pixels=10**9)
    found = [f for f in findings_for(Subject(art, RULES["poster"], Order(order_id="1", product="poster")))
             if f.code.startswith("dpi")]
    assert [(f.code, f.level, f.hold, f.message) for f in found] == [(code, level, hold, message)]
    assert found[0].detail == {"effective_dpi": dots, **POSTER_LIMITS}


def test_a_picture_exactly_at_the_reject_floor_is_held_not_refused(tmp_path):
    # 900 x 1200 px fill the 18 x 24 in poster at exactly 50 DPI, its reject_dpi: the floor itself is printable.
    assert [code for code in resolution_findings(tmp_path, (900, 1200), "poster") if code.startswith("dpi")] == ["dpi_low"]


@pytest.mark.parametrize(("size", "codes"), [((800, 800), ["dpi_marginal"]), ((1000, 1000), [])],
                         ids=["at min_dpi", "at warn_dpi"])
def test_a_sticker_exactly_at_a_dpi_limit_is_not_below_it(tmp_path, size, codes):
    # The 4 x 4 in sticker asks for 200 DPI and recommends 250: 800 and 1000 px are exactly those.
    assert [code for code in resolution_findings(tmp_path, size, "sticker") if code.startswith("dpi")] == codes


def test_art_of_another_shape_leaves_part_of_a_contain_print_area_empty_and_says_so(tmp_path):
    path = tmp_path / "photo.png"
    pictures.photo((3000, 1000), seed=1).save(path, compress_level=1)
    art = load_image(path, max_pixels=10**9)
    found = [f for f in findings_for(Subject(art, RULES["tshirt"], Order(order_id="1", product="tshirt")))
             if f.code in ("crop", "empty_area")]
    assert [(f.code, f.level, f.message, f.detail) for f in found] == [(
        "empty_area", "info",
        "photo.png has a different shape from the print area, so 72% of the print area stays empty. That is often "
        'fine (a round logo on a shirt); use fit = "cover" in the rule to fill it instead.',
        {"empty_share": 0.722},
    )]
    # Nearly the shirt's shape: a thin empty margin says nothing.
    pictures.photo((1500, 1700), seed=1).save(path, compress_level=1)
    art = load_image(path, max_pixels=10**9)
    assert [f for f in findings_for(Subject(art, RULES["tshirt"], Order(order_id="1", product="tshirt")))
            if f.code == "empty_area"] == []


def test_art_exactly_at_max_empty_or_max_crop_is_not_reported_and_a_pixel_past_it_is(tmp_path):
    def said(size: tuple[int, int], product: str, **checks) -> list[str]:
        path = tmp_path / "art.png"
        Image.new("RGB", size, (200, 40, 60)).save(path)
        rule = RULES[product]
        rule = rule.model_copy(update={"checks": rule.checks.model_copy(update=checks)})
        found = findings_for(Subject(load_image(path, max_pixels=10**9), rule, Order(order_id="1", product=product)))
        return [f.code for f in found if f.code in ("crop", "empty_area")]

    # 900 x 700 px on the 9 x 3.5 in mug leave exactly half its print area empty: its max_empty.
    assert (said((900, 700), "mug"), said((899, 700), "mug")) == ([], ["empty_area"])
    # 1800 x 1800 px filling the 18 x 24 in poster lose exactly a quarter: a seller's max_crop of 0.25.
    assert (said((1800, 1800), "poster", max_crop=0.25), said((1801, 1800), "poster", max_crop=0.25)) == (
        [], ["crop"])


def test_a_cut_within_max_crop_is_not_reported_and_a_larger_one_is_recorded_with_its_share(tmp_path):
    def crop(size: tuple[int, int], product: str) -> list:
        path = tmp_path / "photo.png"
        pictures.photo(size, seed=1).save(path, compress_level=1)
        art = load_image(path, max_pixels=10**9)
        subject = Subject(art, RULES[product], Order(order_id="1", product=product))
        return [(f.level, f.detail) for f in findings_for(subject) if f.code == "crop"]

    assert crop((1800, 2500), "poster") == [], "4% cut off a poster: within its max_crop of 8%"
    assert crop((3000, 1000), "phonecase") == [("warn", {"crop_share": 0.84})]


# The line measurement, against a plain reference: the whole picture resized once to the working
# grid (the thinnest allowed line `span` pixels wide), ink per pixel, and what an opening with a
# disc `span` pixels across wipes away. podwatch measures it a tile at a time and skips flat
# tiles; the answer must be the same.

def one_pass_thin_share(art: Image.Image, background, ink_distance: float, line_px: float) -> float:
    import math

    import numpy as np
    from scipy import ndimage

    w, h = art.size
    for span in (5, 3):
        k = span / line_px
        if w * h * k * k <= 12_000_000:
            break
    else:
        k = math.sqrt(12_000_000 / (w * h))
    grid = art.resize((round(w * k), round(h * k)), Image.Resampling.BILINEAR if k > 1 else Image.Resampling.BOX)
    if background is None:
        ink = np.asarray(grid.getchannel("A")).astype(np.float64)
    else:
        distance = np.abs(np.asarray(grid.convert("RGB")).astype(np.int64) - np.array(background)).max(axis=2)
        ink = np.minimum(255, np.round(distance * (255 / ink_distance)))  # the solid ink counts as full
    r = span // 2
    y, x = np.mgrid[-r:r + 1, -r:r + 1]
    kept = ndimage.grey_opening(ink.astype(np.uint8), footprint=x * x + y * y <= (span / 2) ** 2, mode="constant")
    return float((ink - kept).sum() / ink.sum())


def sparse_line_art(size: tuple[int, int], ink: tuple[int, int, int], background) -> Image.Image:
    """Two bold squares and three lines, 1, 2 and 3 px wide, on tile borders and across them; the
    rest of the picture is empty, so most tiles are flat and skipped."""
    art = Image.new("RGBA" if background is None else "RGB", size, (0, 0, 0, 0) if background is None else background)
    draw = ImageDraw.Draw(art)
    fill = ink if background else (*ink, 255)
    draw.rectangle((100, 100, 179, 179), fill=fill)
    draw.rectangle((250, 250, 329, 329), fill=fill)
    draw.line((127, 300, 127, 600), fill=fill, width=1)
    draw.line((384, 10, 384, 200), fill=fill, width=2)
    draw.line((500, 255, 900, 255), fill=fill, width=3)  # along the border of the tiles at 256
    return art


@pytest.mark.parametrize("line_px", [5, 2.5, 10, 5 / 3], ids=["as drawn", "2x larger", "half size", "3 px wide"])
@pytest.mark.parametrize("size", [(1000, 800), (2000, 1600), (5000, 3000)], ids=["1 MP", "3 MP", "15 MP: working grid shrunk"])
@pytest.mark.parametrize(("ink", "background"), [((0, 0, 0), (255, 255, 255)), ((200, 40, 60), (250, 240, 220)),
                                                 ((20, 20, 20), None)], ids=["black on white", "red on cream", "on transparency"])
def test_thin_ink_is_measured_tile_by_tile_as_in_one_pass_over_the_whole_picture(line_px, size, ink, background):
    from podwatch.checks.measure import thin_share, views

    art = sparse_line_art(size, ink, background)
    distance = max(abs(a - b) for a, b in zip(ink, background, strict=True)) if background else 255
    expected = one_pass_thin_share(art, background, distance, line_px)
    assert thin_share(art, views(art), background, line_px) == pytest.approx(expected, rel=1e-5)


def test_a_line_under_the_minimum_width_is_all_thin_ink_and_one_over_it_none():
    from podwatch.checks.measure import thin_share, views

    def share(width: int, at: int = 300) -> float:
        art = Image.new("RGB", (1200, 900), "white")
        ImageDraw.Draw(art).rectangle((at, 200, at + width - 1, 700), fill="black")
        return thin_share(art, views(art), (255, 255, 255), 5.0)  # lines under 5 px are thin

    assert share(4) == 1.0
    # Only the bar's four corners round off under the disc: one pixel each of 5 x 501.
    assert share(5) == pytest.approx(4 / (5 * 501))
    assert share(40) == pytest.approx(4 / (40 * 501))
    # Against the left edge of the file a bar is as wide as it is drawn (beyond the edge is no ink,
    # not its mirror image): a 4 px frame along the edge is thin, a 5 px one loses its four corners.
    assert (share(5, at=0), share(4, at=0), share(2, at=0)) == (pytest.approx(4 / (5 * 501)), 1.0, 1.0)
    assert thin_share(Image.new("RGB", (400, 300), "white"), views(Image.new("RGB", (400, 300), "white")),
                      (255, 255, 255), 5.0) is None, "no ink, nothing to measure"


def test_busy_line_art_is_measured_in_one_pass_with_the_same_answer():
    from podwatch.checks.measure import thin_share, views

    for size, line_px in (((1500, 1500), 2.5), ((2600, 2100), 10), ((4000, 3200), 4.2)):
        art = pictures.line_art(size, line=2, bold=30)
        expected = one_pass_thin_share(art, (255, 255, 255), 255, line_px)
        assert thin_share(art, views(art), (255, 255, 255), line_px) == pytest.approx(expected, rel=1e-5), size


# Each limit in `[checks]` is the last value that passes: "below", "less than" and "more than"
# in the README. A picture measured exactly at a limit set to its own measurement is not reported.

@pytest.fixture
def measured(upload):
    """What the quality check's own measurement `name` (in podwatch.checks.quality) finds on `image`."""
    from podwatch.checks import quality

    def measure(name: str, image: Image.Image, product: str = "tshirt", upload_name: str = "upload.png"):
        subject = Subject(upload(image, upload_name), RULES[product], Order(order_id="1", product=product))
        return getattr(quality, name)(subject)

    return measure


def test_a_picture_exactly_at_each_quality_limit_is_not_reported(check, measured, monkeypatch):
    soft = pictures.blurred(pictures.photo(SNAPSHOT, seed=12), 3)
    score = measured("sharpness", soft, upload_name="soft.jpg")
    assert "blurry" not in check(soft, name="soft.jpg", blur_threshold=score)
    assert "blurry" in check(soft, name="soft.jpg", blur_threshold=score + 0.001)

    enlarged = pictures.upscaled(pictures.photo((2000, 1500), seed=5), 4)
    factor = measured("detail_factor", enlarged, "mug", "enlarged.jpg")
    assert "upscaled" in check(enlarged, product="mug", name="enlarged.jpg", upscale_factor=factor), "at least as enlarged"
    assert "upscaled" not in check(enlarged, product="mug", name="enlarged.jpg", upscale_factor=factor + 0.001)
    # Exactly sharp enough not to be called blurry: the enlargement is still said.
    at_blur = measured("sharpness", enlarged, "mug", "enlarged.jpg")
    assert set(check(enlarged, product="mug", name="enlarged.jpg", blur_threshold=at_blur)) == {"upscaled"}

    badge = pictures.on_canvas(pictures.logo(200), (1500, 1800))
    share = measured("subject_box", badge)[0]
    assert "tiny_subject" not in check(badge, min_subject_share=share)
    assert "tiny_subject" in check(badge, min_subject_share=share + 0.0001)

    hairline = pictures.line_art((1500, 1500), line=1, bold=30)
    thin = measured("thin_share", hairline)
    monkeypatch.setattr("podwatch.checks.quality.THIN_SHARE", thin)
    assert "thin_lines" not in check(hairline)
    monkeypatch.setattr("podwatch.checks.quality.THIN_SHARE", thin - 0.0001)
    assert "thin_lines" in check(hairline)


def test_real_detail_exactly_at_warn_dpi_is_enough(check, monkeypatch):
    # 1400 px across the mug's 3.5 in height: 400 DPI; enlarged 2x, it holds exactly 200 DPI of detail.
    from podwatch.prepress.placement import effective_dpi

    enlarged = pictures.upscaled(pictures.photo((2000, 1400), seed=5), 4)
    assert effective_dpi(enlarged.size, RULES["mug"].print_area, RULES["mug"].fit) == 400
    monkeypatch.setattr("podwatch.checks.measure.detail_factor", lambda image, views: 2.0)
    assert "upscaled" not in check(enlarged, product="mug", name="enlarged.jpg", upscale_factor=2, warn_dpi=200)
    found = check(enlarged, product="mug", name="enlarged.jpg", upscale_factor=2, warn_dpi=201)["upscaled"]
    assert found.detail == {"factor": 2.0, "detail_dpi": 200, "effective_dpi": 400, "upscale_factor": 2}


def test_art_off_centre_exactly_by_the_limit_is_not_reported_and_the_message_names_only_whats_past_it(check, measured):
    art = pictures.on_canvas(pictures.logo(500), (1500, 1800), at=(0.38, 0.78))  # a little left, far down
    box = measured("content", art)
    dx, dy = (box.left + box.right) / 2 - 0.5, (box.top + box.bottom) / 2 - 0.5
    assert dx < 0 < dy and abs(dx) < dy
    assert "off_center" not in check(art, max_offcenter=dy)
    found = check(art, max_offcenter=abs(dx))["off_center"]
    assert "sits off-centre in its file: 5.0 in too low (28% of" in found.message, "the left shift is exactly the limit"
    assert found.detail["offset"] == [round(dx, 3), round(dy, 3)]
    # The other way round: far to the right, a little high, by exactly the limit.
    art = pictures.on_canvas(pictures.logo(500), (1500, 1800), at=(0.8, 0.4))
    box = measured("content", art)
    dy = (box.top + box.bottom) / 2 - 0.5
    found = check(art, max_offcenter=abs(dy))["off_center"]
    assert "sits off-centre in its file: 4.5 in to the right (" in found.message


def test_art_the_crop_cuts_off_entirely_covers_nothing(check):
    # A phone case fills its print area: the wide picture's far left, where its only artwork is, is cut.
    wide = Image.new("RGB", (3000, 1000), "white")
    ImageDraw.Draw(wide).ellipse((20, 400, 180, 560), fill=(30, 60, 160))
    found = check(wide, product="phonecase")["tiny_subject"]
    assert found.detail == {"subject_share": 0.0, "min_subject_share": RULES["phonecase"].checks.min_subject_share}
    assert found.message == (
        "The artwork in upload.png lies where filling the 2.93 x 6.1 in print area cuts the file off: none of it "
        "prints. Crop the file to the artwork, or centre the artwork in it.")
    # And a long strip whose artwork is at its very top, where filling cuts it off.
    tall = Image.new("RGB", (1000, 5000), "white")
    ImageDraw.Draw(tall).ellipse((400, 20, 560, 180), fill=(30, 60, 160))
    assert check(tall, product="phonecase")["tiny_subject"].detail["subject_share"] == 0.0


def test_see_through_pixels_are_counted_beyond_soft_edges_as_defined():
    # The definition, by distance transforms: visible pixels under solid (250) that are not within
    # 2 px (a square) of both a solid and a clear pixel, as a share of the visible ones.
    import numpy as np
    from scipy import ndimage

    from podwatch.checks.measure import semi_transparent

    alpha = np.zeros((300, 400), np.uint8)
    alpha[40:260, 40:180] = 255
    for width in range(1, 7):  # edges 1 to 6 px soft, on the right of six bands
        alpha[40 + 35 * (width - 1): 70 + 35 * (width - 1), 180:180 + width] = np.linspace(240, 20, width, dtype=np.uint8)
    alpha[100:160, 250:330] = 120  # a glow standing alone
    alpha[200:230, 250:300] = np.tile([1, 249, 250, 254, 255, 0, 2, 128, 251, 60], 5)  # the limits' own values
    visible, solid = alpha > 0, alpha >= 250

    def within(mask, px):
        return ndimage.distance_transform_cdt(~mask, metric="chessboard") <= px

    semi = visible & ~solid & ~(within(solid, 2) & within(~visible, 2))
    assert semi_transparent(alpha) == semi.sum() / visible.sum() > 0.05
    # Hard edges only: nothing see-through, and no see-through picture at all.
    hard = np.zeros((200, 200), np.uint8)
    hard[50:150, 50:150] = 255
    assert semi_transparent(hard) == 0.0
    assert semi_transparent(np.zeros((50, 50), np.uint8)) == 0.0


def test_a_hard_edged_badge_on_transparency_is_not_see_through(check):
    badge = Image.new("RGBA", (900, 900), (0, 0, 0, 0))
    ImageDraw.Draw(badge).rectangle((200, 200, 700, 700), fill=(200, 40, 60, 255))
    assert check(badge, max_semi_transparent_share=0) == {}


def test_what_hides_under_transparency_is_not_measured():
    # A cut-out keeps the photo's colours under alpha 0; the checks see mid grey there, so the same
    # cut-out hiding a sharp photo or plain black measures the same, and is still called enlarged.
    import numpy as np

    from podwatch.checks.measure import detail_factor, views

    enlarged = np.asarray(pictures.upscaled(pictures.photo((1600, 1200), seed=5), 4).convert("RGBA"))
    sharp = np.asarray(pictures.photo((1600, 1200), seed=9))
    for band in (800, 100):  # see-through columns: the right half, or every other 100 px
        clear = (np.arange(1600) // band) % 2 == 1
        hiding = {}
        for name, under in (("photo", sharp), ("black", np.zeros_like(sharp))):
            pixels = enlarged.copy()
            pixels[:, clear, :3], pixels[:, clear, 3] = under[:, clear], 0
            hiding[name] = Image.fromarray(pixels, "RGBA")
        seen = views(hiding["photo"])
        np.testing.assert_array_equal(seen.grey, views(hiding["black"]).grey)
        factor = detail_factor(hiding["photo"], seen)
        assert factor == detail_factor(hiding["black"], views(hiding["black"])) > 2, band


def test_a_camera_original_measures_no_enlargement():
    from podwatch.checks.measure import detail_factor, views

    original = pictures.photo((2000, 1500), seed=5)
    assert detail_factor(original, views(original)) < 1.3


def test_a_photo_cut_out_on_transparency_is_not_line_art(measured):
    # Most of the file is see-through and perfectly even; what prints is a photo, with no lines to lose.
    mask = Image.new("L", (1500, 1500), 0)
    ImageDraw.Draw(mask).ellipse((550, 550, 950, 950), fill=255)
    cutout = Image.new("RGBA", (1500, 1500), (0, 0, 0, 0))
    cutout.paste(pictures.photo((1500, 1500), seed=3), (0, 0), mask)
    assert measured("thin_share", cutout) is None


def test_a_check_name_is_registered_once():
    from podwatch.checks.registry import REGISTRY, register

    with pytest.raises(ValueError, match="check 'blur' registered twice"):
        register("blur", REGISTRY["blur"])


def test_the_artworks_box_is_where_it_prints_even_when_it_touches_an_edge():
    from podwatch.checks.measure import Content, content, views

    on_clear = Image.new("RGBA", (1000, 800), (0, 0, 0, 0))
    on_clear.paste((30, 60, 160, 255), (100, 200, 300, 400))
    assert content(views(on_clear)) == Content(0.1, 0.25, 0.3, 0.5, None)
    # On a plain cream page, with a banner running off the bottom edge: the page still frames it.
    page = Image.new("RGB", (1000, 800), (250, 240, 220))
    page.paste((30, 60, 160), (100, 200, 300, 400))
    page.paste((200, 40, 60), (400, 650, 600, 800))
    assert content(views(page)) == Content(0.1, 0.25, 0.6, 1.0, (250, 240, 220))
    # A photo edge to edge has no frame, and a blank page nothing that prints.
    assert content(views(pictures.photo((1000, 800), seed=4))) is None
    assert content(views(Image.new("RGB", (1000, 800), "white"))) is None


def test_a_half_see_through_pixel_is_seen_half_its_colour_half_mid_grey():
    import numpy as np

    from podwatch.checks.measure import views

    pixels = np.array([[[200, 40, 60, 255], [200, 40, 60, 0], [200, 40, 60, 102]]], np.uint8)
    grey = views(Image.fromarray(pixels, "RGBA")).grey[0]
    luma = 0.2126 * 200 + 0.7152 * 40 + 0.0722 * 60
    assert grey.tolist() == pytest.approx([luma, 128, luma * 0.4 + 128 * 0.6], abs=1e-3)


def test_an_enlarged_photo_faded_into_a_page_corner_is_measured_where_it_has_detail():
    # Only 9 spots of the page have texture (fewer than the 16 looked at), all in its corner.
    from PIL import ImageFilter

    from podwatch.checks.measure import detail_factor, views

    patch = pictures.upscaled(pictures.photo((1000, 1000), seed=5), 4).crop((0, 0, 400, 400))
    fade = Image.new("L", (400, 400), 0)
    ImageDraw.Draw(fade).ellipse((60, 60, 340, 340), fill=255)
    page = Image.new("RGB", (2000, 1500), "white")
    page.paste(patch, (1600, 1100), fade.filter(ImageFilter.GaussianBlur(32)))
    assert detail_factor(page, views(page)) > 3


def test_bold_two_colour_art_half_inked_is_flat_art(measured):
    # Black on white, nearly half of it ink: two colours, both solid; its lines are measured.
    art = Image.new("RGB", (1200, 1200), "white")
    draw = ImageDraw.Draw(art)
    for x in range(100, 1100, 200):
        draw.rectangle((x, 100, x + 90, 1100), fill="black")
    assert measured("thin_share", art) == 0.0


def test_detail_along_one_edge_is_measured_alike_on_either_side():
    # The crops that judge detail stay inside the picture: a strip of enlarged photo along the right
    # edge measures as its mirror image along the left (too little to judge, or the same factor).
    import numpy as np

    from podwatch.checks.measure import detail_factor, views

    enlarged = np.asarray(pictures.upscaled(pictures.photo((1600, 1200), seed=5), 4))
    for strip in (50, 200):
        pixels = np.full_like(enlarged, 128)
        pixels[:, -strip:] = enlarged[:, -strip:]
        right = Image.fromarray(pixels)
        left = right.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        measured, mirrored = detail_factor(right, views(right)), detail_factor(left, views(left))
        assert (measured is None) == (mirrored is None), strip
        assert measured is None or measured == pytest.approx(mirrored, rel=1e-6), strip

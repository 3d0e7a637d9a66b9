"""The seller decides the edge cases: low resolution and quality doubts wait in review/, only what
cannot be made goes to failed/; landscape art prints landscape; logos on dark shirts lose their box."""

from __future__ import annotations

import csv
import json
import time

import pictures
from conftest import approve_all, files_in, make_order, run
from PIL import Image
from running import configure, still_being_written

from podwatch.cli.main import main
from podwatch.jobs import State
from podwatch.outputs.ledger import Ledger

PHONE = (4032, 3024)  # a 12 MP phone photo, landscape as the camera saves it


def rows(root, order_id=None):
    with Ledger(root.ledger) as ledger:
        return ledger.items(order_id)


def codes(row) -> dict[str, dict]:
    return {f["code"]: f for f in row.findings}


def set_rule(root, product, old, new):
    path = root.rules / f"{product}.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def photo_jpeg(root, name, size=PHONE, seed=12, quality=90):
    pictures.photo(size, seed=seed).save(root.inbox / name, quality=quality)


def drop_json(root, name, **order):
    (root.inbox / name).write_text(json.dumps(order), encoding="utf-8")


def test_a_12_mp_phone_photo_is_made_on_every_bundled_product(root):
    photo = pictures.photo(PHONE, seed=12)
    products = sorted(p.stem for p in root.rules.glob("*.toml"))
    for product in products:
        make_order(root, order_id=f"p-{product}", product=product, image=photo, name=product, ext="jpg",
                   save={"quality": 90}, personalization={"name": "Luna", "date": "2024-05-01"})

    assert run(root) == 0
    made = {row.product: row for row in rows(root)}
    assert sorted(made) == products
    assert {row.state for row in made.values()} == {State.REVIEW}, "nothing a phone takes is refused"
    assert files_in(root.failed) == []
    # Posters and canvas come either way up: the landscape photo prints landscape, all of it.
    assert (made["poster"].width_px, made["poster"].height_px) == (7200, 5400)
    assert (made["canvas"].width_px, made["canvas"].height_px) == (9000, 7200)
    assert round(codes(made["poster"])["dpi_marginal"]["detail"]["effective_dpi"]) == 168
    assert round(codes(made["canvas"])["dpi_marginal"]["detail"]["effective_dpi"]) == 126
    assert "crop" not in codes(made["poster"]), "a 4:3 photo fills a 24 x 18 in poster without a cut"
    with Image.open(root.state / "pending" / "p-poster_poster_white_1_print.png") as printed:
        assert printed.size == (7200, 5400)


def test_a_low_resolution_upload_is_held_for_the_seller_even_under_an_automatic_policy(root):
    set_rule(root, "tshirt", 'policy = "always"', 'policy = "never"')
    photo = pictures.photo((2048, 2048), seed=3)
    make_order(root, order_id="4001", image=photo, name="selfie", ext="webp", save={"quality": 90})

    assert run(root) == 0, "nothing failed"
    (row,) = rows(root, "4001")
    assert row.state is State.REVIEW
    low = codes(row)["dpi_low"]
    assert low["level"] == "warn" and low["hold"] is True
    assert low["detail"]["effective_dpi"] == 136.5
    message = low["message"]
    assert "selfie.webp" in message and "137 DPI" in message and "soft" in message
    assert "at least 2250 x 2250 px" in message, "it says what the buyer should send"
    assert files_in(root.production) == [] and files_in(root.failed) == []

    approve_all(root)  # the seller looked and decided: it prints
    assert run(root) == 0
    assert [p.name for p in files_in(root.production, "*.png")] == ["4001_tshirt_white_1_print.png"]


def test_a_small_logo_on_a_sticker_is_held_not_refused(root):
    logo = pictures.jpeg(pictures.logo(500))  # a 500 px logo, sent as a JPEG on white
    make_order(root, order_id="4002", product="sticker", image=logo, name="logo", ext="jpg")

    assert run(root) == 0
    (row,) = rows(root, "4002")
    assert row.state is State.REVIEW and codes(row)["dpi_low"]["hold"] is True
    assert files_in(root.failed) == []


def test_uploads_held_for_different_reasons_wait_in_review_together(root):
    folder = root.inbox / "etsy 4003"
    folder.mkdir()
    pictures.photo((3024, 4032), seed=5).save(folder / "family.jpg", quality=90)  # fine for a poster
    pictures.photo((1200, 1600), seed=6).save(folder / "dog.jpg", quality=90)  # 67 DPI on a poster
    (folder / "order.json").write_text(json.dumps({
        "order_id": "4003", "product": "poster", "files": ["family.jpg", "dog.jpg"],
        "personalization": {"caption": "Mickey Mouse"},  # someone else's character: a risk hold
    }))
    set_rule(root, "poster", 'policy = "always"', 'policy = "never"')

    assert run(root) == 0
    items = {row.source: row for row in rows(root, "4003")}
    assert {name: row.state for name, row in items.items()} == {"family.jpg": State.REVIEW, "dog.jpg": State.REVIEW}
    assert codes(items["dog.jpg"])["dpi_low"]["hold"] and codes(items["dog.jpg"])["blocked_term"]["hold"]
    assert "dpi_low" not in codes(items["family.jpg"]) and codes(items["family.jpg"])["blocked_term"]["hold"]
    assert len(files_in(root.review)) == 2 and files_in(root.failed) == []
    assert sorted(p.name for p in files_in(root.archive / "4003")) == ["dog.jpg", "family.jpg", "order.json"]


def test_a_thumbnail_on_a_poster_cannot_be_made_and_is_refused(root):
    make_order(root, order_id="4004", product="poster", image=pictures.photo((60, 40), seed=2), name="thumb")

    assert run(root) == 1
    (row,) = rows(root, "4004")
    assert row.state is State.FAILED
    text = (root.failed / "4004" / "thumb.png.error.txt").read_text()
    assert "thumb.png (60 x 40 px)" in text and "2 DPI" in text and "not be recognisable" in text
    assert "reject_dpi" in text and "50 DPI" in text, "the floor and where it is set are named"
    assert "at least 4050 x 2700 px" in text


def test_reject_dpi_is_the_sellers_floor(root):
    # The seller's own floor: a 2560 x 1708 photo (95 DPI, held by default) is refused at 100.
    make_order(root, order_id="4005", product="poster", image=pictures.photo((2560, 1708), seed=4), name="a")
    assert run(root) == 0
    (held,) = rows(root, "4005")
    assert held.state is State.REVIEW and round(codes(held)["dpi_low"]["detail"]["effective_dpi"]) == 95
    assert (held.width_px, held.height_px) == (7200, 5400), "landscape, not its middle half cut out"

    set_rule(root, "poster", "min_dpi = 150", "min_dpi = 150\nreject_dpi = 100")
    make_order(root, order_id="4006", product="poster", image=pictures.photo((2560, 1708), seed=4), name="b")
    assert run(root) == 1
    (refused,) = rows(root, "4006")
    assert refused.state is State.FAILED and codes(refused)["dpi_too_low"]["detail"]["reject_dpi"] == 100


def test_reject_dpi_must_be_below_min_dpi(root, capsys):
    set_rule(root, "poster", "min_dpi = 150", "min_dpi = 150\nreject_dpi = 150")
    assert main(["rules", "check", "--root", str(root.path)]) == 2
    assert "reject_dpi (150) must be lower than min_dpi (150)" in capsys.readouterr().err


def test_a_quality_check_a_rule_set_to_fail_holds_instead(root):
    # A rule file written before holds existed: quality_level = "fail" now holds for the seller.
    set_rule(root, "tshirt", 'quality_level = "warn"', 'quality_level = "fail"')
    set_rule(root, "tshirt", 'policy = "always"', 'policy = "never"')
    soft = pictures.blurred(pictures.photo((4500, 3400), seed=8), 12)
    make_order(root, order_id="4007", image=soft, name="soft", ext="jpg", save={"quality": 90})

    assert run(root) == 0
    (row,) = rows(root, "4007")
    assert row.state is State.REVIEW
    blurry = codes(row)["blurry"]
    assert blurry["level"] == "warn" and blurry["hold"] is True


def test_landscape_art_prints_landscape_on_a_poster_and_says_so(root):
    set_rule(root, "poster", 'policy = "always"', 'policy = "never"')
    beach = pictures.photo(PHONE, seed=12)
    make_order(root, order_id="4008", product="poster", image=beach, name="beach", ext="jpg", save={"quality": 92})
    make_order(root, order_id="4009", product="poster", image=beach.transpose(Image.Transpose.ROTATE_90),
               name="tower", ext="jpg", save={"quality": 92})

    assert run(root) == 0
    with open(root.production / "manifest.csv", newline="", encoding="utf-8") as handle:
        manifest = {row["order_id"]: row for row in csv.DictReader(handle)}
    assert (manifest["4008"]["width_px"], manifest["4008"]["height_px"], manifest["4008"]["orientation"]) == (
        "7200", "5400", "landscape")
    assert (manifest["4009"]["width_px"], manifest["4009"]["height_px"], manifest["4009"]["orientation"]) == (
        "5400", "7200", "portrait")
    with Image.open(root.production / "4008_poster_white_1_print.png") as printed:
        assert printed.size == (7200, 5400) and round(printed.info["dpi"][0]) == 300
        corner = printed.convert("RGB").resize((72, 54)).getpixel((36, 5))
    assert corner[2] > corner[0], "the sky is at the top: the picture was not turned, the paper was"


def test_either_way_up_cannot_go_with_text_boxes_fixed_in_inches(root, capsys):
    set_rule(root, "nametee", "dpi = 300\n", 'dpi = 300\norientation = "either"\n')
    assert main(["rules", "check", "--root", str(root.path)]) == 2
    assert 'orientation = "either"' in capsys.readouterr().err


def test_a_logo_on_white_ordered_on_a_black_shirt_is_cut_out(root):
    logo = pictures.jpeg(pictures.on_canvas(pictures.logo(1200), (1800, 1800)), quality=92)
    make_order(root, order_id="4010", image=logo, name="logo", ext="jpg", variant="black / L")
    make_order(root, order_id="4011", image=logo, name="logo2", ext="jpg", variant="white / L")

    assert run(root) == 0
    on_black, on_white = rows(root, "4010")[0], rows(root, "4011")[0]
    assert "cut_on_dark" in codes(on_black) and "background_box" not in codes(on_black)
    assert "cut_on_dark" not in codes(on_white)
    with Image.open(root.state / "pending" / "4010_tshirt_black-L_1_print.png") as printed:
        alpha = printed.getchannel("A")
        # The box around the badge is gone; the badge and its cream middle still print.
        assert alpha.getpixel((5, 5)) == 0 and alpha.getpixel((2250, 1500)) == 255
    with Image.open(root.state / "pending" / "4011_tshirt_white-L_1_print.png") as printed:
        assert printed.getchannel("A").getpixel((300, 300)) == 255, "on a white shirt the upload prints as sent"


def test_a_photo_on_a_black_shirt_is_left_as_it_is(root):
    portrait = pictures.photo((3000, 3600), seed=10)
    make_order(root, order_id="4012", image=portrait, name="dog", ext="jpg", variant="black / M")

    assert run(root) == 0
    (row,) = rows(root, "4012")
    assert "cut_on_dark" not in codes(row)
    with Image.open(root.state / "pending" / "4012_tshirt_black-M_1_print.png") as printed:
        # Nothing was cut, and the photo covers the whole print area: no pixel is see-through,
        # so the print file has no alpha channel at all.
        assert printed.mode == "RGB"


def test_run_once_right_after_a_drop_waits_for_the_files_to_settle(root):
    configure(root, intake={"stability_seconds": 1.5})
    make_order(root, order_id="4013", product="sticker", image=pictures.logo(1200))

    started = time.monotonic()
    assert run(root) == 0
    assert time.monotonic() - started >= 1.0, "it waited for the files to be quiet"
    assert [p.name for p in files_in(root.review)] == ["4013_sticker_white_1_proof.jpg"]


def test_run_once_leaves_a_file_still_being_written(root, capsys):
    configure(root, intake={"stability_seconds": 1})
    upload, _ = make_order(root, order_id="4014", product="sticker", image=pictures.logo(1200))
    with still_being_written(upload):  # a sync client still writing it
        assert run(root) == 0
    assert files_in(root.review) == [] and upload.exists()
    assert "Not taken yet from inbox/: 2 still arriving" in capsys.readouterr().out

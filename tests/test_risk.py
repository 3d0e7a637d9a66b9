"""Risk checks: a brand in the buyer's text, a stock photo, a picture on the seller's blocklist."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pictures
import pytest
from conftest import files_in, make_order, run
from loguru import logger
from PIL import Image

from podwatch.checks import blocklist as blocklist_module
from podwatch.checks.blocklist import Blocklist
from podwatch.checks.catalog import findings_for
from podwatch.checks.registry import Subject
from podwatch.config.root import Root
from podwatch.config.rulebook import load_rules
from podwatch.outputs.ledger import Ledger
from podwatch.prepress.loading import load_image

MUG = (2700, 1050)  # the mug's exact print size: nothing else to warn about, cheap to export


def when_clean(root: Root, product: str = "mug") -> None:
    """The seller lets clean orders go straight to production."""
    rule = root.rules / f"{product}.toml"
    rule.write_text(rule.read_text().replace('policy = "always"', 'policy = "when_clean"'))


# The mugs here print no buyer text, so every order with a name also gets the
# "typed but not printed" note (tested in test_text_orders.py); it is not about risk.
NOT_RISK = {"text_not_printed"}


def findings_of(root: Root, order_id: str) -> list[dict]:
    with Ledger(root.ledger) as ledger:
        (row,) = ledger.items(order_id)
    return [f for f in row.findings if f["code"] not in NOT_RISK]


def snapshot(seed: int = 7) -> Image.Image:
    return pictures.photo(MUG, seed=seed)


@pytest.fixture
def warned():
    """The warnings podwatch logs while the test runs, as the seller reads them in the log."""
    said: list[str] = []
    sink = logger.add(lambda message: said.append(message.record["message"]), level="WARNING")
    yield said
    logger.remove(sink)


def checked(root: Root, path: Path, product: str = "mug", **order) -> list:
    """The findings `podwatch check` would print for `path`, with the root's blocklist."""
    from podwatch.config.order import Order

    rule = load_rules(root.rules)[product]
    art = load_image(path, max_pixels=10**9)
    found = findings_for(Subject(art, rule, Order(order_id="1", product=product, **order), blocklist=Blocklist.open(root)))
    return [f for f in found if f.code not in NOT_RISK]


def test_a_character_in_the_buyers_text_waits_for_the_seller_with_the_words_quoted(root):
    when_clean(root)
    make_order(root, "21", "mug", snapshot(), ext="jpg", personalization={"name": "Luna", "line2": "Mickey-Mouse ears!"})
    make_order(root, "22", "mug", snapshot(), ext="jpg", personalization={"name": "Nikeisha", "trip": "Disneyland 2024"})

    assert run(root) == 0

    assert [p.name for p in files_in(root.review)] == ["21_mug_white_1_proof.jpg"]
    assert [p.name for p in files_in(root.production, "*.png")] == ["22_mug_white_1_print.png"]
    (term,) = [f for f in findings_of(root, "21") if f["code"] == "blocked_term"]
    assert term["level"] == "warn" and term["hold"] is True
    assert term["detail"]["found"] == [{"where": 'the buyer\'s text "line2"', "text": "Mickey-Mouse"}]
    assert '"Mickey Mouse" is on podwatch\'s list' in term["message"] and "licence" in term["message"]
    assert findings_of(root, "22") == []


def test_risk_warnings_wait_for_a_person_even_when_the_policy_never_asks(root):
    rule = root.rules / "mug.toml"
    rule.write_text(rule.read_text().replace('policy = "always"', 'policy = "never"'))
    make_order(root, "23", "mug", snapshot(), ext="jpg", name="StarWars_fan_gift", personalization={"name": "Max"})
    make_order(root, "24", "mug", pictures.blurred(snapshot(), 6), ext="jpg", personalization={"name": "Max"})

    assert run(root) == 0
    assert [p.name for p in files_in(root.review)] == ["23_mug_white_1_proof.jpg"]
    assert [f["detail"]["found"][0]["text"] for f in findings_of(root, "23")] == ["StarWars"]
    # A quality warning is the seller's to judge: under `never` it is logged and printed.
    assert [f["code"] for f in findings_of(root, "24")] == ["blurry"]
    assert [p.name for p in files_in(root.production, "*.png")] == ["24_mug_white_1_print.png"]


def test_a_rule_can_block_its_own_terms_and_switch_the_check_off(root):
    rule = root.rules / "mug.toml"
    rule.write_text(rule.read_text().replace("[checks]", '[checks]\nblocked_terms = ["Acme Rockets"]'))
    upload = root.path / "acme.jpg"
    snapshot().save(upload)

    (hit,) = checked(root, upload, instructions="Put the ACME-ROCKETS logo big")
    assert hit.detail["list"] == "rules/mug.toml" and hit.detail["found"][0]["where"] == "the instructions"
    on_tote = checked(root, upload, product="tote", instructions="Put the ACME-ROCKETS logo big")
    assert [f.code for f in on_tote if f.code == "blocked_term"] == []

    rule.write_text(rule.read_text().replace('disabled = ["semi_transparent"]', 'disabled = ["semi_transparent", "terms"]'))
    assert checked(root, upload, personalization={"name": "Mickey Mouse"}) == []


def test_every_place_the_buyer_wrote_a_brand_is_found_with_where_it_was(root, tmp_path):
    upload = tmp_path / "DisneyPrincessParty.jpg"
    snapshot().save(upload)
    found = checked(root, upload, personalization={"name": "Luna", "line1": "Star Wars", "line2": "pokemon fan"},
                    instructions="Add a small Hello Kitty")
    assert [(f.detail["term"], f.detail["found"]) for f in found if f.code == "blocked_term"] == [
        ("Star Wars", [{"where": 'the buyer\'s text "line1"', "text": "Star Wars"}]),
        ("Pokémon", [{"where": 'the buyer\'s text "line2"', "text": "pokemon"}]),
        ("Disney", [{"where": 'the file name "DisneyPrincessParty.jpg"', "text": "Disney"}]),
        ("Hello Kitty", [{"where": "the instructions", "text": "Hello Kitty"}]),
    ]


def test_a_term_found_in_several_places_is_said_once_with_each_place_and_the_advice_for_its_list(root, tmp_path):
    upload = tmp_path / "shutterstock_99.jpg"
    snapshot().save(upload)
    found = checked(root, upload, personalization={"names": ["Luna", "Star Wars"], "back": {"line": "star-wars"}},
                    instructions="Use the Getty Images one")
    assert [f.message for f in found] == [
        'The buyer\'s text "names[2]" says "Star Wars"; the buyer\'s text "back.line" says "star-wars": "Star Wars" is '
        "on podwatch's list of often-enforced brands, characters and people. Printing it without a licence risks a "
        "takedown or a claim: check the proof, and decline the order or ask the buyer to change it unless you hold a "
        "licence.",
        'The file name "shutterstock_99.jpg" says "shutterstock": "Shutterstock" is on podwatch\'s list of stock photo '
        "agencies. Stock pictures are licensed for limited uses, almost never for printing on products that are sold. "
        "Ask the buyer for their own picture, or for proof of an extended licence.",
        'The instructions say "Getty Images": "Getty Images" is on podwatch\'s list of stock photo agencies. Stock '
        "pictures are licensed for limited uses, almost never for printing on products that are sold. Ask the buyer "
        "for their own picture, or for proof of an extended licence.",
    ]
    assert [(f.level.value, f.hold) for f in found] == [("warn", True)] * 3


STOCK_XMP = {"dc:creator": "Jane Doe", "photoshop:Credit": "Getty Images/iStockphoto", "dc:rights": "© Jane Doe"}


def test_authorship_is_quoted_as_a_person_would_read_it(root, tmp_path):
    # Padding an old camera leaves, Latin-1 from an old IPTC editor, XMP's language tag: none of it
    # belongs in what the seller is shown.
    upload = tmp_path / "dog.jpg"
    pictures.save_with_metadata(snapshot(), upload, exif={0x013B: "Jane Doe\x00\x00"},
                                xmp={"dc:rights": "© Jane Doe"}, iptc={(2, 116): b"\xa9 Jane Doe Photo"})
    rights = {f.code: f for f in checked(root, upload)}["rights_metadata"]
    assert rights.detail["tags"] == {"EXIF Artist": "Jane Doe", "XMP dc:rights": "© Jane Doe",
                                     "IPTC Copyright Notice": "© Jane Doe Photo"}
    assert "x-default" not in rights.message and "\x00" not in rights.message


def test_stock_photo_metadata_is_reported_with_the_exact_text(root, tmp_path):
    upload = tmp_path / "dog.jpg"
    pictures.save_with_metadata(
        snapshot(), upload, exif={0x013B: "Jane Doe", 0x8298: "© 2021 Getty Images"}, xmp=STOCK_XMP,
        iptc={(2, 110): "Alamy Stock Photo", (2, 120): "Golden retriever at Disneyland"},
    )
    found = {f.code: f for f in checked(root, upload)}

    stock = found["stock_photo"]
    assert sorted(stock.detail["agencies"]) == ["Alamy", "Getty Images", "iStockphoto"]
    assert 'EXIF Copyright "© 2021 Getty Images"' in stock.message
    assert 'XMP photoshop:Credit "Getty Images/iStockphoto"' in stock.message
    assert 'IPTC Credit "Alamy Stock Photo"' in stock.message
    rights = found["rights_metadata"]
    assert rights.detail["tags"] == {"EXIF Artist": "Jane Doe", "XMP dc:creator": "Jane Doe", "XMP dc:rights": "© Jane Doe"}
    # "Disneyland" in the caption is no "Disney": nothing else is said.
    assert set(found) == {"stock_photo", "rights_metadata"}


def test_a_plain_phone_photo_and_the_buyers_own_name_are_no_risk(root, tmp_path):
    plain = tmp_path / "IMG_4821.jpg"
    pictures.save_with_metadata(snapshot(), plain, exif={0x010F: "Apple", 0x0110: "iPhone 14"})
    assert checked(root, plain) == []

    own = tmp_path / "ana.jpg"
    pictures.save_with_metadata(snapshot(), own, exif={0x013B: "Ana Souza", 0x8298: "© Ana Souza 2024"})
    (note,) = checked(root, own, customer={"name": "Ana Souza"})
    assert (note.code, note.level.value, note.hold) == ("rights_metadata", "info", False)
    assert note.message == ("ana.jpg's metadata names the buyer (Ana Souza) as its author: EXIF Artist \"Ana Souza\"; "
                            "EXIF Copyright \"© Ana Souza 2024\".")
    assert note.detail == {"tags": {"EXIF Artist": "Ana Souza", "EXIF Copyright": "© Ana Souza 2024"}}


def test_an_author_who_is_not_the_buyer_is_held_with_every_tag_quoted(root, tmp_path):
    # Two creators (an XMP list), Lightroom's PLUS copyright owner (a structure: rdf:parseType is markup,
    # not a name), an owner described with rdf:about, and a copyright notice that runs on.
    upload = tmp_path / "dog.jpg"
    copyright_notice = "(c) Jane Doe" + " all rights reserved" * 12
    pictures.save_with_metadata(
        snapshot(), upload, exif={0x8298: copyright_notice},
        xmp={"dc:creator": ["Jane Doe", "Joe Roe"]},
        xmp_xml='<plus:CopyrightOwner><rdf:Seq><rdf:li rdf:parseType="Resource"><plus:CopyrightOwnerName>Jane Doe '
                "Photo</plus:CopyrightOwnerName></rdf:li></rdf:Seq></plus:CopyrightOwner><xmpRights:Owner><rdf:Bag>"
                '<rdf:li><rdf:Description rdf:about="urn:jane"><rdf:value>Jane Doe Studio</rdf:value>'
                "</rdf:Description></rdf:li></rdf:Bag></xmpRights:Owner>")
    notice = copyright_notice[:199] + "…"  # 200 characters quoted, no more
    assert notice.endswith("reserved all ri…")
    # The buyer has a name, but not this one: the order waits for the seller.
    (rights,) = checked(root, upload, customer={"name": "Ana Souza"})
    assert (rights.code, rights.level.value, rights.hold) == ("rights_metadata", "warn", True)
    assert rights.message == (
        f'dog.jpg\'s metadata names an author or rights holder: EXIF Copyright "{notice}"; XMP dc:creator "Jane Doe"; '
        'XMP dc:creator "Joe Roe"; XMP plus:CopyrightOwner "Jane Doe Photo"; XMP xmpRights:Owner "Jane Doe Studio". '
        "If that is not the buyer, they may not have the right to have it printed: ask them to confirm they made the "
        "picture or may use it.")
    assert rights.detail["tags"] == {"EXIF Copyright": notice, "XMP plus:CopyrightOwner": "Jane Doe Photo",
                                     "XMP xmpRights:Owner": "Jane Doe Studio", "XMP dc:creator": "Jane Doe; Joe Roe"}
    # An app that writes "None" for a missing author, and a buyer who gave no name: still held.
    pictures.save_with_metadata(snapshot(), upload, exif={0x013B: "None"})
    (rights,) = checked(root, upload)
    assert (rights.level.value, rights.hold, rights.detail["tags"]) == ("warn", True, {"EXIF Artist": "None"})
    # A notice of exactly 200 characters is quoted whole.
    pictures.save_with_metadata(snapshot(), upload, exif={0x8298: copyright_notice[:200]})
    (rights,) = checked(root, upload, customer={"name": "Ana Souza"})
    assert rights.detail["tags"] == {"EXIF Copyright": copyright_notice[:200]}


@pytest.mark.parametrize(("credit", "named"), [
    ("Alamy Stock Photo", 'the stock agency "Alamy"'),
    ("Alamy Stock Photo / Getty Images", 'the stock agencies "Alamy" and "Getty Images"'),
    ("Alamy, Getty Images/iStockphoto", 'the stock agencies "Alamy", "Getty Images" and "iStockphoto"'),
])
def test_the_stock_agencies_are_named_as_a_person_lists_them(root, tmp_path, credit, named):
    upload = tmp_path / "dog.jpg"
    pictures.save_with_metadata(snapshot(), upload, iptc={(2, 110): credit})
    (stock,) = checked(root, upload)
    assert stock.message.startswith(f'dog.jpg\'s metadata names {named}: IPTC Credit "{credit}". Stock pictures')
    assert (stock.level.value, stock.hold) == ("warn", True)
    assert stock.detail["tags"] == {"IPTC Credit": credit}


def test_a_caption_naming_a_brand_is_flagged_as_that_brand(root, tmp_path):
    upload = tmp_path / "party.jpg"
    pictures.save_with_metadata(snapshot(), upload, xmp={"dc:description": "Pikachu birthday cake"})
    (hit,) = checked(root, upload)
    assert (hit.code, hit.level.value, hit.hold) == ("blocked_term", "warn", True)
    assert hit.detail["found"] == [{"where": "the metadata (XMP dc:description)", "text": "Pikachu"}]


def test_a_blocklisted_picture_is_found_resized_recompressed_and_cropped(root):
    character = pictures.character((1000, 1000), seed=1)
    (root.blocklist / "licensed").mkdir()
    character.save(root.blocklist / "licensed" / "mouse.png")
    pictures.photo((1600, 1200), seed=101).save(root.blocklist / "takedown.jpg", quality=90)
    w, h = character.size
    copy = character.crop((int(0.08 * w), int(0.03 * h), w, int(0.94 * h))).resize((700, 634))
    make_order(root, "31", "mug", pictures.jpeg(copy, 70), ext="jpg", name="cute_mouse")
    make_order(root, "32", "mug", pictures.character((1000, 1000), seed=2), ext="png", name="my_own_mouse")
    make_order(root, "33", "mug", snapshot(seed=4), ext="jpg", name="garden")

    run(root)

    (match,) = [f for f in findings_of(root, "31") if f["code"] == "blocklisted"]
    assert match["detail"]["matches"][0]["file"] == "licensed/mouse.png"
    assert match["detail"]["matches"][0]["distance"] <= 10 and match["hold"] is True
    assert "cute_mouse.jpg looks like blocklist/licensed/mouse.png" in match["message"]
    for other in ("32", "33"):
        assert not [f for f in findings_of(root, other) if f["code"] == "blocklisted"]


@pytest.mark.parametrize(("side", "bits"), [("left", 3), ("top", 2), ("right", 3), ("bottom", 3)])  # measured
def test_a_blocklisted_picture_trimmed_on_any_one_side_is_found(root, tmp_path, side, bits):
    # A screenshot or a phone crop cuts 12% off one edge: the blocklist's trimmed variants find it.
    character = pictures.character((1000, 1000), seed=1)
    character.save(root.blocklist / "mouse.png")
    trim = {"left": (120, 0, 1000, 1000), "top": (0, 120, 1000, 1000),
            "right": (0, 0, 880, 1000), "bottom": (0, 0, 1000, 880)}[side]
    upload = tmp_path / "mouse.jpg"
    pictures.jpeg(character.crop(trim).resize((700, 700)), 70).save(upload)
    (match,) = [f for f in checked(root, upload) if f.code == "blocklisted"]
    assert match.detail["matches"] == [{"file": "mouse.png", "distance": bits}]
    # Up to 2 bits apart it is called the same picture; further, a look-alike.
    likeness = "is the same picture as" if bits == 2 else "looks like"
    assert match.message.startswith(f"mouse.jpg {likeness} blocklist/mouse.png, a picture you marked")


@pytest.mark.parametrize("corner", ["top left", "top right", "bottom right", "bottom left"])
def test_a_blocklisted_picture_trimmed_at_a_corner_is_found(root, tmp_path, corner):
    # A phone crop often takes two edges at once: 12% off the top and the left, say.
    character = pictures.character((1000, 1000), seed=1)
    character.save(root.blocklist / "mouse.png")
    left, top = (120 if "left" in corner else 0), (120 if "top" in corner else 0)
    right, bottom = (880 if "right" in corner else 1000), (880 if "bottom" in corner else 1000)
    upload = tmp_path / "mouse.jpg"
    pictures.jpeg(character.crop((left, top, right, bottom)).resize((700, 700)), 70).save(upload)
    (match,) = [f for f in checked(root, upload) if f.code == "blocklisted"]
    assert match.detail["matches"][0]["file"] == "mouse.png"


def test_a_blocklisted_picture_given_a_frame_is_found(root, tmp_path):
    # A copy with a white frame around it (a screenshot of the picture on a page, a framed mock-up):
    # 158 px a side is the 12% the upload's middle crop takes off, leaving the picture whole.
    character = pictures.character((1000, 1000), seed=1)
    character.save(root.blocklist / "mouse.png")
    framed = Image.new("RGB", (1316, 1316), "white")
    framed.paste(character.convert("RGB"), (158, 158))
    upload = tmp_path / "framed.jpg"
    pictures.jpeg(framed.resize((800, 800)), 70).save(upload)
    (match,) = [f for f in checked(root, upload) if f.code == "blocklisted"]
    assert match.detail["matches"][0]["file"] == "mouse.png"


@pytest.mark.parametrize(("kept_as", "mode"), [("png", "RGBA"), ("png", "LA"), ("gif", "P"), ("tif", "PA")])
def test_transparent_art_in_the_blocklist_is_found_in_a_copy_flattened_onto_white(root, tmp_path, kept_as, mode):
    # The seller keeps the licensed sticker design as it came (see-through pixels stored black);
    # the buyer sends the JPEG a design tool exported from it, on white.
    design = pictures.on_canvas(pictures.logo(400), (800, 800))
    if mode == "LA":
        design = design.convert("LA")
    elif mode == "PA":  # a palette TIFF with an alpha channel
        alpha = design.getchannel("A")
        design = design.convert("RGB").quantize(64).convert("PA")
        design.putalpha(alpha)
    design.save(root.blocklist / f"sticker.{kept_as}")
    upload = tmp_path / "my_sticker.jpg"
    pictures.jpeg(design.convert("RGBA"), 80).save(upload)
    with Image.open(root.blocklist / f"sticker.{kept_as}") as kept:
        assert kept.mode == mode
    (match,) = [f for f in checked(root, upload) if f.code == "blocklisted"]
    assert "my_sticker.jpg is the same picture as blocklist/" in match.message


@pytest.mark.parametrize(("draw", "size", "blocked", "uploaded"), [
    (pictures.photo, (1200, 900), 9, 4), (pictures.character, (800, 800), 3, 11),
], ids=["garden photos", "cartoon faces"])
def test_a_different_picture_laid_out_the_same_way_is_not_taken_for_a_blocklisted_one(
    root, tmp_path, draw, size, blocked, uploaded,
):
    # Same kind of scene, same layout: one hash alone (here the gradient one, 8 and 9 bits apart)
    # calls them copies; both hashes agreeing on the same crops do not.
    draw(size, seed=blocked).save(root.blocklist / "licensed.png")
    upload = tmp_path / "mine.jpg"
    pictures.jpeg(draw(size, seed=uploaded), 70).save(upload)
    assert [f for f in checked(root, upload) if f.code == "blocklisted"] == []


def test_the_blocklist_finding_names_the_closest_picture_and_the_others(root, tmp_path):
    character = pictures.character((800, 800), seed=1)
    for name in ("mouse.png", "mouse_2.png", "mouse_3.png", "mouse_4.png", "mouse_5.png"):
        character.save(root.blocklist / name)
    upload = tmp_path / "gift.jpg"
    pictures.jpeg(character, 90).save(upload)
    said = (", a picture you marked as never to be printed (0 of 64 fingerprint bits differ; 10 or fewer count as a "
            "copy). Compare the two; decline the order if it is the same picture, however resized, cropped or "
            "recompressed.")
    (match,) = [f for f in checked(root, upload) if f.code == "blocklisted"]
    assert match.message == ("gift.jpg is the same picture as blocklist/mouse.png (and 4 more: mouse_2.png, "
                             "mouse_3.png, mouse_4.png)" + said), "three others are named, the rest counted"
    assert (match.level.value, match.hold) == ("warn", True)
    assert match.detail["matches"][:2] == [{"file": "mouse.png", "distance": 0}, {"file": "mouse_2.png", "distance": 0}]
    assert match.detail["max_distance"] == 10
    for copy in ("mouse_3.png", "mouse_4.png", "mouse_5.png"):
        (root.blocklist / copy).unlink()
    (match,) = [f for f in checked(root, upload) if f.code == "blocklisted"]
    assert match.message == "gift.jpg is the same picture as blocklist/mouse.png (and 1 more: mouse_2.png)" + said
    (root.blocklist / "mouse_2.png").unlink()
    (match,) = [f for f in checked(root, upload) if f.code == "blocklisted"]
    assert match.message == "gift.jpg is the same picture as blocklist/mouse.png" + said


@pytest.mark.parametrize(("name", "scanned", "mode"), [
    ("scan.png", lambda grey: grey.astype("uint16") * 257, "I;16"),  # every grey above 255 of 65535 turned white
    ("scan.tif", lambda grey: grey.astype("float32") / 255, "F"),  # 0..1: every pixel turned black
])
def test_a_16_bit_or_float_grey_scan_in_the_blocklist_is_found_in_an_ordinary_copy(root, tmp_path, name, scanned, mode):
    # A scanner's 16-bit greyscale PNG, a float TIFF from an editor: converted as they are, they
    # would be a white or a black square.
    import numpy as np

    grey = pictures.character((1000, 1000), seed=1).convert("L")
    Image.fromarray(scanned(np.asarray(grey))).save(root.blocklist / name)
    with Image.open(root.blocklist / name) as kept:
        assert kept.mode == mode
    upload = tmp_path / "copy.jpg"
    pictures.jpeg(grey.convert("RGB").resize((700, 700)), 80).save(upload)
    (match,) = [f for f in checked(root, upload) if f.code == "blocklisted"]
    assert f"copy.jpg is the same picture as blocklist/{name}" in match.message


def test_a_huge_uploads_fingerprint_is_made_from_the_size_pillows_thumbnail_gives():
    # Read in pieces, a huge upload is reduced straight to this size; the blocklist's pictures are
    # reduced by thumbnail(). One pixel apart, the two fingerprints of one picture drift apart.
    draw = random.Random(5)
    sizes = [(513, 513), (4000, 3000), (9000, 3), (1025, 1024), (600, 1)]
    sizes += [(draw.randint(513, 6000), draw.randint(1, 6000)) for _ in range(300)]
    for width, height in sizes + [size[::-1] for size in sizes]:
        whole = Image.new("1", (width, height))
        whole.thumbnail((blocklist_module.HASH_SIDE, blocklist_module.HASH_SIDE))
        assert blocklist_module._hash_size((width, height)) == whole.size


def test_blocklist_fingerprints_are_kept_and_only_changed_files_hashed_again(root, monkeypatch, warned):
    for seed in range(3):
        pictures.character((600, 600), seed=seed).save(root.blocklist / f"c{seed}.png")
    (root.blocklist / "notes.txt").write_text("not a picture")
    (root.blocklist / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 cut off")
    # What a Mac, Office and a folder of old pictures leave there: none of it is a blocklisted picture.
    (root.blocklist / "._c0.png").write_bytes(b"\x00\x05\x16\x07 AppleDouble")
    (root.blocklist / "~$c1.png").write_bytes(b"lock")
    (root.blocklist / "old.png").mkdir()
    hashed: list[int] = []
    kept: list[int] = []
    real, real_write = blocklist_module.fingerprint, blocklist_module.write_text

    def counting(image, crops=blocklist_module.UPLOAD_CROPS):
        if crops is blocklist_module.BLOCKED_CROPS:
            hashed.append(1)
        return real(image, crops)

    def writing(path, text):
        kept.append(1)
        real_write(path, text)

    monkeypatch.setattr(blocklist_module, "fingerprint", counting)
    monkeypatch.setattr(blocklist_module, "write_text", writing)
    probe = pictures.character((600, 600), seed=2)

    assert [m.name for m in Blocklist.open(root).match(probe, 10)] == ["c2.png"]
    assert len(hashed) == 3, "the broken file is skipped with a warning, the text file and the debris ignored"
    assert [line.split(" cannot")[0] for line in warned] == ["blocklist/broken.jpg"]
    cache = json.loads(root.blocklist_cache.read_text())
    assert sorted(cache["files"]) == ["c0.png", "c1.png", "c2.png"]

    hashed.clear()
    kept.clear()
    Blocklist.open(root).match(probe, 10)  # a new run: everything comes from the cache, which stays as it is
    assert (hashed, kept) == ([], [])

    pictures.character((600, 600), seed=9).save(root.blocklist / "c1.png")
    (root.blocklist / "c0.png").unlink()
    assert Blocklist.open(root).match(pictures.character((600, 600), seed=9), 10)[0].name == "c1.png"
    assert len(hashed) == 1
    assert sorted(json.loads(root.blocklist_cache.read_text())["files"]) == ["c1.png", "c2.png"]

    # A picture replaced under the same name is hashed once, and its new hashes kept.
    pictures.character((600, 600), seed=4).save(root.blocklist / "c2.png")
    hashed.clear()
    assert Blocklist.open(root).match(pictures.character((600, 600), seed=4), 10)[0].name == "c2.png"
    assert Blocklist.open(root).match(pictures.character((600, 600), seed=4), 10)[0].name == "c2.png"
    assert len(hashed) == 1

    # Hashes made another way (an older podwatch), or a cache damaged by hand: everything is hashed again.
    cache = json.loads(root.blocklist_cache.read_text())
    for damaged in ({**cache, "method": "phash8/whole-v1"}, {"method": cache["method"]}):
        root.blocklist_cache.write_text(json.dumps(damaged))
        hashed.clear()
        assert Blocklist.open(root).match(pictures.character((600, 600), seed=4), 10)[0].name == "c2.png"
        assert len(hashed) == 2


def test_a_copy_exactly_at_the_rules_distance_is_found(root, tmp_path):
    character = pictures.character((800, 800), seed=1)
    character.save(root.blocklist / "mouse.png")
    copy = pictures.jpeg(character.crop((0, 0, 800, 760)).resize((500, 475)), 60)
    ((name, distance),) = [(m.name, m.distance) for m in Blocklist.open(root).match(copy, 64)]
    assert distance > 0
    assert [m.name for m in Blocklist.open(root).match(copy, distance)] == ["mouse.png"]
    assert Blocklist.open(root).match(copy, distance - 1) == []


def test_a_blocklist_file_that_is_no_picture_is_skipped_with_one_warning_and_a_cache_that_cannot_be_kept_costs_nothing(
        root, warned):
    pictures.character((600, 600), seed=2).save(root.blocklist / "c2.png")
    (root.blocklist / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 cut off")
    root.blocklist_cache.mkdir(parents=True)  # where the hashes are kept: taken by a folder
    lists = Blocklist.open(root)
    for _upload in range(2):  # two uploads checked by one run
        assert [m.name for m in lists.match(pictures.character((600, 600), seed=2), 10)] == ["c2.png"]
    broken = [line for line in warned if "broken.jpg" in line]
    assert broken == ["blocklist/broken.jpg cannot be read as a picture (Truncated File Read); it is skipped"], (
        "said once, in Pillow's words, not for every upload")
    assert set(warned) - set(broken) == {f"could not keep blocklist hashes in {root.blocklist_cache}: Is a directory"}


@pytest.mark.parametrize("level", ["fail"])
def test_a_seller_can_make_risk_findings_refuse_the_order(root, level):
    rule = root.rules / "mug.toml"
    rule.write_text(rule.read_text().replace("[checks]", f'[checks]\nrisk_level = "{level}"'))
    make_order(root, "41", "mug", snapshot(), ext="jpg", personalization={"name": "Harry Potter fan"})
    assert run(root) == 1
    error = (root.failed / "41" / "41.jpg.error.txt").read_text()
    assert '"Harry Potter"' in error


def test_a_pngs_own_copyright_text_is_read_too(root, tmp_path, monkeypatch):
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_itxt("Copyright", "© Disney Enterprises, Inc.")
    upload = tmp_path / "castle.png"
    snapshot().save(upload, pnginfo=info)
    found = {f.code: f for f in checked(root, upload)}
    assert found["rights_metadata"].detail["tags"] == {"PNG Copyright": "© Disney Enterprises, Inc."}
    assert found["blocked_term"].detail["found"] == [{"where": "the metadata (PNG Copyright)", "text": "Disney"}]
    # Read from the file's header: not one pixel is decoded again for it (a PNG's EXIF is only
    # looked for before its pixels, where editors write it).
    from podwatch.checks.metadata import read_tags

    def decoded(image):
        raise AssertionError(f"{image.filename} decoded to read its metadata")

    monkeypatch.setattr(PngImagePlugin.PngImageFile, "load", decoded)
    assert [tag.label for tag in read_tags(upload)] == ["PNG Copyright"]


def test_authorship_in_every_place_a_program_writes_it_is_read(root, tmp_path):
    # Windows' XP tags (UTF-16), a PNG's own EXIF block, two IPTC by-lines, and an XMP packet in two
    # rdf:Description blocks as Photoshop writes it: each author is quoted, and a title naming a brand found.
    xp = Image.Exif()
    xp[0x9C9D] = "Zoë Doe".encode("utf-16-le") + b"\0\0"
    xp[0x9C9B] = "Pikachu party".encode("utf-16-le")
    snapshot().save(tmp_path / "windows.jpg", exif=xp.tobytes())
    artist = Image.Exif()
    artist[0x013B] = "Jane Doe"
    snapshot().save(tmp_path / "exported.png", exif=artist.tobytes())
    pictures.save_with_metadata(snapshot(), tmp_path / "agency.jpg", iptc={(2, 80): ["Jane Doe", "Joe Roe"]})
    pictures.save_with_metadata(snapshot(), tmp_path / "photoshop.jpg", xmp={"dc:creator": "Jane Doe"},
                                xmp_xml='</rdf:Description><rdf:Description rdf:about="" '
                                        'xmlns:plus="http://ns.useplus.org/ldf/xmp/1.0/"><plus:Licensor>Joe Roe Studio'
                                        "</plus:Licensor>")
    said = {}
    for name in ("windows.jpg", "exported.png", "agency.jpg", "photoshop.jpg"):
        found = {f.code: f for f in checked(root, tmp_path / name)}
        said[name] = found.pop("rights_metadata").message.split(": ", 1)[1].split(". If that", 1)[0]
        assert [(f.code, f.detail["found"]) for f in found.values()] == (
            [("blocked_term", [{"where": "the metadata (EXIF XPTitle)", "text": "Pikachu"}])] if name == "windows.jpg"
            else [])
    assert said == {"windows.jpg": 'EXIF XPAuthor "Zoë Doe"', "exported.png": 'EXIF Artist "Jane Doe"',
                    "agency.jpg": 'IPTC By-line "Jane Doe"; IPTC By-line "Joe Roe"',
                    "photoshop.jpg": 'XMP dc:creator "Jane Doe"; XMP plus:Licensor "Joe Roe Studio"'}


def test_a_cut_off_windows_tag_costs_only_its_last_character(root, tmp_path):
    xp = Image.Exif()
    xp[0x9C9D] = "Zoë Doe".encode("utf-16-le") + b"\x00"  # one byte short of a character
    xp[0x8298] = "Jane Doe Studio"
    snapshot().save(tmp_path / "cut.jpg", exif=xp.tobytes())
    (rights,) = checked(root, tmp_path / "cut.jpg")
    assert rights.detail["tags"] == {"EXIF Copyright": "Jane Doe Studio", "EXIF XPAuthor": "Zoë Doe\ufffd"}


def test_a_term_in_the_sellers_own_list_holds_the_order(root, tmp_path):
    root.blocked_terms.write_text("# my shop\nAcme Rockets\n")
    upload = tmp_path / "luna.jpg"
    snapshot().save(upload)
    (hit,) = checked(root, upload, personalization={"name": "Acme Rockets fan"})
    assert (hit.code, hit.level.value, hit.hold) == ("blocked_term", "warn", True)
    assert hit.message.startswith('The buyer\'s text "name" says "Acme Rockets": "Acme Rockets" is on your '
                                  "blocked_terms.txt.")


def test_a_tiffs_own_artist_tag_is_read_too(root, tmp_path):
    upload = tmp_path / "scan.tif"
    snapshot().save(upload, tiffinfo={0x013B: "Jane Doe"})  # a TIFF keeps EXIF's tags among its own
    (rights,) = checked(root, upload)
    assert (rights.code, rights.detail["tags"]) == ("rights_metadata", {"EXIF Artist": "Jane Doe"})


def test_a_name_only_order_is_checked_for_blocked_terms_too(root):
    (root.inbox / "7100.json").write_text(json.dumps({
        "order_id": "7100", "product": "namemug", "variant": "white", "files": [],
        "personalization": {"name": "Mickey Mouse"},
    }))
    assert run(root) == 0
    (term,) = [f for f in findings_of(root, "7100") if f["code"] == "blocked_term"]
    assert term["hold"] is True and "Mickey Mouse" in term["message"]
    assert [p.name for p in files_in(root.review)] == ["7100_namemug_white_1_proof.jpg"]


@pytest.mark.parametrize("numpy_2", [True, False], ids=["numpy 2", "numpy 1"])
def test_hash_distances_are_counted_the_same_with_or_without_numpy_2(monkeypatch, numpy_2):
    # podwatch installs with numpy 1.24 or newer: before 2.0 there is no bitwise_count.
    import numpy as np

    if not numpy_2:
        monkeypatch.delattr(np, "bitwise_count", raising=False)
    differ = np.array([[[0, 1], [2**64 - 1, 0x0F0F0F0F0F0F0F0F]], [[0x8000000000000001, 6], [3, 2**63]]],
                      dtype=np.uint64)
    assert blocklist_module._popcount(differ).tolist() == [[[0, 1], [64, 32]], [[2, 2], [2, 1]]]

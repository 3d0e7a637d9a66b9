"""Personalized orders end to end: name-only mugs, a photo with a name, rule mistakes, the proof's buyer text."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import approve_all, artwork, files_in, make_order, run
from PIL import Image

from podwatch.cli.main import main
from podwatch.config.order import Order
from podwatch.config.rulebook import load_rule
from podwatch.errors import ConfigError
from podwatch.intake.scan import scan_inbox
from podwatch.proof.text_shown import buyer_lines
from podwatch.text.fields import lay_out_fields
from podwatch.text.fonts import FONTS_DIR


def drop_text_order(root, order_id: str, product: str = "namemug", folder: bool = False, **personalization) -> Path:
    """A name-only order: just the order JSON, saying it has no files."""
    data = {"order_id": order_id, "product": product, "variant": "white", "files": [],
            "personalization": personalization}
    if folder:
        (root.inbox / f"order {order_id}").mkdir()
        path = root.inbox / f"order {order_id}" / "order.json"
    else:
        path = root.inbox / f"{order_id}.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def text_boxes(rule) -> list[tuple[int, int, int, int]]:
    dpi = rule.print_area.dpi
    return [(round(f.box.x * dpi), round(f.box.y * dpi), round((f.box.x + f.box.width) * dpi),
             round((f.box.y + f.box.height) * dpi)) for f in rule.text]


def test_an_order_json_with_no_files_is_a_complete_order(root):
    drop_text_order(root, "7001", name="Renée")
    drop_text_order(root, "7002", folder=True, name="Ørsted")
    scan = scan_inbox(root.inbox)
    assert sorted((c.label, c.uploads) for c in scan.orders) == [("7001.json", []), ("order 7002", [])]
    assert scan.waiting == []


def test_a_name_only_mug_goes_from_inbox_to_production(root):
    drop_text_order(root, "7003", name="Zoë & José", date="05/01/2024")
    assert run(root) == 0
    assert [p.name for p in files_in(root.review)] == ["7003_namemug_white_1_proof.jpg"]
    assert [p.name for p in files_in(root.archive)] == ["7003.json"]

    approve_all(root)
    assert run(root) == 0
    rule = load_rule(root.rules / "namemug.toml")
    with Image.open(root.production / "7003_namemug_white_1_print.png") as printed:
        assert printed.size == (2700, 1050) and printed.mode == "RGBA"
        alpha = np.asarray(printed.getchannel("A")) > 0
    inside = np.zeros_like(alpha)
    for left, top, right, bottom in text_boxes(rule):
        assert alpha[top:bottom, left:right].sum() > 2000, "every field is printed"
        inside[top:bottom, left:right] = True
    assert not (alpha & ~inside).any(), "no ink outside the text boxes; the rest stays transparent"


def test_an_emoji_in_a_name_only_order_fails_naming_the_character(root):
    sidecar = drop_text_order(root, "7004", name="🐶 Max")
    assert run(root) == 1
    folder = root.failed / "7004"
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["7004.json", "7004.json.error.txt", "7004_namemug_white_1_proof.jpg"]
    reason = (folder / "7004.json.error.txt").read_text(encoding="utf-8")
    assert "🐶 (U+1F436 DOG FACE)" in reason and "text.0 and text.2" in reason
    assert json.loads((folder / "7004.json").read_text(encoding="utf-8"))["personalization"]["name"] == "🐶 Max"
    assert not sidecar.exists() and files_in(root.production) == [] and files_in(root.pending) == []


def test_no_files_for_a_product_without_text_fields_is_refused_in_words(root):
    drop_text_order(root, "7005", product="mug", name="Luna")
    assert run(root) == 1
    reason = (root.failed / "7005" / "7005.json.error.txt").read_text(encoding="utf-8")
    assert "lists no upload" in reason and "no text fields" in reason


def test_a_photo_and_a_name_share_the_shirt_without_overlapping(root):
    make_order(root, order_id="7006", product="nametee", image=artwork((3000, 3600)), variant="black / L",
               personalization={"name": "Łukasz"})
    assert run(root) == 0
    approve_all(root)
    assert run(root) == 0
    rule = load_rule(root.rules / "nametee.toml")
    with Image.open(root.production / "7006_nametee_black-L_1_print.png") as printed:
        pixels = np.asarray(printed)
    photo_bottom = round(rule.fit.box.height * rule.print_area.dpi)
    (left, top, right, bottom) = text_boxes(rule)[0]
    assert pixels[:photo_bottom, :, 3].any() and not pixels[photo_bottom:top, :, 3].any(), "a gap under the photo"
    name = pixels[top:bottom, left:right]
    solid = name[name[..., 3] == 255]
    assert len(solid) > 5000 and (solid[:, :3] == 255).all(), "the name in white on the black shirt"
    assert not pixels[bottom:, :, 3].any()


def test_the_proof_lists_what_was_typed_and_what_prints():
    rule = load_rule(Path(__file__).resolve().parent.parent / "rules" / "namemug.toml")
    order = Order(order_id="1", product="namemug", personalization={"name": "🐶 Max", "date": "01.05.2024"})
    lines = [line for line, _note in buyer_lines(order, lay_out_fields(rule, order))]
    assert lines[0] == 'name: "[U+1F436] Max"', "a character the proof font lacks is shown by its code"
    assert lines[2] == 'date: "01.05.2024"'
    assert re.fullmatch(r'↳ printed as "May 1, 2024" · 30 pt · Liberation Serif', lines[3])
    assert len(lines) == 4, "a field printed on both sides is listed once"


def test_a_seller_font_from_the_rules_folder(root):
    (root.rules / "fonts").mkdir()
    shutil.copy(FONTS_DIR / "LiberationSerif-Regular.ttf", root.rules / "fonts" / "MyShop.ttf")
    rule_file = root.rules / "plaque.toml"
    rule_file.write_text(
        '[product]\nname = "Plaque"\n[print_area]\nwidth_in = 6\nheight_in = 2\ndpi = 150\n'
        '[[text]]\nkey = "personalization.name"\nfont = "fonts/MyShop.ttf"\n'
        "box = { x = 0.5, y = 0.5, width = 5, height = 1 }\n",
        encoding="utf-8",
    )
    drop_text_order(root, "7007", product="plaque", name="Ørsted")
    assert run(root) == 0
    (field,) = lay_out_fields(load_rule(rule_file), Order(order_id="1", product="plaque",
                                                            personalization={"name": "Ørsted"}))
    assert field.font == root.rules / "fonts" / "MyShop.ttf" and field.layout.fits


@pytest.mark.parametrize("text_table, message", [
    ('key = "personalization.name"\nbox = { x = 0.5, y = 0.5, width = 0, height = 1 }',
     "text.0.box.width: must be a positive number"),
    ('key = "personalization.name"\nbox = { x = 6, y = 0.5, width = 4, height = 1 }',
     "text.0.box: reaches 10 x 1.5 in, past the 9 x 3.5 in print area"),
    ('key = "personalization.name"\nbox = { x = 0.5, y = 0.5, width = 4, height = 1 }\ncolour = "red"',
     "text.0.colour: is not a known setting"),
    ('key = "personalization.name"\nbox = { x = 0.5, y = 0.5, width = 4, height = 1 }\nfont = "Comic.ttf"',
     "text.0.font: font file"),
    ('key = "personalization.name"\nbox = { x = 0.5, y = 0.5, width = 4, height = 1 }\nfont = "fancy"',
     "text.0.font: 'fancy' is not a bundled font (sans, serif, script, wide)"),
    ('key = "personalization.name"\nbox = { x = 0.5, y = 0.5, width = 4, height = 1 }\nmin_pt = 30\nmax_pt = 20',
     "text.0: min_pt (30) must not be larger than max_pt (20)"),
    ('key = "personalization.name"\nbox = { x = 0.5, y = 0.5, width = 4, height = 1 }\ncolor = { black = "white" }',
     "text.0.color: a colour table needs a default"),
    ('key = "personalization.name"\nbox = { x = 0.5, y = 0.5, width = 4, height = 1 }\ncolor = "blurple"',
     "text.0.color: 'blurple' is not a colour name"),
    ('key = "personalization.date"\nbox = { x = 0.5, y = 0.5, width = 4, height = 1 }\ndate_format = "%-q"',
     "text.0.date_format: %-q is not supported"),
    ('key = "personalization..name"\nbox = { x = 0.5, y = 0.5, width = 4, height = 1 }',
     "text.0.key: must be a dotted key"),
])
def test_a_mistake_in_a_text_field_names_file_key_and_problem(root, capsys, text_table, message):
    mug = root.rules / "mug.toml"
    mug.write_text(mug.read_text(encoding="utf-8") + f"\n[[text]]\n{text_table}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_rule(mug)
    assert f"mug.toml: {message}" in str(caught.value)
    assert main(["rules", "check", "--root", str(root.path)]) == 2
    assert f"rules/mug.toml: {message}" in capsys.readouterr().err


def test_a_font_file_that_is_not_a_font_is_refused_at_start(root, capsys):
    (root.rules / "Broken.ttf").write_bytes(b"<html>404 not found</html>")
    mug = root.rules / "mug.toml"
    mug.write_text(mug.read_text(encoding="utf-8") + '\n[[text]]\nkey = "personalization.name"\nfont = "Broken.ttf"\n'
                   "box = { x = 0.5, y = 0.5, width = 4, height = 1 }\n", encoding="utf-8")
    assert run(root) == 2
    assert re.search(r"rules/mug.toml: text.0.font: .*Broken.ttf cannot be read as a font", capsys.readouterr().err)


def test_check_command_renders_the_name_from_an_order_file(root, capsys, tmp_path):
    photo = tmp_path / "dog.png"
    artwork((3000, 3600)).save(photo)
    order_file = tmp_path / "order.json"
    order_file.write_text(json.dumps({"order_id": "9", "product": "nametee", "variant": "navy",
                                      "personalization": {"name": "李小龍"}}), encoding="utf-8")
    assert main(["check", str(photo), "--product", "nametee", "--order", str(order_file),
                 "--root", str(root.path)]) == 1
    out = capsys.readouterr().out
    assert "李 (U+674E CJK UNIFIED IDEOGRAPH-674E)" in out and "FAIL" in out


def test_text_too_small_to_read_on_the_product_picture_gets_a_close_up():
    from podwatch.config.rule import Rule
    from podwatch.prepress.printfile import print_image
    from podwatch.proof.text_shown import close_ups
    from podwatch.text.render import draw_fields

    rule = Rule.model_validate({
        "product": {"name": "Tee", "colors": ["black"]}, "print_area": {"width_in": 15, "height_in": 18, "dpi": 100},
        "text": [{"key": "personalization.name", "box": {"x": 1, "y": 1, "width": 13, "height": 3}, "max_pt": 200,
                  "color": "white"},
                 {"key": "personalization.date", "box": {"x": 10, "y": 16.5, "width": 4, "height": 0.4},
                  "min_pt": 8, "max_pt": 14, "color": "white", "date_format": "%d.%m.%Y"}],
    })
    order = Order(order_id="1", product="tee", personalization={"name": "Ørsted", "date": "May 1, 2024"})
    fields = lay_out_fields(rule, order)
    art = print_image(None, rule)
    draw_fields(art, fields, "black")
    scale = 300 / art.width  # the shirt's print area is about 300 px wide on a proof
    (picture,) = close_ups(art, fields, (scale, (25, 25, 27)), (400, 56))
    assert picture.height == 56 or picture.width == 400, "enlarged to the room it is given"
    pixels = np.asarray(picture)
    assert (pixels.max(axis=2) > 200).sum() > 300, "the white date is in it, on the garment colour"
    assert pixels[0, 0].tolist() == [25, 25, 27]


@pytest.mark.parametrize("mode", ["contain", "cover"])
def test_artwork_given_its_own_box_stays_inside_it(mode):
    from podwatch.config.rule import Rule
    from podwatch.prepress.placement import effective_dpi
    from podwatch.prepress.printfile import print_image

    rule = Rule.model_validate({
        "product": {"name": "Tee"}, "print_area": {"width_in": 15, "height_in": 18, "dpi": 40},
        "fit": {"mode": mode, "align": "top", "box": {"x": 1, "y": 0, "width": 13, "height": 14.5}},
    })
    photo = artwork((1200, 800))  # landscape: `cover` must cut its sides at the box, not at the print area
    alpha = np.asarray(print_image(photo, rule).getchannel("A")) > 0
    left, right, bottom = 40, 40 * 14, 40 * 14.5
    assert alpha[:, left:right][: int(bottom)].any()
    assert not alpha[:, :left].any() and not alpha[:, right:].any() and not alpha[int(bottom):].any()
    if mode == "cover":
        assert alpha[: int(bottom), left:right].all(), "the box is filled"
    # Sharpness is judged at the size the photo prints in its box.
    expected = 800 / 14.5 if mode == "cover" else 1200 / 13
    assert effective_dpi(photo.size, rule.print_area, rule.fit) == pytest.approx(expected)


def test_buyer_text_the_rule_does_not_print_is_pointed_out(root):
    from podwatch.outputs.ledger import Ledger

    make_order(root, image=artwork((4500, 5400)), personalization={"name": "Luna", "gift": ""})
    run(root)
    with Ledger(root.ledger) as ledger:
        (row,) = ledger.items("1234")
    notes = [f for f in row.findings if f["code"] == "text_not_printed"]
    assert len(notes) == 1 and notes[0]["level"] == "info"
    assert 'name = "Luna"' in notes[0]["message"] and "[[text]]" in notes[0]["message"]

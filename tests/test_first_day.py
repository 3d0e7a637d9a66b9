"""A seller's first day (issue 19): every message tells the truth about what is in the folders."""

from __future__ import annotations

import csv
import json
import os
import re
import threading
import time

import pytest
from conftest import artwork, files_in, make_order, run
from PIL import Image, ImageDraw

from podwatch.cli.main import main
from podwatch.outputs.ledger import Ledger


def status(root, *extra) -> str:
    import io
    from contextlib import redirect_stdout

    out = io.StringIO()
    with redirect_stdout(out):
        main(["status", "--root", str(root.path), *extra])
    return out.getvalue()


def test_a_name_only_order_with_a_trailing_comma_fails_as_broken_not_waiting(root):
    (root.inbox / "5001.json").write_text('{"order_id": "5001", "product": "namemug",\n'
                                          ' "personalization": {"name": "Ana"}, "files": [],}')
    shown = status(root)
    assert "5001.json: unreadable: 5001.json is not valid JSON" in shown and "line 2, column" in shown
    assert "waiting for its upload" not in shown

    assert run(root) == 1
    folder = root.failed / "5001"
    assert sorted(p.name for p in folder.iterdir()) == ["5001.json", "5001.json.error.txt"]
    assert "line 2, column" in (folder / "5001.json.error.txt").read_text()
    assert "5001/: 5001.json is not valid JSON" in status(root)


def test_a_broken_order_json_still_being_written_is_arriving_not_failed(root):
    settings = root.settings_file.read_text().replace("stability_seconds = 0", "stability_seconds = 1")
    root.settings_file.write_text(settings)
    sidecar = root.inbox / "5002.json"
    sidecar.write_text('{"order_id": "5002", "prod')
    writing = threading.Event()
    writing.set()

    def keep_writing():  # a sync client still writing it, for longer than run --once waits
        while writing.is_set():
            os.utime(sidecar)
            time.sleep(0.1)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        assert run(root) == 0
        assert "5002.json: still arriving" in status(root)
    finally:
        writing.clear()
        writer.join()
    assert sidecar.exists() and not files_in(root.failed)


def test_status_lists_every_inbox_file_with_its_state(root):
    settings = root.settings_file.read_text().replace("stability_seconds = 0", "stability_seconds = 60")
    root.settings_file.write_text(settings)
    make_order(root, "7001", product="mug", image=artwork((600, 300)))  # just dropped: arriving
    artwork((100, 100)).save(root.inbox / "lonely.png")
    shown = status(root)
    assert "No orders yet." in shown
    assert "7001.png: still arriving" in shown and "7001.json: still arriving" in shown
    assert "lonely.png: still arriving, then waiting for its order JSON (lonely.json)" in shown


def test_upload_names_match_without_regard_to_case(root):
    artwork((2700, 1050)).save(root.inbox / "IMG_7001.JPG", "JPEG")
    (root.inbox / "order-7001.json").write_text(json.dumps(
        {"order_id": "7001", "product": "mug", "files": ["IMG_7001.jpg"]}))
    assert run(root) == 0
    assert [p.name for p in files_in(root.review)] == ["7001_mug_white_1_proof.jpg"]
    assert not list(root.inbox.iterdir())


def test_a_missing_upload_says_what_is_near(root):
    artwork((2700, 1050)).save(root.inbox / "IMG_7001.jpeg", "JPEG")
    (root.inbox / "order-7001.json").write_text(json.dumps(
        {"order_id": "7001", "product": "mug", "files": ["IMG_7001.jpg"]}))
    assert run(root) == 0
    assert "order-7001.json: waiting for IMG_7001.jpg (did you mean IMG_7001.jpeg?)" in status(root)


def test_an_order_failed_for_a_product_typo_can_be_looked_up_by_id(root):
    make_order(root, "3301234570", product="mugg", image=artwork((600, 300)))
    assert run(root) == 1
    shown = status(root, "3301234570")
    assert "No order" not in shown
    assert "'mugg'" in shown and "failed/3301234570/" in shown
    assert "3301234570/: 3301234570.json asks for product 'mugg'" in status(root)


def test_a_failed_order_dropped_again_says_what_became_of_it(root):
    make_order(root, "3301234571", product="mugg", image=artwork((2700, 1050)))
    make_order(root, "3301234572", product="mug", image=artwork((2700, 1050)))
    make_order(root, "3301234572", product="mug", image=artwork((100, 50)), name="tiny", files=["tiny.png"])
    assert run(root) == 1
    assert "dropped again since" not in status(root), "its first mug, made before, is not a new drop"
    time.sleep(1.1)  # the ledger's times are to the second
    make_order(root, "3301234571", product="mug", image=artwork((2700, 1050)))  # the typo fixed
    make_order(root, "3301234572", product="mug", image=artwork((2700, 1050)), name="tiny", files=["tiny.png"])
    assert run(root) == 0
    lines = status(root).splitlines()
    (fixed,) = [line for line in lines if line.strip().startswith("3301234571/:")]
    assert fixed.endswith("(dropped again since: 3301234571 item 1 is review)")
    # The second mug of 3301234572 was a re-sent version of its mug (revision 2), too small.
    (other,) = [line for line in lines if line.strip().startswith("3301234572_r2/:")]
    assert other.endswith("(dropped again since: 3301234572 item 1 is review)")


def test_the_dpi_message_states_the_size_the_logo_really_prints_at(root):
    import pictures

    make_order(root, "8001", image=pictures.logo(600))  # 600 x 600 on the 15 x 18 in front
    assert run(root) == 1
    message = (root.failed / "8001" / "8001.png.error.txt").read_text()
    assert "8001.png (600 x 600 px) prints only 8.0 x 8.0 in on the T-shirt (DTG front), at 75 DPI" in message
    assert "filling its 15.0 x 15.0 in would give 40 DPI" in message
    assert "printed 15.0 x 15.0 in" not in message


def test_after_a_cut_out_the_dpi_message_speaks_of_the_buyers_file(root):
    rule = (root.rules / "tshirt.toml").read_text().replace('mode = "keep"', 'mode = "remove"')
    (root.rules / "tshirt.toml").write_text(rule.replace('engine = "auto"', 'engine = "solid"'))
    logo = Image.new("RGB", (600, 600), "white")
    ImageDraw.Draw(logo).ellipse((150, 150, 450, 450), fill=(200, 40, 60))  # the artwork: 300 of the 600 px
    make_order(root, "8002", image=logo)
    assert run(root) == 1
    message = (root.failed / "8002" / "8002.png.error.txt").read_text()
    assert "8002.png (600 x 600 px; the artwork cut out of it is 30" in message
    needed = re.search(r"at least (\d+) x (\d+) px", message)
    assert needed and int(needed[1]) > 3000, "the whole original must grow as much as its cut-out must"


def test_a_left_chest_logo_is_measured_against_its_box_not_the_whole_front(root):
    import pictures

    make_order(root, "8003", product="tshirt-chest", image=pictures.on_canvas(pictures.logo(900), (1050, 1050)),
               variant="black / M")
    assert run(root) == 0
    row = next(iter(Ledger(root.ledger).items("8003")))
    assert "tiny_subject" not in [f["code"] for f in row.findings]
    assert [p.name for p in files_in(root.review)] == ["8003_tshirt-chest_black-M_1_proof.jpg"]


def test_one_order_with_a_mug_and_a_tee_is_two_items_not_two_revisions(root):
    make_order(root, "3301", product="mug", image=artwork((2700, 1050)), name="3301-mug")
    assert run(root) == 0
    make_order(root, "3301", product="tshirt", image=artwork((3000, 3600)), name="3301-tee", variant="black / L")
    assert run(root) == 0
    assert [p.name for p in files_in(root.review)] == ["3301_mug_white_1_proof.jpg", "3301_tshirt_black-L_2_proof.jpg"]
    # The tee's buyer sends a better photo: only the tee gets a revision.
    make_order(root, "3301", product="tshirt", image=artwork((3300, 3960)), name="3301-tee-new", variant="black / L")
    assert run(root) == 0
    rows = [(r.item, r.revision, r.product) for r in Ledger(root.ledger).items("3301")]
    assert rows == [(1, 1, "mug"), (2, 1, "tshirt"), (2, 2, "tshirt")]
    assert "3301_tshirt_black-L_2_proof_r2.jpg" in [p.name for p in files_in(root.review)]

    for proof in files_in(root.review):
        if "_r2" not in proof.name and "tshirt" in proof.name:
            continue  # the first tee proof is left: it was replaced
        proof.rename(root.approved / proof.name)
    assert run(root) == 0
    with (root.production / "manifest.csv").open(encoding="utf-8") as handle:
        manifest = [(row["item"], row["revision"], row["product"]) for row in csv.DictReader(handle)]
    assert sorted(manifest) == [("1", "1", "mug"), ("2", "2", "tshirt")]


def test_the_manifest_tells_the_print_partner_what_is_printed_for_whom_and_by_when(root):
    old_header = "order_id,item,revision,product,variant,quantity,file,width_px,height_px,dpi,sha256,approved_at,approved_by\n"
    (root.production / "manifest.csv").write_text(old_header + "1,1,1,mug,white,1,old.png,2700,1050,300,ab,t,me\n")
    (root.inbox / "9001.json").write_text(json.dumps({
        "order_id": "9001", "product": "namemug", "files": [], "personalization": {"name": "=Luna", "date": "2024-05-01"},
        "customer": {"name": "@Ana Morales"}, "receipt_id": 3301234570, "ship_by": "2024-05-09",
    }))
    assert run(root) == 0
    for proof in files_in(root.review):
        proof.rename(root.approved / proof.name)
    assert run(root) == 0
    with (root.production / "manifest.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["file"] for row in rows] == ["old.png", "9001_namemug_white_1_print.png"]
    assert rows[0]["printed_text"] == "" and rows[0]["approved_by"] == "me"
    new = rows[1]
    assert new["printed_text"] == "name: =Luna | date: May 1, 2024"  # the label comes first: never a formula
    assert new["buyer_name"] == "'@Ana Morales"
    assert (new["shop_order"], new["ship_by"]) == ("3301234570", "2024-05-09")


def test_each_item_gets_a_clean_buyer_preview_beside_its_proof(root):
    make_order(root, "4401", product="tshirt", image=artwork((3000, 3600)), variant="black / L",
               instructions="make it pop")
    assert run(root) == 0
    assert [p.name for p in files_in(root.review)] == ["4401_tshirt_black-L_1_proof.jpg"]
    preview = root.previews / "4401_tshirt_black-L_1_preview.jpg"
    with Image.open(preview) as picture:
        assert picture.size == (1000, 1000) and picture.format == "JPEG"
        rgb = picture.convert("RGB")
        # The artwork's yellow disc shows clean in the middle of the shirt: no PROOF mark across it.
        middle = [rgb.getpixel((x, y)) for x in range(470, 530, 6) for y in range(330, 390, 6)]
        assert all(abs(r - 250) < 25 and abs(g - 200) < 25 and b < 80 for r, g, b in middle)
        # The shirt is drawn in the order's colour (black), on a light background.
        assert max(rgb.getpixel((250, 800))) < 60 and min(rgb.getpixel((100, 800))) > 200
    assert Ledger(root.ledger).items("4401")[0].preview_file == preview.name


def test_no_preview_for_a_failed_item_or_when_the_rule_says_so(root):
    make_order(root, "4402", product="mug", image=artwork((300, 120)))  # far too small: fails
    rule = root.rules / "sticker.toml"
    rule.write_text(rule.read_text() + "\n[preview]\nbuyer = false\n")
    make_order(root, "4403", product="sticker", image=artwork((1200, 1200)), name="s")
    run(root)
    assert not [p.name for p in files_in(root.path) if p.name.endswith("_preview.jpg")]
    assert [p.name for p in files_in(root.review)] == ["4403_sticker_white_1_proof.jpg"]
    assert root.previews.is_dir() and not files_in(root.previews)


def test_the_preview_file_comes_back_when_the_history_is_rebuilt_from_the_records(root):
    make_order(root, "4404", product="tshirt", image=artwork((3000, 3600)), variant="black / L")
    assert run(root) == 0
    for path in root.ledger.parent.glob("ledger.sqlite3*"):
        path.unlink()
    assert Ledger(root.ledger, root.records).items("4404")[0].preview_file == "4404_tshirt_black-L_1_preview.jpg"


def test_a_claim_keeps_its_item_numbers_through_the_claim_check(tmp_path):
    from podwatch.intake.claims import Claim, DamagedClaim, load_claim

    folder = tmp_path / "c1"
    folder.mkdir()
    kept = Claim(folder, folder / "files" / "1.json", [folder / "files" / "a.jpg", folder / "files" / "b.jpg"],
                 {"1.json": "1.json", "a.jpg": "a.jpg", "b.jpg": "b.jpg"}, numbering={"revision": 2, "items": [3, 4]})
    kept.save()
    assert load_claim(folder).numbering == {"revision": 2, "items": [3, 4]}
    for bad in ({"revision": 0, "items": [3, 4]}, {"revision": 2, "items": [3]}, {"revision": 2, "items": ["x", 4]}):
        kept.numbering = bad
        kept.save()
        with pytest.raises(DamagedClaim):
            load_claim(folder)


def test_a_landscape_poster_gets_a_landscape_buyer_preview(root):
    make_order(root, "7101", "poster", artwork((4800, 3600)))  # landscape art on a poster sold either way up
    assert run(root) == 0
    (preview,) = files_in(root.previews)
    with Image.open(preview) as shown:
        assert shown.size == (1000, 700), "the poster lies on its side, as the print and the proof do"

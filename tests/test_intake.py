"""What the seller drops into inbox/: pairs, lists, folders, debris, and things that must wait."""

from __future__ import annotations

import json

from conftest import artwork, files_in, make_order, run

from podwatch.intake.debris import is_debris
from podwatch.intake.scan import scan_inbox


def test_upload_and_sidecar_with_the_same_name_are_one_order(root):
    make_order(root, image=artwork((4500, 5400)), variant="black / L")
    assert run(root) == 0
    assert [p.name for p in files_in(root.review)] == ["1234_tshirt_black-L_1_proof.jpg"]


def test_a_sidecar_can_name_its_uploads(root):
    artwork((4500, 5400)).save(root.inbox / "front.png")
    artwork((4500, 5400), background=(0, 0, 0)).save(root.inbox / "IMG_0042.png")
    (root.inbox / "shopify-1001.json").write_text(json.dumps(
        {"order_id": "1001", "product": "tshirt", "variant": "navy / M", "files": ["front.png", "IMG_0042.png"]}
    ))
    assert run(root) == 0
    assert [p.name for p in files_in(root.review)] == [
        "1001_tshirt_navy-M_1_proof.jpg", "1001_tshirt_navy-M_2_proof.jpg",
    ]
    assert sorted(p.name for p in files_in(root.archive / "1001")) == ["IMG_0042.png", "front.png", "shopify-1001.json"]


def test_a_folder_order_gives_one_proof_per_upload(root):
    folder = root.inbox / "etsy order 3456"
    folder.mkdir()
    for i in range(3):
        artwork((2700, 1050), background=(i * 80, 100, 150)).save(folder / f"photo{i}.jpg", quality=92)
    (folder / "order.json").write_text(json.dumps({"order_id": "3456", "product": "mug"}))
    (folder / ".DS_Store").write_bytes(b"\0\0")

    assert run(root) == 0
    assert len(files_in(root.review)) == 3
    assert not folder.exists()
    archived = sorted(p.name for p in files_in(root.archive / "3456"))
    assert archived == [".DS_Store", "order.json", "photo0.jpg", "photo1.jpg", "photo2.jpg"]


def test_sync_debris_is_ignored_not_failed(root):
    debris = [".DS_Store", "._luna.jpg", "Thumbs.db", "luna.jpg.part", "big.png.crdownload",
              ".~lock.order.json#", ".syncthing.luna.jpg.tmp", "~$order.json", ".dropbox.cache", "desktop.ini"]
    for name in debris:
        (root.inbox / name).write_bytes(b"partial")
    assert run(root) == 0
    assert sorted(p.name for p in root.inbox.iterdir()) == sorted(debris)
    assert files_in(root.failed) == [] and files_in(root.review) == []
    assert all(is_debris(name) for name in debris)
    assert not any(is_debris(name) for name in ["luna.jpg", "order.json", "IMG_0001.HEIC", "name~tag.png"])


def test_upload_without_sidecar_and_sidecar_without_upload_wait(root, capsys):
    artwork((100, 100)).save(root.inbox / "lonely.png")
    (root.inbox / "5555.json").write_text(json.dumps({"order_id": "5555", "product": "mug"}))
    (root.inbox / "6666.json").write_text(json.dumps({"order_id": "6666", "product": "mug", "files": ["x.png"]}))

    assert run(root) == 0
    assert sorted(p.name for p in root.inbox.iterdir()) == ["5555.json", "6666.json", "lonely.png"]
    waiting = {w.path.name: w.reason for w in scan_inbox(root.inbox).waiting}
    assert "order JSON" in waiting["lonely.png"]
    assert "upload" in waiting["5555.json"]
    assert "x.png" in waiting["6666.json"]

    from podwatch.cli.main import main

    capsys.readouterr()
    assert main(["status", "--root", str(root.path)]) == 0
    shown = capsys.readouterr().out
    assert "In inbox/" in shown and "lonely.png" in shown and "x.png" in shown


def test_a_broken_sidecar_fails_with_its_upload_and_says_what_to_fix(root):
    artwork((500, 500)).save(root.inbox / "broken.png")
    (root.inbox / "broken.json").write_text('{"order_id": "1", "product": "mug",}')
    assert run(root) == 1
    folder = root.failed / "broken"
    assert sorted(p.name for p in folder.iterdir()) == ["broken.json", "broken.json.error.txt", "broken.png"]
    text = (folder / "broken.json.error.txt").read_text()
    assert "broken.json is not valid JSON" in text and "line 1" in text


def test_an_unknown_product_names_the_known_ones(root):
    make_order(root, product="hoodie", image=artwork((500, 500)))
    assert run(root) == 1
    text = (root.failed / "1234" / "1234.json.error.txt").read_text()
    assert "'hoodie'" in text and "tshirt" in text and "rules/hoodie.toml" in text


def test_a_sidecar_with_a_path_in_files_is_refused(root):
    (root.inbox / "evil.json").write_text(json.dumps({"order_id": "1", "product": "mug", "files": ["../podwatch.toml"]}))
    assert run(root) == 1
    assert (root.path / "podwatch.toml").exists()
    assert sorted(p.name for p in (root.failed / "evil").iterdir()) == ["evil.json", "evil.json.error.txt"]
    assert "must be a plain file name" in (root.failed / "evil" / "evil.json.error.txt").read_text()


def test_any_hidden_file_is_ignored_even_one_that_looks_like_a_complete_order(root):
    # A sync client's shadow copy: a whole order under hidden names that no pattern above lists.
    make_order(root, order_id="8001", name=".8001", image=artwork((4500, 5400)))
    folder = root.inbox / "etsy 8002"
    folder.mkdir()
    artwork((4500, 5400)).save(folder / "front.png")
    artwork((4500, 5400), background=(0, 0, 0)).save(folder / ".front-preview.png")  # an app's thumbnail
    (folder / "order.json").write_text(json.dumps({"order_id": "8002", "product": "tshirt"}))

    assert run(root) == 0
    assert [p.name for p in files_in(root.review)] == ["8002_tshirt_white_1_proof.jpg"]
    assert sorted(p.name for p in root.inbox.iterdir()) == [".8001.json", ".8001.png"]
    assert files_in(root.failed) == []
    assert scan_inbox(root.inbox).waiting == [], "hidden files are not orders waiting for a partner either"

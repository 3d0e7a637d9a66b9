"""A seller's first day (issue 19): every message tells the truth about what is in the folders."""

from __future__ import annotations

import json

from conftest import artwork, files_in, make_order, run

from podwatch.cli.main import main


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
    settings = root.settings_file.read_text().replace("stability_seconds = 0", "stability_seconds = 60")
    root.settings_file.write_text(settings)
    (root.inbox / "5002.json").write_text('{"order_id": "5002", "prod')
    assert run(root) == 0
    assert (root.inbox / "5002.json").exists() and not files_in(root.failed)
    assert "5002.json: arriving: still arriving" in status(root)


def test_status_lists_every_inbox_file_with_its_state(root):
    settings = root.settings_file.read_text().replace("stability_seconds = 0", "stability_seconds = 60")
    root.settings_file.write_text(settings)
    make_order(root, "7001", product="mug", image=artwork((600, 300)))  # just dropped: arriving
    artwork((100, 100)).save(root.inbox / "lonely.png")
    shown = status(root)
    assert "No orders yet." in shown
    assert "7001.png: arriving" in shown and "7001.json: arriving" in shown
    assert "lonely.png: arriving" in shown


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
    assert "order-7001.json: waiting: waiting for IMG_7001.jpg (did you mean IMG_7001.jpeg?)" in status(root)


def test_an_order_failed_for_a_product_typo_can_be_looked_up_by_id(root):
    make_order(root, "3301234570", product="mugg", image=artwork((600, 300)))
    assert run(root) == 1
    shown = status(root, "3301234570")
    assert "No order" not in shown
    assert "'mugg'" in shown and "failed/3301234570/" in shown
    assert "3301234570/: 3301234570.json asks for product 'mugg'" in status(root)

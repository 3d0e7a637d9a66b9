"""Order JSONs a shop, a buyer or a stranger could drop: each is refused in words, and the others flow on."""

from __future__ import annotations

import json

from conftest import artwork, files_in, make_order, run
from running import configure, ledger_rows

from podwatch.cli.main import main
from podwatch.intake.claims import load_claim
from podwatch.outputs import routing
from podwatch.running import pipeline


def sticker(root, order_id="1234", **fields):
    return make_order(root, order_id=order_id, product="sticker", image=artwork((1200, 1200)), **fields)


def error_text(root, order_folder: str) -> str:
    (text,) = files_in(root.failed / order_folder, "*.error.txt")
    return text.read_text()


def test_an_order_json_nested_a_hundred_thousand_deep_is_refused_and_the_next_order_made(root):
    (root.inbox / "deep.json").write_text('{"order_id": "1", "product": "sticker", "x": ' + "[" * 100_000
                                          + "]" * 100_000 + "}")
    sticker(root, "2001")
    assert run(root) == 1
    assert "nested too deeply" in error_text(root, "deep")
    assert [p.name for p in files_in(root.review)] == ["2001_sticker_white_1_proof.jpg"]
    assert files_in(root.inbox) == []


def test_a_half_emoji_in_the_buyers_text_is_mended_not_a_crash(root):
    _, sidecar = sticker(root, "55\ud83d", name="half", personalization={"name": "Luna \ud83d"},
                         customer={"name": "Ana \udc00"})
    sidecar.write_text(json.dumps(json.loads(sidecar.read_text())))  # json.dumps writes the lone halves as \ud83d
    assert "\\ud83d" in sidecar.read_text()
    sticker(root, "2002")
    assert run(root) == 0
    proofs = sorted(p.name for p in files_in(root.review))
    assert proofs == ["2002_sticker_white_1_proof.jpg", "55_sticker_white_1_proof.jpg"]
    (row,) = ledger_rows(root, "55\ufffd")
    assert json.loads(row.order_json)["personalization"]["name"] == "Luna \ufffd"
    assert list(root.claims.iterdir()) == []


def test_an_order_json_past_the_size_limit_is_refused_with_the_setting_to_change(root):
    configure(root, intake={"max_order_kilobytes": 64})
    sticker(root, instructions="x" * 70_000)
    assert run(root) == 1
    text = error_text(root, "1234")
    assert "larger than 64 KB" in text and "max_order_kilobytes" in text
    assert sorted(p.name for p in (root.failed / "1234").iterdir()) == ["1234.json", "1234.json.error.txt", "1234.png"]
    assert ledger_rows(root) == []


def test_a_line_break_in_the_order_id_or_variant_is_refused_in_words_and_never_reaches_the_log(root):
    sticker(root, "1234\n2024-01-01 00:00:00.000 INFO    [9999] 9999 -> production", name="1234")
    sticker(root, "77", name="seventy-seven", variant="white\n/ L")
    assert run(root) == 1
    assert "one line of plain text" in error_text(root, "1234")
    assert "one line of plain text" in error_text(root, "seventy-seven")
    assert "podwatch bug" not in error_text(root, "1234")
    log = (root.logs / "podwatch.log").read_text()
    assert not [line for line in log.splitlines() if line.startswith("2024-01-01")]


def test_an_upload_listed_twice_gives_one_item(root):
    artwork((1200, 1200)).save(root.inbox / "a.png")
    (root.inbox / "1234.json").write_text(json.dumps(
        {"order_id": "1234", "product": "sticker", "files": ["a.png", "a.png"]}))
    assert run(root) == 0
    assert [p.name for p in files_in(root.review)] == ["1234_sticker_white_1_proof.jpg"]
    assert [row.item for row in ledger_rows(root, "1234")] == [1]


def test_an_error_outside_the_image_work_goes_to_failed_after_three_runs(root, monkeypatch, capsys):
    sticker(root)

    def broken(*_args):
        raise RuntimeError("the ledger said no")

    monkeypatch.setattr(routing, "route", broken)
    for attempt in range(1, pipeline.MAX_ATTEMPTS):
        assert run(root) == 0
        (left,) = root.claims.iterdir()
        assert load_claim(left).attempts == attempt
    assert run(root) == 1
    text = error_text(root, "1234")
    assert "ran into an error 3 times" in text and "the ledger said no" in text
    assert sorted(p.name for p in (root.failed / "1234").iterdir()) == ["1234.json", "1234.json.error.txt", "1234.png"]
    assert list(root.claims.iterdir()) == []
    # Its JSON read fine, so the seller finds it by its order id.
    capsys.readouterr()
    main(["status", "--root", str(root.path), "1234"])
    shown = capsys.readouterr().out
    assert "No order" not in shown and "ran into an error 3 times" in shown and "failed/1234/" in shown
    monkeypatch.undo()
    sticker(root, "2003")
    assert run(root) == 0
    assert [p.name for p in files_in(root.review)] == ["2003_sticker_white_1_proof.jpg"]

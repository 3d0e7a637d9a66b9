"""Handing print files to production: the manifest the print partner reads, JPEG print files, and a
hook that hangs or keeps failing."""

from __future__ import annotations

import csv
import hashlib
import json
import os

import numpy as np
import pictures
from conftest import approve_all, files_in, make_order, run
from PIL import Image
from running import configure, ledger_events, ledger_rows

from podwatch.cli.main import main
from podwatch.outputs import handoff as handoff_module
from podwatch.outputs.ledger import Ledger


def manifest(root) -> list[dict]:
    with (root.production / "manifest.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def grain(size: tuple[int, int]) -> Image.Image:
    """Film grain at print size: every pixel differs, so its PNG is large (about 3 bytes a pixel)."""
    pixels = np.random.default_rng(18).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    return Image.fromarray(pixels)


def handoff(root, order_id: str):
    (row,) = ledger_rows(root, order_id)
    with Ledger(root.ledger) as ledger:
        return ledger.handoff(row.id)


def test_the_manifest_checksum_covers_the_whole_print_file_and_names_variant_and_quantity(root):
    # Grain at print size makes a PNG of several MiB, so a checksum of only its start would differ.
    make_order(root, order_id="6001", product="phonecase", image=grain((879, 1830)), variant="clear / 11 Pro",
               quantity=3)
    run(root)
    approve_all(root)
    assert run(root) == 0
    (printed,) = files_in(root.production, "*.png")
    assert printed.stat().st_size > 3 * 2**20, "the test needs a print file past a few MiB"
    (row,) = manifest(root)
    assert row["sha256"] == hashlib.sha256(printed.read_bytes()).hexdigest()
    assert (row["variant"], row["quantity"], row["item"], row["revision"]) == ("clear / 11 Pro", "3", "1", "1")


def test_a_rule_can_ask_for_jpeg_print_files(root):
    rule = root.rules / "phonecase.toml"
    rule.write_text(rule.read_text().replace('format = "png"', 'format = "jpeg"'))
    make_order(root, order_id="6002", product="phonecase", image=pictures.photo((879, 1830)))
    run(root)
    approve_all(root)
    assert run(root) == 0
    (printed,) = files_in(root.production, "6002_*")
    assert printed.name == "6002_phonecase_white_1_print.jpg"
    with Image.open(printed) as image:
        assert (image.format, image.mode, image.size) == ("JPEG", "RGB", (879, 1830))
        assert tuple(round(d) for d in image.info["dpi"]) == (300, 300)
        assert image.info.get("icc_profile"), "a JPEG print file carries the sRGB profile too"
    (row,) = manifest(root)
    assert row["file"] == printed.name
    assert row["sha256"] == hashlib.sha256(printed.read_bytes()).hexdigest()


def test_a_hook_that_hangs_is_ended_after_its_timeout_and_counts_as_failed(root, tmp_path):
    started = tmp_path / "started"
    # Without the timeout this hook would finish, 20 s later, with exit code 0: a success.
    configure(root, production={"hook": f'touch "{started}"; sleep 20', "hook_timeout_seconds": 0.5,
                                "hook_retries": 0})
    make_order(root, order_id="6003", product="sticker", image=pictures.logo(1200))
    run(root)
    approve_all(root)
    assert run(root) == 0
    assert started.exists(), "the hook was started"
    done = handoff(root, "6003")
    assert (done.state, done.attempts) == ("hook_failed", 1)
    assert done.last_error == "did not finish within 0.5 s"


def test_a_hook_that_keeps_failing_gives_up_after_its_retries_and_says_so_in_status(root, capsys):
    configure(root, production={"hook": "echo partner offline; exit 4", "hook_retries": 2, "hook_retry_seconds": 0})
    make_order(root, order_id="6004", product="sticker", image=pictures.logo(1200))
    run(root)
    approve_all(root)
    states = []
    for _ in range(4):  # each `run --once` makes one attempt at a due hook
        assert run(root) == 0
        states.append((handoff(root, "6004").state, handoff(root, "6004").attempts))
    assert states == [("hook", 1), ("hook", 2), ("hook_failed", 3), ("hook_failed", 3)]

    kinds = [event["kind"] for event in ledger_events(root, "6004")]
    assert kinds.count("hook_retry") == 2 and kinds.count("hook_failed") == 1
    capsys.readouterr()
    assert main(["status", "6004", "--json", "--root", str(root.path)]) == 0
    status = json.loads(capsys.readouterr().out)
    (failed,) = [e for e in status["events"] if e["kind"] == "hook_failed"]
    assert "gave up after 3 attempts" in failed["message"] and "partner offline" in failed["message"]


class PowerCut(KeyboardInterrupt):
    """The computer goes off in the middle of a hand-off: nothing after it runs."""


def cut_the_power_at(monkeypatch, module, name: str) -> None:
    real, calls = getattr(module, name), []

    def once(*args, **kwargs):
        if not calls:
            calls.append(1)
            raise PowerCut
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, once)


def logged(root, message: str) -> bool:
    """The log file has a line saying exactly `message` (after its time, level and order id)."""
    return any(line.endswith(f"] {message}") for line in (root.logs / "podwatch.log").read_text().splitlines())


def approved_but_not_handed_over(root, monkeypatch, order_id: str) -> tuple[str, str]:
    """An approved sticker whose hand-off is recorded, its print file still in pending/ (the power went)."""
    make_order(root, order_id=order_id, product="sticker", image=pictures.logo(1200))
    run(root)
    approve_all(root)
    cut_the_power_at(monkeypatch, handoff_module, "finish_handoff")
    assert run(root) == 130
    done = handoff(root, order_id)
    assert done.state == "moving" and (root.path / done.source).is_file()
    return done.source, done.target


def test_the_power_going_between_linking_and_removing_the_print_file_leaves_one_print_file(root, monkeypatch):
    source, target = approved_but_not_handed_over(root, monkeypatch, "6005")
    # A move into production/ is a hard link, then the pending name removed; the power went between the two.
    os.link(root.path / source, root.path / target)
    assert run(root) == 0
    assert [p.name for p in files_in(root.production)] == ["6005_sticker_white_1_print.png", "manifest.csv"]
    assert files_in(root.pending) == []
    (row,) = manifest(root)
    assert (row["file"], row["width_px"], row["height_px"], row["orientation"]) == (
        "6005_sticker_white_1_print.png", "1200", "1200", "square")
    assert handoff(root, "6005").state == "done"


def test_a_file_that_took_the_print_files_name_while_podwatch_was_off_is_kept_and_ours_is_r2(root, monkeypatch):
    _, target = approved_but_not_handed_over(root, monkeypatch, "6006")
    theirs = root.path / target
    theirs.write_bytes(b"the partner's copy, not ours")
    assert run(root) == 0
    assert theirs.read_bytes() == b"the partner's copy, not ours"
    ours = root.production / "6006_sticker_white_1_print_r2.png"
    (row,) = manifest(root)
    assert (row["file"], row["sha256"]) == (ours.name, hashlib.sha256(ours.read_bytes()).hexdigest())
    assert handoff(root, "6006").target == f"production/{ours.name}"
    assert logged(root, f"production/{theirs.name} already existed; the print file is {ours.name}")


def test_a_print_file_gone_from_pending_while_podwatch_was_off_is_reported_not_invented(root, monkeypatch):
    source, _ = approved_but_not_handed_over(root, monkeypatch, "6007")
    (root.path / source).unlink()  # someone tidied pending/ by hand
    assert run(root) == 0
    assert files_in(root.production) == [], "no manifest row for a print file that is not there"
    done = handoff(root, "6007")
    assert done.state == "missing"
    (said,) = [event for event in ledger_events(root, "6007") if event["kind"] == "missing"]
    assert said["message"] == "6007_sticker_white_1_print.png was not found"
    assert logged(root, "6007_sticker_white_1_print.png: the print file is missing from pending and production; run the order again")
    assert run(root) == 0 and handoff(root, "6007").state == "missing", "said once, not at every start"


def test_the_power_going_right_after_the_manifest_row_adds_no_second_row_even_for_a_formula_like_order_id(root, monkeypatch):
    # The print file is in production/ and its row written ("'+4477_…", kept as text), the ledger not yet told.
    make_order(root, order_id="+4477", product="sticker", image=pictures.logo(1200))
    run(root)
    approve_all(root)
    cut_the_power_at(monkeypatch, Ledger, "handoff_placed")
    assert run(root) == 130
    assert run(root) == 0
    (row,) = manifest(root)
    assert row["file"] == "'+4477_sticker_white_1_print.png"
    assert [p.name for p in files_in(root.production, "*.png")] == ["+4477_sticker_white_1_print.png"]
    assert handoff(root, "+4477").state == "done"


def test_orientation_is_left_empty_when_the_print_files_size_is_not_known():
    # The ledger allows an item without a size (a failed one has none): the manifest's cell and the hook's
    # PODWATCH_ORIENTATION then say nothing rather than guess.
    assert [handoff_module.orientation(*size) for size in ((None, None), (None, 1200), (1200, 0), (0, 0))] == [""] * 4
    assert [handoff_module.orientation(*size) for size in ((2400, 1200), (1200, 2400), (1200, 1200))] == [
        "landscape", "portrait", "square"]


def test_a_column_the_seller_added_to_the_manifest_keeps_its_cells_when_podwatch_adds_a_row(root):
    # The seller (or the print partner) ticks off what was printed in a column of their own.
    make_order(root, order_id="6011", product="phonecase", image=pictures.photo((879, 1830)))
    run(root)
    approve_all(root)
    assert run(root) == 0
    (first,) = manifest(root)
    with (root.production / "manifest.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*first, "printed"])
        writer.writeheader()
        writer.writerow({**first, "printed": "yes, 2 Dec"})
    make_order(root, order_id="6012", product="phonecase", image=pictures.photo((879, 1830)))
    run(root)
    approve_all(root)
    assert run(root) == 0
    rows = manifest(root)
    assert [(row["order_id"], row["printed"]) for row in rows] == [("6011", "yes, 2 Dec"), ("6012", "")]
    assert list(rows[0]) == [*first, "printed"], "podwatch's columns first, in their order, then the seller's"

"""Where an order goes: what always waits for a person, whatever the policy, and names that never clash."""

from __future__ import annotations

import csv
import shutil
from datetime import datetime

import pytest
from conftest import approve_all, artwork, files_in, make_order, run, sha256
from PIL import Image
from running import configure, ledger_events, ledger_rows

from podwatch.outputs import routing
from podwatch.running import pipeline


def set_policy(root, product: str, policy: str) -> None:
    rule = root.rules / f"{product}.toml"
    rule.write_text(rule.read_text().replace('policy = "always"', f'policy = "{policy}"'))


@pytest.mark.parametrize("policy", ["when_clean", "never"])
def test_instructions_and_risk_wait_for_a_person_under_every_policy(root, policy):
    set_policy(root, "mug", policy)
    clean = artwork((2700, 1050))
    make_order(root, order_id="31", product="mug", image=clean)
    make_order(root, order_id="32", product="mug", image=clean, instructions="make the sky a bit bluer")
    make_order(root, order_id="33", product="mug", image=clean, personalization={"name": "Mickey Mouse"})

    assert run(root) == 0
    assert [p.name for p in files_in(root.production, "*.png")] == ["31_mug_white_1_print.png"]
    assert [p.name for p in files_in(root.review)] == ["32_mug_white_1_proof.jpg", "33_mug_white_1_proof.jpg"]
    # What `podwatch status` says of each: which policy sent it on, or that it waits for the seller.
    assert [row.reason for row in ledger_rows(root)] == [f"sent to production ({policy})", "waiting for approval", "waiting for approval"]
    # Who decided: the policy for the first; nobody yet for the two waiting (approval reads this).
    assert [row.decided_by for row in ledger_rows(root)] == [f"policy:{policy}", "", ""]
    assert [row.decided_at is None for row in ledger_rows(root)] == [False, True, True]


def test_a_print_file_never_overwrites_one_already_in_production(root):
    make_order(root, order_id="34", product="sticker", image=artwork((1200, 1200)))
    run(root)
    # The seller (or a partner's sync) left a file of the same name in production/.
    theirs = root.production / "34_sticker_white_1_print.png"
    theirs.write_bytes(b"the partner's copy, not ours")
    approve_all(root)
    assert run(root) == 0
    assert theirs.read_bytes() == b"the partner's copy, not ours"
    ours = root.production / "34_sticker_white_1_print_r2.png"
    with (root.production / "manifest.csv").open(encoding="utf-8", newline="") as handle:
        (row,) = csv.DictReader(handle)
    assert (row["file"], row["sha256"]) == (ours.name, sha256(ours))


def luminance_step(jpeg) -> int:
    """The first step of a JPEG's brightness table: 5 at quality 85, 16 at quality 50 (libjpeg's scaling)."""
    with Image.open(jpeg) as image:
        return image.quantization[0][0]


def test_proofs_are_saved_at_the_jpeg_quality_set_in_podwatch_toml(root):
    make_order(root, order_id="35", product="sticker", image=artwork((1200, 1200)))
    assert run(root) == 0
    configure(root, proof={"jpeg_quality": 50})  # smaller proofs, for a slow upload to the buyer
    make_order(root, order_id="36", product="sticker", image=artwork((1200, 1200)))
    assert run(root) == 0
    default, smaller = files_in(root.review)
    assert (luminance_step(default), luminance_step(smaller)) == (5, 16)


def test_the_error_file_beside_a_refused_upload_says_what_failed_that_nothing_was_changed_and_what_to_do(root):
    make_order(root, order_id="37", product="poster", image=artwork((300, 400)), name="tiny")
    assert run(root) == 1
    lines = (root.failed / "37" / "tiny.png.error.txt").read_text(encoding="utf-8").splitlines()
    assert lines[:2] == ["podwatch could not make tiny.png printable:", ""]
    reasons = lines[2:-3]
    assert reasons and all(line.startswith("- ") for line in reasons) and "tiny.png" in reasons[0]
    assert lines[-3:] == ["", "The original files are kept in this folder, unchanged.",
                          "Once fixed, drop the order (upload and order JSON) into inbox/ again."]


class PowerCut(KeyboardInterrupt):
    """The computer goes off: nothing after it runs."""


def test_the_power_going_while_a_broken_order_goes_to_failed_is_finished_the_same_way_at_the_next_start(root, monkeypatch):
    make_order(root, order_id="38", product="nosuchproduct", image=artwork((1200, 1200)), name="mine")
    real, calls = routing.write_text, []

    def cut(*args, **kwargs):
        if not calls:
            calls.append(1)
            raise PowerCut
        return real(*args, **kwargs)

    monkeypatch.setattr(routing, "write_text", cut)
    assert run(root) == 130
    assert run(root) == 0  # it was refused in the run the power cut short; this run only finishes it
    assert [p.name for p in files_in(root.failed / "mine")] == ["mine.json", "mine.json.error.txt", "mine.png"]
    text = (root.failed / "mine" / "mine.json.error.txt").read_text(encoding="utf-8")
    assert text.startswith("podwatch could not make mine.json printable:\n\n- ") and "nosuchproduct" in text
    (failed,) = [event for event in ledger_events(root, "38") if event["kind"] == "failed"]
    assert failed["message"].endswith("(its files are in failed/mine/)")


def test_the_power_going_after_a_broken_orders_files_left_its_claim_is_finished_at_the_next_start(root, monkeypatch):
    (root.inbox / "broken.json").write_text('{"order_id": "39", "product": ', encoding="utf-8")
    (root.inbox / "broken.png").write_bytes(b"an upload")
    real = routing.remove_claim

    def cut(claim):  # the files/ folder is gone, claim.json not yet
        shutil.rmtree(claim.files_dir)
        monkeypatch.setattr(routing, "remove_claim", real)
        raise PowerCut

    monkeypatch.setattr(routing, "remove_claim", cut)
    assert run(root) == 130
    assert run(root) == 0
    assert list(root.claims.iterdir()) == []
    kept = [p.name for p in files_in(root.failed / "broken")]
    assert sorted(kept) == ["broken.json", "broken.json.error.txt", "broken.png"], "one note, not a second _r2"
    # No order id could be read: the failure is listed among the folder's own events, under no invented id.
    assert [e for e in ledger_events(root) if e["kind"] == "failed"][0]["message"].endswith("(its files are in failed/broken/)")


@pytest.mark.parametrize("policy", ["when_clean", "never"])
def test_an_order_sent_on_by_the_policy_says_so_in_the_manifest(root, policy):
    set_policy(root, "mug", policy)
    make_order(root, order_id="36", product="mug", image=artwork((2700, 1050)))
    assert run(root) == 0
    with (root.production / "manifest.csv").open(encoding="utf-8", newline="") as handle:
        (row,) = csv.DictReader(handle)
    # No person approved it: the print partner and the seller see which rule did, and when.
    assert row["approved_by"] == f"policy:{policy}"
    assert datetime.fromisoformat(row["approved_at"]).date() == datetime.now().date()
    # Its proof is kept in the order's archive folder, where the seller finds it later.
    assert [path.relative_to(root.archive).as_posix() for path in files_in(root.archive, "*proof*")] == [
        f"{routing.order_dir('36', 1)}/36_mug_white_1_proof.jpg"]


def test_the_log_says_where_each_upload_went_and_why_under_its_order_id(root):
    make_order(root, order_id="37", product="mug", image=artwork((2700, 1050)))
    make_order(root, order_id="38", product="mug", image=artwork((2700, 1050)), instructions="no border please")
    assert run(root) == 0
    lines = (root.logs / "podwatch.log").read_text(encoding="utf-8").splitlines()
    assert any(line.endswith("[37] 37.png → review: waiting for approval") for line in lines), lines[-6:]
    assert any(line.endswith("[38] 38.png → review: waiting for approval") for line in lines)
    # Nothing of the two orders is left in this computer's work area (outside the synced folder).
    assert not root.work.exists() or list(root.work.iterdir()) == []


def test_a_crash_after_the_print_file_was_written_fails_the_order_and_leaves_no_print_file(root, monkeypatch):
    # The print is written, then drawing the proof fails (a podwatch bug): the order goes to failed/
    # with its upload and the reason, and no half-finished print file is left to be handed over.
    def broken_proof(ctx, draft):
        assert draft.print_path is not None and draft.print_path.is_file(), "the print file was written"
        raise RuntimeError("proof renderer broke")

    monkeypatch.setattr(pipeline, "STEPS", tuple(broken_proof if step.__name__ == "make_proof" else step
                                                 for step in pipeline.STEPS))
    make_order(root, order_id="39", product="mug", image=artwork((2700, 1050)))
    assert run(root) == 1, "a failed order"
    (row,) = ledger_rows(root)
    assert row.state.value == "failed" and "proof renderer broke" in row.reason
    assert (row.print_file, row.sha256, row.preview_file) == ("", "", ""), "no print file, checksum or preview recorded"
    assert [path.name for path in files_in(root.failed)] == ["39.json", "39.png", "39.png.error.txt"]
    assert files_in(root.pending) == [] and files_in(root.production) == [] and files_in(root.review) == []


def test_a_failed_upload_kept_beside_a_file_of_the_same_name_is_the_one_the_ledger_points_to(root):
    # A file of the upload's name already sits in the order's failed/ folder (the seller put it back
    # there): the new one is kept beside it, and the ledger (which the desk re-runs from) names it.
    (root.inbox / "41.png").write_bytes(b"not a picture at all")
    (root.inbox / "41.json").write_text('{"order_id": "41", "product": "mug"}', encoding="utf-8")
    folder = routing.order_dir("41", 1)
    (root.failed / folder).mkdir(parents=True)
    (root.failed / folder / "41.png").write_bytes(b"the seller's own copy")
    assert run(root) == 1, "a failed order"
    (row,) = ledger_rows(root)
    assert (root.failed / folder / "41.png").read_bytes() == b"the seller's own copy"
    assert row.original != f"failed/{folder}/41.png"
    assert (root.path / row.original).read_bytes() == b"not a picture at all"


def test_an_upload_that_fails_two_ways_names_both_reasons_where_the_seller_looks(root):
    """A name mug ordered without the name, with a thumbnail for its photo: both are said, in the
    error file and in the one line `podwatch status` and the log show, as one sentence."""
    make_order(root, order_id="39", product="namemug", image=artwork((60, 60)), name="thumb")
    assert run(root) == 1
    lines = (root.failed / "39" / "thumb.png.error.txt").read_text(encoding="utf-8").splitlines()
    reasons = [line[2:] for line in lines if line.startswith("- ")]
    assert len(reasons) == 2 and "DPI" in reasons[0] and "no personalization.name" in reasons[1]
    (row,) = ledger_rows(root, "39")
    assert row.state == "failed"
    assert row.reason == f"{reasons[0].removesuffix('.')}; {reasons[1]}"
    assert "not a screenshot or a messenger copy); the order has no personalization.name" in row.reason
    log = (root.logs / "podwatch.log").read_text(encoding="utf-8")
    assert f"[39] thumb.png → failed: {row.reason}" in log

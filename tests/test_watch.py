"""The service watching the folders: files arrive slowly, in any order, under temp names; proofs are approved."""

from __future__ import annotations

import json
import os
import shutil
import time

import numpy as np
import pytest
from conftest import artwork, files_in, sha256
from PIL import Image
from running import Running, configure, ledger_events, ledger_rows, png_bytes, wait_for, waiting_paths

from podwatch.outputs.ledger import State

STABILITY = 0.5  # seconds a file must stay unchanged; the slow writer below pauses far less


@pytest.fixture(params=["events", "poll"])
def watching(request, root):
    """Start the service on `root`: native change notifications, or `--poll` as on a network share.
    The full rescan is set to an hour, so only the watcher itself can notice anything here."""
    configure(root, intake={"stability_seconds": STABILITY, "pair_timeout_minutes": 0.02},
              watch={"rescan_minutes": 60}, proof={"long_side": 400})
    args = ["--poll", "0.2"] if request.param == "poll" else []
    with Running(root, *args) as service:
        assert ("polling every 0.2 s" in service.output()) == (request.param == "poll")
        yield service


def drop_sidecar(root, stem, order_id, product="sticker", **fields):
    path = root.inbox / f"{stem}.json"
    path.write_text(json.dumps({"order_id": order_id, "product": product, **fields}))
    return path


def test_a_slow_20_mb_upload_is_taken_once_after_it_is_complete(root, watching):
    noise = np.random.default_rng(7).integers(0, 256, (2600, 2600, 3), dtype=np.uint8)
    data = png_bytes(Image.fromarray(noise, "RGB"), compress_level=0)
    assert len(data) > 20_000_000
    drop_sidecar(root, "7001", "7001")

    chunk = len(data) // 64 + 1
    with (root.inbox / "7001.png").open("wb") as upload:
        for start in range(0, len(data), chunk):
            upload.write(data[start:start + chunk])
            upload.flush()
            time.sleep(0.03)  # a sync tool writing piece by piece
            assert files_in(root.review) == [] and files_in(root.failed) == [], "taken before it was complete"

    wait_for(lambda: files_in(root.review), what="the proof", service=watching)
    wait_for(lambda: not any(root.claims.iterdir()), what="the claim to finish", service=watching)
    assert [p.name for p in files_in(root.review)] == ["7001_sticker_white_1_proof.jpg"]
    assert files_in(root.failed) == []
    (row,) = ledger_rows(root, "7001")
    assert row.state is State.REVIEW
    archived = root.archive / "7001" / "7001.png"
    assert sha256(archived) == __import__("hashlib").sha256(data).hexdigest(), "the complete file was taken"


def test_upload_then_sidecar_and_sidecar_then_upload_and_a_folder_filled_later(root, watching):
    artwork((1200, 1200)).save(root.inbox / "7101.png")
    wait_for(lambda: "7101.png" in waiting_paths(root), what="the upload to wait for its JSON", service=watching)
    drop_sidecar(root, "7101", "7101")

    drop_sidecar(root, "7102", "7102")
    wait_for(lambda: "7102.json" in waiting_paths(root), what="the JSON to wait for its upload", service=watching)
    artwork((1200, 1200), background=(200, 40, 90)).save(root.inbox / "7102.png")

    # A folder order whose order.json is there first: it waits for the photo.
    folder = root.inbox / "etsy-7103"
    folder.mkdir()
    (folder / "order.json").write_text(json.dumps({"order_id": "7103", "product": "sticker"}))
    wait_for(lambda: "etsy-7103" in waiting_paths(root), what="the folder to wait for its upload", service=watching)
    artwork((1200, 1200), background=(20, 160, 160)).save(folder / "photo.png")

    wait_for(lambda: len(files_in(root.review)) == 3, what="three proofs", service=watching)
    assert [p.name for p in files_in(root.review)] == [
        "7101_sticker_white_1_proof.jpg", "7102_sticker_white_1_proof.jpg", "7103_sticker_white_1_proof.jpg",
    ]
    assert files_in(root.failed) == []

    # One that never gets its JSON: after pair_timeout_minutes (1.2 s here) the seller is told, once.
    artwork((1200, 1200)).save(root.inbox / "7199.png")
    overdue = lambda: [e for e in ledger_events(root) if e["kind"] == "overdue" and "7199.png" in e["message"]]  # noqa: E731
    wait_for(overdue, what="the overdue report", service=watching)
    assert "inbox/7199.png has been waiting for its order JSON" in watching.output()
    assert len(overdue()) == 1 and (root.inbox / "7199.png").exists()


def test_temp_names_renamed_in_are_taken_and_debris_is_left_alone(root, watching):
    debris = [".DS_Store", "._7201.png", "Thumbs.db", "7299.png.crdownload", ".dropbox.cache", "~$notes.json"]
    for name in debris:
        (root.inbox / name).write_bytes(b"not an order")
    drop_sidecar(root, "7201", "7201")
    # Syncthing writes under a hidden temp name, then renames the finished file in.
    temp = root.inbox / ".syncthing.7201.png.tmp"
    artwork((1200, 1200)).save(temp, "PNG")
    os.rename(temp, root.inbox / "7201.png")
    # A browser download: `.part` while it comes, then its real name; the JSON comes last.
    part = root.inbox / "7202.png.part"
    artwork((1200, 1200), background=(10, 150, 60)).save(part, "PNG")
    os.rename(part, root.inbox / "7202.png")
    drop_sidecar(root, "7202", "7202")
    # A folder order copied in under a hidden name, renamed when complete.
    hidden = root.inbox / ".copying-etsy-7203"
    hidden.mkdir()
    artwork((1200, 1200), background=(90, 90, 200)).save(hidden / "front.png")
    (hidden / "order.json").write_text(json.dumps({"order_id": "7203", "product": "sticker"}))
    os.rename(hidden, root.inbox / "etsy-7203")

    wait_for(lambda: len(files_in(root.review)) == 3, what="three proofs", service=watching)
    wait_for(lambda: sorted(p.name for p in root.inbox.iterdir()) == sorted(debris),
             what="only debris left in the inbox", service=watching)
    assert files_in(root.failed) == []
    assert all((root.inbox / name).read_bytes() == b"not an order" for name in debris)


def test_approving_rejecting_and_revising_while_the_service_runs(root, watching):
    artwork((1200, 1200)).save(root.inbox / "7301.png")
    drop_sidecar(root, "7301", "7301")
    artwork((1200, 1200)).save(root.inbox / "7302.png")
    drop_sidecar(root, "7302", "7302")
    wait_for(lambda: len(files_in(root.review)) == 2, what="two proofs", service=watching)

    # Approve one: its print file reaches production/ within seconds, with a manifest row.
    (root.review / "7301_sticker_white_1_proof.jpg").rename(root.approved / "7301_sticker_white_1_proof.jpg")
    printed = root.production / "7301_sticker_white_1_print.png"
    wait_for(lambda: printed.exists() and (root.production / "manifest.csv").exists(),
             what="the print file in production", service=watching)
    assert "7301_sticker_white_1_print.png" in (root.production / "manifest.csv").read_text()

    # Reject the other; the reason is written a little later, as a seller would.
    proof = root.review / "7302_sticker_white_1_proof.jpg"
    proof.rename(root.rejected / proof.name)
    wait_for(lambda: ledger_rows(root, "7302")[0].state is State.REJECTED, what="the rejection", service=watching)
    (root.rejected / f"{proof.name}.txt").write_text("the dog's name is misspelled")
    wait_for(lambda: ledger_rows(root, "7302")[0].reason == "the dog's name is misspelled",
             what="the reason", service=watching)

    # The buyer sends a corrected upload for the same order: revision 2, the first one kept.
    artwork((1200, 1200), background=(240, 120, 0)).save(root.inbox / "7302.png")
    drop_sidecar(root, "7302", "7302")
    # Its proof reaches review/ a moment before its originals reach archive/7302_r2/.
    wait_for(lambda: (root.review / "7302_sticker_white_1_proof_r2.jpg").exists() and (root.archive / "7302_r2").is_dir(),
             what="revision 2, its proof and its originals", service=watching)
    assert [row.revision for row in ledger_rows(root, "7302")] == [1, 2]
    assert (root.archive / "7302").is_dir()

    # Taking an approval back after the hand-off: said once, the print file stays in production/.
    (root.approved / "7301_sticker_white_1_proof.jpg").rename(root.review / "7301_sticker_white_1_proof.jpg")
    wait_for(lambda: any(e["kind"] == "withdrawn" for e in ledger_events(root, "7301")),
             what="the withdrawal to be recorded", service=watching)
    assert printed.exists()
    assert ledger_rows(root, "7301")[0].state is State.PRODUCTION


def test_an_inbox_deleted_while_running_is_made_again_and_watched(root):
    # A sync tool's hiccup, or a seller tidying up: the inbox goes while the service runs. Looks
    # meanwhile (one is due when the lonely upload's wait turns overdue) find nothing and fail nothing;
    # the full look makes the inbox again and watches the new folder.
    configure(root, intake={"stability_seconds": STABILITY, "pair_timeout_minutes": 0.01},
              watch={"rescan_minutes": 0.1}, proof={"long_side": 400})
    artwork((600, 600)).save(root.inbox / "lonely.png")
    with Running(root) as service:
        service.wait_until_watching()
        shutil.rmtree(root.inbox)
        wait_for(lambda: root.inbox.is_dir() and "inbox/ was removed: made again; watching it again" in service.output(),
                 what="the inbox made again", service=service)
        artwork((1200, 1200)).save(root.inbox / "7401.png")
        drop_sidecar(root, "7401", "7401")
        wait_for(lambda: files_in(root.review), what="the proof", service=service)
        # Replaced between two looks (made anew while the old one still existed: another inode).
        old = root.inbox.rename(root.path / "old-inbox")
        root.inbox.mkdir()
        shutil.rmtree(old)
        wait_for(lambda: "inbox/ was replaced; watching it again" in service.output(), what="the new inbox watched",
                 service=service)
        assert service.process.poll() is None and "Traceback" not in service.output()
    assert files_in(root.failed) == []

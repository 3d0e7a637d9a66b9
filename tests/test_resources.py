"""Memory, time, disk and a damaged ledger: limits a seller can read, and the service carries on."""

from __future__ import annotations

import errno
import subprocess
import sys
import time

from conftest import artwork, files_in, make_order, run
from running import REPO, configure, ledger_rows

from podwatch import files
from podwatch.cli.main import main
from podwatch.intake.claims import claim, load_claim
from podwatch.intake.scan import scan_inbox
from podwatch.prepress import printfile
from podwatch.running import pipeline, steps
from podwatch.running.once import open_context
from podwatch.running.workers import Workers


def test_an_upload_past_the_pixel_budget_is_refused_in_words_and_a_jpeg_counts_as_decoded(root):
    configure(root, images={"max_megapixels": 5})
    make_order(root, order_id="big", product="sticker", image=artwork((3000, 2000)))  # 6 MP of PNG
    # 14.4 MP of JPEG, decoded at half size (3.6 MP) for a 2700 x 1050 mug wrap: within the budget.
    make_order(root, order_id="photo", product="mug", image=artwork((6000, 2400)), ext="jpg")
    assert run(root) == 1
    (text,) = files_in(root.failed / "big", "*.error.txt")
    assert "3000 x 2000 pixels (6 megapixels), more than the 5 megapixels podwatch works on at once" in text.read_text()
    assert "[images] max_megapixels" in text.read_text()
    assert [p.name for p in files_in(root.review)] == ["photo_mug_white_1_proof.jpg"]
    assert [row.state.value for row in ledger_rows(root, "photo")] == ["review"]


def work_unless_sleepy(ctx, job):
    """Stands in for a decoder that hangs on one particular file."""
    if job.upload.name.startswith("sleepy"):
        time.sleep(600)
    return pipeline.work(ctx, job)


def test_a_job_past_its_time_is_stopped_and_set_aside_while_the_others_flow_on(root):
    # Far longer than a sticker takes on a busy computer (a new worker's first job imports for seconds).
    configure(root, workers={"job_timeout_seconds": 20})
    for n, name in enumerate(["a1", "sleepy", "z3", "z4"], start=1):
        make_order(root, f"60{n:02d}", "sticker", artwork((1300, 1300)), name=name)
    ctx = open_context(root.path)
    outcomes = []
    with Workers(ctx, 2, work=work_unless_sleepy) as workers:
        for candidate in scan_inbox(root.inbox).orders:
            outcomes += workers.submit(claim(candidate, root.inbox, root.claims))
        outcomes += workers.drain()
    ctx.ledger.close()

    assert {o.order_id: o.state.value for o in outcomes} == {
        "6001": "review", "6002": "failed", "6003": "review", "6004": "review"}
    error = (root.failed / "6002" / "sleepy.png.error.txt").read_text()
    assert "stopped working on sleepy.png after 20 seconds ([workers] job_timeout_seconds" in error
    assert (root.failed / "6002" / "sleepy.png").is_file(), "the buyer's file is kept"
    assert len(files_in(root.review)) == 3 and files_in(root.claims) == []


def test_a_full_disk_keeps_the_order_and_pauses_intake_until_there_is_room(root, monkeypatch, capsys):
    make_order(root, order_id="8001", product="sticker", image=artwork((1200, 1200)))
    real_export = printfile.export

    def no_room(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(steps, "export", no_room)
    assert run(root) == 0
    (kept,) = root.claims.iterdir()
    assert load_claim(kept).attempts == 0, "a full disk is not the order's fault"
    assert files_in(root.failed) == [] and files_in(root.review) == []
    assert "the disk holding" in capsys.readouterr().err

    # Still full (here the disk of this computer's work area, where print files are written): the
    # next order waits in the inbox, and status says why.
    monkeypatch.setattr(files, "disk_free", lambda path: 50_000_000 if path == root.work else 10**12)
    make_order(root, order_id="8002", product="sticker", image=artwork((1200, 1200)))
    assert run(root) == 0
    assert sorted(p.name for p in root.inbox.iterdir()) == ["8002.json", "8002.png"]
    assert "Paused:" in capsys.readouterr().out
    assert main(["status", "--root", str(root.path)]) == 0
    assert f"Paused: the disk holding {root.work} is nearly full (50 MB free)" in capsys.readouterr().out

    monkeypatch.setattr(steps, "export", real_export)  # room again
    monkeypatch.setattr(files, "disk_free", lambda _path: 10**12)
    assert run(root) == 0
    assert [p.name for p in files_in(root.review)] == ["8001_sticker_white_1_proof.jpg", "8002_sticker_white_1_proof.jpg"]
    assert list(root.claims.iterdir()) == [] and files_in(root.inbox) == []


HANGS = """
import sys, time
from podwatch.running import pipeline

def hangs(ctx, job):  # a decoder that never returns on this file
    time.sleep(600)

pipeline.work = hangs
from podwatch.cli.main import main
sys.exit(main(["run", "--root", sys.argv[1], "--once"]))
"""


def test_a_lone_upload_past_its_time_ends_run_once_and_the_next_run_sets_it_aside(root):
    configure(root, workers={"job_timeout_seconds": 3})
    make_order(root, "6101", "sticker", artwork((1300, 1300)), name="sleepy")
    started = time.monotonic()
    hung = subprocess.run([sys.executable, "-c", HANGS, str(root.path)], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert hung.returncode == 3, hung.stderr
    assert time.monotonic() - started < 100, "it ended itself instead of waiting for the hanging decoder"
    assert "sleepy.png: podwatch stopped working on sleepy.png after 3 seconds" in hung.stderr
    assert files_in(root.failed) == [] and len(list(root.claims.iterdir())) == 1, "the order waits in its claim"

    make_order(root, "6102", "sticker", artwork((1300, 1300)))
    assert run(root) == 1  # the next run: set aside at once, the next order flows on
    error = (root.failed / "6101" / "sleepy.png.error.txt").read_text()
    assert "stopped working on sleepy.png after 3 seconds ([workers] job_timeout_seconds" in error
    assert (root.failed / "6101" / "sleepy.png").is_file(), "the buyer's file is kept"
    assert [p.name for p in files_in(root.review)] == ["6102_sticker_white_1_proof.jpg"]
    assert list(root.claims.iterdir()) == []

"""Print files and proofs are made on this computer, outside the synced folder, and reach it whole."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from conftest import artwork, files_in, make_order, run, sha256

from podwatch import files
from podwatch.intake.claims import claim
from podwatch.intake.scan import scan_inbox
from podwatch.running import pipeline
from podwatch.running.once import open_context


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under `folder` with its size and modification time: what a sync client would see."""
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in files_in(folder)}


def test_nothing_is_written_in_the_synced_folder_while_an_order_is_made(root, state_home):
    make_order(root, "8101", "poster", artwork((3000, 4000)))
    ctx = open_context(root.path)
    (candidate,) = scan_inbox(root.inbox).orders
    taken = claim(candidate, root.inbox, root.claims)
    started = pipeline.start(ctx, taken)
    (job,) = started.jobs
    before = snapshot(root.path)

    result = pipeline.work(ctx.work, job)

    # The print file (the long write) and everything else was made in this computer's work area.
    assert snapshot(root.path) == before, "a sync client would have seen a file being written"
    assert result.print_path is not None and result.print_path.is_relative_to(state_home)
    assert not result.print_path.is_relative_to(root.path)
    made = sha256(result.print_path)

    started.results[job.item] = result
    pipeline.finish(ctx, started)
    ctx.ledger.close()
    (placed,) = files_in(root.pending)
    assert sha256(placed) == made
    assert [p.name for p in files_in(root.review)] == ["8101_poster_white_1_proof.jpg"]
    assert files_in(root.claims) == [] and files_in(root.work) == []


def other_disk(than: Path) -> Path | None:
    """A folder on another filesystem than `than` (Linux's /dev/shm), or None."""
    for candidate in ("/dev/shm", "/run/user"):
        if os.path.isdir(candidate) and os.access(candidate, os.W_OK) and os.stat(candidate).st_dev != than.stat().st_dev:
            return Path(candidate)
    return None


def test_a_work_area_on_another_disk_than_the_synced_folder(root, tmp_path, monkeypatch):
    """Google Drive for desktop is a disk of its own: files reach it by copy, under a temporary name."""
    disk = other_disk(tmp_path)
    if disk is None:
        pytest.skip("no second filesystem here (Linux has /dev/shm) to put the work area on")
    state = Path(tempfile.mkdtemp(prefix="podwatch-test-", dir=disk))
    try:
        monkeypatch.setenv("PODWATCH_STATE_HOME", str(state))
        assert os.stat(state).st_dev != os.stat(root.path).st_dev
        make_order(root, "8201", "sticker", artwork((1300, 1300)))
        make_order(root, "8202", "sticker", artwork((200, 200)))  # fails: too small
        assert run(root) == 1
        assert [p.name for p in files_in(root.review)] == ["8201_sticker_white_1_proof.jpg"]
        assert [p.name for p in files_in(root.pending)] == ["8201_sticker_white_1_print.png"]
        assert {p.name for p in files_in(root.failed)} >= {"8202.png", "8202.json", "8202.png.error.txt"}
        assert files_in(root.claims) == [] and root.work.is_relative_to(state) and files_in(root.work) == []
        # Nothing left under a temporary name in the synced folder.
        assert not [p for p in files_in(root.path) if p.name.endswith(".tmp")]
    finally:
        shutil.rmtree(state, ignore_errors=True)


def test_a_file_moved_between_disks_appears_whole_or_not_at_all(tmp_path, monkeypatch):
    made = tmp_path / "work" / "1_print.png"
    made.parent.mkdir()
    made.write_bytes(b"print" * 1000)
    dest = tmp_path / "POD" / ".podwatch" / "claims" / "x" / "out" / "1_print.png"
    renames = []
    real_replace = os.replace

    def between_disks(src, dst):  # a rename across folders fails as it does between two disks
        renames.append((Path(src).name, Path(dst).name))
        if Path(src).parent != Path(dst).parent:
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        return real_replace(src, dst)

    monkeypatch.setattr(files.os, "replace", between_disks)
    files.move_whole(made, dest)
    assert dest.read_bytes() == b"print" * 1000 and not made.exists()
    # Written under a temporary name beside it, then renamed: a sync client never sees half of it.
    (tried, (tmp_name, final)) = renames
    assert tried == ("1_print.png", "1_print.png") and tmp_name.startswith(".1_print.png.") and final == "1_print.png"
    assert [p.name for p in dest.parent.iterdir()] == ["1_print.png"]


def test_a_claim_left_by_an_older_podwatch_in_its_work_folder_is_finished(root):
    make_order(root, "8301", "sticker", artwork((1300, 1300)))
    (candidate,) = scan_inbox(root.inbox).orders
    claim(candidate, root.inbox, root.legacy_claims)  # where podwatch kept claims before
    assert files_in(root.inbox) == []
    assert run(root) == 0
    assert [p.name for p in files_in(root.review)] == ["8301_sticker_white_1_proof.jpg"]
    assert {p.name for p in files_in(root.archive)} == {"8301.png", "8301.json"}
    assert files_in(root.legacy_claims) == []


def test_what_an_interrupted_run_was_writing_on_this_computer_is_cleared_at_the_next_start(root):
    make_order(root, "8401", "sticker", artwork((1300, 1300)))
    (candidate,) = scan_inbox(root.inbox).orders
    taken = claim(candidate, root.inbox, root.claims)
    # A run killed while writing: half a print file under its temporary name, in the work area.
    half = root.work / taken.id / ".8401_sticker_white_1_print.png.k3j2.tmp"
    half.parent.mkdir(parents=True)
    half.write_bytes(b"\x89PNG half")
    assert run(root) == 0
    assert [p.name for p in files_in(root.pending)] == ["8401_sticker_white_1_print.png"]
    assert files_in(root.work) == [] and files_in(root.claims) == []

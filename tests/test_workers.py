"""Several uploads at once: worker processes change how fast, never what comes out."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import time

from conftest import artwork, files_in, make_order, run
from PIL import Image
from running import configure

from podwatch.config.root import Root, init_root
from podwatch.intake.claims import claim
from podwatch.intake.scan import scan_inbox
from podwatch.jobs import WorkContext
from podwatch.running import pipeline
from podwatch.running.once import open_context
from podwatch.running.workers import Workers


def drop_a_busy_morning(root: Root) -> None:
    """Small products, so the print files stay small; one order twice, one too small to print."""
    make_order(root, "2001", "sticker", artwork((1400, 1400)))
    make_order(root, "2002", "mug", artwork((3000, 1200), background=(200, 40, 90)), ext="jpg")
    make_order(root, "2003", "phonecase", artwork((100, 200)))  # 33 DPI, below the reject_dpi floor (67): fails
    make_order(root, "2004", "sticker", artwork((1300, 1300)).convert("RGBA"), name="logo",
               personalization={"name": "Mickey Mouse"})  # on the blocklist
    make_order(root, "2001", "sticker", artwork((1500, 1500), background=(20, 20, 20)), name="2001-redo")
    folder = root.inbox / "etsy-2005"
    folder.mkdir()
    artwork((900, 1900)).save(folder / "front.png")
    artwork((900, 1900), background=(90, 160, 60)).save(folder / "back.png")
    (folder / "order.json").write_text(json.dumps({"order_id": "2005", "product": "phonecase"}))
    # A name-only mug: the order JSON stands in for the upload.
    (root.inbox / "2006.json").write_text(json.dumps({
        "order_id": "2006", "product": "namemug", "variant": "white", "files": [],
        "personalization": {"name": "Rosa"}}))


def outcome(root: Root) -> dict[str, str]:
    """Every file podwatch wrote or kept, by path, with a hash of its pixels (images) or bytes."""
    seen = {}
    for folder in (root.review, root.failed, root.archive, root.production, root.pending):
        for path in files_in(folder):
            if path.suffix in (".png", ".jpg"):
                with Image.open(path) as image:
                    digest = hashlib.sha256(image.tobytes()).hexdigest()
            elif path.name == "manifest.csv":
                continue  # carries the time of the hand-over
            else:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            seen[str(path.relative_to(root.path))] = digest
    return seen


def ledger_rows(root: Root) -> list[tuple]:
    with sqlite3.connect(root.ledger) as db:
        return db.execute(
            "SELECT order_id, item, revision, state, source, original, print_file, proof_file, findings "
            "FROM items ORDER BY id").fetchall()


def test_two_workers_give_exactly_what_one_worker_gives(tmp_path):
    roots = []
    for workers in ("1", "2"):
        init_root(tmp_path / workers)
        root = Root(tmp_path / workers)
        configure(root, intake={"stability_seconds": 0})  # files made a moment ago are complete here
        drop_a_busy_morning(root)
        assert run(root, "--workers", workers) == 1  # 2003 fails
        roots.append(root)
    one, two = roots

    files = outcome(one)
    assert "review/2001_sticker_white_1_proof.jpg" in files
    assert "review/2001_sticker_white_1_proof_r2.jpg" in files, "the second upload for 2001 is revision 2"
    assert "review/2005_phonecase_white_2_proof.jpg" in files
    assert any(name.startswith("failed/2003/") and name.endswith(".error.txt") for name in files)
    assert "review/2006_namemug_white_1_proof.jpg" in files
    (logo,) = [row for row in ledger_rows(two) if row[0] == "2004"]
    assert "Mickey Mouse" in logo[8], "the blocklist travels to the workers"
    assert files == outcome(two)
    assert ledger_rows(one) == ledger_rows(two)
    assert files_in(one.claims) == files_in(two.claims) == []


def test_a_lone_upload_is_worked_on_in_the_main_process(root, monkeypatch):
    def no_workers(*_args, **_kwargs):
        raise AssertionError("no worker process for a single upload")

    monkeypatch.setattr("podwatch.running.workers.Workers._executor", no_workers)
    make_order(root, "3001", "sticker", artwork((1300, 1300)))
    assert run(root, "--workers", "4") == 0
    assert [p.name for p in files_in(root.review)] == ["3001_sticker_white_1_proof.jpg"]


def work_unless_cursed(ctx, job):
    """Stands in for an image decoder that crashes the process on one particular file."""
    if job.upload.name.startswith("cursed"):
        os.kill(os.getpid(), signal.SIGSEGV)
    return pipeline.work(ctx, job)


def test_a_worker_crash_fails_only_its_order_and_the_rest_carry_on(root):
    names = {1: "a1", 2: "cursed", 3: "z3", 4: "z4", 5: "z5"}  # in the inbox's order, the cursed file comes second
    for n, name in names.items():
        make_order(root, f"40{n:02d}", "sticker", artwork((1300, 1300)), name=name)
    ctx = open_context(root.path)
    outcomes = []
    with Workers(ctx, 2, work=work_unless_cursed) as workers:
        for candidate in scan_inbox(root.inbox).orders:
            outcomes += workers.submit(claim(candidate, root.inbox, root.claims))
        outcomes += workers.drain()
    ctx.ledger.close()

    states = {o.order_id: o.state.value for o in outcomes}
    assert states == {"4001": "review", "4002": "failed", "4003": "review", "4004": "review", "4005": "review"}
    assert "stopped abruptly" in next(o.message for o in outcomes if o.order_id == "4002")
    error = (root.failed / "4002" / "cursed.png.error.txt").read_text()
    assert "cursed.png" in error and "ask the buyer" in error
    assert (root.failed / "4002" / "cursed.png").is_file(), "the buyer's file is kept"
    assert len(files_in(root.review)) == 4
    assert [p.name for p in files_in(root.path / ".podwatch" / "pending")] == [
        f"40{n:02d}_sticker_white_1_print.png" for n in (1, 3, 4, 5)
    ], "no half-written print file is left behind"
    assert files_in(root.claims) == []


def work_held_at_a_gate(ctx, job):
    """Order 5002's worker waits (up to a minute) until the test opens the gate beside the root."""
    gate = ctx.root.path.parent / "gate"
    deadline = time.monotonic() + 60
    while job.order.order_id == "5002" and not gate.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return pipeline.work(ctx, job)


def test_finished_orders_can_be_collected_without_waiting_for_the_rest(root):
    for n in (1, 2):
        make_order(root, f"50{n:02d}", "sticker", artwork((1300, 1300)))
    ctx = open_context(root.path)
    with Workers(ctx, 2, work=work_held_at_a_gate) as workers:
        outcomes = []
        for candidate in scan_inbox(root.inbox).orders:
            outcomes += workers.submit(claim(candidate, root.inbox, root.claims))
        deadline = time.monotonic() + 60
        while not outcomes and time.monotonic() < deadline:
            outcomes += workers.collect()
            time.sleep(0.05)
        # 5002 is still held: a collect() that waited for it would have returned both at once.
        assert [o.order_id for o in outcomes] == ["5001"]
        (root.path.parent / "gate").touch()
        while len(outcomes) < 2 and time.monotonic() < deadline:
            outcomes += workers.collect()
            time.sleep(0.05)
    ctx.ledger.close()
    assert [o.order_id for o in outcomes] == ["5001", "5002"]
    assert [p.name for p in files_in(root.review)] == [
        "5001_sticker_white_1_proof.jpg", "5002_sticker_white_1_proof.jpg",
    ]


def work_and_check_where_it_wrote(ctx, job):
    """The real work, then proof that a worker wrote only inside the claim and never had a ledger."""
    assert isinstance(ctx, WorkContext) and not hasattr(ctx, "ledger")
    result = pipeline.work(ctx, job)
    assert result.print_path is None or result.print_path.parent == job.staging, result.print_path
    return result


def test_workers_leave_their_print_files_in_the_claim_until_the_ledger_records_them(root):
    for n in (1, 2, 3):
        make_order(root, f"60{n:02d}", "sticker", artwork((1300, 1300)))
    ctx = open_context(root.path)
    with Workers(ctx, 2, work=work_and_check_where_it_wrote) as workers:
        outcomes = []
        for candidate in scan_inbox(root.inbox).orders:
            outcomes += workers.submit(claim(candidate, root.inbox, root.claims))
        outcomes += workers.drain()
    ctx.ledger.close()
    assert [(o.order_id, o.state.value) for o in outcomes] == [(f"60{n:02d}", "review") for n in (1, 2, 3)]
    assert [p.name for p in files_in(root.pending)] == [f"60{n:02d}_sticker_white_1_print.png" for n in (1, 2, 3)]
    assert files_in(root.claims) == []


def work_noting_its_threads(ctx, job):
    (ctx.root.path.parent / f"threads-{job.order.order_id}").write_text(str(job.threads))
    return pipeline.work(ctx, job)


def test_an_order_alone_may_deflate_on_every_core_and_orders_in_a_queue_on_one_each(root):
    for n in (1, 2, 3):
        make_order(root, f"600{n}", "sticker", artwork((1300, 1300)))
    ctx = open_context(root.path)
    with Workers(ctx, 1, work=work_noting_its_threads) as workers:
        for candidate in scan_inbox(root.inbox).orders:
            workers.submit(claim(candidate, root.inbox, root.claims))
        workers.drain()
    ctx.ledger.close()
    threads = {n: int((root.path.parent / f"threads-600{n}").read_text()) for n in (1, 2, 3)}
    # The first order starts with nothing else waiting, the last with nothing left behind it;
    # the one in between was handed out while another waited, so it keeps to its own core.
    assert threads == {1: os.cpu_count(), 2: 1, 3: os.cpu_count()}

"""Crashes at the worst moments: every order still ends in review/ exactly once, every original archived."""

from __future__ import annotations

import json
import random
import re
import time
from collections import Counter

from conftest import approve_all, artwork, files_in, make_order, run, sha256
from running import Running, configure, ledger_rows, wait_for

from podwatch.intake.claims import CLAIM_FILE, CLAIMING, load_claim
from podwatch.outputs import handoff, routing
from podwatch.outputs.ledger import State
from podwatch.running import pipeline


class Crash(KeyboardInterrupt):
    """Stands in for the power going off: nothing after it runs, no `except Exception` catches it."""


def crash_once(monkeypatch, module, name):
    real = getattr(module, name)
    calls = []

    def crashing(*args, **kwargs):
        if not calls:
            calls.append(1)
            raise Crash
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, crashing)


def two_upload_order(root, order_id="8001"):
    artwork((1200, 1200)).save(root.inbox / "front.png")
    artwork((1200, 1200), background=(200, 30, 60)).save(root.inbox / "back.png")
    (root.inbox / f"{order_id}.json").write_text(
        json.dumps({"order_id": order_id, "product": "sticker", "files": ["front.png", "back.png"]})
    )


def assert_clean(root):
    assert files_in(root.inbox) == [] and list(root.claims.iterdir()) == []
    assert not [p for p in files_in(root.path) if p.name.endswith(".tmp")], "no half-written files left"


def test_a_crash_after_the_first_item_is_recorded_finishes_without_making_it_twice(root, monkeypatch):
    two_upload_order(root)
    crash_once(monkeypatch, routing, "place_item")  # the ledger row is written, its files not yet placed
    assert run(root) == 130
    (left,) = list(root.claims.iterdir())
    assert len(ledger_rows(root, "8001")) == 1 and files_in(root.review) == []

    assert run(root) == 0
    assert [p.name for p in files_in(root.review)] == [
        "8001_sticker_white_1_proof.jpg", "8001_sticker_white_2_proof.jpg",
    ]
    assert [(r.item, r.revision) for r in ledger_rows(root, "8001")] == [(1, 1), (2, 1)]
    assert sorted(p.name for p in files_in(root.archive / "8001")) == ["8001.json", "back.png", "front.png"]
    assert len(files_in(root.pending)) == 2
    assert_clean(root)


def test_a_crash_while_putting_originals_away_is_finished(root, monkeypatch):
    two_upload_order(root)
    crash_once(monkeypatch, routing, "remove_claim")  # everything moved, the claim not yet removed
    assert run(root) == 130
    assert run(root) == 0
    assert len(files_in(root.review)) == 2 and len(ledger_rows(root, "8001")) == 2
    assert sorted(p.name for p in files_in(root.archive / "8001")) == ["8001.json", "back.png", "front.png"]
    assert all(row.original.startswith("archive/8001/") for row in ledger_rows(root, "8001"))
    assert_clean(root)


def test_a_crash_after_the_first_original_is_put_away_is_finished(root, monkeypatch):
    # The uploads go first and the order JSON last: while it is still in the claim, the next run can
    # read the order and finish putting it away.
    two_upload_order(root)
    real, moved = routing.move_no_clobber, []

    def first_original_then_crash(source, target):
        placed = real(source, target)
        if target.parent == root.archive / "8001" and not moved:
            moved.append(placed.name)
            raise Crash
        return placed

    monkeypatch.setattr(routing, "move_no_clobber", first_original_then_crash)
    assert run(root) == 130
    assert moved == ["back.png"], "an upload first, the order JSON last"
    monkeypatch.undo()
    assert run(root) == 0
    assert sorted(p.name for p in files_in(root.archive / "8001")) == ["8001.json", "back.png", "front.png"]
    assert len(ledger_rows(root, "8001")) == 2
    assert_clean(root)


def test_a_crash_after_the_claims_files_folder_went_is_finished(root, monkeypatch):
    # Seen once in the random SIGKILL test: the service then failed to start, on every restart.
    two_upload_order(root)

    def files_gone_then_crash(claim_):
        claim_.files_dir.rmdir()  # empty by now: everything in it was moved on
        raise Crash

    monkeypatch.setattr(routing, "remove_claim", files_gone_then_crash)
    assert run(root) == 130
    monkeypatch.undo()
    assert run(root) == 0
    assert len(files_in(root.review)) == 2
    assert sorted(p.name for p in files_in(root.archive / "8001")) == ["8001.json", "back.png", "front.png"]
    assert_clean(root)


def test_a_crash_half_way_through_taking_an_order_puts_it_back(root):
    upload, sidecar = make_order(root, image=artwork((1200, 1200)), product="sticker")
    before = {upload.name: sha256(upload), sidecar.name: sha256(sidecar)}
    # What a crash between the two renames leaves: the JSON taken, the upload still in the inbox.
    claim_dir = root.claims / "20240101-000000-1234-abcdef"
    (claim_dir / "files").mkdir(parents=True)
    (claim_dir / CLAIM_FILE).write_text(json.dumps(
        {"origin": {"1234.json": "1234.json", "1234.png": "1234.png"}, "folder": None, "state": CLAIMING}
    ))
    sidecar.rename(claim_dir / "files" / sidecar.name)
    assert load_claim(claim_dir).state == CLAIMING

    assert run(root) == 0
    assert [p.name for p in files_in(root.review)] == ["1234_sticker_white_1_proof.jpg"]
    assert {p.name: sha256(p) for p in files_in(root.archive / "1234")} == before
    assert_clean(root)


def test_a_crash_during_the_hand_off_gives_one_print_file_and_one_manifest_row(root, monkeypatch):
    make_order(root, image=artwork((1200, 1200)), product="sticker")
    run(root)
    approve_all(root)
    crash_once(monkeypatch, handoff, "append_manifest")  # moved to production/, no manifest row yet
    assert run(root) == 130
    assert run(root) == 0
    assert [p.name for p in files_in(root.production)] == ["1234_sticker_white_1_print.png", "manifest.csv"]
    assert len((root.production / "manifest.csv").read_text().splitlines()) == 2
    assert files_in(root.pending) == []
    (row,) = ledger_rows(root, "1234")
    assert row.state is State.PRODUCTION and row.sha256 == sha256(root.production / "1234_sticker_white_1_print.png")


def test_an_upload_that_keeps_killing_podwatch_is_set_aside_after_three_tries(root, monkeypatch):
    make_order(root, image=artwork((1200, 1200)), product="sticker")

    def dies(*_args):
        raise Crash

    monkeypatch.setattr(pipeline, "work", dies)
    for _ in range(pipeline.MAX_ATTEMPTS):
        assert run(root) == 130
    monkeypatch.undo()

    assert run(root) == 1
    text = (root.failed / "1234" / "1234.png.error.txt").read_text()
    assert "stopped 3 times while working on 1234.png" in text
    assert sorted(p.name for p in (root.failed / "1234").iterdir()) == ["1234.json", "1234.png", "1234.png.error.txt"]
    assert_clean(root)


ORDERS = 30


def drop_thirty(root) -> dict[str, set[str]]:
    """30 orders in the three shapes; returns order id → expected proof names."""
    expected = {}
    for n in range(ORDERS):
        order_id = f"90{n:02d}"
        colour = (n * 8 % 256, 90, 255 - n * 8 % 256)
        if n % 10 == 3:  # a sidecar naming two uploads: a crash can fall between its items
            artwork((1200, 1200), background=colour).save(root.inbox / f"{order_id}-a.png")
            artwork((1200, 1200), background=colour[::-1]).save(root.inbox / f"{order_id}-b.png")
            (root.inbox / f"{order_id}.json").write_text(json.dumps(
                {"order_id": order_id, "product": "sticker", "files": [f"{order_id}-a.png", f"{order_id}-b.png"]}))
            expected[order_id] = {f"{order_id}_sticker_white_{i}_proof.jpg" for i in (1, 2)}
            continue
        if n % 10 == 7:  # a folder order
            folder = root.inbox / f"etsy-{order_id}"
            folder.mkdir()
            artwork((1200, 1200), background=colour).save(folder / "photo.png")
            (folder / "order.json").write_text(json.dumps({"order_id": order_id, "product": "sticker"}))
        else:
            make_order(root, order_id=order_id, product="sticker", image=artwork((1200, 1200), background=colour))
        expected[order_id] = {f"{order_id}_sticker_white_1_proof.jpg"}
    return expected


def test_sigkill_at_random_moments_loses_nothing_and_doubles_nothing(root, capsys):
    configure(root, watch={"rescan_minutes": 60}, proof={"long_side": 400})  # small proofs: a quicker test
    expected = drop_thirty(root)
    originals = Counter(sha256(p) for p in files_in(root.inbox))
    proofs = lambda: len(files_in(root.review))  # noqa: E731
    total = sum(len(names) for names in expected.values())
    rng = random.Random(20240501)

    kills = 0
    while kills < 10 and proofs() < total:
        service = Running(root)
        target = min(total, proofs() + rng.randint(1, 2))
        wait_for(lambda: proofs() >= target or service.process.poll() is not None, 60, "progress", service)
        time.sleep(rng.uniform(0, 0.25))  # a random moment inside the next order: loading, writing, moving…
        service.kill()
        kills += 1

    with Running(root) as service:
        wait_for(lambda: proofs() >= total and not any(root.claims.iterdir()), 90, "every order", service)
    log = (root.logs / "podwatch.log").read_text()
    resumed, returned = log.count("interrupted while working on it"), log.count("interrupted while taking it")
    with capsys.disabled():
        print(f"\n  survived {kills} SIGKILLs ({resumed} orders resumed mid-way, {returned} put back while "
              f"being taken); {total} proofs for {ORDERS} orders")
    assert kills >= 6

    names = [p.name for p in files_in(root.review)]
    assert sorted(names) == sorted(set().union(*expected.values())), "each order in review/ exactly once"
    assert not [n for n in names if re.search(r"_r\d+\.", n)]
    rows = ledger_rows(root)
    assert Counter((r.order_id, r.item) for r in rows) == Counter(
        (oid, int(name.split("_")[3])) for oid, names_ in expected.items() for name in names_
    )
    assert {r.state for r in rows} == {State.REVIEW} and {r.revision for r in rows} == {1}
    archived = Counter(sha256(p) for p in files_in(root.archive) if not p.name.endswith("_proof.jpg"))
    assert archived == originals, "every original in archive/, exactly once"
    assert len(files_in(root.pending)) == total and files_in(root.failed) == []
    assert_clean(root)

"""Sign-off by moving proofs: changing your mind about a rejection, and tidying approved/ afterwards."""

from __future__ import annotations

import csv

from conftest import artwork, files_in, make_order, run, sha256
from running import ledger_events, ledger_rows

from podwatch.jobs import State


def test_a_proof_moved_back_from_rejected_waits_for_a_decision_again_and_can_then_be_approved(root):
    make_order(root, order_id="7001", image=artwork((4500, 5400)))
    run(root)
    (proof,) = files_in(root.review)
    proof.rename(root.rejected / proof.name)
    assert run(root) == 0
    assert [row.state for row in ledger_rows(root, "7001")] == [State.REJECTED]

    (root.rejected / proof.name).rename(root.review / proof.name)  # changed their mind
    assert run(root) == 0
    (row,) = ledger_rows(root, "7001")
    assert (row.state, row.reason) == (State.REVIEW, "")
    assert ledger_events(root, "7001")[-1]["kind"] == "review"
    assert files_in(root.production) == [], "waiting for a decision is not an approval"

    (root.review / proof.name).rename(root.approved / proof.name)
    assert run(root) == 0
    assert [p.name for p in files_in(root.production, "*.png")] == ["7001_tshirt_white_1_print.png"]


def test_deleting_or_archiving_old_proofs_from_approved_changes_nothing(root):
    for order_id in ("7002", "7003"):
        make_order(root, order_id=order_id, image=artwork((4500, 5400)))
    run(root)
    for proof in files_in(root.review):
        proof.rename(root.approved / proof.name)
    assert run(root) == 0
    production = {p.name: sha256(p) for p in files_in(root.production)}
    assert len(production) == 3  # two print files and the manifest
    events = [ledger_events(root, order_id) for order_id in ("7002", "7003", "")]

    first, second = files_in(root.approved)
    first.unlink()
    (root.approved / "2024").mkdir()
    second.rename(root.approved / "2024" / second.name)
    assert run(root) == 0

    assert {p.name: sha256(p) for p in files_in(root.production)} == production
    assert [row.state for row in ledger_rows(root)] == [State.PRODUCTION, State.PRODUCTION]
    assert [ledger_events(root, order_id) for order_id in ("7002", "7003", "")] == events, "housekeeping is not a decision: nothing is recorded"
    with (root.production / "manifest.csv").open(encoding="utf-8", newline="") as handle:
        assert [row["order_id"] for row in csv.DictReader(handle)] == ["7002", "7003"]

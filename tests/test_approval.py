"""Sign-off by moving proofs: changing your mind about a rejection, and tidying approved/ afterwards."""

from __future__ import annotations

import csv
import getpass
import shutil

from conftest import artwork, files_in, make_order, run, sha256
from loguru import logger
from running import ledger_events, ledger_rows

from podwatch.jobs import State
from podwatch.outputs.approval import decide_path
from podwatch.running.once import open_context


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
    said = f"[7001] {proof.name} approved: 7001_tshirt_white_1_print.png is in production/"
    assert any(line.endswith(said) for line in (root.logs / "podwatch.log").read_text().splitlines())


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


def sticker_waiting(root, order_id: str):
    """A sticker order processed and waiting in review/; its proof."""
    make_order(root, order_id=order_id, product="sticker", image=artwork((1200, 1200)))
    assert run(root) == 0
    (proof,) = files_in(root.review, f"{order_id}_*")
    return proof


def logged(root, message: str) -> int:
    """How many lines of the log say exactly `message` (after their time, level and order id)."""
    return sum(line.endswith(f"] {message}") for line in (root.logs / "podwatch.log").read_text().splitlines())


def test_taking_an_approval_back_after_the_hand_off_is_recorded_once_and_the_print_file_stays(root):
    proofs = [sticker_waiting(root, order_id) for order_id in ("7004", "7005")]
    for proof in proofs:
        proof.rename(root.approved / proof.name)
    assert run(root) == 0
    handed = {p.name: sha256(p) for p in files_in(root.production, "*.png")}
    assert len(handed) == 2
    with (root.production / "manifest.csv").open(encoding="utf-8", newline="") as handle:
        assert {row["approved_by"] for row in csv.DictReader(handle)} == {f"{getpass.getuser()} (moved proof to approved/)"}
    first, second = proofs
    (root.approved / first.name).rename(root.review / first.name)  # changed their mind, too late
    (root.approved / second.name).rename(root.rejected / second.name)
    assert run(root) == 0
    assert run(root) == 0, "said once, not at every run"

    assert {p.name: sha256(p) for p in files_in(root.production, "*.png")} == handed
    assert [row.state for row in ledger_rows(root)] == [State.PRODUCTION, State.PRODUCTION]
    for order_id, proof, where in (("7004", first, "review/"), ("7005", second, "rejected/")):
        (withdrawn,) = [e for e in ledger_events(root, order_id) if e["kind"] == "withdrawn"]
        print_file = proof.name.replace("_proof.jpg", "_print.png")
        assert withdrawn["message"].startswith(
            f"{proof.name} was moved to {where} after its print file {print_file} was handed to production on ")
        assert withdrawn["message"].endswith(
            ": approval withdrawn after hand-off, tell your print partner. The file stays in production/.")
        assert logged(root, withdrawn["message"]) == 1


def test_a_reason_written_after_the_rejection_is_recorded_at_the_next_run(root):
    proof = sticker_waiting(root, "7006")
    proof.rename(root.rejected / proof.name)
    assert run(root) == 0
    (row,) = ledger_rows(root, "7006")
    assert (row.state, row.reason, row.decided_by) == (State.REJECTED, "", getpass.getuser())
    assert row.decided_at, "when it was rejected"
    # What `podwatch status 7006` and the log tell of it before any reason is written.
    assert {key: ledger_events(root, "7006")[-1][key] for key in ("kind", "message")} == {
        "kind": "rejected", "message": "proof moved to rejected/"}
    assert logged(root, f"{proof.name} rejected") == 1
    assert any(line.endswith(f"[7006] {proof.name} rejected") for line in (root.logs / "podwatch.log").read_text().splitlines())

    # `<proof stem>.txt` is read as well as `<proof name>.txt`
    (root.rejected / f"{proof.stem}.txt").write_text("  the buyer sent a better photo \n", encoding="utf-8")
    assert run(root) == 0
    (row,) = ledger_rows(root, "7006")
    assert (row.state, row.reason) == (State.REJECTED, "the buyer sent a better photo")
    assert ledger_events(root, "7006")[-1]["kind"] == "reason"
    assert logged(root, f"{proof.name} rejected: the buyer sent a better photo") == 1

    (root.rejected / f"{proof.stem}.txt").write_text("changed again\n", encoding="utf-8")
    assert run(root) == 0
    assert ledger_rows(root, "7006")[0].reason == "the buyer sent a better photo", "the first reason recorded stands"

    (root.rejected / proof.name).rename(root.review / proof.name)  # changed their mind: the reason goes
    assert run(root) == 0
    assert [(row.state, row.reason) for row in ledger_rows(root, "7006")] == [(State.REVIEW, "")]
    assert ledger_events(root, "7006")[-1]["message"] == "proof moved back to review/"
    said = f"[7006] {proof.name} is back in review/: waiting for your decision again"
    assert any(line.endswith(said) for line in (root.logs / "podwatch.log").read_text().splitlines())


def test_a_picture_in_approved_or_rejected_that_podwatch_did_not_make_is_left_there_and_named_once(root):
    for folder in ("approved", "rejected"):
        artwork((300, 300)).save(root.path / folder / "holiday.jpg")
    assert run(root) == 0
    assert run(root) == 0
    assert files_in(root.production) == []
    for folder in ("approved", "rejected"):
        assert (root.path / folder / "holiday.jpg").is_file()
        assert logged(root, f"{folder}/holiday.jpg is not a proof podwatch made; left where it is") == 1


def test_approving_a_proof_whose_print_file_was_deleted_says_to_drop_the_order_again(root):
    proof = sticker_waiting(root, "7007")
    (print_file,) = files_in(root.pending, "7007_*")
    print_file.unlink()
    proof.rename(root.approved / proof.name)
    assert run(root) == 0
    assert files_in(root.production) == []
    assert [row.state for row in ledger_rows(root, "7007")] == [State.REVIEW]
    assert logged(root, f"{proof.name}: its print file {print_file.relative_to(root.path).as_posix()} is missing; "
                        "drop the order into inbox/ again") == 1


def test_each_file_the_service_sees_appear_is_acted_on_at_once_and_a_late_reason_is_read_with_its_note(root):
    """What the watching service does with one new file in approved/, rejected/ or review/ (decide_path)."""
    rejected_proof, approved_proof = sticker_waiting(root, "7008"), sticker_waiting(root, "7009")
    run_ = open_context(root.path)
    said: list[str] = []
    sink = logger.add(lambda message: said.append(message.record["message"]), level="INFO")
    try:
        assert decide_path(run_, rejected_proof) is None, "a proof waiting in review/ is no decision"
        rejected = rejected_proof.rename(root.rejected / rejected_proof.name)
        assert decide_path(run_, rejected) == f"rejected {rejected.name}"
        note = root.rejected / f"{rejected.stem}.txt"
        note.write_text("wrong colour\n", encoding="utf-8")  # written after the move: the note is what appears
        assert decide_path(run_, note) == f"rejected {rejected.name} (wrong colour)"
        assert ledger_rows(root, "7008")[0].reason == "wrong colour"

        for debris in ("._" + approved_proof.name, approved_proof.stem + ".pdf"):  # a Mac's sidecar, a note
            (root.approved / debris).write_bytes(b"not a proof")
            assert decide_path(run_, root.approved / debris) is None
            assert not [line for line in said if debris in line], "not even named"
        approved = approved_proof.rename(root.approved / approved_proof.name)
        assert decide_path(run_, approved) == f"approved {approved.name} → production/7009_sticker_white_1_print.png"
        assert decide_path(run_, approved) is None, "acting twice on the same proof does nothing"

        back = rejected.rename(root.review / rejected.name)
        assert decide_path(run_, back) == f"{back.name} is waiting for a decision again"
        elsewhere = root.archive / back.name
        elsewhere.write_bytes(back.read_bytes())
        assert decide_path(run_, elsewhere) is None, "only the three decision folders count"
    finally:
        logger.remove(sink)
        run_.ledger.close()
    assert f"{rejected.name} rejected: wrong colour" in said
    assert [row.state for row in ledger_rows(root)] == [State.REVIEW, State.PRODUCTION]


def test_a_note_in_any_spelling_or_encoding_is_read_whenever_it_is_written(root):
    """`<proof name>.txt` or `<proof stem>.txt`, before or after the move, saved as UTF-8 or by an old Windows editor."""
    early, late = sticker_waiting(root, "7010"), sticker_waiting(root, "7011")
    run_ = open_context(root.path)
    said: list[tuple[str, str]] = []
    sink = logger.add(lambda message: said.append((message.record["extra"].get("order_id"), message.record["message"])))
    try:
        note = root.rejected / f"{early.name}.txt"
        note.write_bytes("caf\xe9 au lait, not white".encode("cp1252"))  # before the proof is moved
        assert decide_path(run_, note) is None, "no proof to go with it yet"
        moved = early.rename(root.rejected / early.name)
        assert decide_path(run_, moved) == f"rejected {moved.name} (caf\ufffd au lait, not white)"

        moved = late.rename(root.rejected / late.name)
        assert decide_path(run_, moved) == f"rejected {moved.name}"
        note = root.rejected / f"{late.name}.txt"
        note.write_text("too dark\n", encoding="utf-8")
        assert decide_path(run_, note) == f"rejected {moved.name} (too dark)"
    finally:
        logger.remove(sink)
        run_.ledger.close()
    assert [row.reason for row in ledger_rows(root)] == ["caf\ufffd au lait, not white", "too dark"]
    assert ("7011", f"{late.name} rejected: too dark") in said, "the log line names its order"
    assert ("7010", f"{early.name} rejected: caf\ufffd au lait, not white") in said, "and the reason it came with"


def test_the_withdrawn_approval_line_in_the_log_names_its_order(root):
    proof = sticker_waiting(root, "7012")
    proof.rename(root.approved / proof.name)
    assert run(root) == 0
    (root.approved / proof.name).rename(root.review / proof.name)
    assert run(root) == 0
    lines = [line for line in (root.logs / "podwatch.log").read_text().splitlines() if "approval withdrawn" in line]
    assert len(lines) == 1 and " [7012] " in lines[0]


def test_a_rejected_proof_copied_back_into_review_leaves_the_rejection_standing(root):
    # A copy (a sync tool, a drag with a modifier key) is not a change of mind: the proof is still in rejected/.
    proof = sticker_waiting(root, "7013")
    rejected = proof.rename(root.rejected / proof.name)
    assert run(root) == 0
    shutil.copy(rejected, root.review / proof.name)
    assert run(root) == 0
    assert [row.state for row in ledger_rows(root, "7013")] == [State.REJECTED]


def test_a_decision_by_a_computer_account_without_a_user_name_is_the_sellers(root, monkeypatch):
    def no_user_name():
        raise OSError("no user name for this account")

    proof = sticker_waiting(root, "7014")
    monkeypatch.setattr(getpass, "getuser", no_user_name)
    proof.rename(root.rejected / proof.name)
    assert run(root) == 0
    assert [row.decided_by for row in ledger_rows(root, "7014")] == ["seller"]


def test_a_proof_its_policy_sent_on_put_into_review_takes_no_approval_back(root):
    """Under an automatic policy a proof goes to archive/ORDER/, never through approved/: the seller
    who puts it into review/ to look at it again took back no approval of theirs, and hears nothing."""
    rule = root.rules / "sticker.toml"
    rule.write_text(rule.read_text().replace('policy = "always"', 'policy = "never"'))
    make_order(root, order_id="7014", product="sticker", image=artwork((1200, 1200)))
    assert run(root) == 0
    (archived,) = files_in(root.archive / "7014", "*_proof.jpg")
    assert ledger_rows(root, "7014")[0].decided_by == "policy:never"
    archived.rename(root.review / archived.name)
    assert run(root) == 0
    assert [e for e in ledger_events(root, "7014") if e["kind"] == "withdrawn"] == []
    assert "approval withdrawn" not in (root.logs / "podwatch.log").read_text()


def test_one_run_lists_every_decision_it_acted_on(root, capsys):
    """Approved, rejected and moved back in one go: `run --once` names each of them."""
    approved, rejected, back = (sticker_waiting(root, order_id) for order_id in ("7015", "7016", "7017"))
    back = back.rename(root.rejected / back.name)
    assert run(root) == 0  # 7017 rejected first
    approved.rename(root.approved / approved.name)
    rejected.rename(root.rejected / rejected.name)
    back.rename(root.review / back.name)
    capsys.readouterr()
    assert run(root) == 0
    said = [line.strip() for line in capsys.readouterr().out.splitlines() if line.startswith("  ")]
    assert said == [f"approved {approved.name} → production/7015_sticker_white_1_print.png",
                    f"rejected {rejected.name}", f"{back.name} is waiting for a decision again"]
    # Files not made by podwatch beside the proofs are no proofs: a Mac's hidden "._" twin of a
    # proof, a folder, a PDF. Nothing is said of them, nor done.
    for folder in (root.approved, root.rejected, root.review):
        (folder / f"._{approved.name}").write_bytes(b"\x00\x05\x16\x07")
        (folder / "old proofs.jpg").mkdir()
        (folder / "invoice.pdf").write_bytes(b"%PDF-1.4")
    assert run(root) == 0
    log = (root.logs / "podwatch.log").read_text(encoding="utf-8")
    assert "is not a proof podwatch made" not in log

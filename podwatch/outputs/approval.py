"""Sign-off: proofs the seller moved into approved/ or rejected/."""

from __future__ import annotations

import getpass
from pathlib import Path

from loguru import logger

from podwatch.intake.debris import is_debris
from podwatch.jobs import Run, State
from podwatch.outputs.handoff import send_to_production
from podwatch.outputs.ledger import now

PROOF_SUFFIXES = (".jpg", ".jpeg", ".png")


def proofs_in(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.iterdir() if p.is_file() and not is_debris(p.name) and p.suffix.lower() in PROOF_SUFFIXES
    )


def collect_decisions(run: Run) -> list[str]:
    """Act on every proof in approved/ and rejected/ (and proofs moved back to review/);
    returns what was done, in words.

    Proofs stay where the seller put them: approved/ and rejected/ are the seller's
    record of what was decided. Acting twice on the same proof does nothing.
    """
    done = [msg for proof in proofs_in(run.root.approved) if (msg := approve(run, proof))]
    done += [msg for proof in proofs_in(run.root.rejected) if (msg := reject(run, proof))]
    done += [msg for proof in proofs_in(run.root.review) if (msg := back_in_review(run, proof))]
    return done


def decide_path(run: Run, path: Path) -> str | None:
    """The service's entry point: act on one file that appeared in approved/, rejected/ or review/."""
    folder = path.parent
    if path.suffix.lower() == ".txt" and folder == run.root.rejected:  # a reason written after the move
        path = next((p for p in _proofs_for_note(path) if p.is_file()), path)
    if is_debris(path.name) or path.suffix.lower() not in PROOF_SUFFIXES or not path.is_file():
        return None
    action = {run.root.approved: approve, run.root.rejected: reject, run.root.review: back_in_review}.get(folder)
    return action(run, path) if action else None


def approve(run: Run, proof: Path) -> str | None:
    row = run.ledger.by_proof(proof.name)
    if row is None:
        _once(proof, "warning", "approved/{} is not a proof podwatch made; left where it is")
        return None
    if row.state not in (State.REVIEW, State.REJECTED):
        return None  # already in production, or failed (nothing printable to send)
    if not (run.root.path / row.print_file).is_file():
        _once(proof, "error", f"{{}}: its print file {row.print_file} is missing; drop the order into inbox/ again")
        return None
    with logger.contextualize(order_id=row.order_id):
        target = send_to_production(run, row, by=f"{who()} (moved proof to approved/)")
        logger.info("{} approved: {} is in production/", proof.name, target.name)
    return f"approved {proof.name} → production/{target.name}"


def reject(run: Run, proof: Path) -> str | None:
    row = run.ledger.by_proof(proof.name)
    if row is None:
        _once(proof, "warning", "rejected/{} is not a proof podwatch made; left where it is")
        return None
    if row.state is State.PRODUCTION:
        return _withdrawn(run, row, proof, "rejected/")
    if row.state is State.REJECTED and not row.reason and (reason := _reason(proof)):
        run.ledger.update_item(row.id, "reason", reason, reason=reason)
        with logger.contextualize(order_id=row.order_id):
            logger.info("{} rejected: {}", proof.name, reason)
        return f"rejected {proof.name} ({reason})"
    if row.state is not State.REVIEW:
        return None
    reason = _reason(proof)
    run.ledger.update_item(
        row.id, "rejected", reason or "proof moved to rejected/",
        state=State.REJECTED, reason=reason, decided_by=who(), decided_at=now(),
    )
    with logger.contextualize(order_id=row.order_id):
        logger.info("{} rejected{}", proof.name, f": {reason}" if reason else "")
    return f"rejected {proof.name}" + (f" ({reason})" if reason else "")


def back_in_review(run: Run, proof: Path) -> str | None:
    """A proof the seller moved back into review/ after deciding."""
    row = run.ledger.by_proof(proof.name)
    if row is None:
        return None
    # A copy (not a move) leaves the decision standing: the proof is still where it was decided.
    if (run.root.rejected / proof.name).exists() or (run.root.approved / proof.name).exists():
        return None
    if row.state is State.REJECTED:  # changed their mind: it waits for a decision again
        run.ledger.update_item(row.id, "review", "proof moved back to review/", state=State.REVIEW, reason="")
        with logger.contextualize(order_id=row.order_id):
            logger.info("{} is back in review/: waiting for your decision again", proof.name)
        return f"{proof.name} is waiting for a decision again"
    if row.state is State.PRODUCTION and not row.decided_by.startswith("policy:"):
        return _withdrawn(run, row, proof, "review/")
    return None


def _withdrawn(run: Run, row, proof: Path, where: str) -> str | None:
    """An approval taken back after the print file was handed over. podwatch never takes a
    file back out of production/ (the print partner may have it already): it says so, once."""
    if run.ledger.has_event(row.id, "withdrawn"):
        return None
    message = (
        f"{proof.name} was moved to {where} after its print file {Path(row.print_file).name} was handed to "
        f"production on {row.decided_at}: approval withdrawn after hand-off, tell your print partner. "
        "The file stays in production/."
    )
    with logger.contextualize(order_id=row.order_id):
        logger.warning(message)
    run.ledger.log("withdrawn", message, row.order_id, row.id)
    return message


# What was already said about a file this run: the service looks at approved/ and
# rejected/ every few minutes, and must not repeat itself in the log each time.
_said: set[tuple[str, str]] = set()


def _once(proof: Path, level: str, template: str) -> None:
    if (str(proof), template) not in _said:
        _said.add((str(proof), template))
        logger.log(level.upper(), template, proof.name)


def _proofs_for_note(note: Path) -> list[Path]:
    """`X.jpg.txt` belongs to `X.jpg`; `X.txt` to `X.jpg`, `X.jpeg` or `X.png`."""
    stem = note.name[:-len(".txt")]
    if Path(stem).suffix.lower() in PROOF_SUFFIXES:
        return [note.with_name(stem)]
    return [note.with_name(stem + suffix) for suffix in PROOF_SUFFIXES]


def _reason(proof: Path) -> str:
    """The seller's note beside the proof: `<proof>.txt` or `<proof stem>.txt`."""
    for note in (proof.with_name(proof.name + ".txt"), proof.with_suffix(".txt")):
        if note.is_file():
            return note.read_text(encoding="utf-8", errors="replace").strip()
    return ""


def who() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name on some service accounts
        return "seller"

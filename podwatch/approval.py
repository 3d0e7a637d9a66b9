"""Sign-off: proofs the seller moved into approved/ or rejected/."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from loguru import logger

from .intake import is_debris
from .ledger import State, now
from .routing import send_to_production, who

if TYPE_CHECKING:
    from .pipeline import Context

PROOF_SUFFIXES = (".jpg", ".jpeg", ".png")


def proofs_in(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.iterdir() if p.is_file() and not is_debris(p.name) and p.suffix.lower() in PROOF_SUFFIXES
    )


def collect_decisions(ctx: "Context") -> list[str]:
    """Act on every proof in approved/ and rejected/; returns what was done, in words.

    Proofs stay where the seller put them: approved/ and rejected/ are the seller's
    record of what was decided. Acting twice on the same proof does nothing.
    """
    done = [msg for proof in proofs_in(ctx.root.approved) if (msg := approve(ctx, proof))]
    done += [msg for proof in proofs_in(ctx.root.rejected) if (msg := reject(ctx, proof))]
    return done


def approve(ctx: "Context", proof: Path) -> str | None:
    row = ctx.ledger.by_proof(proof.name)
    if row is None:
        logger.warning("approved/{} is not a proof podwatch made; left where it is", proof.name)
        return None
    if row.state not in (State.REVIEW, State.REJECTED):
        return None  # already in production, or failed (nothing printable to send)
    if not (ctx.root.path / row.print_file).is_file():
        logger.error("{}: its print file {} is missing; run the order again", proof.name, row.print_file)
        return None
    with logger.contextualize(order_id=row.order_id):
        target = send_to_production(ctx, row, by=f"{who()} (moved proof to approved/)")
        logger.info("{} approved: {} is in production/", proof.name, target.name)
    return f"approved {proof.name} → production/{target.name}"


def reject(ctx: "Context", proof: Path) -> str | None:
    row = ctx.ledger.by_proof(proof.name)
    if row is None:
        logger.warning("rejected/{} is not a proof podwatch made; left where it is", proof.name)
        return None
    if row.state is not State.REVIEW:
        if row.state is State.PRODUCTION:
            logger.warning(
                "{} was moved to rejected/ but was already sent to production on {}; tell your print partner",
                proof.name, row.decided_at,
            )
        return None
    reason = _reason(proof)
    ctx.ledger.update_item(
        row.id, "rejected", reason or "proof moved to rejected/",
        state=State.REJECTED, reason=reason, decided_by=who(), decided_at=now(),
    )
    logger.info("{} rejected{}", proof.name, f": {reason}" if reason else "")
    return f"rejected {proof.name}" + (f" ({reason})" if reason else "")


def _reason(proof: Path) -> str:
    """The seller's note beside the proof: `<proof>.txt` or `<proof stem>.txt`."""
    for note in (proof.with_name(proof.name + ".txt"), proof.with_suffix(".txt")):
        if note.is_file():
            return note.read_text(encoding="utf-8", errors="replace").strip()
    return ""


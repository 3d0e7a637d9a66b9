"""Routing: where an order's files go once processed, and the hand-off to production."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

from podwatch.findings import Level, worst
from podwatch.files import move_no_clobber, save_image, write_text
from podwatch.outputs.handoff import MANIFEST, MANIFEST_COLUMNS, append_manifest, finish_handoff, send_to_production
from podwatch.outputs.handoff import sha256 as _sha256
from podwatch.intake.claims import FAILING, Claim, remove_claim
from podwatch.outputs.ledger import ItemRow, State, now
from podwatch.config.names import sanitize, with_revision

if TYPE_CHECKING:
    from podwatch.running.pipeline import Context, Job, Outcome

# Re-exported: the hand-off to production lives in handoff.py.
__all__ = ["MANIFEST", "MANIFEST_COLUMNS", "append_manifest", "send_to_production"]


def decide(job: "Job") -> State:
    """The approval policy: a fail never prints; instructions and held findings always need a human."""
    level = worst(job.findings)
    if level is Level.FAIL:
        return State.FAILED
    policy = job.rule.approval.policy
    if job.order.instructions.strip() or policy == "always" or any(f.hold for f in job.findings):
        return State.REVIEW
    if policy == "when_clean" and level in (None, Level.INFO):
        return State.PRODUCTION
    return State.PRODUCTION if policy == "never" else State.REVIEW


def route(ctx: "Context", job: "Job") -> "Outcome":
    """Decide, record, place. Everything the item produces is first written inside its
    claim; the ledger row is the commit point; then the files go to their folders.
    A crash before the row means the item is made again; after it, only placed."""
    from podwatch.running.pipeline import Outcome

    state = decide(job)
    order, root, stage = job.order, ctx.root, job.claim.staging
    if job.proof_image is not None:
        _save_proof(ctx, job, stage / job.proof_name)
    handoff = None
    if state is State.FAILED:
        reasons = [f.message for f in job.findings if f.level is Level.FAIL]
        write_text(stage / f"{job.upload.name}.error.txt", error_text(job.upload.name, reasons))
        if job.print_path is not None:
            job.print_path.unlink(missing_ok=True)  # podwatch's own output; a failed item has no print file
            job.print_path = None
        message = "; ".join(reasons)
    elif state is State.REVIEW:
        message = "waiting for approval"
    else:
        message = f"sent to production ({job.rule.approval.policy})"
    pending = root.pending / job.print_name
    if state is State.PRODUCTION:
        handoff = (_rel(root.path, pending), _rel(root.path, root.production / job.print_name))
    item_id = ctx.ledger.add_item(
        handoff=handoff, claim=job.claim.id, order_json=order.model_dump_json(),
        order_id=order.order_id, item=job.item, revision=job.revision, product=job.rule.id,
        variant=order.variant, quantity=order.quantity, state=state, source=job.upload.name,
        original=_rel(root.path, failed_dir(ctx, order.order_id, job.revision) / job.upload.name)
        if state is State.FAILED else "",
        print_file=(handoff[1] if handoff else _rel(root.path, pending)) if job.print_path else "",
        proof_file=job.proof_name, width_px=job.rule.print_area.size_px[0], height_px=job.rule.print_area.size_px[1],
        dpi=job.rule.print_area.dpi, sha256=_sha256(job.print_path) if job.print_path else "",
        findings=[f.as_dict() for f in job.findings], reason=message,
        **({"decided_at": now(), "decided_by": f"policy:{job.rule.approval.policy}"} if handoff else {}),
    )
    place_item(ctx, job.claim, ctx.ledger.item(item_id))
    return Outcome(order.order_id, job.upload.name, state, message)


def place_item(ctx: "Context", claim: Claim, row: ItemRow) -> None:
    """Move a recorded item's files from its claim to their folders; safe to run again."""
    root, stage = ctx.root, claim.staging
    if row.state is State.FAILED:
        folder = failed_dir(ctx, row.order_id, row.revision)
        upload = claim.files_dir / row.source
        if upload.exists():
            kept = _rel(root.path, move_no_clobber(upload, folder / row.source))
            if kept != row.original:
                ctx.ledger.set_original_of(row.id, kept)
        _place(stage / f"{row.source}.error.txt", folder)
        _place(stage / row.proof_file, folder)
        return
    handoff = ctx.ledger.handoff(row.id) if row.state is State.PRODUCTION else None
    pending_name = Path(handoff.source if handoff else row.print_file).name
    # The print file first: once the proof is in review/ the seller may approve it at once.
    if row.print_file:
        _place(stage / pending_name, root.pending)
    proof_seat = root.review if handoff is None else root.archive / order_dir(row.order_id, row.revision)
    _place(stage / row.proof_file, proof_seat)
    if handoff is not None and handoff.state == "moving":
        finish_handoff(ctx, handoff)


def _place(staged: Path, folder: Path) -> None:
    if staged.name and staged.is_file():
        move_no_clobber(staged, folder / staged.name)


def fail_order(ctx: "Context", claim: Claim, name: str, message: str) -> Path:
    """A whole order that cannot be read: every file it came with goes to failed/."""
    if claim.state != FAILING:  # remembered, so a crash half-way finishes the same way
        claim.state, claim.failure = FAILING, {"name": name, "message": message}
        claim.save()
    folder = ctx.root.failed / name
    write_text(claim.staging / f"{claim.sidecar.name}.error.txt", error_text(claim.sidecar.name, [message]))
    for path in sorted(claim.files_dir.iterdir()) if claim.files_dir.is_dir() else []:
        move_no_clobber(path, folder / path.name)
    _place(claim.staging / f"{claim.sidecar.name}.error.txt", folder)
    ctx.ledger.log("failed", message)
    remove_claim(claim)
    return folder


def put_originals_away(ctx: "Context", claim: Claim, order_id: str, revision: int, all_failed: bool) -> None:
    """Everything still in the claim (sidecar, uploads, extras) goes to archive/, or to
    failed/ beside the failed uploads when no item of the order could be made."""
    seat = ctx.root.failed if all_failed else ctx.root.archive
    folder = seat / order_dir(order_id, revision)
    # The sidecar last: while it is in the claim, a resumed run can still read the order.
    for path in sorted(claim.files_dir.iterdir(), key=lambda p: (p == claim.sidecar, p.name)):
        move_no_clobber(path, folder / path.name)
    for row in ctx.ledger.claim_items(claim.id):
        if not row.original and (folder / row.source).is_file():
            ctx.ledger.set_original_of(row.id, _rel(ctx.root.path, folder / row.source))
    remove_claim(claim)


def failed_dir(ctx: "Context", order_id: str, revision: int) -> Path:
    return ctx.root.failed / order_dir(order_id, revision)


def order_dir(order_id: str, revision: int) -> str:
    return with_revision(sanitize(order_id), revision).replace(".", "_")


def error_text(subject: str, reasons: list[str]) -> str:
    lines = [f"podwatch could not make {subject} printable:", ""]
    lines += [f"- {reason}" for reason in reasons]
    lines += ["", "The original files are kept in this folder, unchanged.",
              "Once fixed, drop the order (upload and order JSON) into inbox/ again."]
    return "\n".join(lines) + "\n"


def _save_proof(ctx: "Context", job: "Job", dest: Path) -> None:
    image: Image.Image = job.proof_image
    quality = ctx.settings.proof.jpeg_quality
    save_image(dest, lambda fh: image.save(fh, "JPEG", quality=quality, optimize=True))


def _rel(root: Path, path: Path) -> str:
    return str(path.relative_to(root))


def who() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name on some service accounts
        return "seller"

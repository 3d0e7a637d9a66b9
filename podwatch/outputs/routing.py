"""Routing: where an order's files go once processed, and the hand-off to production."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from podwatch.config.names import sanitize, with_revision
from podwatch.files import move_no_clobber, move_whole, relative, save_image, write_text
from podwatch.findings import Level, worst
from podwatch.intake.claims import FAILING, Claim, remove_claim
from podwatch.jobs import Job, Outcome, Result, Run, State
from podwatch.outputs.handoff import finish_handoff
from podwatch.outputs.handoff import sha256 as _sha256
from podwatch.outputs.ledger import ItemRow, NewItem, now

if TYPE_CHECKING:
    from PIL import Image


def decide(job: Job, result: Result) -> State:
    """The approval policy: a fail never prints; instructions and held findings always need a human."""
    level = worst(result.findings)
    if level is Level.FAIL:
        return State.FAILED
    policy = job.rule.approval.policy
    if job.order.instructions.strip() or policy == "always" or any(f.hold for f in result.findings):
        return State.REVIEW
    if policy == "when_clean" and level in (None, Level.INFO):
        return State.PRODUCTION
    return State.PRODUCTION if policy == "never" else State.REVIEW


def route(run: Run, claim: Claim, job: Job, result: Result) -> Outcome:
    """Decide, record, place. Everything the item produces is written in this computer's work
    area, then moved whole into its claim; the ledger row is the commit point; then the files go
    to their folders. A crash before the row means the item is made again; after it, only placed."""
    state = decide(job, result)
    root, stage, print_path = run.root, job.staging, result.print_path
    if result.proof_image is not None:
        _save_proof(run, result.proof_image, stage / job.proof_name)
    if result.preview_image is not None and state is not State.FAILED:
        _save_proof(run, result.preview_image, stage / job.preview_name)
    if state is State.FAILED:
        reasons = [f.message for f in result.findings if f.level is Level.FAIL]
        write_text(stage / f"{job.upload.name}.error.txt", error_text(job.upload.name, reasons))
        if print_path is not None:
            print_path.unlink(missing_ok=True)  # podwatch's own output; a failed item has no print file
            print_path = None
        message = "; ".join(reasons).replace(".; ", "; ")  # one sentence: "…a messenger copy); the order has…"
    elif state is State.REVIEW:
        message = "waiting for approval"
    else:
        message = f"sent to production ({job.rule.approval.policy})"
    print_path = _hand_in(job, claim, print_path)
    pending = root.pending / job.print_name
    handoff = None
    if state is State.PRODUCTION:
        handoff = (relative(pending, root.path), relative(root.production / job.print_name, root.path))
    item_id = run.ledger.add_item(_new_item(run, claim, job, result, state, message, print_path, handoff), handoff)
    place_item(run, claim, run.ledger.item(item_id))
    return Outcome(job.order.order_id, job.upload.name, state, message)


def _new_item(run: Run, claim: Claim, job: Job, result: Result, state: State, message: str,
              print_path: Path | None, handoff: tuple[str, str] | None) -> NewItem:
    order, root = job.order, run.root.path
    area = result.print_area or job.rule.print_area  # turned for landscape art on either-way-up products
    kept = failed_dir(run, order.order_id, job.revision) / job.upload.name
    return NewItem(
        order_id=order.order_id, item=job.item, revision=job.revision, product=job.rule.id,
        variant=order.variant, quantity=order.quantity, state=state, source=job.upload.name,
        proof_file=job.proof_name, claim=claim.id, order_json=order.model_dump_json(),
        original=relative(kept, root) if state is State.FAILED else "",
        print_file=(handoff[1] if handoff else relative(run.root.pending / job.print_name, root)) if print_path else "",
        width_px=area.size_px[0], height_px=area.size_px[1], dpi=area.dpi,
        sha256=_sha256(print_path) if print_path else "",
        findings=[f.as_dict() for f in result.findings], reason=message,
        decided_at=now() if handoff else None, decided_by=f"policy:{job.rule.approval.policy}" if handoff else "",
        preview_file=job.preview_name if result.preview_image is not None and state is not State.FAILED else "",
    )


def _hand_in(job: Job, claim: Claim, print_path: Path | None) -> Path | None:
    """Move what was made for the item from the work area into its claim, whole; the print file's
    new place. The work area may be on another disk than the synced folder: a copy, then a rename."""
    names = [job.proof_name, job.preview_name, f"{job.upload.name}.error.txt"]
    for made in [print_path] + [job.staging / name for name in names if name]:
        if made is not None and made.is_file():
            move_whole(made, claim.outputs / made.name)
    return None if print_path is None else claim.outputs / print_path.name


def place_item(run: Run, claim: Claim, row: ItemRow) -> None:
    """Move a recorded item's files from its claim to their folders; safe to run again."""
    root, stage = run.root, claim.outputs
    if row.state is State.FAILED:
        folder = failed_dir(run, row.order_id, row.revision)
        upload = claim.files_dir / row.source
        if upload.exists():
            kept = relative(move_no_clobber(upload, folder / row.source), root.path)
            if kept != row.original:
                run.ledger.set_original_of(row.id, kept)
        _place(stage / f"{row.source}.error.txt", folder)
        _place(stage / row.proof_file, folder)
        return
    handoff = run.ledger.handoff(row.id) if row.state is State.PRODUCTION else None
    pending_name = Path(handoff.source if handoff else row.print_file).name
    # The print file first: once the proof is in review/ the seller may approve it at once.
    if row.print_file:
        _place(stage / pending_name, root.pending)
    proof_seat = root.review if handoff is None else root.archive / order_dir(row.order_id, row.revision)
    if row.preview_file:  # for the seller to send the buyer, whatever becomes of the proof
        _place(stage / row.preview_file, root.previews)
    _place(stage / row.proof_file, proof_seat)
    if handoff is not None and handoff.state == "moving":
        finish_handoff(run, handoff)


def _place(staged: Path, folder: Path) -> None:
    if staged.name and staged.is_file():
        move_no_clobber(staged, folder / staged.name)


def fail_order(run: Run, claim: Claim, name: str, message: str, order_id: str) -> Path:
    """A whole order that cannot be read: every file it came with goes to failed/. With the
    `order_id` (empty when the order JSON could not be read), `podwatch status ORDER_ID` finds it."""
    resumed = claim.state == FAILING
    if not resumed:  # remembered, so a crash half-way finishes the same way
        claim.state, claim.failure = FAILING, {"name": name, "message": message, "order_id": order_id}
        claim.save()
    folder = run.root.failed / name
    text = error_text(claim.sidecar.name, [message])
    error = run.root.work / claim.id / f"{claim.sidecar.name}.error.txt"
    write_text(error, text)
    for path in sorted(claim.files_dir.iterdir()) if claim.files_dir.is_dir() else []:
        move_no_clobber(path, folder / path.name)
    move_whole(error, claim.outputs / error.name)
    placed = folder / error.name
    if resumed and placed.is_file() and placed.read_text(encoding="utf-8", errors="replace") == text:
        (claim.outputs / error.name).unlink()  # placed before the power went: not a second note
    else:
        _place(claim.outputs / error.name, folder)
    run.ledger.log("failed", f"{message} (its files are in {relative(folder, run.root.path)}/)", order_id)
    drop_claim(run, claim)
    return folder


def put_originals_away(run: Run, claim: Claim, order_id: str, revision: int, all_failed: bool) -> None:
    """Everything still in the claim (sidecar, uploads, extras) goes to archive/, or to
    failed/ beside the failed uploads when no item of the order could be made."""
    seat = run.root.failed if all_failed else run.root.archive
    folder = seat / order_dir(order_id, revision)
    # The sidecar last: while it is in the claim, a resumed run can still read the order.
    # A run killed while removing the claim may have taken its files/ folder already (claim.json goes last).
    left = claim.files_dir.iterdir() if claim.files_dir.is_dir() else []
    for path in sorted(left, key=lambda p: (p == claim.sidecar, p.name)):
        move_no_clobber(path, folder / path.name)
    for row in run.ledger.claim_items(claim.id):
        if not row.original and (folder / row.source).is_file():
            run.ledger.set_original_of(row.id, relative(folder / row.source, run.root.path))
    drop_claim(run, claim)


def drop_claim(run: Run, claim: Claim) -> None:
    """The claim is done: its bookkeeping in the folder, and what is left of its work area."""
    import shutil

    shutil.rmtree(run.root.work / claim.id, ignore_errors=True)
    remove_claim(claim)


def failed_dir(run: Run, order_id: str, revision: int) -> Path:
    return run.root.failed / order_dir(order_id, revision)


def order_dir(order_id: str, revision: int) -> str:
    return with_revision(sanitize(order_id), revision)  # sanitize leaves no dot, with_revision adds none


def error_text(subject: str, reasons: list[str]) -> str:
    lines = [f"podwatch could not make {subject} printable:", ""]
    lines += [f"- {reason}" for reason in reasons]
    lines += ["", "The original files are kept in this folder, unchanged.",
              "Once fixed, drop the order (upload and order JSON) into inbox/ again."]
    return "\n".join(lines) + "\n"


def _save_proof(run: Run, image: Image.Image, dest: Path) -> None:
    quality = run.settings.proof.jpeg_quality
    save_image(dest, lambda fh: image.save(fh, "JPEG", quality=quality, optimize=True))

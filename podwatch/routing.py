"""Routing: where an order's files go once processed, and the hand-off to production."""

from __future__ import annotations

import csv
import getpass
import hashlib
import io
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

from .findings import Level, worst
from .fsutil import atomic_output, move_no_clobber, save_image, write_text
from .intake import Claim, remove_claim
from .ledger import ItemRow, State, now
from .names import sanitize, with_revision
from .sidecar import Order

if TYPE_CHECKING:
    from .pipeline import Context, Job, Outcome

MANIFEST = "manifest.csv"
MANIFEST_COLUMNS = [
    "order_id", "item", "revision", "product", "variant", "quantity", "file",
    "width_px", "height_px", "dpi", "sha256", "approved_at", "approved_by",
]


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
    from .pipeline import Outcome

    state = decide(job)
    order, root = job.order, ctx.root
    proof_name = job.proof_name
    if state is State.FAILED:
        folder = root.failed / order_dir(order.order_id, job.revision)
        upload_kept = move_no_clobber(job.upload, folder / job.upload.name)
        reasons = [f.message for f in job.findings if f.level is Level.FAIL]
        write_text(folder / f"{job.upload.name}.error.txt", error_text(job.upload.name, reasons))
        if job.proof_image is not None:
            _save_proof(ctx, job, folder / proof_name)
        if job.print_path is not None:
            job.print_path.unlink(missing_ok=True)  # podwatch's own output; a failed item has no print file
            job.print_path = None
        message = "; ".join(reasons)
    else:
        upload_kept = job.upload  # archived with the rest of the order
        _save_proof(ctx, job, (root.review if state is State.REVIEW else root.archive / order_dir(order.order_id, job.revision)) / proof_name)
        message = "waiting for approval" if state is State.REVIEW else f"sent to production ({job.rule.approval.policy})"
    item_id = ctx.ledger.add_item(
        order_id=order.order_id, item=job.item, revision=job.revision, product=job.rule.id,
        variant=order.variant, quantity=order.quantity, state=State.REVIEW if state is State.PRODUCTION else state,
        source=job.upload.name, original=_rel(root.path, upload_kept) if state is State.FAILED else "",
        print_file=_rel(root.path, job.print_path) if job.print_path else "", proof_file=proof_name,
        width_px=job.rule.print_area.size_px[0], height_px=job.rule.print_area.size_px[1],
        dpi=job.rule.print_area.dpi, findings=[f.as_dict() for f in job.findings], reason=message,
    )
    if state is State.PRODUCTION:
        send_to_production(ctx, ctx.ledger.item(item_id), by=f"policy:{job.rule.approval.policy}")
    return Outcome(order.order_id, job.upload.name, state, message)


def send_to_production(ctx: "Context", row: ItemRow, by: str) -> Path:
    """Move the waiting print file into production/ and add its manifest row."""
    source = ctx.root.path / row.print_file
    target = move_no_clobber(source, ctx.root.production / source.name)
    digest = _sha256(target)
    approved_at = now()
    append_manifest(ctx.root.production / MANIFEST, {
        "order_id": row.order_id, "item": row.item, "revision": row.revision, "product": row.product,
        "variant": row.variant, "quantity": row.quantity, "file": target.name, "width_px": row.width_px,
        "height_px": row.height_px, "dpi": row.dpi, "sha256": digest, "approved_at": approved_at, "approved_by": by,
    })
    ctx.ledger.update_item(
        row.id, "production", f"{target.name} handed to production by {by}",
        state=State.PRODUCTION, print_file=_rel(ctx.root.path, target), sha256=digest,
        decided_at=approved_at, decided_by=by,
    )
    return target


def append_manifest(path: Path, row: dict) -> None:
    """Rewrite the manifest with one more row, atomically: a reader never sees half a line."""
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=MANIFEST_COLUMNS, lineterminator="\n")
    if not existing:
        writer.writeheader()
    writer.writerow(row)
    with atomic_output(path, "w") as handle:
        handle.write(existing + buffer.getvalue())


def fail_order(ctx: "Context", claim: Claim, name: str, message: str) -> Path:
    """A whole order that cannot be read: every file it came with goes to failed/."""
    folder = ctx.root.failed / name
    for path in sorted(claim.files_dir.iterdir()):
        move_no_clobber(path, folder / path.name)
    write_text(folder / f"{claim.sidecar.name}.error.txt", error_text(claim.sidecar.name, [message]))
    ctx.ledger.log("failed", message)
    remove_claim(claim)
    return folder


def put_originals_away(ctx: "Context", claim: Claim, order: Order, revision: int, all_failed: bool) -> None:
    """Everything still in the claim (sidecar, uploads, extras) goes to archive/, or to
    failed/ beside the failed uploads when no item of the order could be made."""
    seat = ctx.root.failed if all_failed else ctx.root.archive
    folder = seat / order_dir(order.order_id, revision)
    for path in sorted(claim.files_dir.iterdir()):
        kept = move_no_clobber(path, folder / path.name)
        if path.suffix.lower() != ".json":
            ctx.ledger.set_original(order.order_id, revision, path.name, _rel(ctx.root.path, kept))
    remove_claim(claim)


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


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _rel(root: Path, path: Path) -> str:
    return str(path.relative_to(root))


def who() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name on some service accounts
        return "seller"

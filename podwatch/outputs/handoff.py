"""The hand-off to production: print file into production/, a manifest row, exactly once."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import threading
from pathlib import Path

from loguru import logger

from podwatch.config.names import free_name
from podwatch.files import atomic_output, move_no_clobber, relative
from podwatch.jobs import Run
from podwatch.outputs.ledger import Handoff, ItemRow, now
from podwatch.outputs.manifest_row import manifest_values

MANIFEST = "manifest.csv"
MANIFEST_COLUMNS = [
    "order_id", "item", "revision", "product", "variant", "quantity", "file",
    "width_px", "height_px", "dpi", "sha256", "approved_at", "approved_by", "orientation",
    # What a print partner and the seller's support need (see manifest_row.py); added last, so an
    # older manifest only gains columns.
    "printed_text", "buyer_name", "shop_order", "ship_by",
]
# Approvals (the service's main thread) and auto-approved orders (its worker) both
# append to the manifest; a read-modify-write must not lose the other's row.
_LOCK = threading.Lock()


def send_to_production(run: Run, row: ItemRow, by: str) -> Path:
    """Hand the item's waiting print file to production/ and add its manifest row."""
    source = run.root.path / row.print_file
    target = run.root.production / free_name(run.root.production, source.name)
    run.ledger.record_handoff(row.id, relative(source, run.root.path), relative(target, run.root.path), by, now())
    handoff = run.ledger.handoff(row.id)
    assert handoff is not None, "recorded in the line above"
    return finish_handoff(run, handoff)


def finish_handoff(run: Run, handoff: Handoff) -> Path:
    """Do whatever of the recorded hand-off is not done yet: move, manifest row, hook queue.

    Each step checks before it acts, so running this again after a crash at any
    point ends in the same place: one print file in production/, one manifest row.
    """
    root = run.root.path
    source, target = root / handoff.source, root / handoff.target
    with _LOCK:
        if source.exists():
            if target.exists() and os.path.samefile(source, target):
                source.unlink()  # the hard link was made, the unlink was cut short
            else:
                placed = move_no_clobber(source, target)
                if placed != target:
                    logger.warning("production/{} already existed; the print file is {}", target.name, placed.name)
                    target = placed
        elif not target.exists():
            logger.error("{}: the print file is missing from pending and production; run the order again",
                         source.name)
            run.ledger.handoff_state(handoff.item_id, "missing", f"{source.name} was not found", state="missing")
            return target
        row = run.ledger.item(handoff.item_id)
        digest = row.sha256 or sha256(target)
        manifest = run.root.production / MANIFEST
        if target.name not in manifest_files(manifest):
            append_manifest(manifest, {
                "order_id": row.order_id, "item": row.item, "revision": row.revision, "product": row.product,
                "variant": row.variant, "quantity": row.quantity, "file": target.name, "width_px": row.width_px,
                "height_px": row.height_px, "dpi": row.dpi, "sha256": digest, "approved_at": row.decided_at,
                "approved_by": row.decided_by, "orientation": orientation(row.width_px, row.height_px),
                **manifest_values(row, run.rules.get(row.product)),
            })
        state = "hook" if run.settings.production.hook else "done"
        run.ledger.handoff_placed(handoff.item_id, relative(target, run.root.path), digest, state)
    return target


def orientation(width: int | None, height: int | None) -> str:
    """portrait, landscape or square, as the print partner loads the sheet."""
    if not width or not height:
        return ""
    return "landscape" if width > height else "portrait" if height > width else "square"


def manifest_files(path: Path) -> set[str]:
    if not path.exists():
        return set()
    with path.open(encoding="utf-8", newline="") as handle:
        # A name written as "'+1234_…" (see spreadsheet_safe) is the file "+1234_…".
        return {(row.get("file") or "").removeprefix("'") for row in csv.DictReader(handle)}


def append_manifest(path: Path, row: dict) -> None:
    """Rewrite the manifest with one more row, atomically: a reader never sees half a line.
    A manifest from before a column was added gets the new header, its rows those cells empty."""
    rows, columns = [], list(MANIFEST_COLUMNS)
    if path.exists():
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
            columns += [name for name in reader.fieldnames or [] if name not in columns]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", restval="")
    writer.writeheader()
    writer.writerows(rows)  # read back as text, already neutral
    writer.writerow({key: spreadsheet_safe(value) for key, value in row.items()})
    with atomic_output(path, "w") as handle:
        handle.write(buffer.getvalue())


# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """Text from an order that a spreadsheet would run as a formula (`=HYPERLINK(…)`, `@SUM(…)`),
    kept as text by a leading apostrophe, as OWASP advises for CSV files."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()  # read in blocks by hashlib

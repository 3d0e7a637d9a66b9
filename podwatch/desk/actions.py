"""The desk's actions, each the folder move a seller would make: approve, reject with a reason, edit and redo."""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from pathlib import Path

from podwatch.config.names import sanitize
from podwatch.config.root import Root
from podwatch.desk.records import Item, Records
from podwatch.files import atomic_output, move_exact, move_no_clobber, write_text
from podwatch.jobs import State
from podwatch.outputs.approval import who
from podwatch.outputs.ledger import Ledger, now

# A personalization key the desk may write: what shops use ("name", "Date 2", "line-1"), nothing odd.
_KEY = re.compile(r"^[\w .\-]{1,60}$")
MAX_TEXT = 500  # characters in one edited field; more is a paste, never a name
MAX_REASON = 2000


class Refused(Exception):
    """An action the desk will not take; the message says why in the seller's words."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


def seller() -> str:
    return f"{who()} (review desk)"


def waiting(root: Root, item: Item) -> Path:
    """The proof in review/, still waiting for a decision; Refused when it left (moved by hand meanwhile)."""
    proof = root.review / item.name
    if item.row.state is not State.REVIEW or not proof.is_file():
        raise Refused(f"{item.name} is no longer waiting in review/ (it is {item.row.state.value}); "
                      "it was probably decided or moved meanwhile. Nothing was changed.")
    return proof


def approve(root: Root, ledger: Ledger, item: Item) -> str:
    """Move the proof into approved/, as the seller would; the service hands its print file over."""
    proof = waiting(root, item)
    _move(proof, root.approved / item.name)
    ledger.log("desk", f"{item.name} approved on the review desk by {seller()}", item.row.order_id, item.row.id)
    return f"Approved {item.name}: its print file goes to production/."


def reject(root: Root, ledger: Ledger, item: Item, reason: str) -> str:
    """Write the reason file, then move the proof into rejected/: the service reads the reason with the move."""
    proof = waiting(root, item)
    reason = " ".join(reason.split())[:MAX_REASON]
    note = root.rejected / f"{item.name}.txt"
    if reason and not note.exists():  # a note the seller wrote there already is theirs: kept
        write_text(note, reason + "\n")
    _move(proof, root.rejected / item.name)
    ledger.log("desk", f"{item.name} rejected on the review desk by {seller()}" + (f": {reason}" if reason else ""),
               item.row.order_id, item.row.id)
    return f"Rejected {item.name}" + (f" ({reason})." if reason else ".")


def approve_clean(root: Root, ledger: Ledger, records: Records) -> list[str]:
    """Approve every item in the queue that needs no look (no risk, quality doubt or instructions)."""
    done = []
    for item in records.queue():
        if item.clean:
            try:
                done.append(approve(root, ledger, item))
            except Refused:  # moved by hand while this ran: it is decided already
                continue
    return done


def edit(root: Root, ledger: Ledger, records: Records, item: Item, texts: dict[str, str], color: str) -> str:
    """Make the next revision from the same upload with the seller's corrections: an order folder
    (order JSON + a copy of the archived upload) appears in inbox/ in one rename, and the old proof
    goes to rejected/ saying why, so it cannot be approved by mistake."""
    proof = waiting(root, item)
    changes = _changes(item, texts, color)
    upload = None if item.text_only else records.stored(item.row.original)
    if not item.text_only and upload is None:
        raise Refused(f"The upload {item.row.source} is no longer in archive/, so no new revision can be made "
                      "from it. Ask the buyer for the file again, or drop it with its order JSON into inbox/.")
    order = _edited_order(item, changes)
    folder = _drop(root, item, order, upload)
    said = "; ".join(f'{key}: "{old}" → "{new}"' for key, (old, new) in changes.items())
    message = (f"{item.name} edited on the review desk by {seller()} ({said}); "
               f"the next revision comes from inbox/{folder.name}")
    ledger.log("edited", message, item.row.order_id, item.row.id)
    note = root.rejected / f"{item.name}.txt"
    if not note.exists():
        write_text(note, f"Replaced: corrected on the review desk ({said}); a new revision is made.\n")
    _move(proof, root.rejected / item.name)
    return f"Edited {item.name} ({said}): the new revision appears in the queue in a few seconds."


def _changes(item: Item, texts: dict[str, str], color: str) -> dict[str, tuple[str, str]]:
    typed = item.personalization
    changes: dict[str, tuple[str, str]] = {}
    for key, value in texts.items():
        if not _KEY.match(key):
            raise Refused(f"{key!r} is not a field name the desk can write.", 400)
        if len(value) > MAX_TEXT:
            raise Refused(f"The text for {key} is {len(value)} characters long; at most {MAX_TEXT} are kept.", 400)
        if value != typed.get(key, ""):
            changes[key] = (typed.get(key, ""), value)
    variant = str(item.order.get("variant") or "")
    current, _, rest = variant.partition("/")
    if color and color.strip() != current.strip():
        changes["variant"] = (variant, f"{color.strip()} /{rest}" if rest else color.strip())
    if not changes:
        raise Refused("Nothing was changed: edit a text or pick another colour first.", 400)
    return changes


def _edited_order(item: Item, changes: dict[str, tuple[str, str]]) -> dict:
    order = dict(item.order)
    personalization = dict(order.get("personalization") or {})
    for key, (_old, new) in changes.items():
        if key == "variant":
            order["variant"] = new
        else:
            personalization[key] = new
    order["personalization"] = personalization
    order["files"] = [] if item.text_only else [item.row.source]
    # The record that this revision is the seller's correction, not the buyer's words; kept in the
    # ledger with the order and shown on the proof's order page.
    order["seller_edit"] = {
        "by": seller(), "at": now(), "from_proof": item.name,
        "changes": {key: {"from": old, "to": new} for key, (old, new) in changes.items()},
    }
    return order


def _drop(root: Root, item: Item, order: dict, upload: Path | None) -> Path:
    """Fill a hidden folder in the inbox (intake ignores hidden names), then rename it into view at once."""
    hidden = root.inbox / f".podwatch-edit-{secrets.token_hex(4)}"
    hidden.mkdir(parents=True)
    try:
        write_text(hidden / "order.json", json.dumps(order, indent=2, ensure_ascii=False) + "\n")
        if upload is not None:
            with upload.open("rb") as source, atomic_output(hidden / item.row.source) as target:
                shutil.copyfileobj(source, target)
        visible = root.inbox / f"{sanitize(item.row.order_id)}-edit-{time.strftime('%Y%m%d-%H%M%S')}"
        return move_no_clobber(hidden, visible)
    except BaseException:
        shutil.rmtree(hidden, ignore_errors=True)  # only podwatch's own half-made copy
        raise


def _move(src: Path, dest: Path) -> None:
    try:
        move_exact(src, dest)
    except FileExistsError:
        raise Refused(f"{dest.parent.name}/{dest.name} exists already; nothing was moved. "
                      "Look in that folder: the proof may have been copied there by hand.") from None
    except FileNotFoundError:
        raise Refused(f"{src.name} left review/ meanwhile; nothing was moved.") from None


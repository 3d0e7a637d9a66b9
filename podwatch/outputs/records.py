"""Each order's record in the folder tree: its items, decisions and history as readable JSON.

The ledger lives on each computer, outside the synced tree; these files travel with the folder.
When a computer has no ledger (a new computer, a ledger moved aside because it was damaged),
it is rebuilt from them. Records come from a shared folder, so each is checked before use.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from loguru import logger

from podwatch.config.names import sanitize
from podwatch.files import read_no_follow, write_text
from podwatch.jobs import State

VERSION = 1
ABOUT = ("podwatch's record of one order: every item, decision and event. podwatch rebuilds its history "
         "(`podwatch status`) from these files on a computer that has none; please do not edit them.")
_TEXT = ("order_id", "product", "variant", "source", "original", "print_file", "proof_file", "sha256", "reason",
         "created_at", "updated_at", "decided_by", "claim")
_NUMBERS = ("item", "revision", "quantity")
_OPTIONAL_NUMBERS = ("width_px", "height_px", "dpi")
# Columns added after records began: a record written before them restores them empty.
_LATER_TEXT = ("preview_file",)
_HANDOFF_STATES = ("moving", "hook", "done", "hook_failed", "missing")
# Ledger connections in several threads write records; one at a time, so the last file written
# always holds every change committed before it.
_LOCK = threading.Lock()


def record_path(records: Path, order_id: str) -> Path:
    key = hashlib.sha256(order_id.encode("utf-8", "replace")).hexdigest()[:8]
    return records / f"{sanitize(order_id)}-{key}.json"


def write_record(db: sqlite3.Connection, records: Path, order_id: str) -> None:
    """Write `order_id`'s record from the ledger as it is now."""
    if not order_id:
        return
    with _LOCK:
        items = db.execute("SELECT * FROM items WHERE order_id = ? ORDER BY revision, item", (order_id,)).fetchall()
        if not items:
            return
        keys = {row["id"]: (row["revision"], row["item"]) for row in items}
        events = db.execute("SELECT * FROM events WHERE order_id = ? ORDER BY id", (order_id,)).fetchall()
        document = {
            "podwatch_record": VERSION, "about": ABOUT, "order_id": order_id,
            "items": [_item(db, row) for row in items],
            "events": [{"at": e["at"], "kind": e["kind"], "message": e["message"],
                        "revision": keys.get(e["item_id"], (None, None))[0],
                        "item": keys.get(e["item_id"], (None, None))[1]} for e in events],
        }
        write_text(record_path(records, order_id), json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def _item(db: sqlite3.Connection, row: sqlite3.Row) -> dict[str, Any]:
    item = {key: row[key] for key in (*_TEXT, *_LATER_TEXT, *_NUMBERS, *_OPTIONAL_NUMBERS, "state", "decided_at")}
    item["findings"] = json.loads(row["findings"])
    item["order"] = json.loads(row["order_json"] or "{}")
    handoff = db.execute("SELECT * FROM handoffs WHERE item_id = ?", (row["id"],)).fetchone()
    item["handoff"] = None if handoff is None else {
        key: handoff[key] for key in ("source", "target", "state", "attempts", "next_at", "last_error")}
    return item


def write_all(db: sqlite3.Connection, records: Path) -> int:
    """A record for every order in the ledger (a ledger from before records, or moved here)."""
    order_ids = [row[0] for row in db.execute("SELECT DISTINCT order_id FROM items")]
    for order_id in order_ids:
        write_record(db, records, order_id)
    return len(order_ids)


def rebuild(db: sqlite3.Connection, records: Path) -> int:
    """Fill an empty ledger from the records; returns how many orders it holds now. A record that
    is not podwatch's (or names a place outside the folder) is skipped with a warning."""
    restored = 0
    for path in sorted(records.glob("*.json")) if records.is_dir() else []:
        try:
            document = json.loads(read_no_follow(path, 64 << 20).decode("utf-8"))
            db.execute("BEGIN IMMEDIATE")
            try:
                _restore(db, document)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
            restored += 1
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError, sqlite3.Error) as exc:
            logger.warning("the order record {} was skipped: {}", path.name, exc or type(exc).__name__)
    return restored


def _restore(db: sqlite3.Connection, document: dict[str, Any]) -> None:
    if document.get("podwatch_record") != VERSION or not isinstance(document.get("items"), list):
        raise ValueError("not a podwatch order record")
    ids = {}
    for item in document["items"]:
        columns = _columns(item)
        marks = ", ".join("?" for _ in columns)
        cursor = db.execute(f"INSERT INTO items ({', '.join(columns)}) VALUES ({marks})", tuple(columns.values()))
        ids[(columns["revision"], columns["item"])] = cursor.lastrowid
        handoff = item.get("handoff")
        if handoff is not None:
            places = (handoff["source"], handoff["target"])
            if handoff["state"] not in _HANDOFF_STATES or not all(_inside(place) for place in places):
                raise ValueError("a hand-off names a place outside the folder")
            db.execute(
                "INSERT INTO handoffs (item_id, source, target, state, attempts, next_at, last_error) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (cursor.lastrowid, handoff["source"], handoff["target"], handoff["state"], int(handoff["attempts"]),
                 float(handoff["next_at"]), str(handoff["last_error"])))
    for event in document.get("events") or []:
        db.execute("INSERT INTO events (at, order_id, item_id, kind, message) VALUES (?, ?, ?, ?, ?)", (
            str(event["at"]), str(document["order_id"]), ids.get((event.get("revision"), event.get("item"))),
            str(event["kind"]), str(event["message"])))


def _columns(item: dict[str, Any]) -> dict[str, Any]:
    columns: dict[str, Any] = {key: str(item[key]) for key in _TEXT}
    columns.update({key: str(item.get(key) or "") for key in _LATER_TEXT})
    columns.update({key: int(item[key]) for key in _NUMBERS})
    columns.update({key: None if item[key] is None else int(item[key]) for key in _OPTIONAL_NUMBERS})
    columns["state"] = State(item["state"]).value
    columns["decided_at"] = None if item["decided_at"] is None else str(item["decided_at"])
    columns["findings"] = json.dumps(list(item["findings"]))
    columns["order_json"] = json.dumps(dict(item["order"]), ensure_ascii=False)
    if not all(_inside(columns[key]) for key in ("original", "print_file")) or not all(
        _plain(columns[key]) for key in ("source", "proof_file", "preview_file")
    ):
        raise ValueError("an item names a place outside the folder")
    return columns


def _plain(name: str) -> bool:
    return name == "" or (name not in (".", "..") and "/" not in name and "\\" not in name and ":" not in name)


def _inside(rel: str) -> bool:
    """Empty, or a relative path inside the podwatch folder on every system."""
    if rel == "":
        return True
    posix, windows = PurePosixPath(rel.replace("\\", "/")), PureWindowsPath(rel)
    return not (posix.is_absolute() or windows.drive or windows.root or ".." in posix.parts or "\0" in rel)

"""The ledger: one SQLite row per order item and an event log, so every run can be explained."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loguru import logger

from podwatch.errors import LedgerDamaged
from podwatch.jobs import State
from podwatch.outputs.ledger_schema import MIGRATIONS
from podwatch.outputs.records import rebuild, write_all, write_record

if TYPE_CHECKING:
    from podwatch.config.root import Root


def now() -> str:
    """The time stamps the ledger writes: UTC, to the second, ISO 8601."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class NewItem:
    """One processed item as routing records it: every column a new `items` row gets."""

    order_id: str
    item: int
    revision: int
    product: str
    variant: str
    quantity: int
    state: State
    source: str  # the upload's name as the seller gave it
    proof_file: str
    claim: str
    order_json: str
    original: str = ""  # where the upload is kept (relative to root), once known
    print_file: str = ""  # relative to root
    width_px: int | None = None
    height_px: int | None = None
    dpi: int | None = None
    sha256: str = ""
    findings: list[dict[str, Any]] = field(default_factory=list)
    reason: str = ""
    decided_at: str | None = None
    decided_by: str = ""
    preview_file: str = ""  # file name of the buyer preview beside the proof, when one was made

    def columns(self, at: str) -> dict[str, Any]:
        """Column name -> value for the INSERT: the names are this class's fields, never caller input."""
        values = {**asdict(self), "state": State(self.state).value, "findings": json.dumps(self.findings)}
        return {**values, "created_at": at, "updated_at": at}


@dataclass(frozen=True)
class ItemRow:
    id: int
    order_id: str
    item: int
    revision: int
    product: str
    variant: str
    quantity: int
    state: State
    source: str
    original: str
    print_file: str
    proof_file: str
    width_px: int | None
    height_px: int | None
    dpi: int | None
    sha256: str
    findings: list[dict[str, Any]]
    reason: str
    created_at: str
    updated_at: str
    decided_at: str | None
    decided_by: str
    claim: str = ""
    order_json: str = "{}"
    preview_file: str = ""

    @classmethod
    def from_sql(cls, row: sqlite3.Row) -> ItemRow:
        data = dict(row)
        data["state"] = State(data["state"])
        data["findings"] = json.loads(data["findings"])
        return cls(**data)


@dataclass(frozen=True)
class Handoff:
    item_id: int
    source: str
    target: str
    state: str
    attempts: int
    next_at: float
    last_error: str


class Ledger:
    """The order history of one folder tree: items, their events, hand-offs and what waits in the inbox.

    One connection per thread; every change that belongs together is one transaction.
    """

    # What update_item may change; everything else about an item is fixed once it is recorded.
    UPDATABLE = frozenset({"state", "reason", "decided_at", "decided_by", "print_file", "sha256", "original"})
    HANDOFF_FIELDS = frozenset({"state", "attempts", "next_at", "last_error"})

    def __init__(self, path: Path, records: Path | None = None) -> None:
        """Open (or make) the ledger at `path`. With `records` (the order records in the tree), every
        change is also written to its order's record, and a new ledger is first rebuilt from them."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = not path.exists()
        self.records = records
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        try:
            # WAL keeps readers (`podwatch status`) from blocking the running service.
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
            self._db.execute("SELECT COUNT(*) FROM items").fetchone()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise LedgerDamaged(
                f"podwatch's order history {path} is damaged ({exc}); nothing was changed. Move that file aside "
                f"(rename it, e.g. to {path.stem}.damaged{path.suffix}) and start podwatch again: it rebuilds the "
                f"history from the order records in {records or 'the .podwatch/records/ folder'}."
            ) from None
        if fresh and records is not None and records.is_dir():
            restored = rebuild(self._db, records)
            if restored:
                logger.info("the order history was rebuilt from {} order record(s) in {}", restored, records)

    def _touched(self, order_id: str) -> None:
        """Keep `order_id`'s record in the tree in step with the ledger."""
        if self.records is not None:
            write_record(self._db, self.records, order_id)

    def _order_of(self, item_id: int) -> str:
        row = self._db.execute("SELECT order_id FROM items WHERE id = ?", (item_id,)).fetchone()
        return row[0] if row else ""

    def resync(self, previous: str | None) -> None:
        """Replace the history with the order records in the tree, as the computer before wrote them."""
        if self.records is None or not any(self.records.glob("*.json")):
            return
        with self._tx() as db:
            for table in ("handoffs", "events", "items"):
                db.execute(f"DELETE FROM {table}")
        restored = rebuild(self._db, self.records)
        logger.info("the order history was brought up to date from {} order record(s) ({} worked here last)",
                    restored, previous or "an unknown computer")

    def write_all_records(self) -> int:
        """A record for every order (a ledger from before records existed); returns how many."""
        return write_all(self._db, self.records) if self.records is not None else 0

    def _migrate(self) -> None:
        (version,) = self._db.execute("PRAGMA user_version").fetchone()
        for number, migrate in MIGRATIONS:
            if number > version:
                migrate(self._db)
                self._db.execute(f"PRAGMA user_version = {number:d}")

    @property
    def version(self) -> int:
        """The number of the last migration this ledger has had."""
        (version,) = self._db.execute("PRAGMA user_version").fetchone()
        return int(version)

    def close(self) -> None:
        """Close this thread's connection."""
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def add_item(self, new: NewItem, handoff: tuple[str, str] | None = None) -> int:
        """Record one processed item and its first event; returns its id. With `handoff`
        (source, target) its print file is on its way to production in the same transaction,
        so a crash cannot split the two."""
        at = new.decided_at or now()
        fields = new.columns(at)
        columns = ", ".join(fields)
        marks = ", ".join("?" for _ in fields)
        with self._tx() as db:
            cursor = db.execute(f"INSERT INTO items ({columns}) VALUES ({marks})", tuple(fields.values()))
            item_id = cursor.lastrowid
            assert item_id is not None
            db.execute(
                "INSERT INTO events (at, order_id, item_id, kind, message) VALUES (?, ?, ?, ?, ?)",
                (at, new.order_id, item_id, fields["state"], new.reason or "processed"),
            )
            if handoff is not None:
                db.execute("INSERT INTO handoffs (item_id, source, target, state) VALUES (?, ?, ?, 'moving')",
                           (item_id, *handoff))
        self._touched(new.order_id)
        return item_id

    def record_handoff(self, item_id: int, source: str, target: str, by: str, at: str) -> None:
        """The decision to hand `source` over as `target`, written before the file moves."""
        with self._tx() as db:
            db.execute(
                "UPDATE items SET state = ?, print_file = ?, decided_at = ?, decided_by = ?, updated_at = ?"
                " WHERE id = ?",
                (State.PRODUCTION.value, target, at, by, at, item_id),
            )
            (order_id,) = db.execute("SELECT order_id FROM items WHERE id = ?", (item_id,)).fetchone()
            db.execute(
                "INSERT INTO events (at, order_id, item_id, kind, message) VALUES (?, ?, ?, ?, ?)",
                (at, order_id, item_id, "production", f"{Path(target).name} handed to production by {by}"),
            )
            db.execute("INSERT INTO handoffs (item_id, source, target, state) VALUES (?, ?, ?, 'moving')",
                       (item_id, source, target))
        self._touched(order_id)

    def update_item(self, item_id: int, event: str, message: str, **fields: Any) -> None:
        """Change an item's decision columns (see UPDATABLE) and say why in an `event`."""
        unknown = set(fields) - self.UPDATABLE
        if unknown:
            raise ValueError(f"not an item column that may change: {', '.join(sorted(unknown))}")
        if "state" in fields:
            fields["state"] = State(fields["state"]).value
        fields["updated_at"] = now()
        assignments = ", ".join(f"{key} = ?" for key in fields)
        with self._tx() as db:
            db.execute(f"UPDATE items SET {assignments} WHERE id = ?", (*fields.values(), item_id))
            (order_id,) = db.execute("SELECT order_id FROM items WHERE id = ?", (item_id,)).fetchone()
            db.execute(
                "INSERT INTO events (at, order_id, item_id, kind, message) VALUES (?, ?, ?, ?, ?)",
                (fields["updated_at"], order_id, item_id, event, message),
            )
        self._touched(order_id)

    def log(self, kind: str, message: str, order_id: str = "", item_id: int | None = None) -> None:
        """Add an event (`kind`, `message`) to the history, of an order and item when given."""
        self._db.execute(
            "INSERT INTO events (at, order_id, item_id, kind, message) VALUES (?, ?, ?, ?, ?)",
            (now(), order_id, item_id, kind, message),
        )
        self._touched(order_id)

    def has_event(self, item_id: int, kind: str) -> bool:
        """Whether item `item_id` has an event of `kind` already (to say a thing once)."""
        sql = "SELECT 1 FROM events WHERE item_id = ? AND kind = ?"
        return self._db.execute(sql, (item_id, kind)).fetchone() is not None

    def set_original(self, order_id: str, revision: int, source: str, original: str) -> None:
        """Where an upload of an order's revision is kept now, for the row that does not know yet."""
        self._db.execute(
            "UPDATE items SET original = ? WHERE order_id = ? AND revision = ? AND source = ? AND original = ''",
            (original, order_id, revision, source),
        )
        self._touched(order_id)

    def set_original_of(self, item_id: int, original: str) -> None:
        """Where item `item_id`'s upload is kept now (relative to the root)."""
        self._db.execute("UPDATE items SET original = ? WHERE id = ?", (original, item_id))
        self._touched(self._order_of(item_id))

    def claim_items(self, claim: str) -> list[ItemRow]:
        """The items a claim already recorded, by item number: what a resumed run only places."""
        rows = self._db.execute("SELECT * FROM items WHERE claim = ? ORDER BY item", (claim,)).fetchall()
        return [ItemRow.from_sql(row) for row in rows]

    def counts(self) -> dict[State, int]:
        """How many items are in each state."""
        found = dict(self._db.execute("SELECT state, COUNT(*) FROM items GROUP BY state").fetchall())
        return {state: found.get(state.value, 0) for state in State}

    # Hand-offs to production and the fulfillment hook's queue.

    def handoff(self, item_id: int) -> Handoff | None:
        """Item `item_id`'s hand-off to production, if it has one."""
        row = self._db.execute("SELECT * FROM handoffs WHERE item_id = ?", (item_id,)).fetchone()
        return Handoff(**dict(row)) if row else None

    def handoffs(self, *states: str) -> list[Handoff]:
        """Every hand-off in one of `states`, oldest item first."""
        marks = ", ".join("?" for _ in states)
        rows = self._db.execute(f"SELECT * FROM handoffs WHERE state IN ({marks}) ORDER BY item_id", states)
        return [Handoff(**dict(row)) for row in rows.fetchall()]

    def handoff_placed(self, item_id: int, target: str, sha256: str, state: str) -> None:
        """The print file is in production/ as `target`: record where, its checksum and the next state."""
        with self._tx() as db:
            db.execute("UPDATE handoffs SET target = ?, state = ? WHERE item_id = ?", (target, state, item_id))
            db.execute("UPDATE items SET print_file = ?, sha256 = ?, updated_at = ? WHERE id = ?",
                       (target, sha256, now(), item_id))
        self._touched(self._order_of(item_id))

    def handoff_state(self, item_id: int, kind: str, message: str, **fields: Any) -> None:
        """Update a hand-off (`state`, `attempts`, `next_at`, `last_error`) and say why in the events."""
        unknown = set(fields) - self.HANDOFF_FIELDS
        if unknown:
            raise ValueError(f"not a hand-off column: {', '.join(sorted(unknown))}")
        assignments = ", ".join(f"{key} = ?" for key in fields)
        with self._tx() as db:
            db.execute(f"UPDATE handoffs SET {assignments} WHERE item_id = ?", (*fields.values(), item_id))
            (order_id,) = db.execute("SELECT order_id FROM items WHERE id = ?", (item_id,)).fetchone()
            db.execute("INSERT INTO events (at, order_id, item_id, kind, message) VALUES (?, ?, ?, ?, ?)",
                       (now(), order_id, item_id, kind, message))
        self._touched(order_id)

    def next_hook_at(self) -> float | None:
        """When the next hook attempt is due (unix time), or None when none waits."""
        (due,) = self._db.execute("SELECT MIN(next_at) FROM handoffs WHERE state = 'hook'").fetchone()
        return due

    # Files waiting in the inbox for their other half.

    def sync_waiting(self, paths: list[str], at: float) -> dict[str, tuple[float, bool]]:
        """Remember since when each of `paths` waits; forget the ones that left.
        Returns path -> (since, already reported)."""
        with self._tx() as db:
            known = {row[0]: (row[1], bool(row[2])) for row in db.execute("SELECT path, since, reported FROM waiting")}
            for gone in set(known) - set(paths):
                db.execute("DELETE FROM waiting WHERE path = ?", (gone,))
            for new in set(paths) - set(known):
                db.execute("INSERT INTO waiting (path, since) VALUES (?, ?)", (new, at))
                known[new] = (at, False)
        return {path: known[path] for path in paths}

    def waiting_since(self) -> dict[str, float]:
        """Inbox path (relative to inbox/) -> since when it waits for its other half."""
        return dict(self._db.execute("SELECT path, since FROM waiting").fetchall())

    def mark_reported(self, path: str) -> None:
        """The seller was told that `path` waits too long; do not tell again."""
        self._db.execute("UPDATE waiting SET reported = 1 WHERE path = ?", (path,))

    def item(self, item_id: int) -> ItemRow:
        """The item with id `item_id`."""
        return ItemRow.from_sql(self._db.execute("SELECT * FROM items WHERE id = ?", (item_id,)).fetchone())

    def proof_taken(self, name: str) -> bool:
        """Whether any item ever had a proof named `name` (names are never reused)."""
        return self._db.execute("SELECT 1 FROM items WHERE proof_file = ?", (name,)).fetchone() is not None

    def by_proof(self, proof_name: str) -> ItemRow | None:
        """The item whose proof is named `proof_name`, if any."""
        row = self._db.execute("SELECT * FROM items WHERE proof_file = ?", (proof_name,)).fetchone()
        return ItemRow.from_sql(row) if row else None

    def items(self, order_id: str | None = None) -> list[ItemRow]:
        """Every item, or those of `order_id`, in the order they were made."""
        sql, args = "SELECT * FROM items", tuple[str, ...]()
        if order_id is not None:
            sql, args = sql + " WHERE order_id = ?", (order_id,)
        rows = self._db.execute(sql + " ORDER BY created_at, order_id, revision, item", args).fetchall()
        return [ItemRow.from_sql(row) for row in rows]

    def events(self, order_id: str) -> list[sqlite3.Row]:
        """The history of `order_id`, oldest first."""
        return self._db.execute("SELECT * FROM events WHERE order_id = ? ORDER BY id", (order_id,)).fetchall()


def open_ledger(root: Root) -> Ledger:
    """This computer's ledger for `root`, kept in step with the order records in the tree.

    A ledger left inside the tree by an older podwatch is moved here first (SQLite's own copy),
    and an order history without records gets them, so it can follow the folder to a new computer.
    """
    if not root.ledger.exists() and root.legacy_ledger.is_file():
        root.ledger.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(root.legacy_ledger) as old, sqlite3.connect(root.ledger) as new:
            old.backup(new)
        moved = root.legacy_ledger.with_name("ledger.moved.sqlite3")
        os.replace(root.legacy_ledger, moved)
        logger.info("the order history moved out of the synced folder, to {} (the old copy is {})", root.ledger, moved)
    ledger = Ledger(root.ledger, root.records)
    if not any(root.records.glob("*.json")) and ledger.write_all_records():
        logger.info("each order now has a record in {}", root.records)
    return ledger

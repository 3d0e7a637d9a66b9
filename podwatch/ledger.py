"""The ledger: one SQLite row per order item and an event log, so every run can be explained."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    id          INTEGER PRIMARY KEY,
    order_id    TEXT    NOT NULL,
    item        INTEGER NOT NULL,
    revision    INTEGER NOT NULL,
    product     TEXT    NOT NULL,
    variant     TEXT    NOT NULL DEFAULT '',
    quantity    INTEGER NOT NULL DEFAULT 1,
    state       TEXT    NOT NULL,
    source      TEXT    NOT NULL DEFAULT '',   -- the upload's name as the seller gave it
    original    TEXT    NOT NULL DEFAULT '',   -- where that upload is kept now (relative to root)
    print_file  TEXT    NOT NULL DEFAULT '',   -- relative to root
    proof_file  TEXT    NOT NULL DEFAULT '',   -- file name of the proof
    width_px    INTEGER,
    height_px   INTEGER,
    dpi         INTEGER,
    sha256      TEXT    NOT NULL DEFAULT '',
    findings    TEXT    NOT NULL DEFAULT '[]', -- JSON list of findings
    reason      TEXT    NOT NULL DEFAULT '',
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    decided_at  TEXT,
    decided_by  TEXT    NOT NULL DEFAULT '',
    UNIQUE (order_id, item, revision)
);
CREATE INDEX IF NOT EXISTS items_proof ON items (proof_file);
CREATE TABLE IF NOT EXISTS events (
    id       INTEGER PRIMARY KEY,
    at       TEXT NOT NULL,
    order_id TEXT NOT NULL DEFAULT '',
    item_id  INTEGER,
    kind     TEXT NOT NULL,
    message  TEXT NOT NULL
);
"""


class State(str, Enum):
    REVIEW = "review"  # proof waiting for the seller
    PRODUCTION = "production"  # print file handed to production
    REJECTED = "rejected"  # the seller declined the proof
    FAILED = "failed"  # could not be made printable; see failed/


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


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

    @classmethod
    def from_sql(cls, row: sqlite3.Row) -> "ItemRow":
        data = dict(row)
        data["state"] = State(data["state"])
        data["findings"] = json.loads(data["findings"])
        return cls(**data)


class Ledger:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        # WAL keeps readers (`podwatch status`) from blocking the running service.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "Ledger":
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

    def next_revision(self, order_id: str) -> int:
        (latest,) = self._db.execute("SELECT MAX(revision) FROM items WHERE order_id = ?", (order_id,)).fetchone()
        return (latest or 0) + 1

    def add_item(self, **fields: Any) -> int:
        fields = {**fields, "findings": json.dumps(fields.get("findings", []))}
        fields.setdefault("created_at", now())
        fields["updated_at"] = fields["created_at"]
        fields["state"] = State(fields["state"]).value
        columns = ", ".join(fields)
        marks = ", ".join("?" for _ in fields)
        with self._tx() as db:
            cursor = db.execute(f"INSERT INTO items ({columns}) VALUES ({marks})", tuple(fields.values()))
            item_id = cursor.lastrowid
            db.execute(
                "INSERT INTO events (at, order_id, item_id, kind, message) VALUES (?, ?, ?, ?, ?)",
                (fields["created_at"], fields["order_id"], item_id, fields["state"], fields.get("reason") or "processed"),
            )
        return item_id

    def update_item(self, item_id: int, event: str, message: str, **fields: Any) -> None:
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

    def log(self, kind: str, message: str, order_id: str = "") -> None:
        self._db.execute(
            "INSERT INTO events (at, order_id, kind, message) VALUES (?, ?, ?, ?)", (now(), order_id, kind, message)
        )

    def set_original(self, order_id: str, revision: int, source: str, original: str) -> None:
        self._db.execute(
            "UPDATE items SET original = ? WHERE order_id = ? AND revision = ? AND source = ? AND original = ''",
            (original, order_id, revision, source),
        )

    def item(self, item_id: int) -> ItemRow:
        return ItemRow.from_sql(self._db.execute("SELECT * FROM items WHERE id = ?", (item_id,)).fetchone())

    def proof_taken(self, name: str) -> bool:
        return self._db.execute("SELECT 1 FROM items WHERE proof_file = ?", (name,)).fetchone() is not None

    def by_proof(self, proof_name: str) -> ItemRow | None:
        row = self._db.execute("SELECT * FROM items WHERE proof_file = ?", (proof_name,)).fetchone()
        return ItemRow.from_sql(row) if row else None

    def items(self, order_id: str | None = None) -> list[ItemRow]:
        sql, args = "SELECT * FROM items", ()
        if order_id is not None:
            sql, args = sql + " WHERE order_id = ?", (order_id,)
        rows = self._db.execute(sql + " ORDER BY created_at, order_id, revision, item", args).fetchall()
        return [ItemRow.from_sql(row) for row in rows]

    def events(self, order_id: str) -> list[sqlite3.Row]:
        return self._db.execute("SELECT * FROM events WHERE order_id = ? ORDER BY id", (order_id,)).fetchall()

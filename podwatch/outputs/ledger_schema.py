"""The ledger's tables and their numbered migrations (SQLite's user_version)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

_FIRST_SCHEMA = """
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
-- One row per print file handed to production: written before the file moves, so a
-- crash half-way is finished on the next start; then the fulfillment hook's queue.
CREATE TABLE IF NOT EXISTS handoffs (
    item_id    INTEGER PRIMARY KEY REFERENCES items (id),
    source     TEXT    NOT NULL,              -- where the print file waited (relative to root)
    target     TEXT    NOT NULL,              -- its place in production/ (relative to root)
    state      TEXT    NOT NULL,              -- moving | hook | done | hook_failed | missing
    attempts   INTEGER NOT NULL DEFAULT 0,    -- hook runs so far
    next_at    REAL    NOT NULL DEFAULT 0,    -- unix time of the next hook attempt
    last_error TEXT    NOT NULL DEFAULT ''
);
-- Files in the inbox waiting for their other half, and since when (pairing timeout).
CREATE TABLE IF NOT EXISTS waiting (
    path     TEXT PRIMARY KEY,                -- relative to inbox/
    since    REAL NOT NULL,
    reported INTEGER NOT NULL DEFAULT 0
);
"""


def _add_column(name: str, declaration: str) -> Callable[[sqlite3.Connection], None]:
    def migrate(db: sqlite3.Connection) -> None:
        if name not in {row[1] for row in db.execute("PRAGMA table_info(items)")}:
            db.execute(f"ALTER TABLE items ADD COLUMN {name} {declaration}")
    return migrate


# Numbered migrations: a ledger at version N (SQLite's user_version) gets every one after it, in
# order, the version written after each. Each may run twice (a crash between the change and the
# version) and ledgers from before the numbering are at version 0 whatever columns they already
# have, so each step looks before it changes anything.
MIGRATIONS: tuple[tuple[int, Callable[[sqlite3.Connection], None]], ...] = (
    (1, lambda db: None if db.executescript(_FIRST_SCHEMA) else None),
    # the work-area claim that made an item (crash recovery)
    (2, _add_column("claim", "TEXT NOT NULL DEFAULT ''")),
    # the order as read from its order JSON (for hooks)
    (3, _add_column("order_json", "TEXT NOT NULL DEFAULT '{}'")),
    # the buyer preview beside the proof (file name), placed with it
    (4, _add_column("preview_file", "TEXT NOT NULL DEFAULT ''")),
)

"""The ledger: typed records in, numbered migrations for ledgers made by older podwatch versions."""

from __future__ import annotations

import sqlite3

import pytest

from podwatch.jobs import State
from podwatch.outputs.ledger import Ledger, NewItem
from podwatch.outputs.ledger_schema import MIGRATIONS

# The items table as the first release wrote it: no claim, no order_json, no version number.
FIRST_RELEASE = """
CREATE TABLE items (
    id INTEGER PRIMARY KEY, order_id TEXT NOT NULL, item INTEGER NOT NULL, revision INTEGER NOT NULL,
    product TEXT NOT NULL, variant TEXT NOT NULL DEFAULT '', quantity INTEGER NOT NULL DEFAULT 1,
    state TEXT NOT NULL, source TEXT NOT NULL DEFAULT '', original TEXT NOT NULL DEFAULT '',
    print_file TEXT NOT NULL DEFAULT '', proof_file TEXT NOT NULL DEFAULT '', width_px INTEGER,
    height_px INTEGER, dpi INTEGER, sha256 TEXT NOT NULL DEFAULT '', findings TEXT NOT NULL DEFAULT '[]',
    reason TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL, updated_at TEXT NOT NULL, decided_at TEXT,
    decided_by TEXT NOT NULL DEFAULT '', UNIQUE (order_id, item, revision)
);
INSERT INTO items (order_id, item, revision, product, state, proof_file, created_at, updated_at)
VALUES ('1001', 1, 1, 'mug', 'review', '1001_mug_white_1_proof.jpg', '2026-01-02T03:04:05+00:00',
        '2026-01-02T03:04:05+00:00');
"""


def an_item(**changes) -> NewItem:
    fields = dict(order_id="2002", item=1, revision=1, product="tshirt", variant="black / L", quantity=2,
                  state=State.REVIEW, source="luna.jpg", proof_file="2002_tshirt_black-L_1_proof.jpg",
                  claim="c1", order_json='{"order_id": "2002"}', findings=[{"code": "dpi", "level": "warn"}])
    return NewItem(**{**fields, **changes})


def test_a_ledger_from_the_first_release_is_migrated_and_keeps_its_orders(tmp_path):
    path = tmp_path / "ledger.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(FIRST_RELEASE)
    with Ledger(path) as ledger:
        assert ledger.version == MIGRATIONS[-1][0]
        (old,) = ledger.items("1001")
        assert (old.proof_file, old.claim, old.order_json, old.state) == (
            "1001_mug_white_1_proof.jpg", "", "{}", State.REVIEW)
        ledger.add_item(an_item())
        assert ledger.items("2002")[0].claim == "c1"
    with Ledger(path) as again:  # opening a second time changes nothing
        assert again.version == MIGRATIONS[-1][0] and len(again.items()) == 2


def test_migrations_are_numbered_in_order():
    numbers = [number for number, _ in MIGRATIONS]
    assert numbers == list(range(1, len(numbers) + 1))


def test_a_new_item_is_recorded_as_typed(tmp_path):
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        item_id = ledger.add_item(an_item(), handoff=("pending/a.png", "production/a.png"))
        row = ledger.item(item_id)
        assert (row.order_id, row.variant, row.quantity, row.state) == ("2002", "black / L", 2, State.REVIEW)
        assert row.findings == [{"code": "dpi", "level": "warn"}]
        assert ledger.handoff(item_id).target == "production/a.png"
        assert [e["kind"] for e in ledger.events("2002")] == ["review"]


def test_only_decision_columns_can_be_changed_and_never_by_a_made_up_name(tmp_path):
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        item_id = ledger.add_item(an_item())
        ledger.update_item(item_id, "rejected", "wrong name", state=State.REJECTED, reason="wrong name")
        assert ledger.item(item_id).state is State.REJECTED
        with pytest.raises(ValueError, match="not an item column that may change"):
            ledger.update_item(item_id, "x", "x", **{"order_id = '1', state": "review"})
        with pytest.raises(ValueError, match="not a hand-off column"):
            ledger.handoff_state(item_id, "x", "x", target="elsewhere")

"""What the desk shows, read from the folders and the ledger: the queue, one item, an order, a search."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from podwatch.config.root import Root
from podwatch.jobs import State
from podwatch.outputs.approval import proofs_in
from podwatch.outputs.ledger import ItemRow, Ledger
from podwatch.outputs.routing import order_dir

# Warnings that mean the print may look soft or blocky: shown as "low resolution".
LOW_RESOLUTION = frozenset({"dpi_low", "dpi_marginal", "upscaled"})
FILTERS = ("all", "risk", "quality", "instructions", "clean")


@dataclass(frozen=True)
class Item:
    """One proof as the desk shows it: its ledger row, where its files are now, and why it needs a look."""

    row: ItemRow
    order: dict[str, Any]
    proof: Path | None  # where the proof is now, found by the name the ledger knows
    tags: tuple[str, ...] = field(default=())

    @property
    def name(self) -> str:
        return self.row.proof_file

    @property
    def clean(self) -> bool:
        return not self.tags

    @property
    def instructions(self) -> str:
        return str(self.order.get("instructions") or "")

    @property
    def personalization(self) -> dict[str, str]:
        values = self.order.get("personalization") or {}
        return {str(key): str(value) for key, value in values.items()} if isinstance(values, dict) else {}

    @property
    def buyer(self) -> str:
        customer = self.order.get("customer") or {}
        return str(customer.get("name") or "") if isinstance(customer, dict) else ""

    @property
    def text_only(self) -> bool:
        """A name-only order: its 'upload' is the order JSON itself."""
        return self.row.source.lower().endswith(".json")

    @property
    def findings(self) -> list[dict[str, Any]]:
        return sorted(self.row.findings, key=lambda f: {"fail": 0, "warn": 1}.get(f.get("level", ""), 2))


def tags_of(row: ItemRow, order: dict[str, Any]) -> tuple[str, ...]:
    """Why an item needs a look: risk (someone else's brand or picture), low resolution, quality,
    instructions from the buyer. An item with none of these is clean."""
    tags = []
    held = {f.get("code") for f in row.findings if f.get("hold")}
    warned = {f.get("code") for f in row.findings if f.get("level") in ("warn", "fail")}
    if held:
        tags.append("risk")
    if warned & LOW_RESOLUTION:
        tags.append("low resolution")
    if warned - LOW_RESOLUTION - held:
        tags.append("quality")
    if str(order.get("instructions") or "").strip():
        tags.append("instructions")
    return tuple(tags)


def matches(item: Item, wanted: str) -> bool:
    if wanted == "all":
        return True
    if wanted == "clean":
        return item.clean
    if wanted == "quality":
        return "quality" in item.tags or "low resolution" in item.tags
    return wanted in item.tags


class Records:
    """The desk's reading side. Every path it returns was built from a name the ledger knows,
    looked up in one of the root's own folders: nothing from a URL reaches the disk."""

    def __init__(self, root: Root, ledger: Ledger) -> None:
        self.root = root
        self.ledger = ledger

    def item(self, row: ItemRow) -> Item:
        order = _order(row)
        return Item(row, order, self.proof_path(row), tags_of(row, order))

    def queue(self) -> list[Item]:
        """Every proof waiting in review/ that podwatch made and still waits for a decision, oldest first."""
        items = []
        for proof in proofs_in(self.root.review):
            row = self.ledger.by_proof(proof.name)
            if row is not None and row.state is State.REVIEW:
                items.append(self.item(row))
        return sorted(items, key=lambda item: (item.row.created_at, item.row.id))

    def by_name(self, name: str) -> Item | None:
        row = self.ledger.by_proof(name) if name else None
        return self.item(row) if row is not None else None

    def proof_path(self, row: ItemRow) -> Path | None:
        """Where the proof is now: where the seller left it, or where podwatch put it."""
        seat = order_dir(row.order_id, row.revision)
        places = (self.root.review, self.root.approved, self.root.rejected, self.root.archive / seat,
                  self.root.failed / seat)
        return next((folder / row.proof_file for folder in places if (folder / row.proof_file).is_file()), None)

    def stored(self, relative: str) -> Path | None:
        """A file the ledger recorded (relative to the root), if it is still there and inside the root."""
        if not relative:
            return None
        path = (self.root.path / relative).resolve()
        inside = path.is_relative_to(self.root.path.resolve())
        return path if inside and path.is_file() else None

    def order_items(self, order_id: str) -> list[Item]:
        return [self.item(row) for row in self.ledger.items(order_id)]

    def events(self, order_id: str) -> list[dict[str, Any]]:
        return [dict(event) for event in self.ledger.events(order_id)]

    def search(self, query: str, limit: int = 200) -> list[Item]:
        """Items whose order id, buyer name or buyer text holds `query` (case and accents ignored), newest first."""
        wanted = fold(query)
        if not wanted:
            return []
        found = [item for item in map(self.item, self.ledger.items()) if wanted in _haystack(item)]
        return sorted(found, key=lambda item: (item.row.created_at, item.row.id), reverse=True)[:limit]


def fold(text: str) -> str:
    """Lower case without accents: "Zoë" is found as "zoe"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def _haystack(item: Item) -> str:
    return fold(" ".join([item.row.order_id, item.buyer, *item.personalization.values()]))


def _order(row: ItemRow) -> dict[str, Any]:
    try:
        order = json.loads(row.order_json or "{}")
    except ValueError:
        return {}
    return order if isinstance(order, dict) else {}

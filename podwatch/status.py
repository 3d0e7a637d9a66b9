"""`podwatch status`: what the ledger knows and what still waits in the inbox."""

from __future__ import annotations

import json

from .intake import scan_inbox
from .ledger import ItemRow
from .pipeline import Context

_COLUMNS = ("order", "item", "rev", "product", "variant", "state", "file", "findings", "updated")


def status_rows(ctx: Context, order_id: str | None) -> list[ItemRow]:
    return ctx.ledger.items(order_id)


def as_json(ctx: Context, order_id: str | None) -> str:
    rows = status_rows(ctx, order_id)
    scan = scan_inbox(ctx.root.inbox)
    payload = {
        "items": [{**row.__dict__, "state": row.state.value} for row in rows],
        "waiting": [{"path": str(w.path.relative_to(ctx.root.path)), "reason": w.reason} for w in scan.waiting],
    }
    if order_id is not None:
        payload["events"] = [dict(event) for event in ctx.ledger.events(order_id)]
    return json.dumps(payload, indent=2, ensure_ascii=False)


def as_table(ctx: Context, order_id: str | None) -> str:
    rows = status_rows(ctx, order_id)
    table = [_COLUMNS] + [
        (
            row.order_id, str(row.item), str(row.revision), row.product, row.variant or "-", row.state.value,
            row.proof_file if row.state.value in ("review", "rejected", "failed") else row.print_file.split("/")[-1],
            _findings_summary(row), row.updated_at.replace("T", " ")[:19],
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in table) for i in range(len(_COLUMNS))]
    out = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in table]
    if len(table) == 1:
        out = ["No orders yet." if order_id is None else f"No order {order_id!r} in the ledger."]
    if order_id is not None:
        out += ["", "History:"] + [f"  {e['at']}  {e['kind']:<10} {e['message']}" for e in ctx.ledger.events(order_id)]
        out += _details(rows)
    waiting = scan_inbox(ctx.root.inbox).waiting
    if waiting and order_id is None:
        out += ["", "Waiting in inbox/:"] + [f"  {w.path.name}: {w.reason}" for w in waiting]
    return "\n".join(out)


def _findings_summary(row: ItemRow) -> str:
    counts = {}
    for finding in row.findings:
        counts[finding["level"]] = counts.get(finding["level"], 0) + 1
    return ", ".join(f"{n} {level}" for level, n in sorted(counts.items())) or "clean"


def _details(rows: list[ItemRow]) -> list[str]:
    out = []
    for row in rows:
        if row.findings:
            out += ["", f"Item {row.item} (revision {row.revision}):"]
            out += [f"  {f['level'].upper():<4} {f['message']}" for f in row.findings]
    return out

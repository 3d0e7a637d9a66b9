"""`podwatch status`: what the ledger knows and what still waits in the inbox."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

from podwatch.config.root import Root
from podwatch.config.settings import load_settings
from podwatch.files import disk_free
from podwatch.intake.scan import scan_inbox
from podwatch.jobs import Run, WorkContext
from podwatch.outputs.ledger import ItemRow, open_ledger
from podwatch.running.lease import LEASE_FILE, read_lease, this_computer
from podwatch.running.lock import LOCK_FILE, holder, running
from podwatch.shops.importer import import_inbox


def open_history(root_path: Path) -> Run:
    """What `podwatch status` reads: the folders, the settings and the ledger. No rules and no
    blocklist, so nothing heavy is imported and a rule file being edited does not stop it."""
    root = Root(root_path).require()
    return Run(WorkContext(root, load_settings(root.settings_file), {}), open_ledger(root))


_COLUMNS = ("order", "item", "rev", "product", "variant", "state", "file", "findings", "updated")


def status_rows(run: Run, order_id: str | None) -> list[ItemRow]:
    return run.ledger.items(order_id)


def waiting(run: Run) -> list[dict]:
    """What waits in the inbox, since when (as far as a run has seen it), and whether that is
    longer than `pair_timeout_minutes`."""
    since = run.ledger.waiting_since()
    timeout = run.settings.intake.pair_timeout_minutes * 60
    out = []
    scan = scan_inbox(run.root.inbox, max_order_bytes=run.settings.intake.max_order_bytes)
    for w in scan.waiting + import_inbox(run, dry_run=True):
        first = since.get(str(w.path.relative_to(run.root.inbox)))
        out.append({
            "path": str(w.path.relative_to(run.root.path)), "name": w.path.name, "reason": w.reason,
            "since": datetime.fromtimestamp(first, UTC).isoformat(timespec="seconds") if first else None,
            "overdue": bool(first and time.time() - first >= timeout),
        })
    return out


def as_json(run: Run, order_id: str | None) -> str:
    rows = status_rows(run, order_id)
    payload = {
        "items": [{**row.__dict__, "state": row.state.value} for row in rows],
        "waiting": waiting(run),
        "running": holder(run.root.state / LOCK_FILE),
        "lease": lease.__dict__ if (lease := read_lease(run.root.state / LEASE_FILE)) else None,
    }
    if order_id is not None:
        payload["events"] = [dict(event) for event in run.ledger.events(order_id)]
    return json.dumps(payload, indent=2, ensure_ascii=False)


def as_table(run: Run, order_id: str | None) -> str:
    rows = status_rows(run, order_id)
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
        out += ["", "History:"] + [f"  {e['at']}  {e['kind']:<10} {e['message']}" for e in run.ledger.events(order_id)]
        out += _details(rows)
    lonely = waiting(run) if order_id is None else []
    if lonely:
        out += ["", "Waiting in inbox/:"] + [
            f"  {w['name']}: {w['reason']}" + (f" (OVERDUE: waiting since {w['since']})" if w["overdue"] else "")
            for w in lonely
        ]
    if order_id is None:
        info = holder(run.root.state / LOCK_FILE)
        out += ["", f"{running(info, run.root.path)}." if info else
                "podwatch is not running on this folder (start it with `podwatch run`)."]
        free, needed = disk_free(run.root.path), run.settings.intake.min_free_megabytes * 1e6
        if free is not None and free < needed:
            out += [f"Paused: the disk is nearly full ({free / 1e6:.0f} MB free); no new orders are taken until "
                    "there is room. Orders already taken wait in .podwatch/work/."]
        lease = read_lease(run.root.state / LEASE_FILE)
        if lease and lease.host != this_computer() and not lease.released:
            out += [f"Another computer holds this folder: {lease.host} (seen {lease.age():.0f} s ago)."]
    return "\n".join(out)


def _findings_summary(row: ItemRow) -> str:
    counts: dict[str, int] = {}
    for finding in row.findings:
        counts[_label(finding).lower()] = counts.get(_label(finding).lower(), 0) + 1
    return ", ".join(f"{n} {level}" for level, n in sorted(counts.items())) or "clean"


def _details(rows: list[ItemRow]) -> list[str]:
    out = []
    for row in rows:
        if row.findings:
            out += ["", f"Item {row.item} (revision {row.revision}):"]
            out += [f"  {_label(f):<4} {f['message']}" for f in row.findings]
    return out


def _label(finding: dict) -> str:
    """As the proof says it: HOLD for a warning only the seller may approve."""
    return "HOLD" if finding.get("hold") and finding["level"] == "warn" else finding["level"].upper()

"""`podwatch status`: what the ledger knows and what still waits in the inbox."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from pathlib import Path

from podwatch.config.names import sanitize
from podwatch.config.root import Root
from podwatch.config.settings import load_settings
from podwatch.files import least_free
from podwatch.frozen import typed_command
from podwatch.intake.scan import scan_inbox
from podwatch.intake.stability import quiet_for
from podwatch.jobs import Run, State, WorkContext
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
    """Every file (or folder order) in the inbox and its state: `arriving` (still changing),
    `waiting` (for what), `unreadable` (why; it goes to failed/ at the next run) or `ready`
    (complete, taken at the next run); since when a run has seen it wait, and whether that is
    longer than `pair_timeout_minutes`."""
    since = run.ledger.waiting_since()
    timeout = run.settings.intake.pair_timeout_minutes * 60
    delay, now = run.settings.intake.stability_seconds, time.time()
    scan = scan_inbox(run.root.inbox, ready=lambda path: quiet_for(path, now) >= delay,
                      max_order_bytes=run.settings.intake.max_order_bytes)
    found = [(w.path, "arriving", w.reason) if w.arriving else
             # A lone file that is still changing is arriving too, whatever it will then wait for.
             (w.path, "arriving", f"still arriving, then {w.reason}") if quiet_for(w.path, now) < delay else
             (w.path, "waiting", w.reason) for w in scan.waiting]
    for order in scan.orders:
        state, reason = ("unreadable", f"{order.broken}; it goes to failed/ at the next run") if order.broken else (
            "ready", f"complete, taken at the next run (with {order.label})")
        found += [(entry, state, reason) for entry in order.entries]
    found += [(w.path, "waiting", w.reason) for w in import_inbox(run, dry_run=True)]
    out = []
    for path, state, reason in sorted(found, key=lambda found_: found_[0].name):
        first = since.get(str(path.relative_to(run.root.inbox)))
        out.append({
            "path": str(path.relative_to(run.root.path)), "name": path.name, "state": state, "reason": reason,
            "since": datetime.fromtimestamp(first, UTC).isoformat(timespec="seconds") if first else None,
            "overdue": bool(state == "waiting" and first and now - first >= timeout),
        })
    return out


def failed_orders(run: Run) -> list[dict]:
    """What failed/ holds, newest first: each order's folder and the first reason its
    .error.txt gives (the folders are the truth; the ledger may never have seen an unreadable order)."""
    folders = [p for p in run.root.failed.iterdir() if p.is_dir()] if run.root.failed.is_dir() else []
    # The ledger read and sorted once, not once per folder: by where failed items left their
    # upload, and the items made, by the order folder name they would have.
    failed_in: dict[Path, list[ItemRow]] = {}
    made: dict[str, list[ItemRow]] = {}
    for row in run.ledger.items():
        if row.original:
            failed_in.setdefault((run.root.path / row.original).parent, []).append(row)
        if row.state is not State.FAILED:
            made.setdefault(sanitize(row.order_id), []).append(row)
    out = []
    for folder in sorted(folders, key=lambda p: p.stat().st_mtime, reverse=True):
        reasons = [line[2:] for text in sorted(folder.glob("*.error.txt"))
                   for line in text.read_text(encoding="utf-8", errors="replace").splitlines() if line.startswith("- ")]
        out.append({"folder": str(folder.relative_to(run.root.path)), "name": folder.name,
                    "reason": reasons[0] if reasons else "(no .error.txt)",
                    "made_since": _made_since(folder, failed_in.get(folder, []), made)})
    return out


def _made_since(folder: Path, failed_here: list[ItemRow], made: dict[str, list[ItemRow]]) -> str:
    """What became of an order dropped again after it failed: `7003 item 1 is production`, or "".
    An item that failed comes back as a later revision of the same item; an order that failed
    as a whole (no item made) as any item of it made later."""
    if failed_here:
        orders = dict.fromkeys(sanitize(gone.order_id) for gone in failed_here)
        later = [row for name in orders for row in made.get(name, []) if any(
            (row.order_id, row.item) == (gone.order_id, gone.item) and row.revision > gone.revision
            for gone in failed_here)]
    else:
        failed_at = datetime.fromtimestamp(folder.stat().st_mtime, UTC).isoformat(timespec="seconds")
        later = [row for row in made.get(re.sub(r"_r\d+$", "", folder.name), []) if row.created_at > failed_at]
    return ", ".join(f"{row.order_id} item {row.item} is {row.state.value}" for row in later)


def as_json(run: Run, order_id: str | None) -> str:
    rows = status_rows(run, order_id)
    payload = {
        "items": [{**row.__dict__, "state": row.state.value} for row in rows],
        "waiting": waiting(run),
        "failed": failed_orders(run),
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
        if order_id is not None and run.ledger.events(order_id):
            out = [f"Order {order_id!r} made no item (see its history)."]
    if order_id is not None:
        out += ["", "History:"] + [f"  {e['at']}  {e['kind']:<10} {e['message']}" for e in run.ledger.events(order_id)]
        out += _details(rows)
        return "\n".join(out)
    out += _inbox_lines(waiting(run)) + _failed_lines(failed_orders(run))
    info = holder(run.root.state / LOCK_FILE)
    out += ["", f"{running(info, run.root.path)}." if info else
            f"podwatch is not running on this folder (start it with `{typed_command()} run --root {run.root.path}`)."]
    (free, where), needed = least_free([run.root.path, run.root.work]), run.settings.intake.min_free_megabytes * 1e6
    if free is not None and free < needed:
        out += [f"Paused: the disk holding {where} is nearly full ({free / 1e6:.0f} MB free); no new orders are "
                "taken until there is room. Orders already taken wait in .podwatch/claims/."]
    lease = read_lease(run.root.state / LEASE_FILE)
    if lease and lease.host != this_computer() and not lease.released:
        out += [f"Another computer holds this folder: {lease.host} (seen {lease.age():.0f} s ago)."]
    return "\n".join(out)


def _inbox_lines(found: list[dict]) -> list[str]:
    if not found:
        return []
    return ["", "In inbox/:"] + [
        # The reason says "waiting for …" or "still arriving" itself; the other states are named.
        f"  {w['name']}: " + (w["reason"] if w["state"] in ("waiting", "arriving") else f"{w['state']}: {w['reason']}")
        + (f" (OVERDUE: waiting since {w['since']})" if w["overdue"] else "")
        for w in found
    ]


_FAILED_SHOWN = 20


def _failed_lines(failed: list[dict]) -> list[str]:
    if not failed:
        return []
    lines = ["", "In failed/ (newest first):"] + [
        f"  {f['name']}/: {f['reason']}" + (f" (dropped again since: {f['made_since']})" if f["made_since"] else "")
        for f in failed[:_FAILED_SHOWN]]
    if len(failed) > _FAILED_SHOWN:
        lines.append(f"  … and {len(failed) - _FAILED_SHOWN} more (podwatch status --json lists all)")
    return lines


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

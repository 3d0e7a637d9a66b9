"""Shop files in the inbox become podwatch order JSONs there, one per shop line, each line once ever.

The shop file itself is the seller's: once every line is imported (or skipped) it goes to
archive/shops/; one that cannot be read goes to failed/ with a reason. A file with lines that
match no `[[shop.products]]` stays in the inbox, and its waiting reason is the entry to add.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from loguru import logger

from podwatch.config.names import sanitize
from podwatch.files import move_no_clobber, write_text
from podwatch.intake.debris import is_debris
from podwatch.intake.scan import Waiting
from podwatch.jobs import Run
from podwatch.shops.detect import NAMES, read_shop_file, shop_kind
from podwatch.shops.lines import BadShopFile
from podwatch.shops.mapping import Planned, Unmapped, buyer_labels, plan
from podwatch.shops.record import ImportedLines

ARCHIVE = "shops"


@dataclass
class Imported:
    """What one shop file gave."""

    kind: str
    written: list[Path] = field(default_factory=list)  # order JSONs now in the inbox
    already: int = 0  # lines imported before (an overlapping export)
    skipped: int = 0  # lines mapped to "skip"
    unmapped: list[Unmapped] = field(default_factory=list)

    def summary(self, name: str) -> str:
        parts = [f"{len(self.written)} new order(s)"]
        parts += [f"{self.already} imported before"] if self.already else []
        parts += [f"{self.skipped} skipped"] if self.skipped else []
        parts += [f"{len(self.unmapped)} without a product"] if self.unmapped else []
        return f"{name}: " + ", ".join(parts)


def shop_files(inbox: Path) -> list[Path]:
    files = sorted(p for p in inbox.iterdir() if p.is_file() and not is_debris(p.name)) if inbox.is_dir() else []
    return [p for p in files if shop_kind(p)]


def import_inbox(run: Run, ready: Callable[[Path], bool] | None = None, dry_run: bool = False) -> list[Waiting]:
    """Import every (settled) shop file in the inbox; what has to wait, and why. `dry_run` (for
    `podwatch status`) writes and moves nothing."""
    waiting = []
    for path in shop_files(run.root.inbox):
        if ready is not None and not ready(path):
            waiting.append(Waiting(path, "still arriving", arriving=True))
            continue
        try:
            imported = import_file(run, path, dry_run=dry_run)
        except BadShopFile as exc:
            if dry_run:
                waiting.append(Waiting(path, f"cannot be imported: {exc}"))
            else:
                fail_shop_file(run, path, str(exc))
            continue
        except Exception as exc:  # one odd shop file must never stop the inbox from being looked at
            logger.exception("{}: could not be imported; it stays in the inbox", path.name)
            waiting.append(Waiting(path, f"could not be imported ({type(exc).__name__}: {exc}); see the log"))
            continue
        if imported.unmapped:
            waiting.append(Waiting(path, unmapped_reason(imported.unmapped)))
        elif dry_run:
            waiting.append(Waiting(path, f"{NAMES[imported.kind]}: imported at the next run"))
        else:
            archived = move_no_clobber(path, run.root.archive / ARCHIVE / path.name)
            logger.info("{}; the file is kept in {}", imported.summary(path.name), archived.relative_to(run.root.path))
    return waiting


def import_file(run: Run, path: Path, dry_run: bool = False) -> Imported:
    """Write an order JSON into the inbox for each new, mapped line of the shop file at `path`."""
    shop = run.settings.shop
    found = read_shop_file(path, buyer_labels(shop))
    if found is None:
        raise BadShopFile("it is not an order file podwatch knows (Etsy, Shopify, WooCommerce)")
    record = ImportedLines(run.root.local / "shop-lines.sqlite3")  # SQLite: never in the synced tree
    imported = Imported(found[0])
    for line in found[1]:
        if record.seen(line):
            imported.already += 1
            continue
        planned = plan(line, shop, run.rules, path.name)
        if planned is None:
            imported.skipped += 1
        elif isinstance(planned, Unmapped):
            imported.unmapped.append(planned)
        elif not dry_run:
            imported.written.append(write_order(run, planned, path))
            record.add(line, path.name)
    return imported


def write_order(run: Run, planned: Planned, source: Path) -> Path:
    """The order JSON, under the order id's name (a buyer's picture sent later pairs with it by that name);
    a name already taken in the inbox gets `_r2` rather than being overwritten. It carries the shop
    file's modification time: it is complete when written, and as settled as the file it came from."""
    target = run.root.inbox / planned.name
    if target.exists() and _same_line(target, planned):
        return target  # written by an import interrupted before it was recorded
    staged = run.root.inbox / f".{planned.name}.import"  # hidden: no scan takes it half-written
    write_text(staged, planned.json_text())
    settled = source.stat()
    os.utime(staged, (settled.st_atime, settled.st_mtime))
    placed = move_no_clobber(staged, target)
    logger.info("inbox/{}: order {} from {} ({})", placed.name, planned.line.order_id, planned.line.shop,
                planned.order["product"])
    return placed


def _same_line(path: Path, planned: Planned) -> bool:
    try:
        shop = json.loads(path.read_text(encoding="utf-8")).get("shop") or {}
    except (OSError, ValueError, AttributeError, RecursionError):
        return False
    return isinstance(shop, dict) and shop.get("line") == planned.line.line_id and shop.get(
        "name") == planned.line.shop


def unmapped_reason(unmapped: list[Unmapped]) -> str:
    lines = "; ".join(f"order {u.line.order_id} ({u.line.title or u.line.sku})" for u in unmapped)
    hints = "\n\n".join(dict.fromkeys("    " + u.hint.replace("\n", "\n    ") for u in unmapped))
    return (f"{len(unmapped)} line(s) match no product in podwatch.toml: {lines}. Add to podwatch.toml, then "
            "run podwatch again, or restart it if it runs as a service (the file is read again; lines already "
            f"imported are not added twice):\n\n{hints}\n")


def fail_shop_file(run: Run, path: Path, reason: str) -> Path:
    """A shop file that cannot be read goes to failed/<name>/ with a .error.txt; nothing is lost."""
    folder = run.root.failed / sanitize(path.stem)
    message = (f"{path.name} cannot be imported: {reason}.\nFix or export it again and drop it into the inbox; "
               "lines already imported are not added twice.\n")
    placed = move_no_clobber(path, folder / path.name)
    write_text(placed.with_name(placed.name + ".error.txt"), message)
    logger.warning("{}: {} (moved to {})", path.name, reason, folder.relative_to(run.root.path))
    run.ledger.log("failed", message.strip())
    return placed

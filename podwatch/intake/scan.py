"""Intake: find complete orders waiting in inbox/ and claim them by atomic rename."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from podwatch.intake.debris import is_debris
from podwatch.shops.detect import shop_kind
from podwatch.shops.download import download_reason, picture_reason

SIDECAR_SUFFIX = ".json"
FOLDER_SIDECAR = "order.json"





@dataclass
class Candidate:
    """An order that looks complete: its order JSON and the uploads it names."""

    sidecar: Path
    uploads: list[Path]
    folder: Path | None = None  # set for `inbox/<dir>/order.json` orders

    @property
    def label(self) -> str:
        return self.folder.name if self.folder else self.sidecar.name

    @property
    def entries(self) -> list[Path]:
        """What the order takes out of the inbox: its folder, or its files."""
        return [self.folder] if self.folder else list(dict.fromkeys([self.sidecar, *self.uploads]))


@dataclass
class Waiting:
    """Something in the inbox that cannot be taken yet, and why."""

    path: Path
    reason: str
    arriving: bool = False  # still being written or synced, not waiting for its other half


@dataclass
class Scan:
    orders: list[Candidate] = field(default_factory=list)
    waiting: list[Waiting] = field(default_factory=list)


def scan_inbox(inbox: Path, ready: Callable[[Path], bool] | None = None) -> Scan:
    """Orders that look complete and what must wait. With `ready`, an order is taken only
    when every inbox entry it consists of (files, or its folder) is ready: quiet long enough."""
    scan = _pair(inbox)
    if ready is None:
        return scan
    orders = []
    for candidate in scan.orders:
        entries = candidate.entries
        unsettled = [entry for entry in entries if not ready(entry)]
        if not unsettled:
            orders.append(candidate)
            continue
        late = ", ".join(entry.name for entry in unsettled)
        for entry in entries:
            reason = "still arriving" if entry in unsettled else f"waiting for {late} to finish arriving"
            scan.waiting.append(Waiting(entry, reason, arriving=True))
    scan.orders = orders
    return scan


def _pair(inbox: Path) -> Scan:
    scan = Scan()
    entries = sorted(p for p in inbox.iterdir() if not is_debris(p.name)) if inbox.is_dir() else []
    # Shop files (an Etsy CSV, a Shopify order…) are the importer's: they become order JSONs first.
    files = [p for p in entries if p.is_file() and not shop_kind(p)]
    for folder in (p for p in entries if p.is_dir()):
        _scan_folder(folder, scan)
    sidecars = [p for p in files if p.suffix.lower() == SIDECAR_SUFFIX]
    uploads = [p for p in files if p.suffix.lower() != SIDECAR_SUFFIX]
    taken: set[Path] = set()
    for sidecar in sidecars:
        named = _listed_files(sidecar)
        if named is None:  # no `files` key: pair by stem, `1234.jpg` + `1234.json`
            mine = [p for p in uploads if p.stem == sidecar.stem and p not in taken]
            if not mine:
                reason = picture_reason(sidecar) or (
                    f"waiting for its upload ({sidecar.stem}.jpg, .png, …); a name-only order says \"files\": []")
                scan.waiting.append(Waiting(sidecar, reason))
                continue
        elif not all(_plain(name) for name in named):
            # Processing refuses it with the schema's words; never follow a path out of the inbox.
            scan.orders.append(Candidate(sidecar, []))
            continue
        else:
            mine = [inbox / name for name in named]
            missing = [p.name for p in mine if not p.is_file()]
            if missing:
                reason = download_reason(sidecar, missing) or "waiting for " + ", ".join(missing)
                scan.waiting.append(Waiting(sidecar, reason))
                continue
        taken.update(mine)
        scan.orders.append(Candidate(sidecar, mine))
    for upload in uploads:
        if upload not in taken:
            scan.waiting.append(Waiting(upload, f"waiting for its order JSON ({upload.stem}.json)"))
    return scan


def _scan_folder(folder: Path, scan: Scan) -> None:
    inside = sorted(p for p in folder.iterdir() if p.is_file() and not is_debris(p.name))
    sidecars = [p for p in inside if p.suffix.lower() == SIDECAR_SUFFIX]
    sidecar = folder / FOLDER_SIDECAR if (folder / FOLDER_SIDECAR).is_file() else None
    if sidecar is None and len(sidecars) == 1:
        sidecar = sidecars[0]  # `1234.json` in its own folder is just as clear
    if sidecar is None:
        scan.waiting.append(Waiting(folder, f"folder order waiting for its {FOLDER_SIDECAR}"))
        return
    named = _listed_files(sidecar)
    if named is None:
        uploads = [p for p in inside if p.suffix.lower() != SIDECAR_SUFFIX]
        if not uploads:  # the order JSON came first; the buyer's files follow
            scan.waiting.append(Waiting(folder, "folder order waiting for its uploads"))
            return
    elif not all(_plain(name) for name in named):
        uploads = []
    else:
        uploads = [folder / name for name in named]
        missing = [p.name for p in uploads if not p.is_file()]
        if missing:
            scan.waiting.append(Waiting(folder, "waiting for " + ", ".join(missing)))
            return
    scan.orders.append(Candidate(sidecar, uploads, folder))


def _listed_files(sidecar: Path) -> list[str] | None:
    """The plain names in the sidecar's `files` list; None when it has none (or is unreadable:
    processing will report exactly what is wrong with it)."""
    try:
        data = json.loads(sidecar.read_bytes().decode("utf-8-sig"))
    except (OSError, ValueError):
        return None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list) or not all(isinstance(name, str) for name in files):
        return None
    return files


def _plain(name: str) -> bool:
    return bool(name) and os.path.basename(name) == name and "\\" not in name and name not in (".", "..")

















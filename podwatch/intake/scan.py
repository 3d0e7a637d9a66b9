"""Intake: find complete orders waiting in inbox/ and claim them by atomic rename."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from podwatch.config.order import DEFAULT_MAX_BYTES, OutOfBounds, read_order_json
from podwatch.errors import BadSidecar
from podwatch.intake.debris import is_debris
from podwatch.shops.detect import shop_kind
from podwatch.shops.download import download_reason, picture_reason

SIDECAR_SUFFIX = ".json"
FOLDER_SIDECAR = "order.json"
# A sidecar too large or too deeply nested to read: taken as it is, so processing refuses it in words.
UNREADABLE: list[str] = []

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


def scan_inbox(inbox: Path, ready: Callable[[Path], bool] | None = None,
               max_order_bytes: int = DEFAULT_MAX_BYTES) -> Scan:
    """Orders that look complete and what must wait. With `ready`, an order is taken only
    when every inbox entry it consists of (files, or its folder) is ready: quiet long enough."""
    scan = _pair(inbox, max_order_bytes)
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


def kind(path: Path) -> str | None:
    """None for a plain file or folder; else what it is, in words: a link is never followed
    (it could lead anywhere on the computer) and a device or pipe is never opened or moved."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return "gone"
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return "a link (shortcut)" if stat.S_ISLNK(mode) else "not a plain file (a device, pipe or socket)"


def _not_plain(path: Path, where: str = "") -> Waiting:
    return Waiting(path, (
        f"{where}{path.name} is {kind(path)}; podwatch never follows or moves those, because it could lead "
        "outside this folder. Put the file itself into the inbox instead (and remove the link)."
    ))


def _odd_inside(folder: Path) -> Path | None:
    """The first link or non-plain file anywhere inside `folder`, links not followed."""
    for here, dirs, names in os.walk(folder, followlinks=False):
        for name in sorted([*dirs, *names]):
            if not is_debris(name) and kind(Path(here) / name) is not None:
                return Path(here) / name
    return None


def _distinct(paths: list[Path]) -> list[Path]:
    """Each file once, however often it is listed or however its name's case is written."""
    seen: set[tuple[int, int]] = set()
    out = []
    for path in dict.fromkeys(paths):
        st = os.lstat(path)
        if (st.st_dev, st.st_ino) not in seen:
            seen.add((st.st_dev, st.st_ino))
            out.append(path)
    return out


def _pair(inbox: Path, max_bytes: int) -> Scan:
    scan = Scan()
    entries = sorted(p for p in inbox.iterdir() if not is_debris(p.name)) if inbox.is_dir() else []
    odd = [p for p in entries if kind(p) is not None]
    scan.waiting.extend(_not_plain(p) for p in odd if kind(p) != "gone")
    entries = [p for p in entries if p not in odd]
    # Shop files (an Etsy CSV, a Shopify order…) are the importer's: they become order JSONs first.
    files = [p for p in entries if p.is_file() and not shop_kind(p)]
    for folder in (p for p in entries if p.is_dir()):
        _scan_folder(folder, scan, max_bytes)
    sidecars = [p for p in files if p.suffix.lower() == SIDECAR_SUFFIX]
    uploads = [p for p in files if p.suffix.lower() != SIDECAR_SUFFIX]
    taken: set[Path] = set()
    for sidecar in sidecars:
        named = _listed_files(sidecar, max_bytes)
        if named is UNREADABLE:  # refused in processing, with the upload of its name beside it
            mine = [p for p in uploads if p.stem == sidecar.stem and p not in taken]
        elif named is None:  # no `files` key: pair by stem, `1234.jpg` + `1234.json`
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
            if linked := [p for p in mine if kind(p) not in (None, "gone")]:
                scan.waiting.append(_not_plain(linked[0], f"{sidecar.name} waits: "))
                continue
            missing = [p.name for p in mine if not p.is_file()]
            if missing:
                reason = download_reason(sidecar, missing) or "waiting for " + ", ".join(missing)
                scan.waiting.append(Waiting(sidecar, reason))
                continue
            mine = _distinct(mine)
        taken.update(mine)
        scan.orders.append(Candidate(sidecar, mine))
    for upload in uploads:
        if upload not in taken:
            scan.waiting.append(Waiting(upload, f"waiting for its order JSON ({upload.stem}.json)"))
    return scan


def _scan_folder(folder: Path, scan: Scan, max_bytes: int) -> None:
    if (odd := _odd_inside(folder)) is not None:
        scan.waiting.append(_not_plain(odd, f"folder order {folder.name} waits: "))
        return
    inside = sorted(p for p in folder.iterdir() if p.is_file() and not is_debris(p.name))
    sidecars = [p for p in inside if p.suffix.lower() == SIDECAR_SUFFIX]
    sidecar = folder / FOLDER_SIDECAR if (folder / FOLDER_SIDECAR).is_file() else None
    if sidecar is None and len(sidecars) == 1:
        sidecar = sidecars[0]  # `1234.json` in its own folder is just as clear
    if sidecar is None:
        scan.waiting.append(Waiting(folder, f"folder order waiting for its {FOLDER_SIDECAR}"))
        return
    named = _listed_files(sidecar, max_bytes)
    if named is UNREADABLE:
        uploads = []
    elif named is None:
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
        uploads = _distinct(uploads)
    scan.orders.append(Candidate(sidecar, uploads, folder))


def _listed_files(sidecar: Path, max_bytes: int) -> list[str] | None:
    """The plain names in the sidecar's `files` list; None when it has none or is not (yet) valid
    JSON; UNREADABLE when it is too large or deep to read at all. Processing says what is wrong."""
    try:
        if sidecar.stat().st_size > max_bytes:
            return UNREADABLE
        data = read_order_json(sidecar, max_bytes)
    except OSError:
        return None
    except OutOfBounds:
        return UNREADABLE
    except BadSidecar:
        return None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list) or not all(isinstance(name, str) for name in files):
        return None
    return files


def _plain(name: str) -> bool:
    return bool(name) and os.path.basename(name) == name and "\\" not in name and name not in (".", "..")

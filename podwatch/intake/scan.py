"""Intake: find complete orders waiting in inbox/ and claim them by atomic rename."""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from podwatch.intake.debris import is_debris

SIDECAR_SUFFIX = ".json"
FOLDER_SIDECAR = "order.json"


@dataclass
class Candidate:
    """An order that looks complete: its order JSON and the uploads it names."""

    sidecar: Path
    uploads: list[Path]
    folder: Path | None = None  # set for `inbox/<dir>/order.json` orders
    broken: str = ""  # why its order JSON cannot be read: it goes to failed/ once settled

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
    files = [p for p in entries if p.is_file()]
    for folder in (p for p in entries if p.is_dir()):
        _scan_folder(folder, scan)
    sidecars = [p for p in files if p.suffix.lower() == SIDECAR_SUFFIX]
    uploads = [p for p in files if p.suffix.lower() != SIDECAR_SUFFIX]
    taken: set[Path] = set()
    for sidecar in sidecars:
        named, broken = read_files_list(sidecar)
        free = [p for p in uploads if p not in taken]
        if broken or named is None:  # no `files` key: pair by stem, `1234.jpg` + `1234.json`
            mine = [p for p in free if p.stem.casefold() == sidecar.stem.casefold()]
            if not mine and not broken:
                reason = f"waiting for its upload ({sidecar.stem}.jpg, .png, …); a name-only order says \"files\": []"
                scan.waiting.append(Waiting(sidecar, reason + _near(sidecar.stem, [p.stem for p in free])))
                continue
        elif not all(_plain(name) for name in named):
            # Processing refuses it with the schema's words; never follow a path out of the inbox.
            scan.orders.append(Candidate(sidecar, []))
            continue
        else:
            found = [_find(name, free) for name in named]
            missing = [name for name, path in zip(named, found, strict=True) if path is None]
            if missing:
                scan.waiting.append(Waiting(sidecar, _waiting_for(missing, free)))
                continue
            mine = [path for path in found if path is not None]
        taken.update(mine)
        scan.orders.append(Candidate(sidecar, mine, broken=broken))
    for upload in uploads:
        if upload not in taken:
            scan.waiting.append(Waiting(upload, f"waiting for its order JSON ({upload.stem}.json)"))
    return scan


def _scan_folder(folder: Path, scan: Scan) -> None:
    inside = sorted(p for p in folder.iterdir() if p.is_file() and not is_debris(p.name))
    sidecars = [p for p in inside if p.suffix.lower() == SIDECAR_SUFFIX]
    sidecar = _find(FOLDER_SIDECAR, sidecars)
    if sidecar is None and len(sidecars) == 1:
        sidecar = sidecars[0]  # `1234.json` in its own folder is just as clear
    if sidecar is None:
        scan.waiting.append(Waiting(folder, f"folder order waiting for its {FOLDER_SIDECAR}"))
        return
    named, broken = read_files_list(sidecar)
    others = [p for p in inside if p.suffix.lower() != SIDECAR_SUFFIX]
    if broken or named is None:
        uploads = others
        if not uploads and not broken:  # the order JSON came first; the buyer's files follow
            scan.waiting.append(Waiting(folder, "folder order waiting for its uploads"))
            return
    elif not all(_plain(name) for name in named):
        uploads = []
    else:
        found = [_find(name, others) for name in named]
        missing = [name for name, path in zip(named, found, strict=True) if path is None]
        if missing:
            scan.waiting.append(Waiting(folder, _waiting_for(missing, others)))
            return
        uploads = [path for path in found if path is not None]
    scan.orders.append(Candidate(sidecar, uploads, folder, broken=broken))


def _find(name: str, files: list[Path]) -> Path | None:
    """The file called `name`, ignoring case: on macOS and Windows `IMG_7001.JPG` and
    `IMG_7001.jpg` are one file, and buyers' phones and shop exports disagree on capitals."""
    exact = [p for p in files if p.name == name]
    folded = [p for p in files if p.name.casefold() == name.casefold()]
    return next(iter(exact or folded), None)


def _waiting_for(missing: list[str], present: list[Path]) -> str:
    return "waiting for " + ", ".join(missing) + _near(missing[0], [p.name for p in present])


def _near(name: str, present: list[str]) -> str:
    """` (did you mean IMG_7001.jpeg?)` when a file in the inbox is close to the one awaited."""
    close = difflib.get_close_matches(name.casefold(), [p.casefold() for p in present], n=1, cutoff=0.6)
    if not close:
        return ""
    match = next(p for p in present if p.casefold() == close[0])
    return f" (did you mean {match}?)"


def read_files_list(sidecar: Path) -> tuple[list[str] | None, str]:
    """The names in the order JSON's `files` list (None when it has none) and, when the file
    cannot be read as JSON, why, with line and column: such an order goes to failed/ once it
    has settled, instead of waiting for ever for an upload it never named."""
    try:
        raw = sidecar.read_bytes()
    except OSError:
        return None, ""  # gone or locked: looked at again on the next scan
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return None, f"{sidecar.name} is not UTF-8 text"
    except json.JSONDecodeError as exc:
        where = "it is empty" if not raw.strip() else f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
        return None, f"{sidecar.name} is not valid JSON ({where})"
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list) or not all(isinstance(name, str) for name in files):
        return None, ""
    return files, ""


def _plain(name: str) -> bool:
    return bool(name) and os.path.basename(name) == name and "\\" not in name and name not in (".", "..")

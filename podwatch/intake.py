"""Intake: find complete orders waiting in inbox/ and claim them by atomic rename."""

from __future__ import annotations

import fnmatch
import json
import os
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .fsutil import move_no_clobber, write_text
from .names import sanitize

SIDECAR_SUFFIX = ".json"
FOLDER_SIDECAR = "order.json"
CLAIM_FILE = "claim.json"

# Files that sync tools, editors and operating systems leave behind. They are
# never orders: ignored, never failed, never moved.
_DEBRIS = (
    ".DS_Store", "._*", "Thumbs.db", "desktop.ini", "Icon\r",
    "*.part", "*.partial", "*.crdownload", "*.download", "*.tmp", "*.temp", "*.swp", "*~",
    ".~lock.*#", "~$*",
    ".syncthing.*.tmp", "~syncthing~*.tmp", ".stfolder", ".stversions", ".stignore",
    ".dropbox", ".dropbox.attr", ".dropbox.cache", "*.~tmp", ".~tmp*",
    "*.gdoc", ".tmp.drivedownload", ".tmp.driveupload", "~*.tmp",
    ".podwatch-*",
)


def is_debris(name: str) -> bool:
    # A buyer's upload never starts with a dot: hidden names are always some
    # tool's bookkeeping (Finder, Syncthing, Dropbox, editors' lock files).
    return name.startswith(".") or any(fnmatch.fnmatchcase(name, pattern) for pattern in _DEBRIS)


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
    files = [p for p in entries if p.is_file()]
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
                reason = f"waiting for its upload ({sidecar.stem}.jpg, .png, …); a name-only order says \"files\": []"
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
                scan.waiting.append(Waiting(sidecar, "waiting for " + ", ".join(missing)))
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


# A claim's life, written in its claim.json so a crash at any moment can be undone or finished.
CLAIMING = "claiming"  # files are being renamed in: a crash puts them back in the inbox
CLAIMED = "claimed"  # all files are in: a crash resumes processing where the ledger says
FAILING = "failing"  # the whole order is on its way to failed/: a crash finishes that


@dataclass
class Claim:
    """An order moved out of the inbox into podwatch's work area."""

    folder: Path  # .podwatch/work/<id>/
    sidecar: Path
    uploads: list[Path]
    origin: dict[str, str]  # claimed name → where it was, relative to the inbox
    from_folder: str | None = None  # the inbox sub-folder a folder order came in
    state: str = CLAIMED
    attempts: int = 0  # processing runs started; a file that kills podwatch must not loop forever
    failure: dict[str, str] = field(default_factory=dict)  # FAILING: {"name", "message"}

    @property
    def id(self) -> str:
        return self.folder.name

    @property
    def files_dir(self) -> Path:
        return self.folder / "files"

    @property
    def staging(self) -> Path:
        """Where an item's proof and print file are written before the ledger records them."""
        return self.folder / "out"

    def save(self) -> None:
        write_text(self.folder / CLAIM_FILE, json.dumps({
            "origin": self.origin, "folder": self.from_folder, "state": self.state,
            "attempts": self.attempts, "failure": self.failure,
        }, indent=2))


def claim(candidate: Candidate, inbox: Path, work: Path) -> Claim | None:
    """Take `candidate` by atomic renames; None when it went away or cannot be moved now
    (another process got there first, a sync tool holds the file open on Windows…)."""
    claim_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{sanitize(candidate.sidecar.stem)}-{secrets.token_hex(3)}"
    folder = work / claim_id
    files = folder / "files"
    folder.mkdir(parents=True)
    sources = list(dict.fromkeys([candidate.sidecar, *candidate.uploads]))
    origin = {path.name: str(path.relative_to(inbox)) for path in sources}
    taken = Claim(
        folder, files / candidate.sidecar.name, [files / p.name for p in candidate.uploads], origin,
        _rel(candidate.folder, inbox), state=CLAIMING,
    )
    # Written first, so a crash between the renames below can always be undone.
    taken.save()
    try:
        if candidate.folder is not None:
            os.rename(candidate.folder, files)  # the whole folder order in one step
        else:
            files.mkdir()
            for path in sources:
                os.rename(path, files / path.name)
    except OSError:  # put back what we took
        release(taken, inbox)
        return None
    taken.state = CLAIMED
    taken.save()
    return taken


def load_claim(folder: Path) -> Claim:
    """A claim left in the work area, e.g. by a crash."""
    data = json.loads((folder / CLAIM_FILE).read_text(encoding="utf-8"))
    files = folder / "files"
    origin = data["origin"]
    names = list(origin)
    return Claim(
        folder, files / names[0], [files / name for name in names[1:]], origin, data.get("folder"),
        # A claim.json without a state comes from a version that always put claims back.
        state=data.get("state", CLAIMING), attempts=data.get("attempts", 0), failure=data.get("failure") or {},
    )


def release(claim_: Claim, inbox: Path) -> None:
    """Put a claim's files back where they were in the inbox."""
    files = claim_.files_dir
    if claim_.from_folder is not None and files.is_dir():
        move_no_clobber(files, inbox / claim_.from_folder)
    else:
        for name, rel in claim_.origin.items():
            if (files / name).exists():
                move_no_clobber(files / name, inbox / rel)
    remove_claim_folder(claim_.folder)


def _rel(path: Path | None, base: Path) -> str | None:
    return str(path.relative_to(base)) if path else None


def remove_claim_folder(folder: Path) -> None:
    """Remove a claim's bookkeeping. Only podwatch's own files go: a folder still holding
    one of the seller's files keeps its claim.json, so the next start deals with it."""
    shutil.rmtree(folder / "out", ignore_errors=True)  # unrecorded outputs of an interrupted run
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_dir():
            try:
                path.rmdir()
            except OSError:
                pass
    for tmp in folder.glob(f".{CLAIM_FILE}.*.tmp"):  # a claim.json write cut short
        tmp.unlink(missing_ok=True)
    if folder.is_dir() and all(path.name == CLAIM_FILE for path in folder.iterdir()):
        (folder / CLAIM_FILE).unlink(missing_ok=True)
        folder.rmdir()


def remove_claim(claim_: Claim) -> None:
    """Drop the claim's bookkeeping once every file in it has been moved on."""
    remove_claim_folder(claim_.folder)

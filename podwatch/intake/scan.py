"""Intake: find complete orders waiting in inbox/ and claim them by atomic rename."""

from __future__ import annotations

import difflib
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
        named, broken = _listed_files(sidecar, max_bytes)
        free = [p for p in uploads if p not in taken]
        if named is UNREADABLE or named is None:  # no `files` key: pair by stem, `1234.jpg` + `1234.json`
            # An unreadable one (too large, too deep, not JSON) is refused in processing, with the upload of
            # its name beside it: it goes to failed/ once settled instead of waiting for ever.
            mine = [p for p in free if p.stem.casefold() == sidecar.stem.casefold()]
            if not mine and not broken:
                reason = picture_reason(sidecar) or (
                    f"waiting for its upload ({sidecar.stem}.jpg, .png, …); a name-only order says \"files\": []"
                    + _near(sidecar.stem, [p.stem for p in free]))
                scan.waiting.append(Waiting(sidecar, reason))
                continue
        elif not all(_plain(name) for name in named):
            # Processing refuses it with the schema's words; never follow a path out of the inbox.
            scan.orders.append(Candidate(sidecar, []))
            continue
        else:
            if linked := _linked(named, odd, inbox):
                scan.waiting.append(_not_plain(linked[0], f"{sidecar.name} waits: "))
                continue
            found = [_find(name, free) for name in named]
            missing = [name for name, path in zip(named, found, strict=True) if path is None]
            if missing:
                scan.waiting.append(Waiting(sidecar, download_reason(sidecar, missing) or _waiting_for(missing, free)))
                continue
            mine = _distinct([path for path in found if path is not None])
        taken.update(mine)
        scan.orders.append(Candidate(sidecar, mine, broken=broken))
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
    sidecar = _find(FOLDER_SIDECAR, sidecars)
    if sidecar is None and len(sidecars) == 1:
        sidecar = sidecars[0]  # `1234.json` in its own folder is just as clear
    if sidecar is None:
        scan.waiting.append(Waiting(folder, f"folder order waiting for its {FOLDER_SIDECAR}"))
        return
    named, broken = _listed_files(sidecar, max_bytes)
    others = [p for p in inside if p.suffix.lower() != SIDECAR_SUFFIX]
    if named is UNREADABLE:
        uploads = []
    elif named is None:
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
        uploads = _distinct([path for path in found if path is not None])
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


def _linked(named: list[str], odd: list[Path], inbox: Path) -> list[Path]:
    """The links (or devices) among the files an order JSON names, whatever the case of their names."""
    folded = {name.casefold() for name in named}
    near = [p for p in odd if p.name.casefold() in folded]
    exact = [inbox / name for name in named]
    return [p for p in dict.fromkeys([*exact, *near]) if kind(p) not in (None, "gone")]


def _listed_files(sidecar: Path, max_bytes: int) -> tuple[list[str] | None, str]:
    """The names in the order JSON's `files` list (None when it has none) and, when the file cannot
    be read as an order, why (with line and column for a JSON mistake): such an order goes to failed/
    once it has settled, instead of waiting for ever for an upload it never named. UNREADABLE when it
    is too large or too deeply nested to read at all: processing refuses it in words."""
    try:
        data = read_order_json(sidecar, max_bytes)
    except OutOfBounds as exc:
        return UNREADABLE, _first_sentence(exc.message)
    except BadSidecar as exc:
        if isinstance(exc.__context__, OSError):
            return None, ""  # gone or locked: looked at again on the next scan
        return None, _first_sentence(exc.message)
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list) or not all(isinstance(name, str) for name in files):
        return None, ""
    return files, ""


def _first_sentence(message: str) -> str:
    """`5001.json is not valid JSON (line 2, column 3): Expecting ',' delimiter`, without the advice
    that follows: `podwatch status` adds what happens to the order instead."""
    return message.split(". ", 1)[0].rstrip(".")


def _plain(name: str) -> bool:
    return bool(name) and os.path.basename(name) == name and "\\" not in name and name not in (".", "..")

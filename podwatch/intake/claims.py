"""Claims: an order taken out of the inbox by atomic rename into `.podwatch/claims/`, and put back."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from podwatch.config.names import sanitize
from podwatch.files import move_no_clobber, read_no_follow, relative, write_text
from podwatch.intake.scan import Candidate

CLAIM_FILE = "claim.json"

# A claim's life, written in its claim.json so a crash at any moment can be undone or finished.
CLAIMING = "claiming"  # files are being renamed in: a crash puts them back in the inbox
CLAIMED = "claimed"  # all files are in: a crash resumes processing where the ledger says
FAILING = "failing"  # the whole order is on its way to failed/: a crash finishes that


@dataclass
class Claim:
    """An order moved out of the inbox into `.podwatch/claims/`."""

    folder: Path  # .podwatch/claims/<id>/
    sidecar: Path
    uploads: list[Path]
    origin: dict[str, str]  # claimed name → where it was, relative to the inbox
    from_folder: str | None = None  # the inbox sub-folder a folder order came in
    state: str = CLAIMED
    attempts: int = 0  # processing runs started; a file that kills podwatch must not loop forever
    failure: dict[str, str] = field(default_factory=dict)  # FAILING: {"name", "message"}
    # {"revision": r, "items": [...]}: chosen once, so a resumed claim keeps its item numbers
    numbering: dict = field(default_factory=dict)
    # Why podwatch stopped working on it (a job past its time in `run --once`): the next run sets
    # its uploads aside with these words instead of trying them again.
    stopped: str = ""

    @property
    def id(self) -> str:
        return self.folder.name

    @property
    def files_dir(self) -> Path:
        return self.folder / "files"

    @property
    def outputs(self) -> Path:
        """An item's finished proof and print file, moved in whole from this computer's work area
        before the ledger records them; placed in their folders after."""
        return self.folder / "out"

    def save(self) -> None:
        write_text(self.folder / CLAIM_FILE, json.dumps({
            "origin": self.origin, "folder": self.from_folder, "state": self.state,
            "attempts": self.attempts, "failure": self.failure, "numbering": self.numbering,
            "stopped": self.stopped,
        }, indent=2))


def claim(candidate: Candidate, inbox: Path, claims: Path) -> Claim | None:
    """Take `candidate` by atomic renames; None when it went away or cannot be moved now
    (another process got there first, a sync tool holds the file open on Windows…)."""
    claim_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{sanitize(candidate.sidecar.stem)}-{secrets.token_hex(3)}"
    folder = claims / claim_id
    files = folder / "files"
    folder.mkdir(parents=True)
    sources = list(dict.fromkeys([candidate.sidecar, *candidate.uploads]))
    origin = {path.name: str(path.relative_to(inbox)) for path in sources}
    taken = Claim(
        folder, files / candidate.sidecar.name, [files / p.name for p in candidate.uploads], origin,
        relative(candidate.folder, inbox) if candidate.folder else None, state=CLAIMING,
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


class DamagedClaim(Exception):
    """A claim.json that podwatch did not write as it is: never acted on."""


def load_claim(folder: Path) -> Claim:
    """A claim left in `.podwatch/claims/`, e.g. by a crash. Everything in it is checked before use: a
    name that is not a plain file name, or a place outside the inbox, raises DamagedClaim."""
    try:
        data = json.loads(read_no_follow(folder / CLAIM_FILE, 1 << 20).decode("utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        raise DamagedClaim(f"its {CLAIM_FILE} cannot be read ({exc})") from None
    if not isinstance(data, dict):
        raise DamagedClaim(f"its {CLAIM_FILE} is not podwatch's")
    origin, from_folder, failure = data.get("origin"), data.get("folder"), data.get("failure") or {}
    if not isinstance(origin, dict) or not origin or not all(
        _plain(name) and _inside(rel) for name, rel in origin.items()
    ):
        raise DamagedClaim(f"its {CLAIM_FILE} names files outside the inbox or not by plain names")
    if from_folder is not None and not _plain(from_folder):
        raise DamagedClaim(f"its {CLAIM_FILE} names a folder outside the inbox")
    if not isinstance(failure, dict) or (failure and not (
        _plain(failure.get("name")) and isinstance(failure.get("message"), str)
    )):
        raise DamagedClaim(f"its {CLAIM_FILE} names a failed/ folder outside failed/")
    state, attempts = data.get("state", CLAIMING), data.get("attempts", 0)
    if state not in (CLAIMING, CLAIMED, FAILING) or not isinstance(attempts, int) or (state == FAILING and not failure):
        raise DamagedClaim(f"its {CLAIM_FILE} is not podwatch's")
    numbering, stopped = data.get("numbering") or {}, data.get("stopped", "")
    if (not _numbering_ok(numbering, max(1, len(origin) - 1)) or not isinstance(failure.get("order_id", ""), str)
            or not isinstance(stopped, str)):
        raise DamagedClaim(f"its {CLAIM_FILE} is not podwatch's")
    files = folder / "files"
    names = list(origin)
    return Claim(
        folder, files / names[0], [files / name for name in names[1:]], origin, from_folder,
        # A claim.json without a state comes from a version that always put claims back.
        state=state, attempts=attempts, failure=failure, numbering=numbering, stopped=stopped,
    )


def _plain(name: object) -> bool:
    """A plain file or folder name: no separators, not `.` or `..`, no drive, nothing hidden in it."""
    return (isinstance(name, str) and bool(name) and name not in (".", "..") and "/" not in name
            and "\\" not in name and ":" not in name and "\0" not in name)


def _numbering_ok(numbering: object, count: int) -> bool:
    """The claim's numbering as pipeline._numbering saves it: `{"revision": 2, "items": [1, 2]}`,
    one item number per upload (none saved yet: `{}`)."""
    if numbering == {}:
        return True
    if not isinstance(numbering, dict) or set(numbering) != {"revision", "items"}:
        return False
    revision, items = numbering["revision"], numbering["items"]
    return (_positive(revision) and isinstance(items, list) and len(items) == count
            and all(_positive(item) for item in items))


def _positive(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _inside(rel: object) -> bool:
    """`name` or `folder/name` under the inbox, as claim() writes them."""
    if not isinstance(rel, str):
        return False
    parts = rel.replace("\\", "/").split("/")
    return 1 <= len(parts) <= 2 and all(_plain(part) for part in parts)


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

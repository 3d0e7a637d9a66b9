"""Watching folders: change events as triggers, a stability tracker as the judge of completeness."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from loguru import logger

from .intake import is_debris

# What a file looks like now; None when it is gone. Any change restarts its quiet time.
Signature = tuple


def signature(path: Path) -> Signature | None:
    """(inode, size, mtime) of a file; for a folder order, of the folder and everything in it,
    including sync tools' temp files (a `.syncthing.*.tmp` inside means it is still arriving)."""
    try:
        stat = path.lstat()
        if not path.is_dir():
            return (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        inside = []
        for folder, dirs, files in os.walk(path):
            for name in sorted(dirs + files):
                entry = os.lstat(os.path.join(folder, name))
                inside.append((os.path.relpath(os.path.join(folder, name), path), entry.st_size, entry.st_mtime_ns))
        return (stat.st_ino, stat.st_mtime_ns, tuple(sorted(inside)))
    except OSError:
        return None


def quiet_for(path: Path, now: float | None = None) -> float:
    """Seconds since `path` (or anything in a folder) last changed, by modification time.
    `run --once` cannot watch a file, so this is its judge of completeness."""
    now = time.time() if now is None else now
    try:
        latest = path.lstat().st_mtime
        if path.is_dir():
            for folder, dirs, files in os.walk(path):
                for name in dirs + files:
                    latest = max(latest, os.lstat(os.path.join(folder, name)).st_mtime)
    except OSError:
        return 0.0
    return now - latest


class StabilityTracker:
    """paperless-ngx's FileStabilityTracker: a path is ready once its signature has stayed
    the same for `delay` seconds. Events only restart the clock; they never prove anything."""

    def __init__(self, delay: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.delay = delay
        self._clock = clock
        self._seen: dict[Path, tuple[Signature, float]] = {}
        self._stable: set[Path] = set()

    def touch(self, path: Path) -> None:
        """Something happened to `path`: look at it again and restart its quiet time."""
        sig = signature(path)
        if sig is None:
            self.forget(path)
            return
        self._seen[path] = (sig, self._clock())
        self._stable.discard(path)

    def notice(self, path: Path) -> None:
        """Seen in a rescan: start tracking it if it is new (its clock starts now)."""
        if path not in self._seen:
            self.touch(path)

    def refresh(self, everything: bool = False) -> set[Path]:
        """Look again at the paths still settling (with `everything`, at the stable ones too);
        returns the ones that became stable just now. A stable path that changes gets an
        event (touch), and is looked at once more before it is taken (`is_stable`)."""
        now, became = self._clock(), set()
        for path, (old, since) in list(self._seen.items()):
            if path in self._stable and not everything:
                continue
            sig = signature(path)
            if sig is None:
                self.forget(path)
            elif sig != old:
                self._seen[path] = (sig, now)
                self._stable.discard(path)
            elif now - since >= self.delay and path not in self._stable:
                self._stable.add(path)
                became.add(path)
        return became

    def is_stable(self, path: Path) -> bool:
        """Stable, and still exactly as it was when it became stable (one last look)."""
        if path not in self._stable:
            return False
        if signature(path) != self._seen[path][0]:
            self.touch(path)
            return False
        return True

    def forget(self, path: Path) -> None:
        self._seen.pop(path, None)
        self._stable.discard(path)

    def tracked(self) -> set[Path]:
        return set(self._seen)

    def settling(self) -> int:
        """How many paths are still changing or not yet quiet long enough."""
        return len(self._seen) - len(self._stable)

    def next_due(self) -> float | None:
        """Seconds until the next path could become stable; None when none is settling."""
        now = self._clock()
        waits = [since + self.delay - now for path, (_, since) in self._seen.items() if path not in self._stable]
        return max(0.0, min(waits)) if waits else None


# Events that say nothing about a file's content: our own reads of a sidecar or an
# upload open and close it, and must not restart its quiet time for ever.
_IGNORED_EVENTS = {"opened", "closed_no_write"}


class Watcher:
    """watchdog's observer on the seller's folders; collects changed paths for the service.

    `poll` seconds selects watchdog's PollingObserver (network shares, where the
    system's notifications never arrive); otherwise the native one, falling back to
    polling every 5 s if the system refuses (e.g. inotify's watch limit).
    """

    def __init__(self, folders: dict[Path, bool], poll: float | None, wake: threading.Event) -> None:
        self._folders = folders  # folder → watch recursively
        self._poll = poll
        self._wake = wake
        self._lock = threading.Lock()
        self._changed: set[Path] = set()
        self._observer = None
        self._identity: dict[Path, tuple[int, int] | None] = {}
        self.mode = ""

    def start(self) -> None:
        from watchdog.observers import Observer
        from watchdog.observers.polling import PollingObserver

        if self._poll:
            self._observer, self.mode = PollingObserver(timeout=self._poll), f"polling every {self._poll:g} s"
        else:
            self._observer, self.mode = Observer(), "change notifications"
        try:
            self._schedule()
            self._observer.start()
        except OSError as exc:
            logger.warning("the system refused change notifications ({}); polling every 5 s instead", exc)
            self._observer, self.mode = PollingObserver(timeout=5), "polling every 5 s"
            self._schedule()
            self._observer.start()

    def _schedule(self) -> None:
        for folder, recursive in self._folders.items():
            folder.mkdir(parents=True, exist_ok=True)
            self._observer.schedule(self, str(folder), recursive=recursive)
            self._identity[folder] = _identity(folder)

    def stop(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=10)

    def dispatch(self, event) -> None:
        """Called by watchdog's thread for every event: note the path(s), wake the service."""
        if event.event_type in _IGNORED_EVENTS:
            return
        paths = [event.src_path, getattr(event, "dest_path", "")]
        with self._lock:
            self._changed.update(Path(os.fsdecode(p)) for p in paths if p)
        self._wake.set()

    def drain(self) -> set[Path]:
        with self._lock:
            changed, self._changed = self._changed, set()
        return changed

    def check_folders(self) -> None:
        """A watched folder deleted and made again (a sync tool's hiccup) is a new folder:
        the old watch sees nothing any more, so watch again."""
        if any(_identity(folder) != known for folder, known in self._identity.items()):
            logger.warning("a watched folder was replaced; watching again")
            self.stop()
            self.start()


def _identity(folder: Path) -> tuple[int, int] | None:
    try:
        stat = folder.stat()
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino)


def inbox_entries(inbox: Path, paths: Iterable[Path]) -> set[Path]:
    """The top-level inbox entries (a file, or a folder order) that `paths` belong to."""
    entries = set()
    for path in paths:
        try:
            rel = path.relative_to(inbox)
        except ValueError:
            continue
        if not rel.parts:
            continue
        entry = inbox / rel.parts[0]
        if not is_debris(entry.name):
            entries.add(entry)
    return entries

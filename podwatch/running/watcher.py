"""Watching folders: change events as triggers, a stability tracker as the judge of completeness."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from loguru import logger

if TYPE_CHECKING:
    from watchdog.observers.api import BaseObserver

from podwatch.intake.debris import is_debris

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
        self._observer: BaseObserver | None = None
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
            assert self._observer is not None
            self._observer.start()
        except OSError as exc:
            logger.warning("the system refused change notifications ({}); polling every 5 s instead", exc)
            self._observer, self.mode = PollingObserver(timeout=5), "polling every 5 s"
            self._schedule()
            self._observer.start()

    def _schedule(self) -> None:
        assert self._observer is not None, "start() makes the observer"
        for folder, recursive in self._folders.items():
            folder.mkdir(parents=True, exist_ok=True)
            self._observer.schedule(self, str(folder), recursive=recursive)  # type: ignore[arg-type]  # duck-typed handler
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
        """A watched folder deleted, or deleted and made again (a sync tool's hiccup), is a new
        folder: the old watch sees nothing any more, so make it if it is gone and watch again."""
        changed = [folder for folder, known in self._identity.items() if _identity(folder) != known]
        for folder in changed:
            what = "was replaced" if folder.is_dir() else "was removed: made again"
            logger.warning("{}/ {}; watching it again", folder.name, what)
        if changed:
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

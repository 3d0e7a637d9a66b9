"""Stability: when a file (or a folder order) has stopped changing, and so is complete."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

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

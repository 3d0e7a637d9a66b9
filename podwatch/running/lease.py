"""One computer per folder: a lease file in the synced tree naming the computer, refreshed while it runs."""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from loguru import logger

from podwatch.errors import AlreadyRunning
from podwatch.files import read_no_follow, write_text

LEASE_FILE = "lease.json"


def this_computer() -> str:
    """The name other computers see in the lease: `PODWATCH_HOST`, else the host name."""
    return (os.environ.get("PODWATCH_HOST") or socket.gethostname() or "this computer").strip()[:100]


@dataclass(frozen=True)
class Holder:
    host: str
    pid: int
    seen: float  # unix time of its last refresh
    released: bool = False  # it stopped cleanly; the name stays, so the next one knows who worked last

    def age(self) -> float:
        return max(0.0, time.time() - self.seen)


def read_lease(path: Path) -> Holder | None:
    """The lease's holder, or None when there is none or it cannot be read (another program's file)."""
    try:
        data = json.loads(read_no_follow(path, 4096).decode("utf-8"))
        return Holder(str(data["host"])[:100], int(data.get("pid", 0)), float(data["seen"]),
                      bool(data.get("released", False)))
    except (OSError, ValueError, KeyError, TypeError):
        return None


class Lease:
    """Held by the one computer working on a folder. A sync client carries the file to the others:
    a lease refreshed within `stale_seconds` means "busy here"; an older one is taken over."""

    def __init__(self, path: Path, stale_seconds: float) -> None:
        self.path, self.stale = path, stale_seconds
        self.host = this_computer()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.previous: str | None = None  # the computer that held the folder before this run, if known

    def acquire(self) -> Lease:
        holder = read_lease(self.path)
        self.previous = holder.host if holder is not None else None
        if holder is not None and holder.host != self.host and not holder.released:
            if holder.age() < self.stale:
                raise AlreadyRunning(
                    f"podwatch is already running on {holder.host} (seen {holder.age():.0f} s ago) for "
                    f"{self.path.parent.parent}. Only one computer may work on a folder at a time. To move it to "
                    f"{self.host}: stop podwatch on {holder.host} (`podwatch service uninstall` there), wait until "
                    f"its lease is {self.stale:.0f} s old ([lease] stale_seconds), then start it here."
                )
            logger.warning("{} last worked on this folder {:.0f} s ago; its lease is stale, so {} takes over",
                           holder.host, holder.age(), self.host)
        self._write()
        self._thread = threading.Thread(target=self._refresh, name="podwatch-lease", daemon=True)
        self._thread.start()
        return self

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        holder = read_lease(self.path)
        if holder is not None and holder.host == self.host:
            self._write(released=True)

    def __enter__(self) -> Lease:
        return self.acquire()

    def __exit__(self, *_exc: object) -> None:
        self.release()

    @property
    def changed_hands(self) -> bool:
        """Whether another computer (or an unknown one) may have worked on the folder since this one did."""
        return self.previous != self.host

    def _write(self, released: bool = False) -> None:
        write_text(self.path, json.dumps({
            "host": self.host, "pid": os.getpid(), "seen": time.time(), "released": released,
            "note": "podwatch works on this folder from this computer; see the README, 'Two computers'",
        }, indent=2) + "\n")

    def _refresh(self) -> None:
        # Three refreshes per stale period: a slow sync client still carries a fresh one in time.
        while not self._stop.wait(max(0.5, self.stale / 3)):
            holder = read_lease(self.path)
            if holder is not None and holder.host != self.host and not holder.released:
                # This computer slept or lost its connection past the stale time and another took over:
                # it must not go on working here. A stop finishes the order in hand; the other finishes the rest.
                logger.error("{} took over this folder while {} was away; podwatch stops here", holder.host,
                             self.host)
                os.kill(os.getpid(), signal.SIGTERM)
                return
            try:
                self._write()
            except OSError:
                logger.exception("the lease {} could not be refreshed; trying again", self.path)

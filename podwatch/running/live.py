"""The live line at the bottom of the terminal while `podwatch run` works in the foreground."""

from __future__ import annotations

import shutil
import sys
import threading
from typing import TextIO


class Live:
    """One status line, redrawn in place; log lines are printed above it.

    Only on a terminal: when stdout is a file or a pipe (a service, a redirect) it
    writes nothing at all, and it never goes through the logger, so the log files
    hold log lines only.
    """

    def __init__(self, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.enabled = _isatty(self.out)
        # Log lines pass through here only when they share the terminal with the status line.
        self.shares_terminal = self.enabled and _isatty(self.err)
        self._line = ""
        self._lock = threading.Lock()

    def show(self, text: str) -> None:
        if not self.enabled:
            return
        with self._lock:
            if text != self._line:
                self._line = text
                self._draw()

    def write_above(self, message: str) -> None:
        """A loguru sink: clear the status line, print the log line, draw the status again."""
        with self._lock:
            self.out.write("\r\x1b[2K")
            self.out.flush()
            self.err.write(message)
            self.err.flush()
            self._draw()

    def close(self) -> None:
        if not self.enabled:
            return
        with self._lock:
            self.out.write("\r\x1b[2K")
            self.out.flush()
            self._line = ""

    def _draw(self) -> None:
        width = shutil.get_terminal_size((100, 20)).columns - 1
        self.out.write("\r\x1b[2K" + self._line[:width])
        self.out.flush()


def summary_line(*, watching: str, waiting: int, arriving: int, processing: str | None, queued: int,
                 counts: dict[str, int]) -> str:
    doing = f"processing {processing}" if processing else "idle"
    if queued:
        doing += f" (+{queued} queued)"
    parts = [
        f"podwatch {watching}", f"{waiting} waiting", f"{arriving} arriving", doing,
        f"{counts.get('review', 0)} in review", f"{counts.get('production', 0)} in production",
        f"{counts.get('failed', 0)} failed",
    ]
    return " | ".join(parts)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False

"""Processes podwatch starts (workers, decoders): each ends itself once the process that started it is gone."""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import threading


def end_with_parent() -> None:
    """In a process started by multiprocessing: end at once (exit status 1) when its parent is gone,
    even killed outright (SIGKILL, a power cut's kind of end), rather than go on writing into a
    claim the next start resumes, or holding memory for nobody."""
    threading.Thread(target=_watch_parent, name="podwatch-parent-watch", daemon=True).start()


def _watch_parent() -> None:
    parent = multiprocessing.parent_process()
    if parent is not None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

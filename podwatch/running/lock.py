"""One podwatch per folder tree: `.podwatch/run.lock`, held by an OS lock, naming its pid."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import socket
import sys
import time
from pathlib import Path

from loguru import logger

from podwatch.errors import AlreadyRunning
from podwatch.frozen import typed_command

LOCK_FILE = "run.lock"


class RunLock:
    """The OS lock is the truth: it is released by the kernel when the process dies,
    however it dies, so a lock file left by a crash is never mistaken for a live run
    (a pid alone can be reused after a reboot). The pid inside is for the message."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                locked = _try_lock(fd)
            except OSError:  # a share without locks (some SMB/NFS mounts): fall back on the pid
                locked = not _alive(_read(fd).get("pid"))
            if not locked:
                holder = _read(fd)
                os.close(fd)
                raise AlreadyRunning(describe(holder, self.path))
            if _same_file(fd, self.path):
                break
            os.close(fd)  # locked a file the previous holder had just removed: try the new one
        stale = _read(fd)
        if stale.get("pid") and stale.get("pid") != os.getpid():
            logger.info("a stale lock from an earlier podwatch (pid {}) was recovered", stale["pid"])
        info = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.strftime("%Y-%m-%d %H:%M:%S")}
        os.lseek(fd, 0, os.SEEK_SET)
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(info).encode())
        os.fsync(fd)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        os.ftruncate(fd, 0)
        if sys.platform == "win32":  # Windows cannot remove a file that is still open
            os.close(fd)
            with contextlib.suppress(OSError):
                self.path.unlink()
        else:  # removed while still locked, so nobody can lock it in between
            self.path.unlink(missing_ok=True)
            os.close(fd)

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *_exc: object) -> None:
        self.release()


def holder(path: Path) -> dict | None:
    """Who holds the lock at `path` now, or None when no podwatch is running there."""
    if not path.exists():
        return None
    fd = os.open(path, os.O_RDWR)
    try:
        try:
            if _try_lock(fd):
                return None
        except OSError:
            info = _read(fd)
            return info if _alive(info.get("pid")) else None
        return _read(fd)
    finally:
        os.close(fd)  # also drops a lock taken just to look


def running(info: dict, root: Path) -> str:
    who = f"pid {info.get('pid', '?')}"
    if info.get("host") and info["host"] != socket.gethostname():
        who += f" on {info['host']}"
    since = f", since {info['started']}" if info.get("started") else ""
    return f"podwatch is running on {root} ({who}{since})"


def describe(info: dict, path: Path) -> str:
    return (
        f"{running(info, path.parent.parent).replace('is running', 'is already running')}. "
        "Only one podwatch may work on a folder at a time: it picks up everything itself. "
        f"Stop it first (`{typed_command()} service status` shows how it was started)."
    )


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except OSError:
        return False


def _read(fd: int) -> dict:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return json.loads(os.read(fd, 4096).decode() or "{}")
    except (OSError, ValueError):
        return {}


if sys.platform == "win32":
    import msvcrt

    # Windows locks are mandatory: lock one byte far past the pid, so others can still read it.
    _FAR = 1 << 30

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, _FAR, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EDEADLK):
                return False
            raise
        return True

    def _alive(pid: object) -> bool:
        import ctypes

        if not isinstance(pid, int):
            return False
        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if handle:
            ctypes.windll.kernel32.CloseHandle(handle)
        return bool(handle)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _alive(pid: object) -> bool:
        if not isinstance(pid, int) or pid <= 0:
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

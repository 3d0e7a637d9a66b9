"""File moves and writes that never leave half a file and never overwrite the seller's."""

from __future__ import annotations

import errno
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from podwatch.config.names import with_revision


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# mkstemp makes owner-only files; print files and proofs must be readable by the
# seller's other accounts, sync tools and print partners like any file they save.
_FILE_MODE = 0o666 & ~_umask()


@contextmanager
def atomic_output(dest: Path, mode: str = "wb") -> Iterator[IO]:
    """Write to a temporary name in `dest`'s folder, then `os.replace` it into place."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    try:
        os.chmod(tmp, _FILE_MODE)
        text: dict[str, Any] = {} if "b" in mode else {"encoding": "utf-8", "newline": ""}
        with os.fdopen(fd, mode, **text) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, dest)
    except BaseException:
        with _quiet():
            os.unlink(tmp)
        raise


# Opening a name in the shared folder never follows a link planted there (where the system can say so).
NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)


def open_no_follow(path: Path) -> IO[bytes]:
    """`path` opened for reading; a link or anything but a regular file is refused (OSError)."""
    fd = os.open(path, os.O_RDONLY | NO_FOLLOW | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode) or (not NO_FOLLOW and os.path.islink(path)):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_no_follow(path: Path, limit: int = -1) -> bytes:
    """At most `limit` bytes of `path` (all with -1), opened without following a link."""
    with open_no_follow(path) as handle:
        return handle.read(limit)


def write_text(dest: Path, text: str) -> None:
    with atomic_output(dest, "w") as handle:
        handle.write(text)


def write_bytes(dest: Path, data: bytes) -> None:
    with atomic_output(dest) as handle:
        handle.write(data)


def save_image(dest: Path, save: Callable[[IO], None]) -> None:
    """Let `save(handle)` write an image, atomically."""
    with atomic_output(dest) as handle:
        save(handle)


def move_no_clobber(src: Path, dest: Path) -> Path:
    """Rename `src` to `dest`, or to `dest_r2`, `dest_r3`… when `dest` exists.

    A hard link then unlink is atomic and refuses to replace an existing file;
    filesystems without hard links (FAT, some shares) fall back to a checked rename.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    n = 1
    while True:
        target = dest if n == 1 else dest.with_name(with_revision(dest.name, n))
        try:
            if src.is_dir():
                if target.exists():
                    raise FileExistsError(errno.EEXIST, "exists", str(target))
                os.rename(src, target)
            else:
                _link_then_unlink(src, target)
            return target
        except FileExistsError:
            n += 1


def move_exact(src: Path, dest: Path) -> None:
    """Rename the file `src` to exactly `dest`; FileExistsError when `dest` exists (never replaced).
    For moves a person asked for by name (the review desk), where `dest_r2` would be a surprise."""
    _link_then_unlink(src, dest)


# A link planted where podwatch moves files is moved as the link, never as the file it points at.
_LINK_ITSELF = {"follow_symlinks": False} if os.link in os.supports_follow_symlinks else {}


def _link_then_unlink(src: Path, target: Path) -> None:
    try:
        os.link(src, target, **_LINK_ITSELF)
    except FileExistsError:
        raise
    except OSError:
        if target.exists():
            raise FileExistsError(errno.EEXIST, "exists", str(target)) from None
        os.replace(src, target)
        return
    os.unlink(src)


# The names atomic_output gives its temporary files: `.<dest name>.<8 random>.tmp`.
_TEMP = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")


def sweep_temp(folders: list[Path]) -> None:
    """Remove temporary files a killed podwatch left half-written in its own output folders."""
    for folder in folders:
        for path in folder.iterdir() if folder.is_dir() else []:
            if _TEMP.match(path.name) and path.is_file():
                path.unlink(missing_ok=True)


@contextmanager
def _quiet() -> Iterator[None]:
    try:
        yield
    except OSError:
        pass


def is_disk_full(exc: BaseException) -> bool:
    """Whether `exc` says the disk is full (or the user's quota used up): a wait, not a fault."""
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))
    return "disk is full" in str(exc) and type(exc).__module__ == "sqlite3"


def move_whole(src: Path, dest: Path) -> None:
    """Move podwatch's own finished file `src` to `dest` (replacing an unrecorded earlier copy): a
    rename on one disk; between disks (this computer's work area and a synced folder on a drive of
    its own) a copy under a temporary name in `dest`'s folder, renamed into place, then `src` removed."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(src, dest)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        import shutil

        with open(src, "rb") as source, atomic_output(dest) as target:
            shutil.copyfileobj(source, target, 1 << 20)
        os.unlink(src)


def least_free(paths: list[Path]) -> tuple[int | None, Path]:
    """The fewest bytes free on the disks holding `paths`, and which one (None: the system cannot say)."""
    known = [(free, path) for path in paths if (free := disk_free(path)) is not None]
    return min(known, key=lambda pair: pair[0]) if known else (None, paths[0])


def disk_free(path: Path) -> int | None:
    """Bytes free on the disk holding `path`, or None when the system cannot say."""
    import shutil

    try:
        return shutil.disk_usage(path).free
    except OSError:
        return None


def relative(path: Path, base: Path) -> str:
    """`path` as the ledger and claims keep it: relative to `base`, with the system's separators."""
    return str(path.relative_to(base))

"""Debris: what sync tools, editors and operating systems leave in a folder; never an order."""

from __future__ import annotations

import fnmatch

# Files that sync tools, editors and operating systems leave behind. They are
# never orders: ignored, never failed, never moved.
_DEBRIS = (
    ".DS_Store", "._*", "Thumbs.db", "desktop.ini", "Icon\r",
    "*.part", "*.partial", "*.crdownload", "*.download", "*.tmp", "*.temp", "*.swp", "*~",
    ".~lock.*#", "~$*",
    ".syncthing.*.tmp", "~syncthing~*.tmp", ".stfolder", ".stversions", ".stignore",
    ".dropbox", ".dropbox.attr", ".dropbox.cache", "*.~tmp", ".~tmp*",
    "*.gdoc", ".tmp.drivedownload", ".tmp.driveupload", "~*.tmp",
    ".podwatch-*",
)


def is_debris(name: str) -> bool:
    # A buyer's upload never starts with a dot: hidden names are always some
    # tool's bookkeeping (Finder, Syncthing, Dropbox, editors' lock files).
    return name.startswith(".") or any(fnmatch.fnmatchcase(name, pattern) for pattern in _DEBRIS)

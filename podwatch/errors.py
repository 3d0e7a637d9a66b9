"""The podwatch exception tree: each class carries its exit code and its message."""

from __future__ import annotations

from pathlib import Path


class PodwatchError(Exception):
    """podwatch could not finish."""

    exit_code = 1

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or (self.__doc__ or "").strip())

    @property
    def message(self) -> str:
        return str(self)


class ConfigError(PodwatchError):
    """podwatch.toml or a rule file has a mistake; fix it and start again."""

    exit_code = 2


class UsageError(PodwatchError):
    """The command line was not understood; see `podwatch --help`."""

    exit_code = 2


class OrderError(PodwatchError):
    """This order cannot be processed.

    `path` is the seller's file the message is about, so the message and the
    `.error.txt` beside it always name it.
    """

    exit_code = 1

    def __init__(self, message: str, path: Path | None = None) -> None:
        super().__init__(message)
        self.path = path


class BadSidecar(OrderError):
    """The order JSON is not valid."""


class UnreadableUpload(OrderError):
    """The uploaded file is not an image podwatch can read."""


class UnknownProduct(OrderError):
    """The order names a product that has no rule file."""


class AlreadyRunning(PodwatchError):
    """Another podwatch is already working on this folder."""

    exit_code = 2


class DiskFull(PodwatchError):
    """The disk holding the podwatch folder is full; the order waits until there is room."""


class LedgerDamaged(PodwatchError):
    """podwatch's order history cannot be read; restarting cannot fix it."""

    exit_code = 2

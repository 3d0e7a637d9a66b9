"""Findings: what a check saw, at what level, in words a seller can act on."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Level(str, Enum):
    INFO = "info"
    WARN = "warn"
    FAIL = "fail"

    @property
    def rank(self) -> int:
        return {"info": 0, "warn": 1, "fail": 2}[self.value]


@dataclass(frozen=True)
class Finding:
    code: str
    level: Level
    message: str
    detail: dict[str, Any] = field(default_factory=dict)
    # A person must see this order whatever the approval policy (someone else's brand or picture).
    hold: bool = False

    def as_dict(self) -> dict[str, Any]:
        shown = {"code": self.code, "level": self.level.value, "message": self.message, "detail": self.detail}
        return {**shown, "hold": True} if self.hold else shown

    def __str__(self) -> str:
        return f"{self.level.value.upper()}: {self.message}"


def worst(findings: list[Finding]) -> Level | None:
    """The most serious level among `findings`, or None when there are none."""
    return max((f.level for f in findings), key=lambda level: level.rank, default=None)


def internal_error(name: str, exc: BaseException) -> Finding:
    """The finding for an error podwatch did not foresee: the seller keeps the files and reports it."""
    return Finding(
        "internal_error", Level.FAIL,
        f"podwatch could not finish {name} ({type(exc).__name__}: {exc}). "
        "This is a podwatch bug: the files are kept; please report it with the log in .podwatch/logs/.",
    )

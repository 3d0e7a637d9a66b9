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
    # A person must see this order whatever the approval policy (someone else's brand or picture,
    # a resolution below the product's minimum, a quality doubt the rule holds).
    hold: bool = False

    def as_dict(self) -> dict[str, Any]:
        shown = {"code": self.code, "level": self.level.value, "message": self.message, "detail": self.detail}
        return {**shown, "hold": True} if self.hold else shown

    @property
    def label(self) -> str:
        """FAIL, HOLD (a warning only the seller may approve), WARN or INFO."""
        return "HOLD" if self.hold and self.level is Level.WARN else self.level.value.upper()

    def __str__(self) -> str:
        return f"{self.label}: {self.message}"


def graded(level: str, code: str, message: str, detail: dict[str, Any] | None = None) -> Finding:
    """A finding at a rule's quality level: "hold" is a warning that waits for the seller
    whatever the approval policy (a quality doubt is never refused, a human decides)."""
    if level == "hold":
        return Finding(code, Level.WARN, message, detail or {}, hold=True)
    return Finding(code, Level(level), message, detail or {})


def held(findings: list[Finding]) -> bool:
    """Whether something in `findings` needs the seller's own decision."""
    return any(f.hold for f in findings)


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

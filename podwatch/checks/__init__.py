"""Checks: small registered functions that look at an upload and return findings."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..findings import Finding
from ..loading import LoadedImage
from ..rule import Rule
from ..sidecar import Order

if TYPE_CHECKING:
    from ..background import Removal


@dataclass(frozen=True)
class Subject:
    """What every check may look at; checks never move or write files."""

    artwork: LoadedImage  # after background removal, when the rule asks for it
    rule: Rule
    order: Order
    removal: Removal | None = None  # what the background step did, if it ran


Check = Callable[[Subject], Iterable[Finding]]
REGISTRY: dict[str, Check] = {}


def check(name: str) -> Callable[[Check], Check]:
    """Register a check under `name`, the name a rule uses in `[checks] disabled`."""

    def register(fn: Check) -> Check:
        if name in REGISTRY:
            raise ValueError(f"check {name!r} registered twice")
        REGISTRY[name] = fn
        return fn

    return register


def run_checks(subject: Subject) -> list[Finding]:
    disabled = set(subject.rule.checks.disabled)
    findings: list[Finding] = []
    for name, fn in REGISTRY.items():
        if name not in disabled:
            findings.extend(fn(subject))
    return findings


# Importing the modules registers their checks, in this order.
from . import artwork, background, resolution  # noqa: E402,F401

"""Checks: small registered functions that look at an upload and return findings."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..findings import Finding
from ..loading import LoadedImage
from ..rule import Rule
from ..sidecar import Order

if TYPE_CHECKING:
    from ..blocklist import Blocklist


@dataclass(frozen=True)
class Subject:
    """What every check may look at; checks never move or write files."""

    artwork: LoadedImage
    rule: Rule
    order: Order
    # The seller's blocked terms and pictures, built once per run; None: podwatch's own terms only.
    blocklist: "Blocklist | None" = None
    # Work the checks share for this one upload (a reduced copy of a 24 MP picture is made once).
    scratch: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


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
from . import artwork, resolution, risk, quality  # noqa: E402,F401

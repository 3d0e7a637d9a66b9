"""Every check, loaded in the order they report, and the one call that runs them on an upload."""

from __future__ import annotations

# Importing the modules registers their checks, in this order.
from podwatch.checks import artwork, background, quality, resolution, risk, text  # noqa: F401
from podwatch.checks.registry import REGISTRY, TEXT_ONLY, Subject
from podwatch.findings import Finding


def findings_for(subject: Subject) -> list[Finding]:
    """What every check the rule leaves switched on finds; a name-only order gets the text checks only."""
    disabled = set(subject.rule.checks.disabled)
    findings: list[Finding] = []
    for name, fn in REGISTRY.items():
        if name not in disabled and (subject.artwork is not None or name in TEXT_ONLY):
            findings.extend(fn(subject))
    return findings


def check_names() -> list[str]:
    """Every registered check's name, as a rule writes it in `[checks] disabled`."""
    return list(REGISTRY)

"""`podwatch check`: run intake, checks and the proof on one file, moving nothing."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from podwatch.config.order import Order, parse_order
from podwatch.config.root import Root
from podwatch.config.rule import Rule
from podwatch.config.settings import Settings
from podwatch.errors import OrderError, UsageError
from podwatch.findings import Finding, Level
from podwatch.jobs import Draft, Job, WorkContext
from podwatch.running.steps import STEPS, export_print

if TYPE_CHECKING:
    from podwatch.checks.blocklist import Blocklist


@dataclass
class Preflight:
    findings: list[Finding]
    proof: Path | None
    note: str | None = None  # what the background step did

    @property
    def exit_code(self) -> int:
        return 1 if any(f.level is Level.FAIL for f in self.findings) else 0


def preflight(
    path: Path, rules: dict[str, Rule], product: str, order_file: Path | None, settings: Settings,
    blocklist: Blocklist | None = None,
) -> Preflight:
    """The steps a run takes on an upload (steps.STEPS), short of writing a print file."""
    if product not in rules:
        raise UsageError(f"no rule for product {product!r}; known products: {', '.join(sorted(rules))}")
    rule = rules[product]
    order = parse_order(order_file) if order_file else Order(order_id="preflight", product=product)
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    # Work on a copy: a preflight must never touch (or lock) the seller's file.
    scratch = Path(tempfile.mkdtemp(prefix="podwatch-check-"))
    copy = scratch / path.name
    shutil.copyfile(path, copy)
    ctx = WorkContext(Root(scratch), settings, rules, blocklist)
    proof = scratch / f"{path.stem}_{rule.id}_proof.jpg"
    draft = Draft(Job(order, rule, copy, 1, 1, proof.name, "", scratch))
    try:
        for step in STEPS:
            if step is not export_print:
                step(ctx, draft)
    except OrderError as exc:  # as in a run: the upload itself is unusable
        return Preflight([*draft.findings, Finding("unreadable", Level.FAIL, exc.message)], None)
    finally:
        copy.unlink()
    assert draft.proof_image is not None
    draft.proof_image.save(proof, "JPEG", quality=settings.proof.jpeg_quality)
    note = draft.removal.note if draft.removal else None
    return Preflight(draft.findings, proof, note)

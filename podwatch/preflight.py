"""`podwatch check`: run intake, checks and the proof on one file, moving nothing."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .background import cut_background, with_image
from .checks import Subject, run_checks
from .errors import OrderError, UsageError
from .findings import Finding, Level
from .geometry import place
from .loading import load_image
from .process import print_image
from .proof import render_proof
from .rule import Rule
from .sidecar import Order, parse_order
from .text.fields import lay_out_fields
from .text.render import draw_fields

if TYPE_CHECKING:
    from .blocklist import Blocklist


@dataclass
class Preflight:
    findings: list[Finding]
    proof: Path | None
    note: str | None = None  # what the background step did

    @property
    def exit_code(self) -> int:
        return 1 if any(f.level is Level.FAIL for f in self.findings) else 0


def preflight(
    path: Path, rules: dict[str, Rule], product: str, order_file: Path | None, max_pixels: int,
    blocklist: "Blocklist | None" = None,
) -> Preflight:
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
    try:
        artwork = load_image(copy, max_pixels=max_pixels,
                             target=lambda size: place(size, rule.print_area, rule.fit).size)
    except OrderError as exc:
        return Preflight([Finding("unreadable", Level.FAIL, exc.message)], None)
    removal = cut_background(artwork, rule)
    if removal.image is not None:
        artwork = with_image(artwork, removal.image)
    text = lay_out_fields(rule, order)
    findings = removal.findings + run_checks(Subject(artwork, rule, order, removal=removal, text=text, blocklist=blocklist))
    art = print_image(artwork.image, rule)
    draw_fields(art, text, rule.color_for(order))
    proof = scratch / f"{path.stem}_{rule.id}_proof.jpg"
    render_proof(art, rule=rule, order=order, item=1, findings=findings, engine_note=removal.note,
                 cutout=removal.engine is not None, text=text).save(proof, "JPEG", quality=85)
    copy.unlink()
    return Preflight(findings, proof, removal.note)

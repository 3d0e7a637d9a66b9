"""The steps one upload goes through, in order; each may run in a worker process (see workers.py)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from podwatch.background import cut_background, with_image
from podwatch.checks import Subject, run_checks
from podwatch.errors import OrderError
from podwatch.findings import Level
from podwatch.prepress.placement import place
from podwatch.prepress.loading import load_image
from podwatch.prepress.printfile import export, print_image
from podwatch.text.fields import lay_out_fields
from podwatch.text.fonts import FontNotFound
from podwatch.text.render import draw_fields

if TYPE_CHECKING:
    from podwatch.running.pipeline import Context, Job


def load(ctx: Context, job: Job) -> None:
    if job.text_only:
        return
    rule = job.rule
    # A cut-out cropped to its subject is enlarged more than the whole picture would be:
    # decoding reduced would leave it short of pixels, so it is decoded in full.
    trims = rule.background.mode != "keep" and rule.background.trim
    job.artwork = load_image(
        job.upload, max_pixels=ctx.settings.images.max_pixels,
        target=None if trims else lambda size: place(size, rule.print_area, rule.fit).size,
    )


def lay_out_text(ctx: Context, job: Job) -> None:
    """The buyer's text for every [[text]] field, fitted once: the checks, the print and the proof all read it."""
    try:
        job.text = lay_out_fields(job.rule, job.order)
    except FontNotFound as exc:  # the rule was fine at start; its font file has gone since
        raise OrderError(f"rules/{Path(job.rule.source).name}: {exc}. Put the font back and run again.") from None


def remove_background(ctx: Context, job: Job) -> None:
    """Cut the background out when the rule asks, so every later step sees the cut-out."""
    if job.artwork is None:
        return  # a name-only order has no picture to cut
    job.removal = cut_background(job.artwork, job.rule)
    job.findings.extend(job.removal.findings)
    if job.removal.image is not None:
        job.artwork = with_image(job.artwork, job.removal.image)


def check(ctx: Context, job: Job) -> None:
    job.findings.extend(run_checks(Subject(
        job.artwork, job.rule, job.order, removal=job.removal, text=job.text, blocklist=ctx.blocklist,
    )))


def make_print(ctx: Context, job: Job) -> None:
    job.print_image = print_image(job.artwork.image if job.artwork else None, job.rule)


def render_text(ctx: Context, job: Job) -> None:
    if job.text:
        draw_fields(job.print_image, job.text, job.rule.color_for(job.order))


def export_print(ctx: Context, job: Job) -> None:
    if any(f.level is Level.FAIL for f in job.findings):
        return  # a proof still helps the seller see why; no print file is kept
    rule = job.rule
    job.print_path = (job.claim.staging if job.claim else ctx.root.pending) / job.print_name
    export(job.print_image, job.print_path, rule.output, rule.print_area.dpi)


def make_proof(ctx: Context, job: Job) -> None:
    from podwatch.proof.render import render_proof

    job.proof_image = render_proof(
        job.print_image, rule=job.rule, order=job.order, item=job.item, findings=job.findings,
        long_side=ctx.settings.proof.long_side, engine_note=job.removal and job.removal.note,
        cutout=bool(job.removal and job.removal.engine), text=job.text,
    )
    job.print_image = None  # the big image is not needed past this point


# choose_names runs before these, in the main process (start()): these may run in a worker.
STEPS = (load, remove_background, lay_out_text, check, make_print, render_text, export_print, make_proof)

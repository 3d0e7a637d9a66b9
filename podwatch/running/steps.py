"""The steps one upload goes through, in order; each may run in a worker process (see workers.py).

Each step takes the run's `WorkContext` and the upload's `Draft`, reads what earlier steps left
in the draft and adds its own part; none touches the ledger or moves a seller's file.
"""

from __future__ import annotations

from PIL import Image

from podwatch.background import cut_background, may_cut, with_image
from podwatch.checks.catalog import findings_for
from podwatch.checks.registry import Subject
from podwatch.errors import OrderError
from podwatch.findings import Level
from podwatch.jobs import Draft, WorkContext
from podwatch.prepress.bands import BandedPrint
from podwatch.prepress.loading import load_image
from podwatch.prepress.placement import place
from podwatch.prepress.printfile import banded_print, export, made_in_bands, print_background, print_image
from podwatch.text.fields import lay_out_fields
from podwatch.text.fonts import FontNotFound
from podwatch.text.render import draw_fields


def load(ctx: WorkContext, draft: Draft) -> None:
    job = draft.job
    if job.text_only:
        return
    rule = job.rule
    cuts = may_cut(rule, job.order)
    # A cut-out cropped to its subject is enlarged more than the whole picture would be:
    # decoding reduced would leave it short of pixels, so it is decoded in full.
    trims = cuts and rule.background.trim
    # An upload too large to hold whole may be read a piece at a time where no step needs it whole:
    # nothing cut out, a print made band by band (make_print) and flattened (a poster, a canvas).
    streams = not cuts and made_in_bands(rule) and print_background(rule) is not None
    draft.artwork = load_image(
        job.upload, max_pixels=ctx.settings.images.max_pixels,
        target=None if trims else lambda size: place(size, rule.print_area.for_art(size), rule.fit).size,
        stream_to=job.staging, pieces=streams,
    )


def lay_out_text(ctx: WorkContext, draft: Draft) -> None:
    """The buyer's text for every [[text]] field, fitted once: the checks, the print and the proof all read it."""
    rule = draft.job.rule
    try:
        draft.text = lay_out_fields(rule, draft.job.order)
    except FontNotFound as exc:  # the rule was fine at start; its font file has gone since
        raise OrderError(f"{rule.file_label}: {exc}. Put the font back and run again.") from None


def remove_background(ctx: WorkContext, draft: Draft) -> None:
    """Cut the background out when the rule asks, so every later step sees the cut-out."""
    if draft.artwork is None:
        return  # a name-only order has no picture to cut
    draft.removal = cut_background(draft.artwork, draft.job.rule, draft.job.rule.color_for(draft.job.order))
    draft.findings.extend(draft.removal.findings)
    if draft.removal.image is not None:
        draft.artwork = with_image(draft.artwork, draft.removal.image)


def orient(ctx: WorkContext, draft: Draft) -> None:
    """Turn the print area for landscape art on a product sold either way up, before anything
    measures against it: the checks, the print file and the proof all read `draft.rule`."""
    if draft.artwork is not None:
        draft.rule = draft.job.rule.for_art(draft.artwork.source_size)


def run_checks(ctx: WorkContext, draft: Draft) -> None:
    job = draft.job
    draft.findings.extend(findings_for(Subject(
        draft.artwork, draft.rule, job.order, removal=draft.removal, text=draft.text, blocklist=ctx.blocklist,
    )))


def make_print(ctx: WorkContext, draft: Draft) -> None:
    """The print's pixels: made band by band while the PNG is written when nothing is drawn onto
    them (a canvas is then never whole in memory), else whole, for the buyer's text to go on."""
    rule, artwork = draft.rule, draft.artwork
    if artwork is not None and made_in_bands(rule):
        draft.print_image = banded_print(artwork.image, rule, ctx.settings.proof.long_side)
    else:
        draft.print_image = print_image(artwork.in_memory if artwork else None, rule)


def render_text(ctx: WorkContext, draft: Draft) -> None:
    if draft.text and draft.print_image is not None:
        assert isinstance(draft.print_image, Image.Image), "a print with text is made whole"
        draw_fields(draft.print_image, draft.text, draft.rule.color_for(draft.job.order))


def export_print(ctx: WorkContext, draft: Draft) -> None:
    if draft.print_image is None or any(f.level is Level.FAIL for f in draft.findings):
        return  # a proof still helps the seller see why; no print file is kept
    job = draft.job
    draft.print_path = job.staging / job.print_name
    export(draft.print_image, draft.print_path, draft.rule.output, draft.rule.print_area.dpi, threads=job.threads)


def make_proof(ctx: WorkContext, draft: Draft) -> None:
    from podwatch.proof.render import render_proof

    job, removal = draft.job, draft.removal
    assert draft.print_image is not None, "make_print runs first"
    printed = draft.print_image.preview() if isinstance(draft.print_image, BandedPrint) else draft.print_image
    # Only `printed` is drawn from (a banded print's reduced copy, or the whole print with its text):
    # the upload and a banded print's last rows go first, or they would sit beside the proof at the
    # worker's peak.
    draft.print_image = draft.artwork = None
    if removal is not None:
        removal.image = None
    draft.proof_image = render_proof(
        printed, rule=draft.rule, order=job.order, item=job.item, findings=draft.findings,
        long_side=ctx.settings.proof.long_side, engine_note=removal.note if removal else None,
        cutout=bool(removal and removal.engine), text=draft.text,
    )
    if job.preview_name and not any(f.level is Level.FAIL for f in draft.findings):
        from podwatch.proof.preview import render_preview

        # The print as the proof shows it (a banded print's reduced copy), on the print area as
        # turned for landscape art, like the proof.
        draft.preview_image = render_preview(printed, rule=draft.rule, order=job.order,
                                             long_side=draft.rule.preview.long_side)


STEPS = (load, remove_background, orient, lay_out_text, run_checks, make_print, render_text, export_print, make_proof)

"""One order's journey through the steps: load, check, fit, export, proof, route."""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from pathlib import Path

from loguru import logger
from PIL import Image

from . import routing
from .blocklist import Blocklist
from .checks import Subject, run_checks
from .config import Root, Settings
from .errors import OrderError, UnknownProduct
from .findings import Finding, Level
from .intake import Claim
from .ledger import Ledger, State
from .loading import LoadedImage, load_image
from .names import render, sanitize, with_revision
from .process import export, print_image
from .rule import Rule
from .sidecar import Order, parse_order


@dataclass
class Context:
    """What every order needs, built once per run."""

    root: Root
    settings: Settings
    rules: dict[str, Rule]
    ledger: Ledger
    blocklist: Blocklist | None = None


@dataclass
class Job:
    """One upload of one order on its way to review/, production/ or failed/."""

    order: Order
    rule: Rule
    upload: Path
    item: int
    revision: int
    artwork: LoadedImage | None = None
    findings: list[Finding] = field(default_factory=list)
    print_image: Image.Image | None = None
    print_path: Path | None = None
    proof_image: Image.Image | None = None

    proof_name: str = ""
    print_name: str = ""

    def name(self, kind: str, ext: str, revision: int) -> str:
        base = render(
            self.rule.output.name, order_id=self.order.order_id, product=self.rule.id,
            variant=self.order.variant or self.rule.default_color(), item=self.item, kind=kind, ext=ext,
            quantity=self.order.quantity, customer=self.order.customer.get("name", ""),
        )
        return with_revision(base, revision)


@dataclass
class Outcome:
    order_id: str
    label: str  # the upload (or sidecar) the outcome is about
    state: State
    message: str = ""


def process_claim(ctx: Context, claim: Claim) -> list[Outcome]:
    """Process every upload of a claimed order, then put the originals away."""
    try:
        order = parse_order(claim.sidecar)
        rule = ctx.rules.get(order.product)
        if rule is None:
            known = ", ".join(sorted(ctx.rules)) or "none"
            raise UnknownProduct(
                f"{claim.sidecar.name} asks for product {order.product!r}, which has no rule file "
                f"(rules/{sanitize(order.product)}.toml). Known products: {known}. "
                "Fix the product in the order JSON, or add a rule file, and drop the order into the inbox again.",
                claim.sidecar,
            )
        if not claim.uploads:
            raise OrderError(
                f"{claim.sidecar.name} lists no upload, and this version of podwatch needs artwork for every order. "
                "Add the buyer's file to the inbox and list it in \"files\".",
                claim.sidecar,
            )
    except OrderError as exc:
        folder = routing.fail_order(ctx, claim, sanitize(claim.sidecar.stem), exc.message)
        logger.warning("{}: {}", claim.sidecar.name, exc.message)
        return [Outcome("", claim.sidecar.name, State.FAILED, f"{exc.message} (see {folder})")]

    revision = ctx.ledger.next_revision(order.order_id)
    jobs = [Job(order, rule, upload, item, revision) for item, upload in enumerate(claim.uploads, start=1)]
    outcomes = [run_job(ctx, job) for job in jobs]
    routing.put_originals_away(ctx, claim, order, revision, all_failed=all(o.state is State.FAILED for o in outcomes))
    return outcomes


def run_job(ctx: Context, job: Job) -> Outcome:
    with logger.contextualize(order_id=job.order.order_id):
        try:
            for step in STEPS:
                step(ctx, job)
        except OrderError as exc:  # the upload itself is unusable (empty, cut off, not an image…)
            job.findings.append(Finding("unreadable", Level.FAIL, exc.message))
        except Exception as exc:  # one bad file must never stop the others
            logger.error("{}: internal error\n{}", job.upload.name, traceback.format_exc())
            job.findings.append(Finding(
                "internal_error", Level.FAIL,
                f"podwatch could not finish {job.upload.name} ({type(exc).__name__}: {exc}). "
                "This is a podwatch bug: the files are kept; please report it with the log in .podwatch/logs/.",
            ))
        return routing.route(ctx, job)


def choose_names(ctx: Context, job: Job) -> None:
    """The order's revision names the files (`_r2`); a clash with any earlier file,
    however it came about, moves on to the next free suffix instead of overwriting."""
    ext = "jpg" if job.rule.output.format == "jpeg" else "png"
    root, n = ctx.root, job.revision
    while True:
        proof, print_ = job.name("proof", "jpg", n), job.name("print", ext, n)
        clash = ctx.ledger.proof_taken(proof) or any(
            (folder / name).exists()
            for folder, name in ((root.review, proof), (root.pending, print_), (root.production, print_))
        )
        if not clash:
            job.proof_name, job.print_name = proof, print_
            return
        n += 1


def load(ctx: Context, job: Job) -> None:
    job.artwork = load_image(job.upload, max_pixels=ctx.settings.images.max_pixels)


def check(ctx: Context, job: Job) -> None:
    job.findings.extend(run_checks(Subject(job.artwork, job.rule, job.order, ctx.blocklist)))


def make_print(ctx: Context, job: Job) -> None:
    rule = job.rule
    job.print_image = print_image(job.artwork.image, rule)
    if any(f.level is Level.FAIL for f in job.findings):
        return  # a proof still helps the seller see why; no print file is kept
    job.print_path = ctx.root.pending / job.print_name
    export(job.print_image, job.print_path, rule.output, rule.print_area.dpi)


def make_proof(ctx: Context, job: Job) -> None:
    from .proof import render_proof

    job.proof_image = render_proof(
        job.print_image, rule=job.rule, order=job.order, item=job.item, findings=job.findings,
        long_side=ctx.settings.proof.long_side,
    )
    job.print_image = None  # the big image is not needed past this point


STEPS = (choose_names, load, check, make_print, make_proof)

"""One order's journey through the steps: load, check, fit, export, proof, route."""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from loguru import logger
from PIL import Image

from . import routing
from .checks import Subject, run_checks
from .config import Root, Settings
from .errors import OrderError, UnknownProduct
from .findings import Finding, Level
from .geometry import place
from .intake import Claim
from .ledger import Ledger, State
from .loading import LoadedImage, load_image
from .names import render, sanitize, with_revision
from .process import export, print_image
from .rule import Rule
from .sidecar import Order, parse_order


@dataclass
class InFlight:
    """Names and revisions handed to orders still in work: the ledger only learns of them when
    they are routed, and no second order may get them meanwhile."""

    names: set[str] = field(default_factory=set)
    revisions: dict[str, int] = field(default_factory=dict)


@dataclass
class Context:
    """What every order needs, built once per run."""

    root: Root
    settings: Settings
    rules: dict[str, Rule]
    ledger: Ledger | None  # None in worker processes: only the main process writes the ledger
    in_flight: InFlight = field(default_factory=InFlight)


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
    # Seconds per step, for the log and benchmarks/; the worker's peak memory (bytes) while on this job.
    timings: dict[str, float] = field(default_factory=dict)
    peak_rss: int = 0

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
    timings: dict[str, float] = field(default_factory=dict)
    peak_rss: int = 0
    seconds: float = 0.0  # from taking the order to routing this upload, waiting included


@dataclass
class OrderWork:
    """A claimed order between intake and routing: its jobs are routed together once all are done."""

    claim: Claim
    order: Order
    jobs: list[Job]
    started: float = field(default_factory=time.perf_counter)


def process_claim(ctx: Context, claim: Claim) -> list[Outcome]:
    """Process every upload of a claimed order, then put the originals away."""
    started = start(ctx, claim)
    if isinstance(started, Outcome):
        return [started]
    for job in started.jobs:
        work(ctx, job)
    return finish(ctx, started)


def start(ctx: Context, claim: Claim) -> OrderWork | Outcome:
    """Read the order and name its files; an order that cannot be read goes to failed/ at once."""
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
        return Outcome("", claim.sidecar.name, State.FAILED, f"{exc.message} (see {folder})")

    flying = ctx.in_flight
    revision = max(ctx.ledger.next_revision(order.order_id), flying.revisions.get(order.order_id, 0) + 1)
    flying.revisions[order.order_id] = revision
    jobs = [Job(order, rule, upload, item, revision) for item, upload in enumerate(claim.uploads, start=1)]
    for job in jobs:
        _timed(choose_names, ctx, job)
        flying.names.update((job.proof_name, job.print_name))
    return OrderWork(claim, order, jobs)


def work(ctx: Context, job: Job) -> Job:
    """The image work on one upload, step by step; any worker process may do it, as it
    touches no ledger and writes only the print file its name was reserved for."""
    with logger.contextualize(order_id=job.order.order_id):
        try:
            for step in STEPS:
                _timed(step, ctx, job)
        except OrderError as exc:  # the upload itself is unusable (empty, cut off, not an image…)
            job.findings.append(Finding("unreadable", Level.FAIL, exc.message))
        except Exception as exc:  # one bad file must never stop the others
            logger.error("{}: internal error\n{}", job.upload.name, traceback.format_exc())
            job.findings.append(Finding(
                "internal_error", Level.FAIL,
                f"podwatch could not finish {job.upload.name} ({type(exc).__name__}: {exc}). "
                "This is a podwatch bug: the files are kept; please report it with the log in .podwatch/logs/.",
            ))
    job.artwork = job.print_image = None  # only the small proof travels back
    return job


def finish(ctx: Context, work_: OrderWork) -> list[Outcome]:
    """Route every job of the order, then put its originals away (main process only)."""
    outcomes = []
    for job in work_.jobs:
        with logger.contextualize(order_id=job.order.order_id):
            outcome = _timed(routing.route, ctx, job)
            outcome.timings, outcome.peak_rss = job.timings, job.peak_rss
            outcome.seconds = time.perf_counter() - work_.started
            logger.debug("{}: {}", job.upload.name, _describe(outcome))
        outcomes.append(outcome)
    routing.put_originals_away(ctx, work_.claim, work_.order, work_.jobs[0].revision,
                               all_failed=all(o.state is State.FAILED for o in outcomes))
    flying = ctx.in_flight
    for job in work_.jobs:
        flying.names.difference_update((job.proof_name, job.print_name))
    if flying.revisions.get(work_.order.order_id) == work_.jobs[0].revision:
        del flying.revisions[work_.order.order_id]
    return outcomes


def _timed(step, ctx: Context, job: Job):
    started = time.perf_counter()
    try:
        return step(ctx, job)
    finally:
        job.timings[step.__name__] = time.perf_counter() - started


def _describe(outcome: Outcome) -> str:
    """Where the time went, for the log: `load 0.21 s, check 0.00 s, … (4.10 s in all, peak memory 312 MB)`."""
    steps = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in outcome.timings.items())
    memory = f", peak memory {outcome.peak_rss / 2**20:.0f} MB" if outcome.peak_rss else ""
    return f"{steps} ({outcome.seconds:.2f} s in all{memory})"


def choose_names(ctx: Context, job: Job) -> None:
    """The order's revision names the files (`_r2`); a clash with any earlier file,
    however it came about, moves on to the next free suffix instead of overwriting."""
    ext = "jpg" if job.rule.output.format == "jpeg" else "png"
    root, n = ctx.root, job.revision
    while True:
        proof, print_ = job.name("proof", "jpg", n), job.name("print", ext, n)
        clash = ctx.ledger.proof_taken(proof) or not ctx.in_flight.names.isdisjoint((proof, print_)) or any(
            (folder / name).exists()
            for folder, name in ((root.review, proof), (root.pending, print_), (root.production, print_))
        )
        if not clash:
            job.proof_name, job.print_name = proof, print_
            return
        n += 1


def load(ctx: Context, job: Job) -> None:
    rule = job.rule
    job.artwork = load_image(
        job.upload, max_pixels=ctx.settings.images.max_pixels,
        target=lambda size: place(size, rule.print_area, rule.fit).size,
    )


def check(ctx: Context, job: Job) -> None:
    job.findings.extend(run_checks(Subject(job.artwork, job.rule, job.order)))


def make_print(ctx: Context, job: Job) -> None:
    job.print_image = print_image(job.artwork.image, job.rule)
    job.artwork = None  # the upload's pixels are not needed past this point


def export_print(ctx: Context, job: Job) -> None:
    if any(f.level is Level.FAIL for f in job.findings):
        return  # a proof still helps the seller see why; no print file is kept
    job.print_path = ctx.root.pending / job.print_name
    rule = job.rule
    export(job.print_image, job.print_path, rule.output, rule.print_area.dpi)


def make_proof(ctx: Context, job: Job) -> None:
    from .proof import render_proof

    job.proof_image = render_proof(
        job.print_image, rule=job.rule, order=job.order, item=job.item, findings=job.findings,
        long_side=ctx.settings.proof.long_side,
    )
    job.print_image = None  # the big image is not needed past this point


STEPS = (load, check, make_print, export_print, make_proof)

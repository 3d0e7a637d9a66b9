"""One order's journey: claimed and named (main process), worked on step by step (steps.py), routed."""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from loguru import logger
from PIL import Image

from podwatch.outputs import routing
from podwatch.background import Removal
from podwatch.checks.blocklist import Blocklist
from podwatch.config.root import Root
from podwatch.config.settings import Settings
from podwatch.errors import OrderError, UnknownProduct
from podwatch.findings import Finding, Level
from podwatch.intake.claims import Claim
from podwatch.outputs.ledger import ItemRow, Ledger, State
from podwatch.prepress.loading import LoadedImage
from podwatch.config.names import render, sanitize, with_revision
from podwatch.config.rule import Rule
from podwatch.config.order import Order, parse_order
from podwatch.running.steps import STEPS
from podwatch.text.fields import FieldText


@dataclass
class InFlight:
    """Names and revisions handed to orders still in work: the ledger only learns of them when
    they are routed, and no second order may get them meanwhile."""

    names: set[str] = field(default_factory=set)
    revisions: dict[str, int] = field(default_factory=dict)


@dataclass
class Context:
    """What every order needs, built once per run; pickled as it is into worker processes."""

    root: Root
    settings: Settings
    rules: dict[str, Rule]
    ledger: Ledger | None  # None in worker processes: only the main process writes the ledger
    blocklist: Blocklist | None = None
    in_flight: InFlight = field(default_factory=InFlight)


@dataclass
class Job:
    """One upload of one order on its way to review/, production/ or failed/."""

    order: Order
    rule: Rule
    upload: Path  # the buyer's file; for a name-only order, the order JSON itself
    item: int
    revision: int
    text_only: bool = False  # no upload: the print is the rule's text on an empty print area
    artwork: LoadedImage | None = None
    text: tuple[FieldText, ...] = ()
    findings: list[Finding] = field(default_factory=list)
    print_image: Image.Image | None = None
    print_path: Path | None = None
    proof_image: Image.Image | None = None
    removal: Removal | None = None

    proof_name: str = ""
    print_name: str = ""
    claim: Claim | None = None  # outputs are staged inside it until the ledger records them
    set_aside: bool = False  # tried MAX_ATTEMPTS times already: routed to failed/ without being worked on
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
    revision: int
    jobs: list[Job]  # the items still to make
    recorded: dict[int, ItemRow]  # items an interrupted run already recorded: only placed
    started: float = field(default_factory=time.perf_counter)


# Processing runs started on one claim before its remaining items are given up: a file
# that crashes podwatch itself (out of memory, a fault in an image library) must not
# make the service restart into the same crash for ever.
MAX_ATTEMPTS = 3


def process_claim(ctx: Context, claim: Claim) -> list[Outcome]:
    """Process every upload of a claimed order, here in this process, then put the originals away."""
    started = start(ctx, claim)
    if isinstance(started, list):
        return started
    for job in started.jobs:
        work(ctx, job)
    return finish(ctx, started)


def start(ctx: Context, claim: Claim) -> OrderWork | list[Outcome]:
    """Read the order and name its files (main process). An order that cannot be read goes to
    failed/ at once, and a claim whose items are all recorded is only finished: both give outcomes.

    Also resumes a claim interrupted by a crash: items the ledger already records
    are only placed, never made again, so each upload gives exactly one item.
    """
    recorded = {row.item: row for row in ctx.ledger.claim_items(claim.id)}
    claim.attempts += 1
    claim.save()
    if recorded and len(recorded) >= len(claim.uploads):  # only the moves were left
        return _finish_recorded(ctx, claim, recorded)
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
        if not claim.uploads and not rule.text:
            raise OrderError(
                f"{claim.sidecar.name} lists no upload, and a {rule.product.name} prints the buyer's artwork "
                "(its rule has no text fields). Add the buyer's file to the inbox and list it in \"files\".",
                claim.sidecar,
            )
    except OrderError as exc:
        folder = routing.fail_order(ctx, claim, sanitize(claim.sidecar.stem), exc.message)
        logger.warning("{}: {}", claim.sidecar.name, exc.message)
        return [Outcome("", claim.sidecar.name, State.FAILED, f"{exc.message} (see {folder})")]

    flying = ctx.in_flight
    if recorded:
        revision = next(iter(recorded.values())).revision
    else:  # an earlier claim of the same order may still be in work, its rows not yet written
        revision = max(ctx.ledger.next_revision(order.order_id), flying.revisions.get(order.order_id, 0) + 1)
    flying.revisions[order.order_id] = max(revision, flying.revisions.get(order.order_id, 0))
    # A name-only order has no upload: its order JSON stands in for one in names and the ledger.
    items = list(enumerate(claim.uploads, start=1)) or [(1, None)]
    jobs = []
    for item, upload in items:
        if item in recorded:
            continue
        job = Job(order, rule, upload or claim.sidecar, item, revision, text_only=upload is None, claim=claim)
        _timed(choose_names, ctx, job)
        flying.names.update((job.proof_name, job.print_name))
        if claim.attempts > MAX_ATTEMPTS:
            _set_aside(job, claim)
        jobs.append(job)
    return OrderWork(claim, order, revision, jobs, recorded)


def work(ctx: Context, job: Job) -> Job:
    """The image work on one upload, step by step. Any worker process may do it: it touches no
    ledger and writes only inside the job's claim (its staging folder), under reserved names."""
    if job.set_aside:
        return job
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
    # Only the small proof travels back from a worker; the big pictures stay behind.
    job.artwork = job.print_image = None
    if job.removal is not None:
        job.removal.image = None
    return job


def finish(ctx: Context, work_: OrderWork) -> list[Outcome]:
    """Record and place every item of the order, in item order, then put its originals away
    (main process only: the ledger row is each item's commit point)."""
    claim, made = work_.claim, {job.item: job for job in work_.jobs}
    outcomes = []
    with logger.contextualize(order_id=work_.order.order_id):
        for item in sorted({*work_.recorded, *made}):
            if item in work_.recorded:
                routing.place_item(ctx, claim, work_.recorded[item])
                outcomes.append(_outcome(work_.recorded[item]))
                continue
            job = made[item]
            outcome = _timed(routing.route, ctx, job)
            outcome.timings, outcome.peak_rss = job.timings, job.peak_rss
            outcome.seconds = time.perf_counter() - work_.started
            logger.debug("{}: {}", job.upload.name, _describe(outcome))
            outcomes.append(outcome)
        all_failed = all(o.state is State.FAILED for o in outcomes)
        routing.put_originals_away(ctx, claim, work_.order.order_id, work_.revision, all_failed)
    flying = ctx.in_flight
    for job in work_.jobs:
        flying.names.difference_update((job.proof_name, job.print_name))
    if flying.revisions.get(work_.order.order_id) == work_.revision:
        del flying.revisions[work_.order.order_id]
    return outcomes


def _finish_recorded(ctx: Context, claim: Claim, recorded: dict[int, ItemRow]) -> list[Outcome]:
    rows = list(recorded.values())
    with logger.contextualize(order_id=rows[0].order_id):
        for row in rows:
            routing.place_item(ctx, claim, row)
        all_failed = all(row.state is State.FAILED for row in rows)
        routing.put_originals_away(ctx, claim, rows[0].order_id, rows[0].revision, all_failed)
    return [_outcome(row) for row in rows]


def _outcome(row: ItemRow) -> Outcome:
    return Outcome(row.order_id, row.source, row.state, row.reason)


def _set_aside(job: Job, claim: Claim) -> None:
    job.set_aside = True
    job.findings.append(Finding(
        "interrupted", Level.FAIL,
        f"podwatch stopped {claim.attempts - 1} times while working on {job.upload.name}, so it was set aside "
        "instead of being tried again. It may be too large for this computer; ask the buyer for a smaller file, "
        "or report it with the log in .podwatch/logs/.",
    ))


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

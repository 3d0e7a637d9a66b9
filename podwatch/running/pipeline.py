"""One order's journey: read and named (main process), worked on step by step (steps.py), routed.

`start` and `finish` run in the main process, which alone holds the ledger (a `Run`); `work`
may run in any worker process, given a `WorkContext` and a `Job`, and returns a `Result`.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from loguru import logger

from podwatch.config.names import render, sanitize, with_revision
from podwatch.config.order import Order, parse_order
from podwatch.config.rule import Rule
from podwatch.errors import DiskFull, OrderError, UnknownProduct
from podwatch.files import is_disk_full
from podwatch.findings import Finding, Level, internal_error
from podwatch.intake.claims import Claim
from podwatch.jobs import Draft, Job, Outcome, Result, Run, State, WorkContext
from podwatch.outputs import routing
from podwatch.outputs.ledger import ItemRow
from podwatch.running.numbering import Known, number_items
from podwatch.running.steps import STEPS


@dataclass
class OrderWork:
    """A claimed order between intake and routing: its jobs are routed together once all are done."""

    claim: Claim
    order: Order
    revision: int
    jobs: list[Job]  # the items still to make
    recorded: dict[int, ItemRow]  # items an interrupted run already recorded: only placed
    started: float = field(default_factory=time.perf_counter)
    results: dict[int, Result] = field(default_factory=dict)  # item -> how its work came out


# Processing runs started on one claim before its remaining items are given up: a file
# that crashes podwatch itself (out of memory, a fault in an image library) must not
# make the service restart into the same crash for ever.
MAX_ATTEMPTS = 3


def process_claim(run: Run, claim: Claim) -> list[Outcome]:
    """Process every upload of a claimed order, here in this process, then put the originals away."""
    started = guarded(run, claim, lambda: start(run, claim))
    if isinstance(started, list):
        return started
    for job in started.jobs:
        started.results[job.item] = work(run.work, job)
    return guarded(run, claim, lambda: finish(run, started))


def guarded(run: Run, claim: Claim, step: Callable[[], T]) -> T | list[Outcome]:
    """`step()`, or, when it raises, what `after_error` makes of it: one order's trouble outside
    the image work (a ledger write, a move) must never stop the others or loop for ever."""
    try:
        return step()
    except Exception as exc:
        if isinstance(exc, DiskFull) or is_disk_full(exc):
            return keep_for_room(run, claim)
        return after_error(run, claim, exc)


def keep_for_room(run: Run, claim: Claim) -> list[Outcome]:
    """A full disk is temporary: the claim stays as it is, this run does not count, and intake pauses."""
    claim.attempts = max(0, claim.attempts - 1)
    try:
        claim.save()
    except OSError:
        pass  # no room even for that: the count is one higher, never lower
    logger.warning("the disk holding {} (or this computer's work area, {}) is full: order {} waits in "
                   ".podwatch/claims/ and is finished once "
                   "there is room; no new orders are taken until then. Free some space (e.g. old archive/ folders).",
                   run.root.path, run.root.work, claim.sidecar.name)
    run.in_flight.kept.append(claim)
    return []


def after_error(run: Run, claim: Claim, exc: Exception) -> list[Outcome]:
    """An unexpected error on `claim`: kept for the next start, or after MAX_ATTEMPTS runs
    sent to failed/ with every file it came with, and the reason in plain words."""
    what = f"{type(exc).__name__}: {exc}".encode("utf-8", "replace").decode("utf-8")
    logger.opt(exception=exc).error("{}: podwatch ran into an error on this order (run {} of {})",
                                    claim.id, claim.attempts, MAX_ATTEMPTS)
    if claim.attempts < MAX_ATTEMPTS:
        logger.warning("{}: kept in .podwatch/claims/; it is tried again at the next start", claim.id)
        return []
    message = (
        f"podwatch ran into an error {claim.attempts} times while working on {claim.sidecar.name} ({what}), "
        "so it was set aside instead of being tried again. Please report it with the log in .podwatch/logs/; "
        "to try once more, drop the order into inbox/ again."
    )
    order_id = _readable_order_id(run, claim)
    folder = routing.fail_order(run, claim, sanitize(claim.sidecar.stem), message, order_id)
    return [Outcome(order_id, claim.sidecar.name, State.FAILED, f"{message} (see {folder})")]


def _readable_order_id(run: Run, claim: Claim) -> str:
    """The order's id when its JSON still reads (the error came later), so `podwatch status ORDER_ID`
    finds the order set aside; empty when it does not."""
    try:
        return parse_order(claim.sidecar, run.settings.intake.max_order_bytes).order_id
    except (OrderError, OSError):
        return ""


def start(run: Run, claim: Claim) -> OrderWork | list[Outcome]:
    """Read the order and name its files (main process). An order that cannot be read goes to
    failed/ at once, and a claim whose items are all recorded is only finished: both give outcomes.

    Also resumes a claim interrupted by a crash: items the ledger already records
    are only placed, never made again, so each upload gives exactly one item.
    """
    recorded = {row.item: row for row in run.ledger.claim_items(claim.id)}
    claim.attempts += 1
    claim.save()
    if recorded and len(recorded) >= len(claim.uploads):  # only the moves were left
        return _finish_recorded(run, claim, recorded)
    order_id = ""  # known once the order JSON reads, so a product typo can be looked up by id
    try:
        order = parse_order(claim.sidecar, run.settings.intake.max_order_bytes)
        order_id = order.order_id
        rule = _rule_for(run, claim, order)
    except OrderError as exc:
        folder = routing.fail_order(run, claim, sanitize(claim.sidecar.stem), exc.message, order_id)
        logger.warning("{}: {}", claim.sidecar.name, exc.message)
        return [Outcome(order_id, claim.sidecar.name, State.FAILED, f"{exc.message} (see {folder})")]
    revision, numbers = _numbering(run, claim, order, rule, recorded)
    # A name-only order has no upload: its order JSON stands in for one in names and the ledger.
    uploads: list[Path | None] = list(claim.uploads) or [None]
    jobs = []
    for item, upload in zip(numbers, uploads, strict=True):
        if item in recorded:
            continue
        proof_name, print_name, preview_name = choose_names(run, order, rule, item, revision)
        run.in_flight.names.update((proof_name, print_name))
        jobs.append(Job(
            order, rule, upload or claim.sidecar, item, revision, proof_name, print_name, run.root.work / claim.id,
            text_only=upload is None, preview_name=preview_name,
            set_aside=claim.attempts > MAX_ATTEMPTS or bool(claim.stopped), stopped=claim.stopped,
        ))
    return OrderWork(claim, order, revision, jobs, recorded)


def _rule_for(run: Run, claim: Claim, order: Order) -> Rule:
    rule = run.rules.get(order.product)
    if rule is None:
        known = ", ".join(sorted(run.rules)) or "none"
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
    return rule


def _numbering(run: Run, claim: Claim, order: Order, rule: Rule, recorded: dict[int, ItemRow]) -> tuple[int, list[int]]:
    """The claim's revision and item numbers: chosen once and kept in the claim, so a resumed claim
    keeps them; a new one follows the ledger and the claims of the same order still in work."""
    count = max(1, len(claim.uploads))
    flying = run.in_flight.items.setdefault(order.order_id, {})
    if claim.numbering:
        revision, numbers = claim.numbering["revision"], list(claim.numbering["items"])
    elif recorded:  # a claim from a version that did not keep its numbering
        revision, numbers = next(iter(recorded.values())).revision, list(range(1, count + 1))
    else:
        known = [Known(row.item, row.revision, row.product) for row in run.ledger.items(order.order_id)]
        known += [Known(item, revision, product) for product, revision, items in flying.values() for item in items]
        revision, numbers = number_items(known, rule.id, count)
        claim.numbering = {"revision": revision, "items": numbers}
        claim.save()
    flying[claim.id] = (rule.id, revision, tuple(numbers))
    return revision, numbers


def work(ctx: WorkContext, job: Job) -> Result:
    """The image work on one upload, step by step. Any worker process may do it: it is given no
    ledger and writes only into the job's staging folder (in this computer's work area, outside the
    synced folder), under the names reserved for it."""
    if job.set_aside:
        return set_aside(job)
    draft = Draft(job)
    with logger.contextualize(order_id=job.order.order_id):
        try:
            for step in STEPS:
                _timed(draft.timings, step, ctx, draft)
        except OrderError as exc:  # the upload itself is unusable (empty, cut off, not an image…)
            draft.findings.append(Finding("unreadable", Level.FAIL, exc.message))
        except Exception as exc:  # one bad file must never stop the others
            if is_disk_full(exc):
                return Result(disk_full=True)
            logger.error("{}: internal error\n{}", job.upload.name, traceback.format_exc())
            draft.findings.append(internal_error(job.upload.name, exc))
    return draft.result()


def finish(run: Run, work_: OrderWork) -> list[Outcome]:
    """Record and place every item of the order, in item order, then put its originals away
    (main process only: the ledger row is each item's commit point)."""
    if any(result.disk_full for result in work_.results.values()):
        raise DiskFull
    claim, made = work_.claim, {job.item: job for job in work_.jobs}
    outcomes = []
    with logger.contextualize(order_id=work_.order.order_id):
        for item in sorted({*work_.recorded, *made}):
            if item in work_.recorded:
                routing.place_item(run, claim, work_.recorded[item])
                outcomes.append(_outcome(work_.recorded[item]))
                continue
            job, result = made[item], work_.results[item]
            outcome = _timed(result.timings, routing.route, run, claim, job, result)
            outcome.timings, outcome.peak_rss = result.timings, result.peak_rss
            outcome.seconds = time.perf_counter() - work_.started
            logger.debug("{}: {}", job.upload.name, _describe(outcome))
            outcomes.append(outcome)
        all_failed = all(o.state is State.FAILED for o in outcomes)
        routing.put_originals_away(run, claim, work_.order.order_id, work_.revision, all_failed)
    flying = run.in_flight
    for job in work_.jobs:
        flying.names.difference_update((job.proof_name, job.print_name))
    order_claims = flying.items.get(work_.order.order_id, {})
    order_claims.pop(claim.id, None)
    if not order_claims:
        flying.items.pop(work_.order.order_id, None)
    return outcomes


def _finish_recorded(run: Run, claim: Claim, recorded: dict[int, ItemRow]) -> list[Outcome]:
    rows = list(recorded.values())
    with logger.contextualize(order_id=rows[0].order_id):
        for row in rows:
            routing.place_item(run, claim, row)
        all_failed = all(row.state is State.FAILED for row in rows)
        routing.put_originals_away(run, claim, rows[0].order_id, rows[0].revision, all_failed)
    return [_outcome(row) for row in rows]


def _outcome(row: ItemRow) -> Outcome:
    return Outcome(row.order_id, row.source, row.state, row.reason)


def set_aside(job: Job) -> Result:
    """The result of a job not worked on again: podwatch stopped on it too often, or past its time."""
    if job.stopped:
        return Result([Finding("timeout", Level.FAIL, job.stopped)])
    return Result([Finding(
        "interrupted", Level.FAIL,
        f"podwatch stopped {MAX_ATTEMPTS} times while working on {job.upload.name}, so it was set aside "
        "instead of being tried again. It may be too large for this computer; ask the buyer for a smaller file, "
        "or report it with the log in .podwatch/logs/.",
    )])


T = TypeVar("T")


def _timed(timings: dict[str, float], step: Callable[..., T], *args: object) -> T:
    started = time.perf_counter()
    try:
        return step(*args)
    finally:
        timings[step.__name__] = time.perf_counter() - started


def _describe(outcome: Outcome) -> str:
    """Where the time went, for the log: `load 0.21 s, check 0.00 s, … (4.10 s in all, peak memory 312 MB)`."""
    steps = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in outcome.timings.items())
    memory = f", peak memory {outcome.peak_rss / 2**20:.0f} MB" if outcome.peak_rss else ""
    return f"{steps} ({outcome.seconds:.2f} s in all{memory})"


def choose_names(run: Run, order: Order, rule: Rule, item: int, revision: int) -> tuple[str, str, str]:
    """The proof's, the print file's and the buyer preview's names (the last empty when the rule makes
    none). The order's revision names the files (`_r2`); a clash with any earlier file, however it
    came about, moves on to the next free suffix instead of overwriting."""
    ext = "jpg" if rule.output.format == "jpeg" else "png"
    root, n = run.root, revision
    while True:
        proof, print_ = _name(order, rule, item, "proof", "jpg", n), _name(order, rule, item, "print", ext, n)
        preview = _name(order, rule, item, "preview", "jpg", n) if rule.preview.buyer else ""
        clash = run.ledger.proof_taken(proof) or not run.in_flight.names.isdisjoint((proof, print_)) or any(
            (folder / name).exists()
            for folder, name in ((root.review, proof), (root.pending, print_), (root.production, print_),
                                 (root.previews, preview or proof))
        )
        if not clash:
            return proof, print_, preview
        n += 1


def _name(order: Order, rule: Rule, item: int, kind: str, ext: str, revision: int) -> str:
    base = render(
        rule.output.name, order_id=order.order_id, product=rule.id,
        variant=order.variant or rule.default_color(), item=item, kind=kind, ext=ext,
        quantity=order.quantity, customer=order.customer.get("name", ""),
    )
    return with_revision(base, revision)

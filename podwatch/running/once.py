"""A run over the root: recover, take what waits in the inbox, act on the seller's decisions."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from loguru import logger

from podwatch.checks.blocklist import Blocklist
from podwatch.config.root import Root
from podwatch.config.rulebook import load_rules
from podwatch.config.settings import load_settings
from podwatch.files import least_free, move_no_clobber, sweep_temp
from podwatch.intake.claims import (
    CLAIM_FILE,
    CLAIMING,
    FAILING,
    Claim,
    DamagedClaim,
    claim,
    load_claim,
    release,
    remove_claim_folder,
)
from podwatch.intake.scan import Candidate, Scan, Waiting, scan_inbox
from podwatch.intake.stability import quiet_for
from podwatch.jobs import Outcome, Run, State, WorkContext
from podwatch.outputs.approval import collect_decisions
from podwatch.outputs.handoff import finish_handoff
from podwatch.outputs.ledger import open_ledger
from podwatch.outputs.routing import fail_order
from podwatch.running.guards import check_folders
from podwatch.running.pipeline import process_claim
from podwatch.shops.mapping import check_products


def open_context(root_path: Path) -> Run:
    """Everything a run needs; a bad podwatch.toml, rule file or folder layout stops here (exit 2)."""
    root = Root(root_path).require()
    check_folders(root)
    settings = load_settings(root.settings_file)
    rules = load_rules(root.rules)
    check_products(settings.shop, rules)
    blocklist = Blocklist.open(root)
    for folder in root.folders():
        folder.mkdir(parents=True, exist_ok=True)
    return Run(WorkContext(root, settings, rules, blocklist), open_ledger(root))



@dataclass
class RunSummary:
    outcomes: list[Outcome] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)
    waiting: list[Waiting] = field(default_factory=list)
    returned: int = 0  # claims put back into the inbox after an interrupted run
    paused: str | None = None  # why no new orders were taken (a full disk), when so

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.state is State.FAILED]

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


def recover(run: Run, summary: RunSummary) -> None:
    """Finish what an interrupted run left, so every order is processed exactly once.

    A claim caught while its files were being renamed in goes back to the inbox
    untouched. A claimed order is resumed: the ledger rows written for it (one per
    item, the commit point) say which items are made and only need placing. Hand-offs
    to production recorded but not finished are finished.
    """
    sweep_temp([run.root.review, run.root.pending, run.root.production])
    # Claims an older podwatch left in .podwatch/work/ are finished where they are.
    claims = [folder for seat in (run.root.claims, run.root.legacy_claims) if seat.is_dir()
              for folder in sorted(seat.iterdir())]
    _clear_work_area(run)
    for folder in claims:
        try:
            _recover_claim(run, folder, summary)
        except Exception:  # one damaged claim must never keep the others (or the service) from starting
            logger.exception("{}: could not be finished now; it stays in .podwatch/claims/", folder.name)
    for handoff in run.ledger.handoffs("moving"):
        logger.warning("{}: the hand-off to production was interrupted; finishing it", Path(handoff.target).name)
        try:
            finish_handoff(run, handoff)
        except Exception:
            logger.exception("{}: the hand-off could not be finished now; it is tried again at the next start",
                             Path(handoff.target).name)


def _clear_work_area(run: Run) -> None:
    """At start, what an interrupted run was writing in this computer's work area goes: only
    podwatch's own files, never yet recorded (an item is moved into its claim before its ledger
    row), so its claim makes them again."""
    import shutil

    for folder in sorted(run.root.work.iterdir()) if run.root.work.is_dir() else []:
        shutil.rmtree(folder, ignore_errors=True)


def _recover_claim(run: Run, folder: Path, summary: RunSummary) -> None:
    if not (folder / CLAIM_FILE).is_file():
        remove_claim_folder(folder)  # cut short before its claim.json: nothing was taken
        return
    try:
        taken = load_claim(folder)
    except DamagedClaim as exc:
        _set_aside(run, folder, str(exc))
        return
    if taken.state == CLAIMING:
        release(taken, run.root.inbox)
        logger.warning("{}: an earlier run was interrupted while taking it; its files are back in inbox/",
                       folder.name)
        summary.returned += 1
    elif taken.state == FAILING:
        failure = taken.failure
        fail_order(run, taken, failure["name"], failure["message"], failure.get("order_id", ""))
    else:
        logger.warning("{}: an earlier run was interrupted while working on it; finishing it", folder.name)
        _report(summary, process_claim(run, taken))


def _set_aside(run: Run, folder: Path, why: str) -> None:
    """A claim podwatch cannot trust goes, untouched, to a folder nothing acts on."""
    damaged = run.root.state / "damaged"
    damaged.mkdir(parents=True, exist_ok=True)
    kept = move_no_clobber(folder, damaged / folder.name)
    logger.error("{} in .podwatch/claims/ was set aside, unread: {}. Nothing in it was moved or run. Look at "
                 "{} and put any order of yours from it back into inbox/ yourself.", folder.name, why, kept)


def intake_paused(run: Run) -> str | None:
    """Why no new order may be taken now, or None: the disk is full, or an order already waits for room."""
    free, where = least_free([run.root.path, run.root.work])
    needed = run.settings.intake.min_free_megabytes * 1e6
    if run.in_flight.kept or (free is not None and free < needed):
        shown = f"{free / 1e6:.0f} MB free" if free is not None else "full"
        return (f"the disk holding {where} is nearly full ({shown}; [intake] min_free_megabytes is "
                f"{needed / 1e6:.0f}): no new orders are taken until there is room; they wait in inbox/")
    return None


def take(run: Run, candidate: Candidate) -> Claim | None:
    """Claim one order; None when it went away meanwhile."""
    try:
        taken = claim(candidate, run.root.inbox, run.root.claims)
    except OSError as exc:  # e.g. no room for its claim.json: the files are still in the inbox
        logger.warning("inbox/{} could not be taken now ({}); it will be tried again", candidate.label, exc)
        return None
    if taken is None:
        logger.info("inbox/{} could not be taken now (moved or in use); it will be tried again", candidate.label)
    return taken


def run_once(run: Run, workers: int | None = None) -> RunSummary:
    """Everything waiting, with `workers` processes (default: `[workers] count`, else one per core)."""
    from podwatch.outputs.hooks import run_due_hooks
    from podwatch.running.workers import Workers, worker_count

    summary = RunSummary()
    recover(run, summary)
    shop_waiting: list[Waiting] = []
    if not intake_paused(run):  # nothing is imported or downloaded while the disk is nearly full
        delay = run.settings.intake.stability_seconds
        shop_waiting = take_shop_orders(run, _quiet_since(time.time(), delay) if delay else None)
    # Imported order JSONs carry their shop file's time, so only files dropped just now are waited for.
    scan = settled_scan(run)
    scan.waiting += shop_waiting
    uploads = sum(max(1, len(candidate.uploads)) for candidate in scan.orders)
    # A lone upload is worked on right here: a worker process would only add its start-up time.
    with Workers(run, min(worker_count(run, workers), uploads) if uploads > 1 else 0) as pool:
        for candidate in scan.orders:
            summary.paused = intake_paused(run)
            if summary.paused is not None:
                break  # what is left waits in the inbox, untouched
            taken = take(run, candidate)
            if taken is not None:
                _report(summary, pool.submit(taken))
        _report(summary, pool.drain())
    if summary.paused:
        logger.warning(summary.paused)
    summary.decisions = collect_decisions(run)
    summary.waiting = scan.waiting
    note_waiting(run, scan.waiting)
    for waiting in scan.waiting:
        logger.info("inbox/{}: {}", waiting.path.name, waiting.reason)
    run_due_hooks(run)
    return summary


def settled_scan(run: Run) -> Scan:
    """What waits in the inbox, once files dropped just before the run have settled.

    `run --once` cannot watch a file, so it judges completeness by modification time. Files
    changed less than `stability_seconds` ago are waited for, up to that delay from the start:
    what was complete when the run began is taken; what is still being written stays "still
    arriving" for the next run.
    """
    delay = run.settings.intake.stability_seconds
    limit = run.settings.intake.max_order_bytes
    if not delay:
        return scan_inbox(run.root.inbox, max_order_bytes=limit)
    deadline = time.time() + delay
    while True:
        now = time.time()
        scan = scan_inbox(run.root.inbox, ready=_quiet_since(now, delay), max_order_bytes=limit)
        arriving = {w.path for w in scan.waiting if w.arriving}
        if not arriving or now >= deadline:
            return scan
        # Wake when the soonest of them would have been quiet long enough (never past the deadline).
        soonest = min((d for path in arriving if (d := delay - quiet_for(path, now)) > 0), default=0.05)
        time.sleep(min(soonest, deadline - now) + 0.01)


def _quiet_since(now: float, delay: float) -> Callable[[Path], bool]:
    return lambda path: quiet_for(path, now) >= delay


def take_shop_orders(run: Run, ready: Callable[[Path], bool] | None,
                     busy: Callable[[Path], bool] | None = None) -> list[Waiting]:
    """Shop files become order JSONs in the inbox, and the pictures they link to are fetched,
    before the inbox is looked at; what cannot be imported yet, and why. `busy`: order JSONs
    already queued to be taken (the service's), whose downloads are left alone."""
    from podwatch.shops.download import fetch_waiting
    from podwatch.shops.importer import import_inbox

    waiting = import_inbox(run, ready)
    fetch_waiting(run.root.inbox, run.settings.shop, busy=busy)
    return waiting


def _report(summary: RunSummary, outcomes: list[Outcome]) -> None:
    log_outcomes(outcomes)
    summary.outcomes.extend(outcomes)


def log_outcomes(outcomes: list[Outcome]) -> None:
    for outcome in outcomes:
        with logger.contextualize(order_id=outcome.order_id or "-"):
            logger.info("{} → {}: {}", outcome.label, outcome.state.value, outcome.message)


def note_waiting(run: Run, waiting: list[Waiting]) -> float | None:
    """Remember since when each file waits for its other half; tell the seller once when
    one waits longer than `pair_timeout_minutes`. Files are never moved for it.
    Returns the seconds until the next one would be overdue."""
    timeout = run.settings.intake.pair_timeout_minutes * 60
    lonely = {str(w.path.relative_to(run.root.inbox)): w for w in waiting if not w.arriving}
    now = time.time()
    due = []
    for rel, (since, reported) in run.ledger.sync_waiting(list(lonely), now).items():
        if reported:
            continue
        if now - since < timeout:
            due.append(since + timeout - now)
            continue
        message = (f"inbox/{rel} has been {lonely[rel].reason} for {(now - since) / 60:.0f} min; "
                   "it is still in the inbox, nothing was moved")
        logger.warning(message)
        run.ledger.log("overdue", message)
        run.ledger.mark_reported(rel)
    return min(due) if due else None

"""`podwatch run`: the long-running hot-folder service a seller starts once and forgets about."""

from __future__ import annotations

import queue
import signal
import threading
import time
from dataclasses import replace
from functools import partial
from pathlib import Path

from loguru import logger

from podwatch.intake.claims import Claim
from podwatch.intake.debris import is_debris
from podwatch.intake.scan import Candidate, scan_inbox
from podwatch.intake.stability import StabilityTracker
from podwatch.jobs import Run
from podwatch.outputs.approval import collect_decisions, decide_path
from podwatch.outputs.hooks import HookRunner
from podwatch.outputs.ledger import Ledger
from podwatch.running.live import Live, summary_line
from podwatch.running.once import RunSummary, intake_paused, log_outcomes, note_waiting, recover, take, take_shop_orders
from podwatch.running.watcher import Watcher, inbox_entries
from podwatch.running.workers import Workers, worker_count

# After an unexpected error in the loop, wait this long before looking again, so a
# problem that repeats (a share gone away) cannot turn into a busy loop.
ERROR_PAUSE = 1.0
# While a full disk pauses intake, how often to look whether there is room again.
PAUSE_LOOK = 30.0


# Wakes the worker thread when a worker process hands a job back.
_COLLECT = object()


class Service:
    """Three threads: watchdog's observer only notes changed paths; this (main) thread
    judges completeness, acts on approvals and queues complete orders; one worker thread
    claims them and feeds their image work to the worker processes, routing each order
    as it comes back; the hook runner hands files over."""

    def __init__(self, run: Run, poll: float | None = None, live: Live | None = None,
                 workers: int | None = None) -> None:
        self.ctx = run
        self.workers = worker_count(run, workers)
        root = run.root
        self.live = live or Live()
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.tracker = StabilityTracker(run.settings.intake.stability_seconds)
        poll = poll if poll is not None else (run.settings.watch.poll_seconds or None)
        self.watcher = Watcher({root.inbox: True, root.approved: False, root.rejected: False, root.review: False},
                               poll, self.wake)
        self.hooks = HookRunner(run)
        self.queue: queue.Queue[Candidate | Claim | object | None] = queue.Queue()
        self.done: queue.Queue[Candidate] = queue.Queue()
        self.in_flight: set[Path] = set()  # inbox entries queued or being processed: never queued twice
        self.processing: str | None = None
        self.worker = threading.Thread(target=self._work, name="podwatch-worker", daemon=True)
        self._waiting = 0
        self._next_overdue: float | None = None
        self._rescan_every = run.settings.watch.rescan_minutes * 60
        self.pause: str | None = None  # why intake is paused (a full disk), while it is

    # The main thread.

    def run(self) -> int:
        self._handle_signals()
        self.watcher.start()  # first, so nothing dropped during the start-up pass is missed
        summary = RunSummary()
        recover(self.ctx, summary)
        self.hooks.start()
        self.worker.start()
        logger.info(
            "watching {} ({}; a file is taken after {:g} s without change; full look every {:g} min). "
            "Ctrl-C or SIGTERM stops.", self.ctx.root.path, self.watcher.mode,
            self.ctx.settings.intake.stability_seconds, self.ctx.settings.watch.rescan_minutes,
        )
        next_rescan = 0.0  # the first tick looks at everything: inbox, approved/, rejected/
        while not self.stopping.is_set():
            try:
                if time.monotonic() >= next_rescan:
                    self._rescan()
                    next_rescan = time.monotonic() + self._rescan_every
                self._tick()
                timeout = self._next_wake(next_rescan)
            except Exception:  # one bad file, one odd event must never stop the service
                logger.exception("unexpected error while watching; carrying on")
                timeout = ERROR_PAUSE
            self.wake.wait(timeout)
            self.wake.clear()
        self._shutdown()
        return 0

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()

    def _handle_signals(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return

        def on_signal(signum, _frame) -> None:
            if self.stopping.is_set():  # asked twice: stop now, the order in hand is resumed next start
                raise KeyboardInterrupt
            logger.info("stopping ({}): finishing the orders in hand, taking no new ones",
                        signal.Signals(signum).name)
            self.stop()

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)

    def _rescan(self) -> None:
        """The full look that catches anything an event missed."""
        self.watcher.check_folders()
        if collect_decisions(self.ctx):  # each decision is logged where it is taken
            self.hooks.wake()
        self._scan(force=True)

    def _tick(self) -> None:
        changed = self.watcher.drain()
        for path in inbox_entries(self.ctx.root.inbox, changed):
            if path not in self.in_flight:
                self.tracker.touch(path)
        decision_folders = (self.ctx.root.approved, self.ctx.root.rejected, self.ctx.root.review)
        for path in changed:
            if path.parent in decision_folders:
                if decide_path(self.ctx, path):
                    self.hooks.wake()
        while not self.done.empty():
            for entry in self.done.get().entries:
                self.in_flight.discard(entry)
                # Gone once claimed; still here if it could not be taken: its clock restarts.
                self.tracker.touch(entry)
        became = self.tracker.refresh()
        overdue = self._next_overdue is not None and time.time() >= self._next_overdue
        if became or overdue:
            self._scan()
        self._show()

    def _scan(self, force: bool = False) -> None:
        inbox = self.ctx.root.inbox
        for entry in inbox.iterdir() if inbox.is_dir() else []:
            if not is_debris(entry.name) and entry not in self.in_flight:
                self.tracker.notice(entry)
        if force:
            self.tracker.refresh(everything=True)
        scan = scan_inbox(inbox, ready=self.tracker.is_stable, max_order_bytes=self.ctx.settings.intake.max_order_bytes)
        if self._paused(scan.orders):
            scan.orders = []
        else:  # nothing imported or downloaded while the disk is nearly full
            scan.waiting += take_shop_orders(self.ctx, self.tracker.is_stable, busy=self.in_flight.__contains__)
        for candidate in scan.orders:
            if any(entry in self.in_flight for entry in candidate.entries):
                continue
            self.in_flight.update(candidate.entries)
            self.queue.put(candidate)
        waiting = [w for w in scan.waiting if w.path not in self.in_flight]
        self._waiting = sum(1 for w in waiting if not w.arriving)
        due = note_waiting(self.ctx, waiting)
        self._next_overdue = None if due is None else time.time() + due

    def _paused(self, waiting: list[Candidate]) -> bool:
        """A full disk pauses intake: said once, looked at again every PAUSE_LOOK seconds; once there
        is room, the orders kept for it are taken up again first."""
        kept = self.ctx.in_flight.kept
        if kept:
            self.ctx.in_flight.kept = []
            if intake_paused(self.ctx) is None:  # room again
                for claim in kept:
                    self.queue.put(claim)
            else:
                self.ctx.in_flight.kept = kept
        why = intake_paused(self.ctx)
        if why and not self.pause:
            logger.warning(why)
        elif self.pause and not why:
            logger.info("there is room on the disk again; taking orders")
        self.pause = why
        return why is not None and bool(waiting)

    def _next_wake(self, next_rescan: float) -> float:
        waits = [next_rescan - time.monotonic()]
        if self.pause:
            waits.append(PAUSE_LOOK)
        if (due := self.tracker.next_due()) is not None:
            waits.append(due + 0.01)
        if self._next_overdue is not None:
            waits.append(self._next_overdue - time.time())
        return max(0.02, min(waits))

    def _show(self) -> None:
        if not self.live.enabled:
            return
        counts = {state.value: n for state, n in self.ctx.ledger.counts().items()}
        self.live.show(summary_line(
            watching=str(self.ctx.root.path), waiting=self._waiting, arriving=self.tracker.settling(),
            processing=self.processing, queued=self.queue.qsize(), counts=counts,
        ))

    def _shutdown(self) -> None:
        self.queue.put(None)
        self.worker.join()  # the orders in hand are finished, not cut off
        self.hooks.stop()
        self.watcher.stop()
        self.live.close()
        logger.info("stopped")

    # The worker thread.

    def _work(self) -> None:
        ledger = Ledger(self.ctx.root.ledger, self.ctx.root.records)  # SQLite connections belong to one thread
        run = replace(self.ctx, ledger=ledger)
        try:
            with Workers(run, self.workers, notify=lambda: self.queue.put(_COLLECT)) as pool:
                while (candidate := self.queue.get()) is not None:
                    if isinstance(candidate, Claim) and not self.stopping.is_set():  # kept for room: resumed
                        self._routed(pool, partial(pool.submit, candidate), candidate.id)
                    elif isinstance(candidate, Claim):
                        pass  # left in .podwatch/claims/: the next start finishes it
                    elif isinstance(candidate, Candidate) and not self.stopping.is_set():
                        self._submit(run, pool, candidate)
                    elif isinstance(candidate, Candidate):  # left for the next start
                        self.done.put(candidate)
                    self._routed(pool, pool.collect)
                self._routed(pool, pool.drain)  # a graceful stop finishes what the workers hold
        finally:
            ledger.close()

    def _submit(self, run: Run, pool: Workers, candidate: Candidate) -> None:
        self.processing = candidate.label
        self.wake.set()
        try:
            taken = take(run, candidate)
        except Exception:  # one odd file must never stop the service
            logger.exception("{}: could not be taken; it will be tried again", candidate.label)
            taken = None
        finally:
            self.done.put(candidate)  # claimed (gone from the inbox) or still there: either way no longer queued
        if taken is not None:
            self._routed(pool, lambda: pool.submit(taken), taken.id)

    def _routed(self, pool: Workers, step, claim_id: str | None = None) -> None:
        try:
            outcomes = step()
        except Exception:
            what = claim_id or "what was in hand"
            logger.exception("could not finish an order; {} is kept in .podwatch/claims/ and finished at the "
                             "next start", what)
            return
        finally:
            if not pool.busy:
                self.processing = None
            self.wake.set()
        if outcomes:
            log_outcomes(outcomes)
            self.hooks.wake()


def serve(run: Run, poll: float | None = None, live: Live | None = None, workers: int | None = None) -> int:
    return Service(run, poll, live, workers).run()

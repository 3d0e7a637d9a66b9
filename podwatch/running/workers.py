"""Worker processes: the image work of many uploads at once, while this process alone writes the
ledger and moves the seller's files."""

from __future__ import annotations

import multiprocessing
import os
import queue
import re
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from loguru import logger

from podwatch.children import end_with_parent
from podwatch.findings import Finding, Level, internal_error
from podwatch.intake.claims import Claim
from podwatch.jobs import Job, Outcome, Result, Run, WorkContext
from podwatch.running import pipeline
from podwatch.running.pipeline import OrderWork

Work = Callable[[WorkContext, Job], Result]


def worker_count(run: Run, requested: int | None = None) -> int:
    """`run --workers N`, else `[workers] count`, else one per core."""
    return requested or run.settings.workers.count or default_count()


def default_count() -> int:
    """One worker per CPU core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


@dataclass(eq=False)
class _Task:
    seq: int
    job: Job
    result: Result | None = None
    done: bool = False
    # Was running when a worker process died: it runs alone from now on, so a second death names it.
    suspect: bool = False
    deadline: float | None = None  # when it is stopped ([workers] job_timeout_seconds), once handed out
    claim: Claim | None = None  # its order's claim, for a job worked on right here (count 0)


@dataclass(eq=False)
class _Order:
    work: OrderWork | list[Outcome]  # outcomes already when the order could not be read, or was all recorded
    tasks: list[_Task]


class Workers:
    """Feeds the jobs of claimed orders to `count` worker processes and routes each order, in the
    order it was claimed, once all its jobs are back; with `count` 0 the work is done right here.

    Results are the same whatever the count: names and revisions are chosen here before any work
    starts, and routing (ledger rows, manifest, moves) happens here, in claim order.
    """

    def __init__(self, run: Run, count: int, work: Work | None = None,
                 notify: Callable[[], None] | None = None) -> None:
        self.run, self.count, self.work = run, count, work or pipeline.work
        self.notify = notify  # called (from another thread) whenever a worker hands a job back
        self._pool: ProcessPoolExecutor | None = None
        self._orders: deque[_Order] = deque()
        self._queue: deque[_Task] = deque()
        self._running: dict[Future, _Task] = {}
        self._seq = 0
        self.timeout = run.settings.workers.job_timeout_seconds
        self._started: Any = None  # the pool's queue of (job seq, unix time) as workers begin jobs
        self._timer: threading.Timer | None = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def submit(self, claim: Claim) -> list[Outcome]:
        """Start a claimed order; returns the outcomes of the orders finished meanwhile.

        Waits while the workers have twice their number of jobs: orders are claimed only
        as fast as they can be worked on, so an interrupted run leaves few claims to finish.
        """
        started = pipeline.guarded(self.run, claim, lambda: pipeline.start(self.run, claim))
        jobs = [] if isinstance(started, list) else started.jobs
        # A job set aside after repeated crashes is not worked on again: it is only routed.
        tasks = [_Task(self._seq + i, job, pipeline.set_aside(job) if job.set_aside else None, done=job.set_aside,
                       claim=claim) for i, job in enumerate(jobs)]
        self._seq += len(tasks)
        self._orders.append(_Order(started, tasks))
        self._queue.extend(task for task in tasks if not task.done)
        self._hand_out()
        while len(self._queue) + len(self._running) > 2 * self.count:
            self._wait()
        return self._route_finished()

    @property
    def busy(self) -> bool:
        """Orders submitted and not yet routed."""
        return bool(self._orders)

    def collect(self) -> list[Outcome]:
        """The outcomes of orders finished so far, without waiting."""
        done = [future for future in self._running if future.done()]
        for future in done:
            self._collect(future)
        self._stop_overdue()
        self._hand_out()
        return self._route_finished()

    def drain(self) -> list[Outcome]:
        """Wait for every order submitted; their outcomes."""
        while self._queue or self._running:
            self._wait()
        return self._route_finished()

    def _hand_out(self) -> None:
        while self._queue and len(self._running) < max(1, self.count):
            if any(task.suspect for task in self._running.values()):
                return
            if self._queue[0].suspect and self._running:
                return
            task = self._queue.popleft()
            job = _with_spare_cores(task.job, alone=not self._queue and not self._running)
            if self.count == 0:
                with _stop_when_overdue(task, self.timeout):
                    task.result, task.done = self.work(self.run.work, job), True
            else:
                future = self._executor().submit(_run, self.work, job, task.seq)
                self._running[future] = task
                if (notify := self.notify) is not None:
                    future.add_done_callback(lambda _future: notify())
        self._remind()

    def _next_look(self) -> float | None:
        """Seconds until a running job may be overdue: its deadline, or soon while one has not said it started."""
        self._note_started()
        deadlines = [task.deadline for task in self._running.values()]
        if not deadlines:
            return None
        if None in deadlines:
            return 0.5
        return max(0.0, min(d for d in deadlines if d is not None) - time.time()) + 0.05

    def _note_started(self) -> None:
        """Each job's clock starts when a worker begins it, not when it is queued (a new worker takes seconds)."""
        while self._started is not None:
            try:
                seq, at = self._started.get_nowait()
            except (queue.Empty, OSError, ValueError):
                return
            for task in self._running.values():
                if task.seq == seq:
                    task.deadline = at + self.timeout

    def _remind(self) -> None:
        """The service's worker thread only looks when told: tell it when the next job may be due."""
        if self.notify is None or (wait_for := self._next_look()) is None:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer = threading.Timer(wait_for, self.notify)
        self._timer.daemon = True
        self._timer.start()

    def _wait(self) -> None:
        if self._running:
            done, _ = wait(self._running, timeout=self._next_look(), return_when=FIRST_COMPLETED)
            for future in done:
                self._collect(future)
            self._stop_overdue()
        self._hand_out()

    def _stop_overdue(self) -> None:
        """A job past its time is stopped and its upload set aside; the jobs that shared the pool
        with it are started again (they did nothing wrong), so the orders behind it flow on."""
        self._note_started()
        now = time.time()
        overdue = [task for task in self._running.values() if task.deadline is not None and now > task.deadline]
        if not overdue:
            self._remind()
            return
        for task in overdue:
            job = task.job
            task.result, task.done = _failed(job, Finding("timeout", Level.FAIL, _overdue(job, self.timeout))), True
        others = [task for task in self._running.values() if not task.done]
        for task in others:
            task.deadline = None
        self._running.clear()
        self._queue = deque(sorted([*self._queue, *others], key=lambda t: t.seq))
        if self._pool is not None:
            # There is no way to stop one job of a process pool: its processes are ended, a new pool follows.
            for process in list(getattr(self._pool, "_processes", {}).values()):
                process.kill()
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def _collect(self, future: Future) -> None:
        task = self._running.pop(future)
        job = task.job
        try:
            task.result, records = future.result()
        except BrokenProcessPool:
            self._pool_died()
            # A worker killed mid-write leaves its temporary print file behind, in the work area.
            for leftover in job.staging.glob(f".{job.print_name}.*.tmp"):
                leftover.unlink(missing_ok=True)
            if not task.suspect:
                task.suspect = True
                self._queue = deque(sorted([*self._queue, task], key=lambda t: t.seq))
                return
            task.result = _failed(job, Finding("worker_crash", Level.FAIL, (
                f"podwatch's image worker stopped abruptly while working on {job.upload.name}, twice; the file "
                "probably trips a bug in an image decoder. The files are kept: ask the buyer for the picture as "
                "a JPEG or PNG, and please report it with the log in .podwatch/logs/.")))
        except Exception as exc:  # e.g. a result that cannot travel back; never stops the other orders
            task.result = _failed(job, internal_error(job.upload.name, exc))
        else:
            with logger.contextualize(order_id=job.order.order_id):
                for level, message in records:
                    logger.log(level, "{}", message)
        task.done = True

    def _pool_died(self) -> None:
        """The other running jobs get their futures failed too; each is retried, alone, on a new pool."""
        if self._pool is not None:
            logger.warning("a worker process died; the uploads it was working on are tried again one at a time")
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn: a fresh interpreter per worker, so no lock, thread or model session is ever
            # shared with this process (or copied from it half-way through a write).
            spawn = multiprocessing.get_context("spawn")
            self._started = spawn.Queue()
            self._pool = ProcessPoolExecutor(
                self.count, mp_context=spawn, initializer=_start_worker, initargs=(self.run.work, self._started),
            )
        return self._pool

    def _route_finished(self) -> list[Outcome]:
        outcomes: list[Outcome] = []
        while self._orders and all(task.done for task in self._orders[0].tasks):
            order = self._orders.popleft()
            if isinstance(order.work, list):
                outcomes += order.work
                continue
            work = order.work
            work.results = {task.job.item: task.result or Result() for task in order.tasks}
            outcomes += pipeline.guarded(self.run, work.claim, partial(pipeline.finish, self.run, work))
        return outcomes


def _overdue(job: Job, seconds: float) -> str:
    return (f"podwatch stopped working on {job.upload.name} after {seconds:g} seconds "
            "([workers] job_timeout_seconds in podwatch.toml), so that the orders behind it are not held up. "
            "The file may be far larger than the print needs or trip a slow decoder: the files are kept; ask "
            "the buyer for a smaller JPEG or PNG, or raise the limit and drop the order into inbox/ again.")


# The exit code of a `run --once` that stopped itself on a job past its time.
STOPPED_OVERDUE = 3


@contextmanager
def _stop_when_overdue(task: _Task, seconds: float) -> Iterator[None]:
    """A job worked on right here (`run --once` with one upload) cannot be stopped on its own: past
    its time, its claim notes why and podwatch ends itself, so a hanging decoder never holds the
    folder (and every later run) for ever. The next run sets the upload aside with those words."""
    def overdue() -> None:
        message = _overdue(task.job, seconds)
        if task.claim is not None:
            task.claim.stopped = message
            task.claim.save()
        logger.error("{}: {} podwatch stops now; the next run puts it in failed/.", task.job.upload.name, message)
        os._exit(STOPPED_OVERDUE)

    timer = threading.Timer(seconds, overdue)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def _failed(job: Job, finding: Finding) -> Result:
    logger.error("{}: {}", job.upload.name, finding.message)
    return Result([finding])


# --- in the worker process ---------------------------------------------------------------

_context: WorkContext | None = None
_started: Any = None
_records: list[tuple[str, str]] = []


def _with_spare_cores(job: Job, alone: bool) -> Job:
    """A job handed out with nothing else running or waiting may deflate its print file on every core
    (a lone order after a quiet spell, `run --once` on one upload); otherwise each worker keeps to one."""
    return replace(job, threads=os.cpu_count() or 1) if alone else job


def _start_worker(ctx: WorkContext, started: Any) -> None:
    global _context, _started
    _context, _started = ctx, started
    # Ctrl-C reaches every process of the terminal; the main process alone decides what stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A main process killed outright (SIGKILL, power cut) must not leave workers writing into a
    # claim that the next start resumes: each worker ends itself when its parent is gone.
    end_with_parent()
    # Log lines travel back with each result and are written by the main process, into its log.
    logger.remove()
    logger.add(lambda message: _records.append((message.record["level"].name, message.record["message"])),
               level="DEBUG", format="{message}")


def _run(work: Work, job: Job, seq: int) -> tuple[Result, list[tuple[str, str]]]:
    assert _context is not None, "a worker process is started by _start_worker"
    _started.put((seq, time.time()))
    _reset_peak_rss()
    result = work(_context, job)
    result.peak_rss = _peak_rss()
    records = _records[:]
    _records.clear()
    return result, records


def _reset_peak_rss() -> None:
    try:  # Linux lets a process reset its high-water mark, so each job's peak is its own
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _peak_rss() -> int:
    """This process's peak resident memory in bytes, since the last reset where that exists."""
    try:
        found = re.search(r"VmHWM:\s*(\d+) kB", Path("/proc/self/status").read_text())
        if found:
            return int(found.group(1)) * 1024
    except OSError:
        pass
    try:
        import resource
    except ImportError:  # Windows
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024

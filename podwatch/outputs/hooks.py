"""The fulfillment hook: the seller's command, run for each print file that reaches production/."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

from loguru import logger

from podwatch.config.names import sanitize
from podwatch.files import write_text
from podwatch.jobs import Run
from podwatch.outputs.ledger import Handoff, ItemRow, Ledger

# How long a stopping service waits for a hook that is running before it ends it; the
# hand-off stays queued and the hook runs again at the next start.
STOP_GRACE = 10.0


# Characters no shell (sh, cmd.exe, PowerShell) gives a meaning to inside a quoted argument.
_SAFE = re.compile(r"[\w .,:/+-]*")


def safe_value(text: str) -> str:
    """`text` when it holds only letters, digits and `. , : / + - _` and spaces; else its file-name form.
    cmd.exe pastes `%VARIABLES%` into the command before running it, so a value from the shared
    folder that reaches the environment must never hold `& | < > ^ % " ( ) !` or a line break."""
    return text if _SAFE.fullmatch(text) else sanitize(text, fallback="")


def hook_env(run: Run, row: ItemRow, order_file: Path) -> dict[str, str]:
    """What the hook gets in its environment: paths podwatch made and values in safe characters only.
    The order as the buyer typed it (personalization, customer, notes) is in the file `order_file`,
    so no buyer text can reach a command line on any system."""
    return {
        "PODWATCH_ROOT": str(run.root.path),
        "PODWATCH_FILE": str(run.root.path / row.print_file),
        "PODWATCH_FILE_NAME": os.path.basename(row.print_file),
        "PODWATCH_MANIFEST": str(run.root.production / "manifest.csv"),
        "PODWATCH_ORDER_FILE": str(order_file),
        "PODWATCH_ORDER_ID": safe_value(row.order_id),
        "PODWATCH_ITEM": str(row.item),
        "PODWATCH_REVISION": str(row.revision),
        "PODWATCH_PRODUCT": safe_value(row.product),
        "PODWATCH_VARIANT": safe_value(row.variant),
        "PODWATCH_QUANTITY": str(row.quantity),
        "PODWATCH_WIDTH_PX": str(row.width_px or ""),
        "PODWATCH_HEIGHT_PX": str(row.height_px or ""),
        "PODWATCH_DPI": str(row.dpi or ""),
        "PODWATCH_SHA256": row.sha256,
        "PODWATCH_APPROVED_AT": safe_value(row.decided_at or ""),
        "PODWATCH_APPROVED_BY": safe_value(row.decided_by),
    }


def order_document(row: ItemRow) -> str:
    """The order file a hook reads: the order JSON as read, and the item as the ledger has it."""
    item = {key: getattr(row, key) for key in (
        "order_id", "item", "revision", "product", "variant", "quantity", "print_file", "sha256",
        "width_px", "height_px", "dpi", "decided_at", "decided_by")}
    return json.dumps({"order": json.loads(row.order_json or "{}"), "item": item}, ensure_ascii=False, indent=2)


def run_hook(run: Run, handoff: Handoff, stopping: threading.Event | None = None) -> None:
    """One attempt: run the command, record the result, schedule a retry or give up."""
    settings = run.settings.production
    row = run.ledger.item(handoff.item_id)
    attempt = handoff.attempts + 1
    order_file = run.root.state / "hooks" / f"order-{row.id}.json"
    with logger.contextualize(order_id=row.order_id):
        try:
            write_text(order_file, order_document(row))
            env = {**os.environ, **hook_env(run, row, order_file), "PODWATCH_ATTEMPT": str(attempt)}
            if sys.platform == "win32":  # cmd.exe must not run a program planted in the folder under a known name
                env["NoDefaultCurrentDirectoryInExePath"] = "1"
            ok, detail = _execute(settings.hook, env, str(run.root.path), settings.hook_timeout_seconds, stopping)
        except Exception as exc:  # cannot even be started: a failed attempt like any other
            ok, detail = False, f"could not be started ({type(exc).__name__}: {exc})"
        finally:
            order_file.unlink(missing_ok=True)
        name = os.path.basename(row.print_file)
        if ok:
            logger.info("hook done for {}", name)
            run.ledger.handoff_state(row.id, "hook", f"hook done for {name}", state="done", attempts=attempt,
                                     last_error="")
        elif detail == "stopped":
            logger.info("hook for {} interrupted by the stop; it runs again at the next start", name)
        elif attempt > settings.hook_retries:
            logger.error("hook failed for {} ({}); gave up after {} attempts: hand the file over yourself",
                         name, detail, attempt)
            run.ledger.handoff_state(row.id, "hook_failed", f"hook gave up after {attempt} attempts: {detail}",
                                     state="hook_failed", attempts=attempt, last_error=detail)
        else:
            wait = settings.hook_retry_seconds * 2 ** (attempt - 1)
            logger.warning("hook failed for {} ({}); trying again in {:.0f} s", name, detail, wait)
            run.ledger.handoff_state(row.id, "hook_retry", f"hook attempt {attempt} failed: {detail}",
                                     attempts=attempt, next_at=time.time() + wait, last_error=detail)


def _execute(command: str, env: dict, cwd: str, timeout: float, stopping: threading.Event | None) -> tuple[bool, str]:
    # The seller's own command from their own settings file: run by their shell, so
    # quoting, pipes and "$PODWATCH_FILE" work as they would typing it.
    process = subprocess.Popen(
        command, shell=True, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, errors="replace", start_new_session=sys.platform != "win32",
    )
    deadline = time.monotonic() + timeout
    stop_deadline = None
    while True:
        try:
            output, _ = process.communicate(timeout=0.2)
            break
        except subprocess.TimeoutExpired:
            if stopping is not None and stopping.is_set() and stop_deadline is None:
                stop_deadline = time.monotonic() + STOP_GRACE
            if time.monotonic() > deadline or (stop_deadline and time.monotonic() > stop_deadline):
                _end(process)
                process.communicate()
                return False, "stopped" if stop_deadline else f"did not finish within {timeout:g} s"
    if process.returncode == 0:
        return True, ""
    last = [line.strip() for line in (output or "").splitlines() if line.strip()][-1:]
    return False, f"exit code {process.returncode}" + (f": {last[0][:300]}" if last else "")


def _end(process: subprocess.Popen) -> None:
    try:
        if sys.platform == "win32":
            process.kill()
        else:
            os.killpg(process.pid, signal.SIGTERM)  # the shell and whatever it started
    except OSError:
        pass


def run_due_hooks(run: Run) -> None:
    """`run --once`: one attempt for each hand-off whose hook is due; retries wait for later runs."""
    if not run.settings.production.hook:
        return
    now = time.time()
    for handoff in run.ledger.handoffs("hook"):
        if handoff.next_at <= now:
            run_hook(run, handoff)


class HookRunner:
    """The service's hook thread: runs due hooks one at a time, never blocking the watcher."""

    def __init__(self, run: Run) -> None:
        self._ctx = run
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="podwatch-hooks", daemon=True)

    def start(self) -> None:
        if self._ctx.settings.production.hook:
            self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=STOP_GRACE + 5)

    def _loop(self) -> None:
        ledger = Ledger(self._ctx.root.ledger, self._ctx.root.records)  # SQLite connections belong to one thread
        run = replace(self._ctx, ledger=ledger)
        try:
            while not self._stopping.is_set():
                now = time.time()
                for handoff in ledger.handoffs("hook"):
                    if self._stopping.is_set():
                        break
                    if handoff.next_at <= now:
                        try:
                            run_hook(run, handoff, self._stopping)
                        except Exception as exc:  # a broken hook must never take the service down
                            logger.exception("the hook could not be run")
                            attempts = handoff.attempts + 1  # every error is a try: it cannot loop for ever
                            gave_up = attempts > run.settings.production.hook_retries
                            ledger.handoff_state(handoff.item_id, "hook_failed" if gave_up else "hook_retry",
                                                 f"hook could not be run: {exc}", attempts=attempts,
                                                 state="hook_failed" if gave_up else "hook",
                                                 next_at=time.time() + 60, last_error=str(exc))
                due = ledger.next_hook_at()
                self._wake.wait(None if due is None else max(0.05, due - time.time()))
                self._wake.clear()
        finally:
            ledger.close()

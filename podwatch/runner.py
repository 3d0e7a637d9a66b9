"""A run over the root: recover, take what waits in the inbox, act on the seller's decisions."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from loguru import logger

from .approval import collect_decisions
from .blocklist import Blocklist
from .config import Root, load_settings
from .intake import CLAIM_FILE, Waiting, claim, load_claim, release, scan_inbox
from .ledger import Ledger, State
from .pipeline import Context, Outcome, process_claim
from .rule import load_rules


def open_context(root_path: Path) -> Context:
    """Everything a run needs; a bad podwatch.toml or rule file stops here (exit 2)."""
    root = Root(root_path).require()
    settings = load_settings(root.settings_file)
    rules = load_rules(root.rules)
    blocklist = Blocklist.open(root)
    for folder in root.folders():
        folder.mkdir(parents=True, exist_ok=True)
    return Context(root, settings, rules, Ledger(root.ledger), blocklist)


@dataclass
class RunSummary:
    outcomes: list[Outcome] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)
    waiting: list[Waiting] = field(default_factory=list)
    returned: int = 0  # claims put back into the inbox after an interrupted run

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.state is State.FAILED]

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


def recover(ctx: Context) -> int:
    """Put back into the inbox anything an interrupted run left in the work area.

    Nothing in the work area was recorded as done (the ledger row and the move to
    archive/ are the last steps), so taking it again processes it exactly once.
    """
    returned = 0
    for folder in sorted(ctx.root.work.iterdir()) if ctx.root.work.is_dir() else []:
        if (folder / CLAIM_FILE).is_file():
            release(load_claim(folder), ctx.root.inbox)
            logger.warning("{}: an earlier run was interrupted; its files are back in inbox/", folder.name)
            returned += 1
    return returned


def run_once(ctx: Context) -> RunSummary:
    summary = RunSummary(returned=recover(ctx))
    scan = scan_inbox(ctx.root.inbox)
    for candidate in scan.orders:
        taken = claim(candidate, ctx.root.inbox, ctx.root.work)
        if taken is None:
            continue
        for outcome in process_claim(ctx, taken):
            order = f"order {outcome.order_id}, {outcome.label}" if outcome.order_id else outcome.label
            logger.info("{} → {}: {}", order, outcome.state.value, outcome.message)
            summary.outcomes.append(outcome)
    summary.decisions = collect_decisions(ctx)
    summary.waiting = scan.waiting
    for waiting in scan.waiting:
        logger.info("inbox/{}: {}", waiting.path.name, waiting.reason)
    return summary

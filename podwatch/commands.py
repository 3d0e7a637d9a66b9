"""What each command does, in terms of the library; the CLI only parses and prints."""

from __future__ import annotations

import argparse
import sys

from loguru import logger

from .cli import resolve_root
from .config import Root, init_root, load_settings
from .errors import ConfigError


def setup_logging(verbose: bool) -> None:
    logger.remove()
    logger.configure(extra={"order_id": "-"})
    logger.add(
        sys.stderr, level="DEBUG" if verbose else "INFO", colorize=None,
        format="<green>{time:HH:mm:ss}</green> <level>{level: <7}</level> {message}",
    )


def log_to_root(root: Root) -> None:
    """Keep a rotated log beside the ledger, so a failed order can be explained later."""
    root.logs.mkdir(parents=True, exist_ok=True)
    logger.add(
        root.logs / "podwatch.log", level="DEBUG", rotation="10 MB", retention=10, encoding="utf-8",
        format="{time:YYYY-MM-DD HH:mm:ss.SSS} {level: <7} [{extra[order_id]}] {message}",
    )


def cmd_init(args: argparse.Namespace) -> int:
    root = Root(args.root)
    if root.path.exists() and not root.path.is_dir():
        raise ConfigError(f"{root.path} exists and is not a folder")
    created = init_root(root.path)
    print(f"podwatch folder ready: {root.path}")
    for path in created:
        print(f"  created {path.relative_to(root.path)}")
    if not created:
        print("  (everything was already there; nothing changed)")
    print(f"\nDrop orders into {root.inbox}, then run: podwatch run --root {root.path} --once")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from .runner import open_context, run_once

    ctx = open_context(resolve_root(args.root))
    log_to_root(ctx.root)
    try:
        summary = run_once(ctx)
    finally:
        ctx.ledger.close()
    _print_summary(ctx.root, summary)
    return summary.exit_code


def _print_summary(root: Root, summary) -> None:
    from .ledger import State

    counts = {state: sum(1 for o in summary.outcomes if o.state is state) for state in State}
    print()
    if summary.outcomes:
        print(
            f"{len(summary.outcomes)} item(s) processed: {counts[State.REVIEW]} to review, "
            f"{counts[State.PRODUCTION]} to production, {counts[State.FAILED]} failed."
        )
    elif not summary.decisions:
        print("Nothing new in inbox/, approved/ or rejected/.")
    for line in summary.decisions:
        print(f"  {line}")
    if counts[State.REVIEW]:
        print(f"Proofs to look at: {root.review}")
    if counts[State.FAILED]:
        print(f"Failed orders (with a .error.txt each): {root.failed}")
    if summary.waiting:
        print(f"{len(summary.waiting)} file(s) still waiting in inbox/ (see `podwatch status`).")


def cmd_check(args: argparse.Namespace) -> int:
    from .bundled import rules_dir
    from .preflight import preflight
    from .rule import load_rules

    root = Root(resolve_root(args.root))
    rules = load_rules(root.rules if root.is_initialised() else rules_dir())
    settings = load_settings(root.settings_file)
    result = preflight(args.file, rules, args.product, args.order, settings.images.max_pixels)
    for finding in result.findings:
        print(f"{finding.level.value.upper():<5} {finding.message}")
    if not result.findings:
        print("No problems found.")
    if result.proof:
        print(f"\nProof: {result.proof}")
    return result.exit_code


def cmd_status(args: argparse.Namespace) -> int:
    from .runner import open_context
    from .status import as_json, as_table

    ctx = open_context(resolve_root(args.root))
    try:
        print(as_json(ctx, args.order_id) if args.json else as_table(ctx, args.order_id))
    finally:
        ctx.ledger.close()
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    from .bundled import rules_dir
    from .rule import load_rules

    root = Root(resolve_root(args.root))
    folder = root.rules if root.is_initialised() else rules_dir()
    rules = load_rules(folder)  # raises ConfigError (exit 2) listing every mistake
    for name, rule in sorted(rules.items()):
        width, height = rule.print_area.size_px
        print(f"ok  {name:<10} {rule.product.name}: {width} x {height} px @ {rule.print_area.dpi} DPI")
    from .frozen import is_frozen

    # Inside the binary the bundled folder is a temporary copy that is gone when podwatch exits.
    where = "built into this podwatch" if is_frozen() and folder == rules_dir() else f"in {folder}"
    print(f"{len(rules)} rule file(s) {where} are valid.")
    return 0

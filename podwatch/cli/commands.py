"""What each command does, in terms of the library; the CLI only parses and prints."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from loguru import logger

from podwatch.cli.main import resolve_root
from podwatch.config.root import Root, init_root
from podwatch.config.settings import load_settings
from podwatch.errors import ConfigError, UsageError
from podwatch.frozen import typed_command


def setup_logging(verbose: bool, json: bool = False) -> None:
    from podwatch.running import logs

    logs.setup(verbose, json=json)


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
    print(f"\nDrop orders into {root.inbox}, then run: {typed_command()} run --root {root.path} --once")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from podwatch.errors import OrderError
    from podwatch.files import move_no_clobber, write_bytes
    from podwatch.running.once import open_context
    from podwatch.shops.importer import ARCHIVE, import_file, unmapped_reason
    from podwatch.shops.lines import BadShopFile

    run = open_context(resolve_root(args.root))
    path: Path = args.file
    if not path.is_file():
        raise UsageError(f"{path} is not a file; give the shop's order file, e.g. EtsySoldOrderItems2024.csv")
    try:
        imported = import_file(run, path)
    except BadShopFile as exc:
        raise OrderError(f"{path.name} cannot be imported: {exc}.", path) from None
    print(imported.summary(path.name))
    for written in imported.written:
        print(f"  inbox/{written.name}")
    if imported.unmapped:
        print("\n" + unmapped_reason(imported.unmapped))
    elif path.resolve().parent == run.root.inbox.resolve():
        move_no_clobber(path, run.root.archive / ARCHIVE / path.name)  # as a run would have done
    else:
        # The seller's file stays where it was; the archive keeps a copy as the record of the import.
        archive = run.root.archive / ARCHIVE
        copy = archive / path.name
        if copy.exists():
            copy = archive / f"{path.stem}_{time.strftime('%Y%m%d-%H%M%S')}{path.suffix}"
        write_bytes(copy, path.read_bytes())
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from podwatch.running import logs
    from podwatch.running.lease import LEASE_FILE, Lease
    from podwatch.running.lock import LOCK_FILE, RunLock
    from podwatch.running.once import open_context, run_once

    if args.once and args.poll:
        raise UsageError("--poll is for the watching service; `run --once` looks once and exits")
    if args.once and args.review:
        raise UsageError("--review serves the desk beside the watching service; use `podwatch review` with --once")
    run = open_context(resolve_root(args.root))
    try:
        # The lease first: on a shared folder, it is what can name the other computer.
        lease = Lease(run.root.state / LEASE_FILE, run.settings.lease.stale_seconds)
        with lease, RunLock(run.root.state / LOCK_FILE):
            if lease.changed_hands:  # another computer may have worked here: its records are the history
                run.ledger.resync(lease.previous)
            live = None
            if not args.once:
                from podwatch.running.live import Live

                live = Live()
                if live.shares_terminal and not args.log_json:
                    logs.setup(args.verbose, write=live.write_above)
            handler = logs.to_root(run.root, run.settings, json=args.log_json)
            try:
                if not args.once:
                    return _serve(run, args, live)
                summary = run_once(run, workers=args.workers)
            finally:
                logger.remove(handler)
    finally:
        run.ledger.close()
    _print_summary(run.root, summary)
    return summary.exit_code


def _serve(run, args: argparse.Namespace, live) -> int:
    """The watching service, with the review desk beside it when asked for."""
    from podwatch.running.service import serve

    desk = None
    if args.review or run.settings.review.serve:
        desk = _desk_server(run.root.path, run.settings.review.port, run.settings.review.lan)
        desk.start()
        desk.announce(browser=sys.stdout.isatty() and not args.log_json)
    try:
        return serve(run, args.poll, live, workers=args.workers)
    finally:
        if desk is not None:
            desk.stop()


def _desk_server(root_path, port: int, lan: bool):
    from podwatch.desk.serve import DeskServer, bind, open_desk

    desk = open_desk(root_path, lan=lan)
    return DeskServer(desk, bind(port, lan))


def cmd_review(args: argparse.Namespace) -> int:
    root = Root(resolve_root(args.root)).require()
    settings = load_settings(root.settings_file)
    port = args.port if args.port is not None else settings.review.port
    server = _desk_server(root.path, port, args.lan or settings.review.lan)
    server.announce(browser=not args.no_browser)
    print("Ctrl-C stops the desk. Approvals reach production/ while `podwatch run` is running on this folder.")
    server.run()
    return 0


def _print_summary(root: Root, summary) -> None:
    from podwatch.outputs.ledger import State

    counts = {state: sum(1 for o in summary.outcomes if o.state is state) for state in State}
    print()
    if summary.outcomes:
        print(
            f"{len(summary.outcomes)} item(s) processed: {counts[State.REVIEW]} to review, "
            f"{counts[State.PRODUCTION]} to production, {counts[State.FAILED]} failed."
        )
    elif not summary.decisions and not summary.waiting:
        print("Nothing new in inbox/, approved/ or rejected/.")
    elif not summary.decisions:
        print("Nothing was ready to take this time.")
    for line in summary.decisions:
        print(f"  {line}")
    if counts[State.REVIEW]:
        print(f"Proofs to look at: {root.review}")
    if (counts[State.REVIEW] or counts[State.PRODUCTION]) and root.previews.is_dir() and any(root.previews.iterdir()):
        print(f"Previews to send your buyers: {root.previews}")
    if counts[State.FAILED]:
        print(f"Failed orders (with a .error.txt each): {root.failed}")
    if summary.waiting:
        arriving = sum(w.arriving for w in summary.waiting)
        print(f"Not taken yet from inbox/: {arriving} still arriving, {len(summary.waiting) - arriving} waiting "
              f"for their other half (`{typed_command()} status` lists each file and why).")
    if summary.paused:
        print(f"Paused: {summary.paused}.")


def cmd_check(args: argparse.Namespace) -> int:
    from podwatch.bundled import rules_dir
    from podwatch.checks.blocklist import Blocklist
    from podwatch.cli.preflight import preflight
    from podwatch.config.rulebook import load_rules

    root = Root(resolve_root(args.root))
    folder = root.rules if root.is_initialised() else rules_dir()
    rules = load_rules(folder)
    settings = load_settings(root.settings_file)
    blocklist = Blocklist.open(root) if root.is_initialised() else Blocklist.bundled()
    # A seller who edited their rules must see when this is not their folder's copy.
    print(f"Using the rules in {folder}" if root.is_initialised() else
          f"{root.path} is not a podwatch folder: using podwatch's bundled rules, not your own edits. "
          "Pass --root with your podwatch folder (or set PODWATCH_ROOT) to check against yours.")
    result = preflight(args.file, rules, args.product, args.order, settings, blocklist)
    for finding in result.findings:
        print(f"{finding.label:<5} {finding.message}")
    if not result.findings:
        print("No problems found.")
    if result.note:
        print(result.note)
    if result.proof:
        print(f"\nProof: {result.proof}")
    return result.exit_code


def cmd_status(args: argparse.Namespace) -> int:
    from podwatch.cli.status import as_json, as_table, open_history

    run = open_history(resolve_root(args.root))
    try:
        print(as_json(run, args.order_id) if args.json else as_table(run, args.order_id))
    finally:
        run.ledger.close()
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    from podwatch.bundled import rules_dir
    from podwatch.config.rulebook import load_rules
    from podwatch.frozen import is_frozen

    root = Root(resolve_root(args.root))
    folder = root.rules if root.is_initialised() else rules_dir()
    if root.is_initialised():  # the settings are read at start too: a mistake there stops it just the same
        load_settings(root.settings_file)
        print(f"ok  {root.settings_file.name}")
    rules = load_rules(folder)  # raises ConfigError (exit 2) listing every mistake
    for name, rule in sorted(rules.items()):
        width, height = rule.print_area.size_px
        fields = f" · {len(rule.text)} text field(s)" if rule.text else ""
        turns = " · either way up" if rule.print_area.orientation == "either" else ""
        print(f"ok  {name:<10} {rule.product.name}: {width} x {height} px @ {rule.print_area.dpi} DPI{turns}{fields}")
    # Inside the binary the bundled folder is a temporary copy that is gone when podwatch exits.
    where = "built into this podwatch" if is_frozen() and folder == rules_dir() else f"in {folder}"
    print(f"{len(rules)} rule file(s) {where} are valid.")
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from podwatch.background.models import checksum, inventory, legacy_home, rembg_home
    from podwatch.bundled import rules_dir
    from podwatch.config.rulebook import load_rules

    root = Root(resolve_root(args.root))
    folder = root.rules if root.is_initialised() else rules_dir()
    entries = inventory(load_rules(folder))
    print(f"rembg looks for models in {rembg_home()} (and the older {legacy_home()}).")
    print("Set U2NET_HOME or REMBG_HOME to use another folder. podwatch never downloads a model.\n")
    missing = 0
    for entry in entries:
        model = entry.model
        users = f"used by: {', '.join(entry.used_by)}" if entry.used_by else "the default; no rule uses it now"
        print(f"{model.setting}  ({users})")
        print(f"  file     {model.path}")
        if not model.usable:
            missing += bool(entry.used_by)
            print(f"  present  {'no' if not model.present else 'yes, but not where rembg loads from'}")
            print(f"  to do    {model.how_to_fix()}")
        else:
            sums = checksum(model.path)
            print(f"  present  yes, {sums.size / 1e6:.1f} MB")
            verdict = ""
            if model.known:
                verdict = "  (matches rembg's release)" if sums.md5 == model.known.md5 else (
                    f"  (differs from rembg's release, {model.known.md5}: damaged or another file)")
            print(f"  md5      {sums.md5}{verdict}")
            print(f"  sha256   {sums.sha256}")
        print()
    return 1 if missing else 0


def cmd_service(args: argparse.Namespace) -> int:
    from podwatch.cli.autostart import Platform, install, plan, status, uninstall
    from podwatch.running.lock import LOCK_FILE, holder, running

    root = Root(resolve_root(args.root))
    if args.service_command == "install":
        root.require()
    platform = Platform.current()
    service = plan(root.path, platform, args.name, getattr(args, "poll", None))
    if args.service_command == "install":
        return install(service, platform, sys.stdout, args.dry_run)
    if args.service_command == "uninstall":
        return uninstall(service, platform, sys.stdout, args.dry_run)
    code = status(service, platform, sys.stdout)
    info = holder(root.state / LOCK_FILE)
    print(f"{running(info, root.path)}." if info else f"No podwatch is running on {root.path} right now.")
    return code

"""The command line: a thin layer that turns library results and errors into words and exit codes."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

# Only argparse at import time: `podwatch --help` must stay instant. Each command
# imports what it needs (Pillow, pydantic, rembg…) when it runs.

EPILOG = """\
examples:
  podwatch init ~/Dropbox/POD          create the folders, settings and editable rules
  podwatch run --root ~/Dropbox/POD --once
                                       process everything waiting, then exit
  podwatch run --root ~/Dropbox/POD    keep watching until Ctrl-C or SIGTERM
  podwatch service install --root ~/Dropbox/POD
                                       start watching with the computer
  podwatch check dog.jpg --product tshirt
                                       preflight one file; moves nothing
  podwatch status 1234                 what happened to order 1234
  podwatch review --root ~/Dropbox/POD open the review desk in the browser

exit codes: 0 ok, 1 some orders failed, 2 bad configuration or usage
"""


def _root_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--root", type=Path, default=None,
        help="the podwatch folder (default: $PODWATCH_ROOT, else the current folder)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="podwatch", description="Preflight, proof and route personalized print-on-demand orders.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="more log detail; tracebacks on errors")
    parser.add_argument("--version", action="version", version=f"podwatch {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    init = commands.add_parser(
        "init", help="create the folder tree, podwatch.toml and an editable copy of the rules",
        description="Create ROOT/inbox, review, approved, rejected, production, failed, archive, a commented "
        "podwatch.toml and ROOT/rules/ with the bundled product rules. Safe to run again: "
        "existing files are never changed.\n\nexample: podwatch init ~/Dropbox/POD",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    init.add_argument("root", type=Path, metavar="ROOT")

    run = commands.add_parser(
        "run", help="process waiting orders and the seller's approvals, then keep watching",
        description="Take every complete order waiting in inbox/, check it, write its print file and proof, "
        "and route it to review/, production/ or failed/. Act on proofs moved into approved/ "
        "or rejected/. Then keep watching those folders until Ctrl-C or SIGTERM (or exit with --once)."
        "\n\nexamples:\n  podwatch run --root ~/Dropbox/POD\n  podwatch run --root ~/Dropbox/POD --once\n"
        "  podwatch run --root /mnt/share/POD --poll 5",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _root_arg(run)
    run.add_argument("--once", action="store_true", help="process what is waiting now, then exit")
    run.add_argument("--workers", type=_positive, metavar="N",
                     help="uploads worked on at once (default: [workers] count in podwatch.toml, else one per core)")
    run.add_argument("--poll", type=_seconds, metavar="SECONDS",
                     help="look for changes every SECONDS instead of waiting for the system's notifications "
                     "(network shares, where those never arrive)")
    run.add_argument("--log-json", action="store_true", help="log one JSON object per line (for log collectors)")
    run.add_argument("--review", action="store_true",
                     help="serve the review desk too (as [review] serve = true in podwatch.toml; port and "
                     "network from [review])")

    review = commands.add_parser(
        "review", help="the review desk: approve, reject and fix proofs in your browser",
        description="Serve a page with every proof waiting in review/ (oldest first), the buyer's upload beside "
        "it, a 100 %% look at the print file, the buyer's text as typed and as printed, and every finding. "
        "Approve (a), Reject with a reason (r), next/previous (j/k), approve every clean item, fix a typo "
        "(podwatch makes the next revision from the same upload), find any order. Each action is the folder "
        "move you would make yourself: a running `podwatch run` hands the print file over within seconds. "
        "Only 127.0.0.1 is served unless --lan is given.\n\n"
        "examples:\n  podwatch review --root ~/Dropbox/POD\n"
        "  podwatch review --root ~/Dropbox/POD --lan     then scan the printed QR code with your phone\n"
        "  podwatch run --root ~/Dropbox/POD --review    the service and the desk in one",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _root_arg(review)
    review.add_argument("--port", type=_port, metavar="N", help="port to serve on (default: [review] port, 8765)")
    review.add_argument("--no-browser", action="store_true", help="do not open the browser; just print the link")
    review.add_argument("--lan", action="store_true",
                        help="serve to the local network too (a phone on the same Wi-Fi), behind a random key in "
                        "the link printed in the terminal (also as a QR code)")

    check = commands.add_parser(
        "check", help="preflight one file against a product rule (moves nothing)",
        description="Load FILE, run every check of the product's rule and write a proof into a temporary "
        "folder. Nothing in your folders is moved or changed.\n\n"
        "example: podwatch check luna.jpg --product tshirt --order 1234.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("file", type=Path, metavar="FILE")
    check.add_argument("--product", required=True, metavar="P", help="rule name, e.g. tshirt or mug")
    check.add_argument("--order", type=Path, metavar="JSON", help="the order JSON, for variant and buyer text")
    _root_arg(check)

    status = commands.add_parser(
        "status", help="show orders, their state and what waits in the inbox",
        description="A table of every order item in the ledger and the files waiting in inbox/.\n\n"
        "example: podwatch status 1234 --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    status.add_argument("order_id", nargs="?", metavar="ORDER_ID", help="show one order with its history")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    _root_arg(status)

    models = commands.add_parser(
        "models", help="list the background-removal models the rules use, and whether each is here",
        description="For every rembg model named in ROOT/rules/*.toml (and the default, u2net): the file "
        "rembg loads, whether it is present, its size, md5 and sha256, and where to download it when it "
        "is missing. Exit 1 when a rule that removes backgrounds lacks its model.\n\n"
        "example: podwatch models --root ~/Dropbox/POD",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _root_arg(models)

    rules = commands.add_parser(
        "rules", help="work with product rule files",
        description="example: podwatch rules check --root ~/Dropbox/POD",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    rules_commands = rules.add_subparsers(dest="rules_command", metavar="ACTION", required=True)
    rules_check = rules_commands.add_parser(
        "check", help="validate every rule file; exit 2 on mistakes",
        description="Validate ROOT/rules/*.toml (or the bundled rules when there is no podwatch folder). "
        "Each mistake is printed as `file: key: what is wrong`.\n\nexample: podwatch rules check",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _root_arg(rules_check)

    service = commands.add_parser(
        "service", help="start podwatch with the computer (systemd, launchd, Task Scheduler)",
        description="example: podwatch service install --root ~/Dropbox/POD",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    service_commands = service.add_subparsers(dest="service_command", metavar="ACTION", required=True)
    for action, summary in [
        ("install", "write and start a per-user service running `podwatch run` for ROOT"),
        ("uninstall", "stop the service and remove its file"),
        ("status", "is the service installed and running?"),
    ]:
        sub = service_commands.add_parser(
            action, help=summary,
            description=f"{summary[0].upper()}{summary[1:]}: a systemd user unit on Linux, a launchd agent on "
            f"macOS, a Scheduled Task on Windows.\n\nexample: podwatch service {action} --root ~/Dropbox/POD",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        _root_arg(sub)
        sub.add_argument("--name", help="service name after `podwatch-` (default: the root folder's name)")
        if action != "status":
            sub.add_argument("--dry-run", action="store_true",
                             help="print what would be written and run; change nothing")
        if action == "install":
            sub.add_argument("--poll", type=_seconds, metavar="SECONDS", help="passed on to `podwatch run`")
    return parser


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return int(text)


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"must be a port number from 0 to 65535, not {text!r}")
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds above 0")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    from podwatch.cli import commands
    from podwatch.errors import PodwatchError

    commands.setup_logging(args.verbose, getattr(args, "log_json", False))
    try:
        return getattr(commands, f"cmd_{args.command}")(args)
    except PodwatchError as exc:
        if args.verbose:
            raise
        print(f"podwatch: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


def resolve_root(arg: Path | None) -> Path:
    if arg is not None:
        return arg
    return Path(os.environ.get("PODWATCH_ROOT") or Path.cwd())


def _version() -> str:
    from podwatch import __version__

    return __version__


if __name__ == "__main__":
    sys.exit(main())

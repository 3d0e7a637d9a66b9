"""Logging with loguru: readable on the console, rotated files under .podwatch/logs/, JSON for machines."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable

from loguru import logger

from podwatch.config.root import Root
from podwatch.config.settings import Settings

CONSOLE_FORMAT = "<green>{time:HH:mm:ss}</green> <level>{level: <7}</level> {extra[tag]}{message}"
FILE_FORMAT = "{time:YYYY-MM-DD HH:mm:ss.SSS} {level: <7} [{extra[order_id]}] {message}"
LOG_FILE, JSON_LOG_FILE = "podwatch.log", "podwatch.json.log"


# Control characters other than the line break: shown as `\x1b`, never acted on by a terminal.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\u2028\u2029]")


def plain(text: str) -> str:
    """`text` safe for one log record: a file name or order value from the shared folder cannot start
    a line that looks like podwatch's own (continuation lines are indented) or steer a terminal."""
    text = _CONTROL.sub(lambda found: ascii(found.group())[1:-1], text)
    return text.replace("\n", "\n    ")


def _tag(record) -> None:
    # Every line carries the order it is about ("-" when none): `logger.contextualize(order_id=…)`.
    order_id = plain(str(record["extra"].setdefault("order_id", "-"))).replace("\n    ", "\\n")
    record["extra"]["order_id"] = order_id
    record["extra"]["tag"] = f"[{order_id}] " if order_id != "-" else ""
    record["message"] = plain(record["message"])


def setup(verbose: bool = False, json: bool = False, write: Callable[[str], None] | None = None) -> None:
    """The console sink: human-readable on stderr (through `write` when a live summary
    shares the terminal), or one JSON object per line with `json`."""
    logger.remove()
    logger.configure(extra={"order_id": "-"}, patcher=_tag)
    level = "DEBUG" if verbose else "INFO"
    if json:
        logger.add(sys.stderr, level=level, serialize=True)
    elif write is not None:
        logger.add(write, level=level, colorize=True, format=CONSOLE_FORMAT)
    else:
        logger.add(sys.stderr, level=level, colorize=None, format=CONSOLE_FORMAT)


def to_root(root: Root, settings: Settings, json: bool = False) -> int:
    """Keep a rotated log beside the ledger, so a failed order can be explained later.
    Returns the handler id, to remove it when the run ends."""
    root.logs.mkdir(parents=True, exist_ok=True)
    return logger.add(
        root.logs / (JSON_LOG_FILE if json else LOG_FILE), level="DEBUG", serialize=json, format=FILE_FORMAT,
        rotation=int(settings.logs.max_megabytes * 1_000_000), retention=settings.logs.keep, encoding="utf-8",
    )

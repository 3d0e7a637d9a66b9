"""Logging with loguru: readable on the console, rotated files under .podwatch/logs/, JSON for machines."""

from __future__ import annotations

import sys
from collections.abc import Callable

from loguru import logger

from podwatch.config.root import Root
from podwatch.config.settings import Settings

CONSOLE_FORMAT = "<green>{time:HH:mm:ss}</green> <level>{level: <7}</level> {extra[tag]}{message}"
FILE_FORMAT = "{time:YYYY-MM-DD HH:mm:ss.SSS} {level: <7} [{extra[order_id]}] {message}"
LOG_FILE, JSON_LOG_FILE = "podwatch.log", "podwatch.json.log"


def _tag(record) -> None:
    # Every line carries the order it is about ("-" when none): `logger.contextualize(order_id=…)`.
    order_id = record["extra"].setdefault("order_id", "-")
    record["extra"]["tag"] = f"[{order_id}] " if order_id != "-" else ""


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

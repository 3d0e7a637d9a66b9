"""The order JSON a seller drops beside each upload (sidecar v1)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from podwatch.config.validation import describe_validation_error
from podwatch.errors import BadSidecar
from podwatch.files import read_no_follow

# Shop orders are a few kilobytes; a long buyer note stays far below this. The seller can raise it.
DEFAULT_MAX_BYTES = 256 * 1024

# An emoji cut in half by a shop's length limit leaves one half of a UTF-16 pair, which no file,
# log or database can store. JSON decodes a complete pair to one character, so any left is alone.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# Line breaks and other control characters: an identifier with them forges log lines.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _one_line(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must be one line of plain text, without line breaks or control characters")
    return value


def mend_text(value: Any) -> Any:
    """`value` with every lone surrogate replaced by U+FFFD, in strings, lists and objects alike."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [mend_text(item) for item in value]
    if isinstance(value, dict):
        return {mend_text(key): mend_text(item) for key, item in value.items()}
    return value


# Real orders nest three or four levels; every later step (validation, the ledger, hooks) walks them.
MAX_DEPTH = 32


class OutOfBounds(BadSidecar):
    """An order JSON too large or too deeply nested to be read as an order."""


def _depth(data: Any) -> int:
    """How deeply lists and objects nest in `data`, counted without recursion."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, level)
            stack.extend((item, level + 1) for item in (value.values() if isinstance(value, dict) else value))
    return deepest


def _as_text(value: Any) -> Any:
    # Shop exports often write order numbers as JSON numbers.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class Order(BaseModel):
    # Unknown keys are the seller's data: kept and passed on, never trusted as paths.
    model_config = ConfigDict(extra="allow", frozen=True)

    order_id: Annotated[str, BeforeValidator(_as_text), Field(min_length=1, max_length=200), AfterValidator(_one_line)]
    product: Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_one_line)]
    variant: Annotated[str, AfterValidator(_one_line)] = ""
    quantity: Annotated[int, Field(ge=1)] = 1
    personalization: dict[str, Any] = {}
    files: list[str] | None = None
    instructions: str = ""
    customer: dict[str, Any] = {}

    @field_validator("files")
    @classmethod
    def _plain_names(cls, files: list[str] | None) -> list[str] | None:
        for name in files or []:
            if not name or "/" in name or "\\" in name or name in (".", "..") or "\x00" in name:
                raise ValueError(f"{name!r} must be a plain file name next to the order JSON, without folders")
        return files

    @property
    def color(self) -> str:
        """The garment colour part of the variant: `black / L` → `black`."""
        return self.variant.split("/")[0].strip()

    def personalization_lines(self) -> list[tuple[str, str]]:
        """Buyer text exactly as typed, for the proof header."""
        return [(str(key), str(value)) for key, value in self.personalization.items()]


def parse_order(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Order:
    """Read a sidecar; every problem becomes a BadSidecar naming the file and what to fix."""
    data = read_order_json(path, max_bytes)
    if not isinstance(data, dict):
        raise BadSidecar(f"{path.name} must hold one JSON object {{...}} with order_id and product.", path)
    try:
        return Order.model_validate(mend_text(data))
    except ValidationError as exc:
        raise BadSidecar(
            describe_validation_error(exc, path.name) + "\nFix the order JSON and drop it into the inbox again.", path
        ) from None


def read_order_json(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
    """The JSON document in `path`, read without following a link, within `max_bytes` and a sane depth."""
    try:
        raw = read_no_follow(path, max_bytes + 1)
    except OSError as exc:
        raise BadSidecar(f"{path.name}: cannot be read ({exc.strerror}).", path) from None
    if len(raw) > max_bytes:
        raise OutOfBounds(
            f"{path.name} is larger than {max_bytes // 1024} KB, far more than an order needs. Check that it is "
            "the order JSON and not another file; if it is, raise [intake] max_order_kilobytes in podwatch.toml "
            "and drop it into the inbox again.", path,
        )
    if not raw.strip():
        raise BadSidecar(f"{path.name} is empty. Export the order again and drop it into the inbox.", path)
    try:
        data = json.loads(raw.decode("utf-8-sig"))
        if _depth(data) > MAX_DEPTH:
            raise RecursionError
        return data
    except RecursionError:
        raise OutOfBounds(
            f"{path.name} is nested too deeply to be an order (lists or objects inside each other thousands of "
            "times). Export the order again and drop it into the inbox.", path,
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise BadSidecar(
            f"{path.name} is not valid JSON{where}: {exc.msg if hasattr(exc, 'msg') else exc}. "
            "Fix the file (a missing comma or quote is the usual cause) and drop it into the inbox again.",
            path,
        ) from None

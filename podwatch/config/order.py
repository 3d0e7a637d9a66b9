"""The order JSON a seller drops beside each upload (sidecar v1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from podwatch.config.validation import describe_validation_error
from podwatch.errors import BadSidecar


def _as_text(value: Any) -> Any:
    # Shop exports often write order numbers as JSON numbers.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class Order(BaseModel):
    # Unknown keys are the seller's data: kept and passed on, never trusted as paths.
    model_config = ConfigDict(extra="allow", frozen=True)

    order_id: Annotated[str, BeforeValidator(_as_text), Field(min_length=1, max_length=200)]
    product: Annotated[str, Field(min_length=1, max_length=100)]
    variant: str = ""
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


def parse_order(path: Path) -> Order:
    """Read a sidecar; every problem becomes a BadSidecar naming the file and what to fix."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BadSidecar(f"{path.name}: cannot be read ({exc.strerror}).", path) from None
    if not raw.strip():
        raise BadSidecar(f"{path.name} is empty. Export the order again and drop it into the inbox.", path)
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise BadSidecar(
            f"{path.name} is not valid JSON{where}: {exc.msg if hasattr(exc, 'msg') else exc}. "
            "Fix the file (a missing comma or quote is the usual cause) and drop it into the inbox again.",
            path,
        ) from None
    if not isinstance(data, dict):
        raise BadSidecar(f"{path.name} must hold one JSON object {{...}} with order_id and product.", path)
    try:
        return Order.model_validate(data)
    except ValidationError as exc:
        raise BadSidecar(
            describe_validation_error(exc, path.name) + "\nFix the order JSON and drop it into the inbox again.", path
        ) from None

"""Turn pydantic's validation errors into `file: dotted.key: what is wrong` lines."""

from __future__ import annotations

import tomllib

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import ErrorDetails


class Strict(BaseModel):
    """The base of every schema a seller writes (rules, podwatch.toml): a typo must be an error,
    never a silently ignored key."""

    model_config = ConfigDict(extra="forbid", frozen=True)

# pydantic's wording, said the way a seller editing a TOML file would say it.
_PLAIN = {
    "greater_than": "must be a positive number",
    "extra_forbidden": "is not a known setting (check the spelling)",
    "missing": "is required",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "bool_parsing": "must be true or false",
    "string_type": "must be text in quotes",
    "list_type": "must be a list, like [\"a\", \"b\"]",
    "string_pattern_mismatch": "must be a dotted key into the order JSON, like \"personalization.name\"",
}


def describe_toml_error(exc: tomllib.TOMLDecodeError, source: str) -> str:
    """A TOML syntax error, with the mistakes that usually cause it."""
    return (f"{source}: not valid TOML ({exc}). The usual causes: text values need quotes "
            '(mode = "contain", not mode = contain); a quote inside a text needs a backslash '
            """(\\") or single quotes around the text (hook = 'rclone copy "$PODWATCH_FILE" partner:in/'); """
            "a [section] or key written twice.")


def describe_validation_error(exc: ValidationError, source: str) -> str:
    lines = []
    for error in exc.errors(include_url=False):
        key = ".".join(str(part) for part in error["loc"]) or "(top level)"
        lines.append(f"{source}: {key}: {_plain(error)}")
    return "\n".join(lines)


def _plain(error: ErrorDetails) -> str:
    kind = error["type"]
    if kind == "greater_than" and error["loc"] and error["loc"][-1] == "dpi":
        return "must be a positive integer"
    if kind in ("int_parsing", "int_from_float") and error["loc"] and error["loc"][-1] == "dpi":
        return "must be a positive integer"
    if kind == "literal_error" or kind == "enum":
        expected = error.get("ctx", {}).get("expected", "")
        return f"must be one of {expected}"
    if kind == "value_error":
        return str(error.get("ctx", {}).get("error", error["msg"]))
    if kind == "greater_than_equal" or kind == "less_than_equal":
        return error["msg"].lower()
    return _PLAIN.get(kind, error["msg"])

"""Reading rule files: TOML, then the schema, then the cross-checks; every mistake reported at once."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from podwatch.config import cross_checks
from podwatch.config.rule import Rule
from podwatch.config.validation import describe_toml_error, describe_validation_error
from podwatch.errors import ConfigError


def load_rule(path: Path) -> Rule:
    """Read and validate one rule file; mistakes become `rules/x.toml: dotted.key: what is wrong`."""
    shown = _shown(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(describe_toml_error(exc, shown)) from None
    except OSError as exc:
        raise ConfigError(f"{shown}: cannot be read ({exc.strerror})") from None
    try:
        rule = Rule.model_validate({**data, "source": str(path)})
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc, shown)) from None
    problems = cross_checks.problems(rule, path.parent)
    if rule.product.id and rule.product.id != path.stem:
        problems.append(f"product.id: is {rule.product.id!r} but the file is named {path.name}; "
                        f"rename the file to {rule.product.id}.toml or change the id")
    if problems:
        raise ConfigError("\n".join(f"{shown}: {problem}" for problem in problems))
    return rule


def load_rules(folder: Path) -> dict[str, Rule]:
    """Every `*.toml` in `folder`; all mistakes in all files are reported together."""
    rules: dict[str, Rule] = {}
    problems: list[str] = []
    for path in sorted(folder.glob("*.toml")):
        try:
            rules[path.stem] = load_rule(path)
        except ConfigError as exc:
            problems.append(str(exc))
    if problems:
        raise ConfigError("\n".join(problems))
    return rules


def _shown(path: Path) -> str:
    # "rules/mug.toml" reads better than an absolute path in a seller's terminal.
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name

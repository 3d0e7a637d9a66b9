"""Cross-checks of a rule file: what its schema alone cannot see, looked at once it is valid.

Each cross-check is one small function registered here, given the rule and the folder its file
is in, yielding `dotted.key: what is wrong` for each mistake. The loader (rulebook.py) runs them
all; the schema (rule.py) knows none of them, so reading a rule imports no check, font or model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from podwatch.background.models import check_model_setting
from podwatch.checks.catalog import check_names
from podwatch.checks.terms import Term
from podwatch.config.rule import Rule
from podwatch.text.fonts import FontNotFound, family, find_font

CrossCheck = Callable[[Rule, Path], Iterator[str]]
CROSS_CHECKS: list[CrossCheck] = []


def cross_check(fn: CrossCheck) -> CrossCheck:
    CROSS_CHECKS.append(fn)
    return fn


def problems(rule: Rule, folder: Path) -> list[str]:
    """Every cross-check's findings on `rule`, in registration order."""
    return [problem for check in CROSS_CHECKS for problem in check(rule, folder)]


@cross_check
def known_checks(rule: Rule, folder: Path) -> Iterator[str]:
    names = check_names()
    unknown = [name for name in rule.checks.disabled if name not in names]
    if unknown:
        yield f"checks.disabled: {', '.join(map(repr, unknown))} is not a check; the checks are: {', '.join(names)}"


@cross_check
def terms_have_words(rule: Rule, folder: Path) -> Iterator[str]:
    for term in rule.checks.blocked_terms:
        try:
            Term.parse(term, "")
        except ValueError as exc:  # "'*' has no letters or digits to look for"
            yield f"checks.blocked_terms: {exc}"


@cross_check
def usable_model(rule: Rule, folder: Path) -> Iterator[str]:
    try:
        check_model_setting(rule.background.model)
    except ValueError as exc:
        yield f"background.model: {exc}"


@cross_check
def boxes_on_the_print_area(rule: Rule, folder: Path) -> Iterator[str]:
    area = rule.print_area
    boxes = [("fit.box", rule.fit.box)] + [(f"text.{i}.box", field.box) for i, field in enumerate(rule.text)]
    for where, box in boxes:
        if box is not None and (box.x + box.width > area.width_in + 1e-9 or box.y + box.height > area.height_in + 1e-9):
            yield (f"{where}: reaches {box.x + box.width:g} x {box.y + box.height:g} in, past the "
                   f"{area.width_in:g} x {area.height_in:g} in print area")


@cross_check
def fonts_are_there(rule: Rule, folder: Path) -> Iterator[str]:
    for i, field in enumerate(rule.text):
        try:
            family(find_font(field.font, folder))  # opened once here, so a broken file stops the start
        except FontNotFound as exc:
            yield f"text.{i}.font: {exc}"

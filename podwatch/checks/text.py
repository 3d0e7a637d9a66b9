"""Buyer text: present, not too long, drawable in its font, big enough to read, visible on the garment."""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Iterator
from datetime import date

from podwatch.checks.registry import Subject, register
from podwatch.colors import contrast_ratio, garment_rgb, is_dark, is_known_color
from podwatch.config.rule import Rule, Transparency
from podwatch.findings import Finding, Level
from podwatch.text import content
from podwatch.text.fields import MAX_TEXT, FieldText
from podwatch.text.fonts import describe, family
from podwatch.text.render import ink_rgb, pick


def _grouped(rule: Rule, fields: Iterable[FieldText],
             same: Callable[[FieldText], Hashable]) -> Iterator[tuple[FieldText, str]]:
    """Fields that would say the same thing (a name printed on both sides of a mug) are reported
    once, naming every field: (first field, "rules/namemug.toml, text.0 and text.2")."""
    groups: dict[Hashable, list[FieldText]] = {}
    for field in fields:
        groups.setdefault((field.field.key, same(field)), []).append(field)
    for alike in groups.values():
        yield alike[0], _where(rule, alike)


def _where(rule: Rule, fields: list[FieldText]) -> str:
    return f"{rule.file_label}, " + " and ".join(f"text.{f.index}" for f in fields)


def _said(field: FieldText) -> str:
    return f'{field.label} "{field.typed}"'


def required(subject: Subject) -> Iterator[Finding]:
    for field, where in _grouped(subject.rule, subject.text, lambda f: f.field.required):
        if field.field.required and field.blank:
            what = f"has no {field.field.key}" if field.typed is None else f"has an empty {field.field.key}"
            yield Finding(
                "text_missing", Level.FAIL,
                f"the order {what}, but every {subject.rule.product.name} prints a {field.label} ({where}). "
                "Ask the buyer for it, add it to the order JSON and drop the order into the inbox again.",
                {"key": field.field.key},
            )


def dates(subject: Subject) -> Iterator[Finding]:
    for field, where in _grouped(subject.rule, subject.text, lambda f: tuple(f.field.date_input)):
        if field.unreadable_date:
            # Examples as a person writes them: "May 1, 2024", not strftime's "May 01, 2024".
            spelled = [p.replace("%d", "%-d") if re.search("%[bB]", p) else p for p in field.field.date_input]
            known = ", ".join(dict.fromkeys(content.format_date(date(2024, 5, 1), p) for p in spelled))
            yield Finding(
                "date_unreadable", Level.FAIL,
                f"{_said(field)} is not a date podwatch can read; it reads dates written like {known} "
                f"(date_input in {where}). Correct the date in the order JSON, or add its format to date_input.",
                {"key": field.field.key},
            )


def length(subject: Subject) -> Iterator[Finding]:
    for field, where in _grouped(subject.rule, subject.text, lambda f: (f.text, f.field.max_chars, f.field.too_long)):
        limit, count = field.field.max_chars, len(field.text)
        if field.too_long_to_lay_out:
            yield Finding(
                "text_too_long", Level.FAIL,
                f"{field.label} is {count} characters long; podwatch prints at most {MAX_TEXT} in one field. "
                "Ask the buyer for a shorter text.",
                {"key": field.field.key, "chars": count},
            )
        elif limit is not None and count > limit:
            yield Finding(
                "text_too_long", Level(field.field.too_long),
                f"{_said(field)} is {count} characters; the {subject.rule.product.name} takes at most {limit} "
                f"(max_chars in {where}). Ask the buyer for a shorter version.",
                {"key": field.field.key, "chars": count, "max_chars": limit},
            )


def glyphs(subject: Subject) -> Iterator[Finding]:
    for field, where in _grouped(subject.rule, subject.text,
                                 lambda f: (f.font, f.fallback, f.missing, f.fallback_chars)):
        font = family(field.font)
        if field.missing:
            neither = f", nor can the fallback {family(field.fallback)}" if field.fallback else ""
            yield Finding(
                "glyphs_missing", Level.FAIL,
                f"{_said(field)}: the font {font} cannot draw {describe(field.missing)}{neither}, so it cannot "
                "be printed (it would come out blank or as an empty box). Ask the buyer whether to leave it out, "
                f"or choose a font that has it in {where}.",
                {"key": field.field.key, "characters": [f"U+{ord(c):04X}" for c in field.missing]},
            )
        if field.fallback_chars:
            yield Finding(
                "font_fallback", Level.INFO,
                f"{_said(field)}: {font} has no {describe(field.fallback_chars)}, so the words with them "
                f"are drawn in {family(field.fallback or field.font)}. Check on the proof that the mix looks right.",
                {"key": field.field.key, "characters": [f"U+{ord(c):04X}" for c in field.fallback_chars]},
            )


def _size_said(f: FieldText) -> Hashable:
    # Whether it fits follows from the size and min_pt.
    return (f.text, f.layout.size_pt if f.layout else None, f.field.min_pt, f.field.box.width, f.field.box.height,
            f.field.max_lines)


def size(subject: Subject) -> Iterator[Finding]:
    for field, where in _grouped(subject.rule, subject.text, _size_said):
        if not field.text or field.too_long_to_lay_out or (field.layout is not None and field.layout.fits):
            continue
        spec, box = field.field, field.field.box
        fix = (f"Ask the buyer for a shorter text, or allow more lines (max_lines = {spec.max_lines}) "
               f"or a smaller min_pt in {where}.")
        if field.layout is None:
            message = f"{_said(field)} does not fit its {box.width:g} x {box.height:g} in box at any size. {fix}"
        else:
            message = (f"{_said(field)} only fits its {box.width:g} x {box.height:g} in box at "
                       f"{field.layout.size_pt:g} pt, below the {spec.min_pt:g} pt minimum: too small to read well. "
                       + fix)
        yield Finding("text_too_small", Level.FAIL, message, {
            "key": spec.key, "size_pt": field.layout.size_pt if field.layout else None, "min_pt": spec.min_pt,
        })


def typing(subject: Subject) -> Iterator[Finding]:
    for field, where in _grouped(subject.rule, subject.text,
                                 lambda f: (f.field.transform, bool(f.field.date_format), f.unreadable_date)):
        if field.blank or field.unreadable_date:
            continue
        typed = field.typed or ""
        spacing = content.spacing(typed)
        tidied = [words for words, seen in (("spaces at the start or end are left out", spacing.outer),
                                            ("double spaces are printed as one", spacing.doubled)) if seen]
        if tidied:
            yield Finding("text_spacing", Level.INFO, f"{_said(field)}: {' and '.join(tidied)}.",
                          {"key": field.field.key})
        ruled = field.field.date_format or field.field.transform != "none"  # the rule decides the case
        oddity = None if ruled else content.case_oddity(typed)
        if oddity:
            yield Finding(
                "text_case", Level.INFO,
                f"{_said(field)} is typed {oddity} and printed as typed. If that is not what the buyer "
                f'wants, correct the order JSON or set transform = "title" in {where}.',
                {"key": field.field.key},
            )


def contrast(subject: Subject) -> Iterator[Finding]:
    rule = subject.rule
    garment = rule.color_for(subject.order)
    flattened = rule.checks.transparency is Transparency.FORBIDDEN or rule.output.format == "jpeg"
    under = rule.background.flatten_onto if flattened else garment
    if not is_known_color(under):
        return  # a size or phone model, not a colour: nothing to compare with
    drawn = [f for f in subject.text if f.layout is not None]
    for field, where in _grouped(rule, drawn,
                                 lambda f: (str(f.field.color), str(f.field.stroke_color), _stroke_px(f) > 0)):
        ink = pick(field.field.color, garment)
        ratio = contrast_ratio(ink_rgb(ink), garment_rgb(under))
        if _stroke_px(field):
            ratio = max(ratio, contrast_ratio(ink_rgb(pick(field.field.stroke_color, garment)), garment_rgb(under)))
        if ratio < rule.checks.min_text_contrast:
            better = "white" if is_dark(garment_rgb(under)) else "black"
            yield Finding(
                "text_low_contrast", Level.WARN,
                f"{field.label}: {ink} text on {under} has a contrast of {ratio:.1f}:1 (below "
                f"{rule.checks.min_text_contrast:g}:1) and will be hard to read. Give the field a colour for "
                f'{under} in {where}, e.g. color = {{default = "{ink}", "{under}" = "{better}"}}, or a stroke.',
                {"key": field.field.key, "contrast": round(ratio, 2)},
            )


def unused(subject: Subject) -> Iterator[Finding]:
    """Buyer text the rule prints nowhere: the seller must make sure the artwork carries it."""
    printed = {field.field.key for field in subject.text}
    for key, value in subject.order.personalization.items():
        typed = content.as_text(value)
        if f"personalization.{key}" not in printed and typed and typed.strip():
            yield Finding(
                "text_not_printed", Level.INFO,
                f"the buyer typed {key} = \"{typed}\", but this product's rule has no "
                f"[[text]] field for personalization.{key}, so podwatch does not print it. "
                "Check that the artwork already shows it, or add a text field to the rule.",
                {"key": f"personalization.{key}"},
            )


def _stroke_px(field: FieldText) -> int:
    return field.layout.stroke_px if field.layout else 0


# In the order they report (registry.register says why not a decorator).
register("text_required", required, needs_artwork=False)
register("text_date", dates, needs_artwork=False)
register("text_length", length, needs_artwork=False)
register("text_glyphs", glyphs, needs_artwork=False)
register("text_size", size, needs_artwork=False)
register("text_typing", typing, needs_artwork=False)
register("text_contrast", contrast, needs_artwork=False)
register("text_unused", unused, needs_artwork=False)

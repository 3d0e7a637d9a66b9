"""Output names: one template for every file an order produces, every value made safe."""

from __future__ import annotations

import re
import string
import unicodedata
from pathlib import Path

DEFAULT_TEMPLATE = "{order_id}_{product}_{variant}_{item}_{kind}.{ext}"
FIELDS = frozenset({"order_id", "product", "variant", "item", "kind", "ext", "quantity", "customer"})
MAX_COMPONENT = 60  # per value; whole names stay far below every filesystem's 255 bytes

# Windows refuses these as file names whatever the extension.
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
# What may survive inside one value: letters and digits of any script, and a few joiners.
# Path separators, dots (so no `..`), control characters, spaces and shell/Windows
# specials ( <>:"|?* ) all become a dash.
_UNSAFE = re.compile(r"[^\w\-+]+", re.UNICODE)


def check_template(template: str) -> None:
    """Refuse templates with unknown fields, attribute access or format specs (ValueError)."""
    for _literal, field, spec, conversion in string.Formatter().parse(template):
        if field is None:
            continue
        if field not in FIELDS or spec or conversion:
            raise ValueError(
                f"name template {template!r}: {{{field}}} is not allowed; use only "
                + ", ".join(f"{{{name}}}" for name in sorted(FIELDS))
            )
    if "/" in template or "\\" in template:
        raise ValueError(f"name template {template!r}: must not contain folder separators")


def sanitize(value: object, fallback: str = "x") -> str:
    """One safe file-name component: NFC, no separators or dots, bounded length."""
    text = unicodedata.normalize("NFC", str(value))
    text = _UNSAFE.sub("-", text).strip("-_")
    text = re.sub(r"-{2,}", "-", text)[:MAX_COMPONENT].strip("-_")
    if not text:
        return fallback
    if text.upper() in _RESERVED:
        text = f"{text}-"
    return text


def render(template: str, **values: object) -> str:
    """Fill `template` with sanitised values; `ext` is kept as a plain lower-case suffix."""
    safe = {key: sanitize(value) for key, value in values.items() if key != "ext"}
    safe["ext"] = sanitize(values.get("ext", "png")).lower()
    for field in FIELDS:
        safe.setdefault(field, "x")
    return template.format_map(safe)


def with_revision(name: str, revision: int) -> str:
    """`1234_mug_white_1_proof.jpg` → `1234_mug_white_1_proof_r2.jpg` for revision 2."""
    if revision <= 1:
        return name
    stem, dot, ext = name.rpartition(".")
    return f"{stem}_r{revision}.{ext}" if dot else f"{name}_r{revision}"


def free_name(folder: Path, name: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """`name`, or the first `_rN` variant of it that is not in `folder` or `taken`."""
    candidate, n = name, 1
    while (folder / candidate).exists() or candidate in taken:
        n += 1
        candidate = with_revision(name, n)
    return candidate

"""The seller's `[shop]` mapping applied to a shop line: which product it is, and the order JSON it becomes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from podwatch.config.names import sanitize
from podwatch.config.rule import Rule
from podwatch.config.settings import ShopProduct, ShopSettings
from podwatch.errors import ConfigError
from podwatch.shops.lines import ZERO_WIDTH, ShopLine

SKIP = "skip"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".tif", ".tiff", ".gif")


@dataclass
class Planned:
    """A shop line ready to become `inbox/<name>`: its order JSON, whose `download` names the
    pictures to fetch (download.py keeps each one's state there)."""

    line: ShopLine
    name: str  # the order JSON's file name in the inbox
    order: dict[str, Any]

    def json_text(self) -> str:
        return json.dumps(self.order, indent=2, ensure_ascii=False) + "\n"


@dataclass
class Unmapped:
    """A shop line no `[[shop.products]]` entry matches; `hint` is the entry to add."""

    line: ShopLine
    hint: str


def check_products(shop: ShopSettings, rules: dict[str, Rule]) -> None:
    """A mapping to a product without a rule file stops podwatch at start, like a mistake in a rule."""
    for n, entry in enumerate(shop.products):
        if entry.product != SKIP and entry.product not in rules:
            known = ", ".join(sorted(rules)) or "none"
            raise ConfigError(
                f"podwatch.toml: shop.products.{n}.product: {entry.product!r} has no rule file "
                f"(rules/{sanitize(entry.product)}.toml). Known products: {known}, or \"skip\".")


def buyer_labels(shop: ShopSettings) -> set[str]:
    return {_plain(label) for label in shop.fields}


def plan(line: ShopLine, shop: ShopSettings, rules: dict[str, Rule], source: str) -> Planned | Unmapped | None:
    """What to do with one line: an order to write, a mapping to ask for, or None (mapped to "skip")."""
    match = next((p for p in shop.products if _matches(p, line)), None)
    if match is None:
        return Unmapped(line, _hint(line))
    if match.product == SKIP:
        return None
    stem = sanitize(line.order_id)
    personalization, variant, hidden = _split(line, {_plain(k): v for k, v in shop.fields.items()})
    order: dict[str, Any] = {
        "order_id": line.order_id, "product": match.product, "variant": line.variant or " / ".join(variant),
        "quantity": line.quantity, "personalization": personalization, "instructions": line.instructions,
        "customer": {"name": line.buyer} if line.buyer else {},
        # The shop's ids, for the seller's records; never the buyer's address.
        "shop": {"name": line.shop, "order": line.order, "line": line.line_id, "position": line.position,
                 "sku": line.sku, "listing_id": line.listing_id, "title": line.title, "file": source,
                 **({"hidden": hidden} if hidden else {}), **line.extra},
    }
    rule = rules.get(match.product)
    # No rule only in `podwatch status`, which loads none and writes nothing (a run refuses a mapping
    # to a product without a rule at start, check_products).
    takes = rule.product.upload if rule else "optional"
    if line.uploads and takes != "none":
        many = len(line.uploads) > 1
        downloads = {f"{stem}-{n}{_suffix(url)}" if many else f"{stem}{_suffix(url)}": url
                     for n, url in enumerate(line.uploads, start=1)}
        order["files"] = list(downloads)
        order["download"] = {name: {"url": url} for name, url in downloads.items()}
    elif takes != "required":
        order["files"] = []  # made from the buyer's text alone
    # else no "files": the order waits for `<order id>.jpg` (or .png…), as any order JSON does
    return Planned(line, f"{stem}.json", order)


def _matches(product: ShopProduct, line: ShopLine) -> bool:
    if product.sku is not None and product.sku.strip().lower() != line.sku.strip().lower():
        return False
    if product.listing_id is not None and product.listing_id.strip() != line.listing_id.strip():
        return False
    return product.title is None or product.title.strip().lower() in line.title.lower()


def _split(line: ShopLine, fields: dict[str, str]) -> tuple[dict[str, str], list[str], dict[str, str]]:
    """Mapped labels and the buyer's own answers → personalization; other choices → variant;
    hidden app data kept aside. A second field mapped to a taken key gets `name_2`."""
    personalization: dict[str, str] = {}
    variant: list[str] = []
    hidden: dict[str, str] = {}
    for option in line.options:
        if option.is_url and option.value.strip() in line.uploads:
            continue  # the picture itself: downloaded, not printed as text
        key = fields.get(_plain(option.label))
        if key is None and option.hidden:
            hidden[option.label.lstrip("_")] = option.value
            continue
        if key is None and not option.buyer_text:
            variant.append(option.value.strip())
            continue
        key = key or option.plain_label or "text"
        unique, n = key, 1
        while unique in personalization:
            n += 1
            unique = f"{key}_{n}"
        personalization[unique] = option.value  # exactly as the buyer typed it
    return personalization, variant, hidden


def _plain(label: str) -> str:
    return label.replace(ZERO_WIDTH, "").strip().lstrip("_").strip().lower()


def _suffix(url: str) -> str:
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
    return suffix if suffix in IMAGE_SUFFIXES else ".jpg"  # corrected to what the download holds


def _hint(line: ShopLine) -> str:
    key, value = ("sku", line.sku) if line.sku else ("listing_id", line.listing_id) if line.listing_id else (
        "title", line.title)
    title = f"  # {line.title}" if line.title and key != "title" else ""
    return (f"[[shop.products]]\n{key} = {json.dumps(value, ensure_ascii=False)}{title}\n"
            'product = "..."   # a rule name, or "skip"')

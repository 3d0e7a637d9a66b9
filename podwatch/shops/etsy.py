"""Etsy: the "Order Items" CSV from Shop Manager and Open API v3 receipts."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import Any

from podwatch.shops.lines import BadShopFile, Option, ShopLine, as_text, quantity

# The columns every EtsySoldOrderItems export has, US and UK alike (the UK one renames only
# the address and shipping columns, which podwatch never reads).
CSV_COLUMNS = ("Order ID", "Transaction ID", "Listing ID", "Item Name", "Quantity", "Variations")
NOT_REQUESTED = "Not requested on this item."
# Etsy's property id for the buyer's personalization answers (one per question, up to five).
PERSONALIZATION_PROPERTY = 54
# Where a new `Name:` pair may start inside Variations: after a comma, a label without commas,
# colons or line breaks. Nothing in Variations is escaped, so buyer text can hold all three.
_PAIR = re.compile(r",([^,:\n]{1,60}):")
_FIRST = re.compile(r"([^,:\n]{1,60}):")
_USERNAME = re.compile(r"\s*\([^()]*\)\s*$")
# Etsy's own variation names (and sellers' common ones): one of these after a comma ends a buyer's
# text even when it comes first, as in `Personalization:Anna,Primary color:Black`.
VARIATION_LABELS = {
    "color", "colour", "primary color", "secondary color", "size", "style", "material", "finish", "length",
    "width", "height", "pattern", "scent", "flavor", "fabric", "font", "design", "type", "quantity",
    "dimensions", "device", "model", "personalization option",
}


def is_order_items_csv(header: list[str]) -> bool:
    return all(column in header for column in CSV_COLUMNS)


def read_csv(text: str, buyer_labels: set[str]) -> list[ShopLine]:
    """Every row of an Order Items export; `buyer_labels` (lower case) are the labels whose value
    is the buyer's text, which alone may run on past commas, colons and line breaks."""
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    # The labels other rows of the same export use for their choices end a buyer's text too.
    seen = {o.label.lower() for row in rows for o in split_variations(row.get("Variations") or "", buyer_labels)
            if not o.buyer_text}
    ends = buyer_labels | seen | VARIATION_LABELS
    orders: dict[str, list[dict[str, str]]] = {}
    for number, row in enumerate(rows, start=2):
        if not (row.get("Order ID") or "").strip() or not (row.get("Transaction ID") or "").strip():
            raise BadShopFile(f"row {number} has no Order ID or Transaction ID; download the export from Etsy again")
        orders.setdefault(row["Order ID"].strip(), []).append(row)
    lines = []
    for order, items in orders.items():
        items.sort(key=lambda row: _numeric(row["Transaction ID"]))
        for position, row in enumerate(items, start=1):
            options = tuple(split_variations(row.get("Variations") or "", buyer_labels, ends))
            lines.append(ShopLine(
                "etsy", order, row["Transaction ID"].strip(), position, len(items),
                title=(row.get("Item Name") or "").strip(), sku=(row.get("SKU") or "").strip(),
                listing_id=(row.get("Listing ID") or "").strip(), quantity=quantity(row.get("Quantity")),
                buyer=_USERNAME.sub("", row.get("Buyer") or "").strip(),
                options=options, uploads=tuple(o.value for o in options if o.buyer_text and o.is_url),
            ))
    return lines


def split_variations(text: str, buyer_labels: set[str], ends: set[str] | None = None) -> list[Option]:
    """`Color:Black,Personalization:The Bradys\\n50 South Circle Dr\\nManila, UT 84046` → two options.

    Inside a buyer's text only a known label (`ends`, lower case: mapped ones, variation names) ends
    it, so "Love, Mom: forever" stays one answer; elsewhere (Color, Size) any `,Label:` starts the next."""
    ends = buyer_labels if ends is None else ends
    if not text.strip():
        return []
    first = _FIRST.match(text)
    if first is None:
        return [Option("Variations", text.strip())]
    options = []
    label, start = first.group(1), first.end()
    while True:
        buyer = _is_buyer_label(label, buyer_labels)
        nxt = next((m for m in _PAIR.finditer(text, start)
                    if not buyer or m.group(1).strip().lower() in ends), None)
        value = text[start:nxt.start() if nxt else len(text)]
        if value.strip() != NOT_REQUESTED:
            options.append(Option(label.strip(), value.strip(), buyer_text=buyer))
        if nxt is None:
            return options
        label, start = nxt.group(1), nxt.end()


def _is_buyer_label(label: str, buyer_labels: set[str]) -> bool:
    plain = label.strip().lower()
    return plain in buyer_labels or "personali" in plain  # Personalization, Personalisation (UK)


def _numeric(value: str) -> tuple[int, str]:
    value = value.strip()
    return (int(value), "") if value.isdigit() else (0, value)


def is_receipts(data: Any) -> bool:
    """`getShopReceipt` (one receipt) or `getShopReceipts` (`{"count", "results": [...]}`)."""
    receipts = data.get("results") if isinstance(data, dict) and "results" in data else [data]
    return isinstance(receipts, list) and bool(receipts) and all(
        isinstance(r, dict) and "receipt_id" in r and isinstance(r.get("transactions"), list) for r in receipts)


def read_receipts(data: Any) -> list[ShopLine]:
    receipts = data["results"] if "results" in data else [data]
    return [line for receipt in receipts for line in _receipt_lines(receipt)]


def _receipt_lines(receipt: dict[str, Any]) -> Iterable[ShopLine]:
    items = [t for t in receipt["transactions"] if isinstance(t, dict)]
    order = as_text(receipt["receipt_id"])
    for position, item in enumerate(items, start=1):
        options = tuple(_variation(v) for v in item.get("variations") or [] if isinstance(v, dict))
        options = tuple(o for o in options if o.value and o.value != NOT_REQUESTED)
        line_id = as_text(item.get("transaction_id"))
        if not line_id:
            raise BadShopFile(f"receipt {order} has a transaction without a transaction_id; fetch it from Etsy again")
        yield ShopLine(
            "etsy", order, line_id, position, len(items), title=as_text(item.get("title")),
            sku=as_text(item.get("sku")), listing_id=as_text(item.get("listing_id")),
            quantity=quantity(item.get("quantity")), buyer=as_text(receipt.get("name")),
            options=options, instructions=as_text(receipt.get("message_from_buyer")).strip(),
            uploads=tuple(o.value.strip() for o in options if o.buyer_text and o.is_url),
        )


def _variation(variation: dict[str, Any]) -> Option:
    buyer = variation.get("property_id") == PERSONALIZATION_PROPERTY
    return Option(as_text(variation.get("formatted_name")).strip() or "Personalization",
                  as_text(variation.get("formatted_value")), buyer_text=buyer)

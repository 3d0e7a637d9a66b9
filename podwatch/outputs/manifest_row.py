"""One manifest.csv row: what a print partner and the seller's support need about a print file."""

from __future__ import annotations

from podwatch.config.order import Order
from podwatch.config.rule import Rule
from podwatch.outputs.ledger import ItemRow
from podwatch.text.content import as_text, lookup, printed_text

# The order JSON keys read for the shop's own order (receipt) number and the ship-by date,
# first found wins; documented in the README's manifest table.
SHOP_ORDER_KEYS = ("shop_order_id", "receipt_id")
SHIP_BY_KEYS = ("ship_by",)
# Every cell is made safe for a spreadsheet where it is written: handoff.spreadsheet_safe.


def manifest_values(row: ItemRow, rule: Rule | None) -> dict[str, str]:
    """The buyer's side of the row: the text as printed, the buyer's name, the shop's order number
    and the ship-by date (empty where the order JSON gives none)."""
    order = Order.model_validate_json(row.order_json) if row.order_json not in ("", "{}") else None
    if order is None:
        return {"printed_text": "", "buyer_name": "", "shop_order": "", "ship_by": ""}
    extra = order.model_extra or {}
    return {
        "printed_text": printed(order, rule),
        "buyer_name": as_text(order.customer.get("name")) or "",
        "shop_order": next((as_text(extra[key]) or "" for key in SHOP_ORDER_KEYS if key in extra), ""),
        "ship_by": next((as_text(extra[key]) or "" for key in SHIP_BY_KEYS if key in extra), ""),
    }


def printed(order: Order, rule: Rule | None) -> str:
    """Each text field as it prints, `name: Luna | date: May 1, 2024`; a field printed twice
    (both sides of a mug) is given once."""
    if rule is None:
        return ""
    data = order.model_dump()
    seen: dict[tuple[str, str], None] = {}  # in the rule's order, each (label, text) once
    for field in rule.text:
        typed = as_text(lookup(data, field.key))
        text = printed_text(field, typed) if typed and typed.strip() else None
        if text:
            seen.setdefault((field.label or field.key.rsplit(".", 1)[-1], text), None)
    return " | ".join(f"{label}: {text}" for label, text in seen)

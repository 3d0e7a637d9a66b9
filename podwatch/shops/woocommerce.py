"""WooCommerce: an order from the REST API v3 (a webhook body or `GET /wp-json/wc/v3/orders/<id>`)."""

from __future__ import annotations

from typing import Any

from podwatch.shops.lines import BadShopFile, Option, ShopLine, as_text, quantity


def is_order(data: Any) -> bool:
    orders = data if isinstance(data, list) else [data]
    return bool(orders) and all(
        isinstance(o, dict) and isinstance(o.get("line_items"), list)
        and all(isinstance(i, dict) and "meta_data" in i for i in o["line_items"]) for o in orders)


def read_orders(data: Any) -> list[ShopLine]:
    """One order, or a list of them (an export or `GET /orders`)."""
    return [line for order in (data if isinstance(data, list) else [data]) for line in _order_lines(order)]


def _order_lines(order: dict[str, Any]) -> list[ShopLine]:
    number = as_text(order.get("number")) or as_text(order.get("id"))
    if not number:
        raise BadShopFile("the order has no number or id; export the whole order from WooCommerce")
    billing = order.get("billing")
    billing = billing if isinstance(billing, dict) else {}
    buyer = " ".join(as_text(billing.get(k)).strip() for k in ("first_name", "last_name")).strip()
    items = order["line_items"]
    lines = []
    for position, item in enumerate(items, start=1):
        line_id = as_text(item.get("id"))
        if not line_id:
            raise BadShopFile(f"line {position} of order {number} has no id; export the whole order again")
        options = tuple(_meta(meta) for meta in item.get("meta_data") or [] if isinstance(meta, dict))
        options = tuple(o for o in options if o.value.strip())
        lines.append(ShopLine(
            "woocommerce", number, line_id, position, len(items), title=as_text(item.get("name")),
            sku=as_text(item.get("sku")), listing_id=as_text(item.get("product_id")),
            quantity=quantity(item.get("quantity")), buyer=buyer,
            options=tuple(o for o in options if not o.is_url and not o.hidden),
            instructions=as_text(order.get("customer_note")).strip(),
            # Product Add-Ons file fields: the value is the upload's URL (display_value is an HTML link).
            uploads=tuple(o.value.strip() for o in options if o.is_url),
        ))
    return lines


def _meta(meta: dict[str, Any]) -> Option:
    key = as_text(meta.get("key"))
    value = meta.get("value")
    # Variation attributes store a slug (`black`) as value and the words (`Black`) as display_value;
    # add-on text fields store the buyer's text as value.
    text = as_text(meta.get("display_value")) if key.startswith("pa_") else as_text(value) if isinstance(
        value, str | int | float) else ""
    return Option(as_text(meta.get("display_key")) or key, text, hidden=key.startswith("_"))

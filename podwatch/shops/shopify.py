"""Shopify: an order as the Admin API and the `orders/create` webhook give it (Flow and automation tools save this)."""

from __future__ import annotations

from typing import Any

from podwatch.shops.lines import BadShopFile, Option, ShopLine, as_text, quantity

# Customily's hidden properties: the print-ready file, and pictures that are only previews.
PRODUCTION_FILE = "_customily-production-url"
PREVIEWS = ("_customily-preview", "_customily-thumb")


def is_order(data: Any) -> bool:
    orders = _orders(data)
    return bool(orders) and all(_looks_like_order(order) for order in orders)


def _looks_like_order(order: Any) -> bool:
    items = order.get("line_items") if isinstance(order, dict) else None
    return isinstance(items, list) and ("order_number" in order or any(
        isinstance(i, dict) and "properties" in i for i in items))


def _orders(data: Any) -> list[Any]:
    # The webhook body is the order itself; GET /orders/{id}.json wraps it as {"order": {...}},
    # GET /orders.json lists them as {"orders": [...]}.
    if isinstance(data, dict) and isinstance(data.get("order"), dict):
        return [data["order"]]
    if isinstance(data, dict) and isinstance(data.get("orders"), list):
        return data["orders"]
    return [data]


def read_order(data: Any) -> list[ShopLine]:
    return [line for order in _orders(data) for line in _order_lines(order)]


def _order_lines(order: dict[str, Any]) -> list[ShopLine]:
    number = as_text(order.get("order_number")) or as_text(order.get("name")).lstrip("#")
    if not number:
        raise BadShopFile("the order has no order_number or name; save the whole order JSON from Shopify")
    items = [i for i in order["line_items"] if isinstance(i, dict)]
    customer = order.get("customer")
    customer = customer if isinstance(customer, dict) else {}
    buyer = " ".join(as_text(customer.get(k)).strip() for k in ("first_name", "last_name")).strip()
    return [_line(order, number, item, position, len(items), buyer) for position, item in enumerate(items, start=1)]


def _line(order: dict[str, Any], number: str, item: dict[str, Any], position: int, lines: int,
          buyer: str) -> ShopLine:
    line_id = as_text(item.get("id"))
    if not line_id:
        raise BadShopFile(f"line {position} of order {number} has no id; save the whole order JSON from Shopify")
    options = []
    for prop in item.get("properties") or []:
        if isinstance(prop, dict) and as_text(prop.get("value")).strip():
            name = as_text(prop.get("name"))
            # Properties are what the buyer typed or chose; hidden ones are apps' bookkeeping.
            options.append(Option(name, as_text(prop.get("value")), hidden=name.startswith("_"),
                                  buyer_text=not name.startswith("_")))
    uploads = [o.value.strip() for o in options if o.label == PRODUCTION_FILE and o.is_url]
    if not uploads:  # a plain upload field (not Customily): any link the buyer gave, previews aside
        uploads = [o.value.strip() for o in options if o.is_url and o.label not in PREVIEWS and not o.hidden]
    extra = {o.label.lstrip("_"): o.value for o in options if o.label in PREVIEWS}
    return ShopLine(
        "shopify", number, line_id, position, lines, title=as_text(item.get("title")), sku=as_text(item.get("sku")),
        listing_id=as_text(item.get("product_id")), quantity=quantity(item.get("quantity")), buyer=buyer,
        variant=as_text(item.get("variant_title")), options=tuple(o for o in options if not o.is_url),
        instructions=as_text(order.get("note")).strip(), uploads=tuple(uploads), extra=extra,
    )

"""Recognise a shop's order file among the inbox's files, by its content, and read its lines."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from podwatch.shops import etsy, shopify, woocommerce
from podwatch.shops.lines import BadShopFile, ShopLine

# A shop file larger than this is not an order export a seller downloads (a year of Etsy orders
# is a few MB); refusing it keeps a stray big file in the shared folder from stalling every pass.
MAX_BYTES = 50 * 2**20
SUFFIXES = (".csv", ".json")
NAMES = {"etsy-csv": "an Etsy order items CSV", "etsy-api": "an Etsy receipt", "shopify": "a Shopify order",
         "woocommerce": "a WooCommerce order"}


def shop_kind(path: Path) -> str | None:
    """Which shop format `path` holds, or None for anything else (an order JSON, an upload)."""
    if path.suffix.lower() not in SUFFIXES or not path.is_file():
        return None
    try:
        if path.stat().st_size > MAX_BYTES:
            return None
        return _kind(path.suffix.lower(), path.read_bytes())
    except OSError:
        return None


def _kind(suffix: str, raw: bytes) -> str | None:
    text = raw.decode("utf-8-sig", errors="replace")
    if suffix == ".csv":
        header = next(csv.reader(io.StringIO(text, newline="")), [])
        if etsy.is_order_items_csv(header) or ("Order ID" in header and "Sale Date" in header):
            return "etsy-csv"
        return None
    data = _json(text)
    if data is None or isinstance(data, dict) and "order_id" in data and "product" in data:
        return None  # podwatch's own order JSON
    if etsy.is_receipts(data):
        return "etsy-api"
    if woocommerce.is_order(data):  # before Shopify: WooCommerce lines carry meta_data, never properties
        return "woocommerce"
    if shopify.is_order(data):
        return "shopify"
    return None


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # a hostile file nested a hundred thousand deep
        return None


def read_shop_file(path: Path, buyer_labels: set[str]) -> tuple[str, list[ShopLine]] | None:
    """The kind and lines of a shop file; None when it is not one. A shop file that cannot be
    read raises BadShopFile with what to do."""
    kind = shop_kind(path)
    if kind is None:
        return None
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    if kind == "etsy-csv":
        header = next(csv.reader(io.StringIO(text, newline="")), [])
        if not etsy.is_order_items_csv(header):
            raise BadShopFile(
                "this is Etsy's \"Orders\" export, which has no buyer personalization. In Shop Manager → "
                "Settings → Options → Download Data, download \"Order Items\" instead and drop that file here")
        return kind, etsy.read_csv(text, buyer_labels)
    data = json.loads(text)
    if kind == "etsy-api":
        return kind, etsy.read_receipts(data)
    if kind == "woocommerce":
        return kind, woocommerce.read_orders(data)
    return kind, shopify.read_order(data)

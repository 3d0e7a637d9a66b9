"""Shop order files written after the shops' documented layouts, and a real HTTP server for their links."""

from __future__ import annotations

import csv
import io
import json
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from conftest import artwork

# EtsySoldOrderItems, US locale: the 33 columns in Etsy's order.
ETSY_US = [
    "Sale Date", "Item Name", "Buyer", "Quantity", "Price", "Coupon Code", "Coupon Details", "Discount Amount",
    "Shipping Discount", "Order Shipping", "Order Sales Tax", "Item Total", "Currency", "Transaction ID",
    "Listing ID", "Date Paid", "Date Shipped", "Ship Name", "Ship Address1", "Ship Address2", "Ship City",
    "Ship State", "Ship Zipcode", "Ship Country", "Order ID", "Variations", "Order Type", "Listings Type",
    "Payment Type", "InPerson Discount", "InPerson Location", "VAT Paid by Buyer", "SKU",
]
# The UK export names the date and the address columns differently.
ETSY_UK = [c.replace("Sale Date", "Date Posted").replace("Ship ", "Delivery ").replace("Shipping Discount",
           "Delivery Discount") for c in ETSY_US]

BRADYS = "The Bradys\n50 South Circle Dr\nManila, UT 84046"


def etsy_row(order: str, transaction: str, item: str, sku: str, variations: str, buyer: str = "Ana Reyes (anareyes)",
             listing: str = "1587452210", quantity: int = 1) -> dict[str, str]:
    return {
        "Sale Date": "05/09/24", "Item Name": item, "Buyer": buyer, "Quantity": str(quantity), "Price": "24.00",
        "Currency": "USD", "Transaction ID": transaction, "Listing ID": listing, "Date Paid": "05/09/2024",
        "Ship Name": "Ana Reyes", "Ship Address1": "12 Harbour Rd", "Ship City": "Portland", "Ship State": "OR",
        "Ship Zipcode": "97201", "Ship Country": "United States", "Order ID": order, "Variations": variations,
        "Order Type": "online", "Listings Type": "listing", "Payment Type": "online_cc", "SKU": sku,
    }


def etsy_csv(rows: list[dict[str, str]], uk: bool = False) -> str:
    header = ETSY_UK if uk else ETSY_US
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(us, "") for us in ETSY_US])  # same places, the UK names only differ
    return out.getvalue()


def sample_etsy_rows() -> list[dict[str, str]]:
    """A single-line order with an address-like personalization, a two-line order (a shirt with
    Color and Size; a mug whose text holds a comma and a colon), an order whose buyer asked for
    nothing, and a gift card the seller does not personalize."""
    return [
        etsy_row("3141592653", "4000000001", "Custom Family Name Mug 11oz", "MUG-NAME-11", f"Personalization:{BRADYS}"),
        etsy_row("3141592654", "4000000003", "Pet Portrait T-Shirt", "TEE-PET", "Color:Black,Size:L"),
        etsy_row("3141592654", "4000000002", "Custom Family Name Mug 11oz", "MUG-NAME-11",
                 "Color:White,Personalization:Love, Mom: forever"),
        etsy_row("3141592655", "4000000004", "Custom Family Name Mug 11oz", "MUG-NAME-11",
                 "Personalization:Not requested on this item."),
        etsy_row("3141592656", "4000000005", "Gift card", "GIFT", ""),
    ]


MAPPING = """
[[shop.products]]
sku = "MUG-NAME-11"
product = "namemug"

[[shop.products]]
title = "t-shirt"
product = "tshirt"

[[shop.products]]
sku = "GIFT"
product = "skip"
"""


def map_products(root, mapping: str = MAPPING, **shop: object) -> None:
    """The seller's [shop] mapping; `shop` overrides download settings (timeouts kept short in tests)."""
    text = root.settings_file.read_text(encoding="utf-8")
    for key, value in shop.items():
        text = "\n".join(f"{key} = {value}" if line.startswith(f"{key} =") else line for line in text.splitlines())
    root.settings_file.write_text(text + "\n" + mapping, encoding="utf-8")


def map_fields(root, fields: dict[str, str]) -> None:
    """More `[shop.fields]` entries (the shop's label -> the personalization key), under the template's own."""
    text = root.settings_file.read_text(encoding="utf-8")
    entries = "".join(f"\n{json.dumps(label)} = {json.dumps(key)}" for label, key in fields.items())
    root.settings_file.write_text(text.replace('"Personalisation" = "name"', '"Personalisation" = "name"' + entries),
                                  encoding="utf-8")


def png_bytes(size=(1200, 1200)) -> bytes:
    out = io.BytesIO()
    artwork(size).save(out, "PNG")
    return out.getvalue()


class Shop(BaseHTTPRequestHandler):
    """Serves pictures the way shops and their apps do, and the ways that goes wrong."""

    picture = b""
    slow_seconds = 3.0
    later_ready = False  # /files/later.png answers 503 until the test sets this

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.server.hits[self.path] += 1  # type: ignore[attr-defined]
        route = {
            "/files/photo.png": lambda: self._send(self.picture, "image/png"),
            "/files/photo-without-suffix": lambda: self._send(self.picture, "application/octet-stream"),
            "/files/named.jpg": lambda: self._send(self.picture, "image/jpeg"),  # a PNG behind a .jpg link
            "/files/page.png": lambda: self._send(b"<html><body>Access denied</body></html>", "text/html"),
            "/files/huge.png": lambda: self._send(self.picture + b"\0" * (2 * 2**20), "image/png"),
            "/files/slow.png": self._slow,
            "/files/later.png": lambda: self._send(self.picture, "image/png") if Shop.later_ready else self.send_error(
                503, "Service Unavailable"),
            "/files/redirect.png": lambda: self._redirect("/files/photo.png"),
            "/files/loop.png": lambda: self._redirect("/files/loop.png"),
            "/files/away.png": lambda: self._redirect("http://example.com/photo.png"),
        }.get(self.path.split("?")[0])
        if self.path.startswith("/wp-content/uploads/product_addons_uploads/"):  # a PNG, whatever its name says
            route = lambda: self._send(self.picture, "image/jpeg")  # noqa: E731
        if route is None:
            self.send_error(404, "Not Found")
            return
        route()

    def _send(self, body: bytes, kind: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _slow(self) -> None:
        time.sleep(self.slow_seconds)
        self._send(self.picture, "image/png")

    def _redirect(self, where: str) -> None:
        self.send_response(302)
        self.send_header("Location", where)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        # podwatch hangs up on a file over its size cap: that is the point, not an error to print.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class ShopServer:
    """A real HTTP server on 127.0.0.1, on a free port, in a thread."""

    def __init__(self) -> None:
        Shop.picture = png_bytes()
        Shop.later_ready = False
        self.httpd = _Server(("127.0.0.1", 0), Shop)
        self.httpd.daemon_threads = True
        self.httpd.hits = Counter()  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}{path}"

    @property
    def hits(self) -> Counter:
        return self.httpd.hits  # type: ignore[attr-defined]

    def __enter__(self) -> ShopServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path

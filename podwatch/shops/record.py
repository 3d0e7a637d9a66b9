"""Which shop lines were imported already: a shop line becomes an order once, ever."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from pathlib import Path

from podwatch.shops.lines import ShopLine

_SCHEMA = """
CREATE TABLE IF NOT EXISTS shop_lines (
    shop TEXT NOT NULL, line_id TEXT NOT NULL, order_id TEXT NOT NULL, source TEXT NOT NULL,
    imported_at TEXT NOT NULL, PRIMARY KEY (shop, line_id)
)"""


class ImportedLines:
    """Keyed by the shop's own line id (Etsy's Transaction ID, Shopify's and WooCommerce's line id),
    so overlapping exports (Etsy downloads are date ranges) add nothing the second time."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=30)
        db.execute(_SCHEMA)
        return db

    def seen(self, line: ShopLine) -> bool:
        with closing(self._connect()) as db:
            row = db.execute("SELECT 1 FROM shop_lines WHERE shop = ? AND line_id = ?",
                             (line.shop, line.line_id)).fetchone()
        return row is not None

    def add(self, line: ShopLine, source: str) -> None:
        with closing(self._connect()) as db, db:
            db.execute("INSERT OR IGNORE INTO shop_lines VALUES (?, ?, ?, ?, ?)",
                       (line.shop, line.line_id, line.order_id, source, time.strftime("%Y-%m-%dT%H:%M:%S")))

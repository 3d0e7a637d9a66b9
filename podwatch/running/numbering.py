"""Item numbers and revisions: the items of one order across its products, and re-sent versions of one item."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Known:
    """An item an order already has (recorded, or handed to a claim still in work)."""

    item: int
    revision: int
    product: str


def number_items(known: Iterable[Known], product: str, count: int) -> tuple[int, list[int]]:
    """(revision, item numbers) for a new claim of an order bringing `count` uploads of `product`.

    Items of one order are numbered in the order they arrive, across products: one Etsy order
    with a mug and a t-shirt sent as two order JSONs is items 1 and 2, both revision 1, so a
    print partner never reads the tee as replacing the mug. A claim for a product the order
    already has is a re-sent version of those items: the same numbers, the next revision.
    """
    earlier = list(known)
    mine = sorted({k.item for k in earlier if k.product == product})
    revision = max((k.revision for k in earlier if k.product == product), default=0) + 1
    last = max((k.item for k in earlier), default=0)
    extra = list(range(last + 1, last + 1 + max(0, count - len(mine))))
    return revision, (mine + extra)[:count]

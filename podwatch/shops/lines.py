"""What every shop format is read into: one shop line (one item of one shop order) and its options."""

from __future__ import annotations

from dataclasses import dataclass, field

# A label the shop made unique for a second field of the same name (Customily, Shopify).
ZERO_WIDTH = "\u200b"


class BadShopFile(Exception):
    """A file that is recognisably a shop export but cannot be read; the message says what to do."""


@dataclass(frozen=True)
class Option:
    """One labelled value the buyer chose or typed on a line, exactly as the shop gave it."""

    label: str
    value: str
    hidden: bool = False  # Shopify's `_name` and WooCommerce's `_key`: not shown to the buyer, but real
    buyer_text: bool = False  # the shop marks it as typed by the buyer (Etsy's personalization property)

    @property
    def plain_label(self) -> str:
        """The label as the seller writes it in podwatch.toml: no U+200B, no leading `_`."""
        return self.label.replace(ZERO_WIDTH, "").strip().lstrip("_").strip()

    @property
    def is_url(self) -> bool:
        return self.value.strip().lower().startswith(("https://", "http://"))


@dataclass(frozen=True)
class ShopLine:
    """One line of a shop order, with nothing of the buyer's address in it."""

    shop: str  # etsy, shopify, woocommerce
    order: str  # the shop's order number
    line_id: str  # the shop's own id of this line: what makes an import happen once
    position: int  # 1-based place of the line in its order
    lines: int  # how many lines the order has
    title: str = ""
    sku: str = ""
    listing_id: str = ""
    quantity: int = 1
    buyer: str = ""
    variant: str = ""  # a variant the shop already spelled out (Shopify's variant_title)
    options: tuple[Option, ...] = ()
    instructions: str = ""
    uploads: tuple[str, ...] = ()  # links to the buyer's print file, in the shop's order
    extra: dict[str, str] = field(default_factory=dict)  # other shop data worth keeping (previews)

    @property
    def order_id(self) -> str:
        """The podwatch order id: the shop's number, with the line's place when the order has several."""
        return self.order if self.lines == 1 else f"{self.order}-{self.position}"


def as_text(value: object) -> str:
    """A shop value as text: ids come as numbers or strings, missing ones as null."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def quantity(value: object) -> int:
    try:
        return max(1, int(str(value).strip()))
    except ValueError:
        return 1

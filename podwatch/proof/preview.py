"""The buyer preview: the product in the order's colour with the artwork and text as printed, nothing internal.

Sellers send it to the buyer in a marketplace message before printing ("is this right?"), so it
carries no findings, guides or PROOF mark across the dog's face: only a small corner mark and the
order number, at a size a message takes without shrinking it further.
"""

from __future__ import annotations

from PIL import Image, ImageDraw

from podwatch.colors import garment_rgb
from podwatch.config.order import Order
from podwatch.config.rule import Rule
from podwatch.proof.marks import place_art
from podwatch.proof.render import MUTED, STAGE, font
from podwatch.proof.silhouettes import Box, draw_over_art, draw_product

MARK = "preview"
CAPTION = "Preview of your order {order} · colours on screens vary slightly"


def render_preview(art: Image.Image, *, rule: Rule, order: Order, long_side: int = 1000) -> Image.Image:
    """An RGB picture `long_side` px wide: the product and its print, a caption band with the order
    number. Square for shirts and posters; wide prints (mugs) get a lower picture, not empty space."""
    area, kind = rule.print_area, rule.product.silhouette
    aspect = area.width_in / area.height_in
    color = garment_rgb(rule.color_for(order))
    band = round(long_side * 0.06)
    height = long_side if aspect < 1.15 else round(long_side * 0.7)
    preview = Image.new("RGB", (long_side, height), STAGE)
    panel, box = draw_product(kind, color, (long_side, height - band), aspect)
    place_art(panel, art, box, kind, color)
    draw_over_art(kind, panel, box, color, wrap=(area.wrap_in / area.width_in, area.wrap_in / area.height_in))
    _corner_mark(panel, box)
    preview.paste(panel, (0, 0), panel)
    draw = ImageDraw.Draw(preview)
    caption = font(round(band * 0.42))
    draw.text((long_side // 2, height - band // 2), CAPTION.format(order=order.order_id), font=caption,
              fill=MUTED, anchor="mm")
    return preview


def _corner_mark(panel: Image.Image, box: Box) -> None:
    """A small, faint word in the print area's lower right corner: enough to stop a screenshot
    passing for the finished product, never over the middle where faces and names are."""
    width = box[2] - box[0]
    size = max(10, round(width * 0.045))
    layer = Image.new("RGBA", panel.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    pad = round(size * 0.5)
    at = (box[2] - pad, box[3] - pad)
    draw.text(at, MARK, font=font(size, bold=True), fill=(255, 255, 255, 110), anchor="rd",
              stroke_width=max(1, size // 14), stroke_fill=(0, 0, 0, 70))
    panel.alpha_composite(layer)

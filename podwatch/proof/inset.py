"""The proof's cut-out inset: the artwork alone on a checkerboard, so every stray or missing pixel shows."""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFont

from podwatch.proof.marks import shrink

LIGHT, DARK = (255, 255, 255, 255), (204, 204, 204, 255)
FRAME = (120, 120, 120, 255)
CAPTION = "cut-out"


def checkerboard(size: tuple[int, int], cell: int) -> Image.Image:
    """The usual transparency pattern: light and grey squares of `cell` pixels."""
    tile = Image.new("RGBA", (2 * cell, 2 * cell), LIGHT)
    draw = ImageDraw.Draw(tile)
    draw.rectangle((cell, 0, 2 * cell - 1, cell - 1), fill=DARK)
    draw.rectangle((0, cell, cell - 1, 2 * cell - 1), fill=DARK)
    board = Image.new("RGBA", size)
    for y in range(0, size[1], 2 * cell):
        for x in range(0, size[0], 2 * cell):
            board.paste(tile, (x, y))
    return board


def draw_inset(canvas: Image.Image, art: Image.Image, u: float, caption: ImageFont.FreeTypeFont) -> None:
    """A small framed square in the top left of `canvas`: the cut-out, trimmed, on a checkerboard."""
    if art.mode != "RGBA":
        return  # flattened (posters, JPEG output): nothing is transparent any more
    box = art.getchannel("A").getbbox()
    if box is None:
        return
    pad = round(10 * u)
    side = round(min(canvas.width, canvas.height) * 0.26)
    inner = side - 2 * pad
    crop = art.crop(box)
    scale = min(inner / crop.width, inner / crop.height)
    small = shrink(crop, (max(1, round(crop.width * scale)), max(1, round(crop.height * scale))))
    tile = checkerboard((side, side), max(3, round(7 * u)))
    tile.alpha_composite(small, ((side - small.width) // 2, (side - small.height) // 2))
    ImageDraw.Draw(tile).rectangle((0, 0, side - 1, side - 1), outline=FRAME, width=max(1, round(u)))
    canvas.alpha_composite(tile, (pad, pad))
    ImageDraw.Draw(canvas).text((pad + side // 2, pad + side + round(4 * u)), CAPTION, font=caption,
                                fill=(105, 105, 105, 255), anchor="ma")

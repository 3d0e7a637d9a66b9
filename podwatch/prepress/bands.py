"""Scaling artwork to print size, whole or band by band as the print file is written (then never whole
in memory, with a reduced copy for the proof made on the way).

A canvas print (7200 x 9000) is 260 MB in Pillow, which keeps RGB as four bytes a pixel; a worker
holding it peaked at 467 MB. Made 512 rows at a time from the upload, as the PNG writer asks for
them, it is 15 MB at a time, and the proof is drawn from a copy reduced on the way (issue 17).
Used when nothing is drawn onto the print afterwards (no [[text]] fields) and it is a PNG.
"""

from __future__ import annotations

import functools
import math
import struct

from PIL import Image, ImageColor

from podwatch.config.rule import Fit, PrintArea
from podwatch.prepress.placement import Region, print_mode, visible_region
from podwatch.prepress.streamed import Picture, StreamedPicture, read_whole

WRITER_ROWS = 128  # the PNG writer's bands (png.BAND_ROWS)


def flattened(image: Picture, background: str | None, rows: tuple[int, int] | None = None) -> Image.Image:
    """Transparent artwork (only `rows`, top to bottom, when given) flattened onto `background`:
    scaling commutes with compositing onto a plain colour, so it is done before scaling (fewer
    pixels when enlarging, and no premultiplied copies in resize()), band by band (`scaled_rows`),
    never as a second copy of the whole upload. An upload on disk gives only `rows`."""
    if isinstance(image, StreamedPicture):
        assert rows is not None, "an upload read a piece at a time is flattened a strip at a time"
        image, rows = image.crop((0, rows[0], image.width, rows[1])), None
    if background is None or image.mode != "RGBA":
        return image if rows is None else image.crop((0, rows[0], image.width, rows[1]))
    top, bottom = rows or (0, image.height)
    flat = Image.new("RGB", (image.width, bottom - top), ImageColor.getrgb(background))
    flat.paste(image, (0, -top), image)  # clipped to the rows asked for: no copy of the rest
    return flat


def strip_reduce(image: Picture, factor: tuple[int, int]) -> Image.Image:
    """`image` reduced by whole `factor` blocks (across, down) as Pillow's reduce() reduces it, RGBA
    averaged premultiplied as through an RGBa copy, a strip of rows at a time: Pillow premultiplies
    the whole picture at once (a second copy of a 7200 x 9000 print), and an upload on disk is never
    whole. RGBA gives RGBa."""
    rows = factor[1] * max(1, STRIP_ROWS // factor[1])  # whole blocks of the reduction in each strip
    mode = "RGBa" if image.mode == "RGBA" else image.mode
    small = Image.new(mode, (-(-image.width // factor[0]), -(-image.height // factor[1])))
    for top in range(0, image.height, rows):
        strip = image.crop((0, top, image.width, min(top + rows, image.height)))
        small.paste((strip.convert(mode) if strip.mode != mode else strip).reduce(factor), (0, top // factor[1]))
    return small


def shrunk(image: Picture, size: tuple[int, int], resample: Image.Resampling, gap: float) -> Image.Image:
    """`image.resize(size, resample, reducing_gap=gap)`, pixel for pixel, from a strip at a time:
    Pillow's own two steps (a whole-block reduction, then `resample` over the box that leaves)."""
    factor = (int(image.width / size[0] / gap) or 1, int(image.height / size[1] / gap) or 1)
    if factor == (1, 1):
        return read_whole(image).resize(size, resample)
    box = (0.0, 0.0, image.width / factor[0], image.height / factor[1])
    small = strip_reduce(image, factor).resize(size, resample, box=box)
    return small.convert(image.mode) if small.mode != image.mode else small


STRIP_ROWS = 256


def flat_mode(mode: str, background: str | None) -> str:
    """The mode of `flattened(image, background)` for an image of `mode`."""
    return "RGB" if background is not None and mode == "RGBA" else mode


def scaled_part(image: Image.Image, region: Region, background: str | None = None) -> Image.Image:
    """The visible part of the artwork at its print size, scaled once (and flattened onto `background`)."""
    if region.whole:
        return flattened(image, background)
    if image.mode == "RGBA" and background is None:  # resize() premultiplies the whole picture itself
        return _resize(image, region.size, region.source_box(0, region.size[1]))
    # resize() works across, then down, through a buffer as wide as the result and as tall as
    # the source: for a canvas that buffer alone would be 170 MB. Bands of rows keep it small.
    scaled = Image.new(flat_mode(image.mode, background), region.size)
    for row in range(0, region.size[1], BAND_ROWS):
        scaled.paste(scaled_rows(image, region, row, background), (0, row))
    return scaled


def scaled_rows(image: Picture, region: Region, row: int, background: str | None = None) -> Image.Image:
    """Rows `row` to `row + BAND_ROWS` of the scaled region (`row` a multiple of BAND_ROWS): the same
    pixels whether the print is made whole or band by band."""
    rows = min(BAND_ROWS, region.size[1] - row)
    size, box = (region.size[0], rows), region.source_box(row, row + rows)
    if isinstance(image, StreamedPicture) or (background is not None and image.mode == "RGBA"):
        return _scaled_strip(image, box, size, background)
    return _resize(image, size, box)


def _scaled_strip(image: Picture, box: tuple[float, float, float, float], size: tuple[int, int],
                  background: str | None) -> Image.Image:
    """`box` of the picture scaled to `size` from a strip of the rows that reads (flattened onto
    `background` when it is transparent art): the pixels scaling the whole picture gives, without a
    second copy of it (115 MB for 4800 x 6000 art) or of an upload read a piece at a time.

    LANCZOS reads 3 source rows either side of each print row's centre, times the reduction when
    shrinking, and reduce() (reducing_gap) rounds its blocks outwards: 4x the reduction plus a few rows
    covers both. Cut on whole rows, the box moves by whole rows. Which pass Pillow makes first
    changes pixels by a few levels, and Pillow 13 decides it on the height of the picture it is given
    (`_rows_first`): the strip is scaled in the order the whole picture would be."""
    rows = size[1]
    reach = 4 * max(1.0, (box[3] - box[1]) / rows) + 4
    top = max(0, int(box[1] - reach))
    bottom = min(image.height, math.ceil(box[3] + reach))
    if _reduces(box, size):
        # Pillow reduces the picture first and orders its passes on what that leaves: a strip of a
        # picture it would then scale down first is made tall enough for the same order.
        down_first = rows + max(0, 2 * (image.width - size[0]))  # more rows than this: down first
        if image.height > down_first and bottom - top <= down_first:
            bottom = min(image.height, top + down_first + 1)
            top = bottom - down_first - 1
        return _resize(flattened(image, background, (top, bottom)), size, (box[0], box[1] - top, box[2], box[3] - top))
    strip = flattened(image, background, (top, bottom))
    # Pillow's C code reads the box as 32-bit floats: moved on those, the move is exact.
    left, upper, right, lower = struct.unpack("4f", struct.pack("4f", *box))
    upper, lower = upper - top, lower - top
    if _rows_first(image.size, size) and strip.mode not in ("RGBA", "LA"):
        # The two passes Pillow makes over the whole picture, rows first, made one at a time on the
        # strip: each reads only the rows and columns it needs, as Pillow's own would.
        down = strip.resize((strip.width, rows), Image.Resampling.LANCZOS, box=(0, upper, strip.width, lower))
        return down.resize(size, Image.Resampling.LANCZOS, box=(left, 0, right, rows))
    return _resize(strip, size, (left, upper, right, lower))


def _rows_first(picture: tuple[int, int], size: tuple[int, int]) -> bool:
    """Whether Pillow scales `picture` to `size` rows first: Pillow 13 does when it loses more rows
    than twice the columns it loses (Resample.c); Pillow 10 to 12 always went across first."""
    lost_rows, lost_columns = picture[1] - size[1], picture[0] - size[0]
    return lost_rows > 0 and lost_rows > 2 * lost_columns and _pillow_orders_passes()


@functools.cache
def _pillow_orders_passes() -> bool:
    """Whether the installed Pillow scales a tall picture losing rows down first (asked, not assumed)."""
    noise = Image.frombytes("L", (4, 64), bytes(i * 97 % 251 for i in range(256)))
    whole = noise.resize((3, 4), Image.Resampling.LANCZOS)
    down_first = noise.resize((4, 4), Image.Resampling.LANCZOS).resize((3, 4), Image.Resampling.LANCZOS)
    return whole.tobytes() == down_first.tobytes()


def _reduces(box: tuple[float, float, float, float], size: tuple[int, int]) -> bool:
    """Whether resize() shrinks in integer steps first (reducing_gap), as Pillow decides it."""
    return (box[2] - box[0]) / size[0] >= 2 * REDUCING_GAP or (box[3] - box[1]) / size[1] >= 2 * REDUCING_GAP


BAND_ROWS = 512
REDUCING_GAP = 3.0


def _resize(image: Image.Image, size: tuple[int, int], box: tuple[float, float, float, float]) -> Image.Image:
    # reducing_gap lets Pillow shrink in cheap integer steps first, then finish with LANCZOS.
    return image.resize(size, Image.Resampling.LANCZOS, box=box, reducing_gap=REDUCING_GAP)


class BandedPrint:
    """The print file's pixels: `crop((0, top, width, bottom))` makes the rows asked for, in order,
    with the same pixels `printfile.fit_artwork` gives."""

    def __init__(self, image: Picture, area: PrintArea, fit_: Fit, background: str | None, *,
                 keep_alpha: bool = False, proof_side: int = 1200) -> None:
        self.size = area.size_px
        self.region = visible_region(image.size, area, fit_)
        self.background = background  # transparent art is flattened onto it band by band
        self.mode = print_mode(flat_mode(image.mode, background), self.region, area, background, keep_alpha)
        self.fill = (ImageColor.getrgb(background) if background is not None
                     else (0, 0, 0, 0) if self.mode == "RGBA" else (255, 255, 255))
        self.source = image
        # Transparent art is scaled whole, as fit_artwork does (a mug's or a shirt's, never a canvas's,
        # which is flattened): scaling premultiplied bands would change edge pixels by a few levels.
        self._whole = (scaled_part(image, self.region)
                       if isinstance(image, Image.Image) and image.mode == "RGBA" and background is None else None)
        self._rows: tuple[int, Image.Image] | None = None  # the last band of scaled rows
        # The proof's copy: about twice what the proof shows, never more (a canvas: 1800 x 2250, 16 MB).
        self.factor = max(1, math.ceil(max(self.size) / (2 * proof_side)))
        # Rows made at once: whole writer bands, and whole rows of the proof's copy.
        self.chunk_rows = math.lcm(WRITER_ROWS, self.factor)
        self._chunk: tuple[int, Image.Image] | None = None
        self._preview: Image.Image | None = None
        self._previewed = 0  # rows of the print already reduced into the preview

    @property
    def width(self) -> int:
        return self.size[0]

    @property
    def height(self) -> int:
        return self.size[1]

    def getbands(self) -> tuple[str, ...]:
        return tuple(self.mode)

    def crop(self, box: tuple[int, int, int, int]) -> Image.Image:
        """Rows `box[1]` to `box[3]` of the print (whole width), made when first asked for."""
        _, top, _, bottom = box
        start = top - top % self.chunk_rows
        if self._chunk is None or self._chunk[0] != start:
            self._chunk = None  # let the last rows go before the next are made, not after
            self._chunk = (start, self._make(start, min(start + self.chunk_rows, self.height)))
        return self._chunk[1].crop((0, top - start, self.width, bottom - start))

    def preview(self) -> Image.Image:
        """The whole print reduced by `factor` (for the proof); makes whatever rows were never asked for."""
        for start in range(self._previewed, self.height, self.chunk_rows):
            self.crop((0, start, self.width, min(start + self.chunk_rows, self.height)))
        if self._preview is None:
            return Image.new(self.mode, (1, 1), self.fill)
        return self._preview.convert("RGBA") if self._preview.mode == "RGBa" else self._preview

    def _make(self, top: int, bottom: int) -> Image.Image:
        """Print rows `top` to `bottom`: the background, and the scaled rows of the artwork that land there."""
        band = Image.new(self.mode, (self.width, bottom - top), self.fill)
        (x, y), height = self.region.at, self.region.size[1]
        ready = self._whole
        if ready is None and self.region.whole and isinstance(self.source, Image.Image):
            ready = self.source
        if ready is not None and flat_mode(ready.mode, self.background) == ready.mode:
            band.paste(ready, (x, y - top))  # already at print size: paste() keeps the band's rows
            self._reduce_into_preview(band, top)
            return band
        row, end = max(top, y) - y, min(bottom, y + height) - y  # in the region's own rows
        while row < end:
            piece_top = row - row % BAND_ROWS
            piece = self._scaled(piece_top)
            rows = min(piece_top + piece.height, end) - row
            # The whole piece, placed where it belongs: paste() keeps only the rows inside the band.
            band.paste(piece, (x, y + piece_top - top))
            row += rows
        self._reduce_into_preview(band, top)
        return band

    def _scaled(self, row: int) -> Image.Image:
        """Rows `row` to `row + BAND_ROWS` of the scaled region, the last band kept for the next call."""
        if self.region.whole:  # at print size already, only flattened
            return flattened(self.source, self.background, (row, min(row + BAND_ROWS, self.source.height)))
        if self._rows is None or self._rows[0] != row:
            self._rows = None
            self._rows = (row, scaled_rows(self.source, self.region, row, self.background))
        return self._rows[1]

    def _reduce_into_preview(self, band: Image.Image, top: int) -> None:
        if top != self._previewed:
            return  # rows asked for again: already in the preview
        if self._preview is None:
            mode = "RGBa" if self.mode == "RGBA" else self.mode
            self._preview = Image.new(mode, (-(-self.width // self.factor), -(-self.height // self.factor)))
        # Averaged premultiplied, or transparent pixels would bleed a dark fringe into the edges.
        small = band.convert("RGBa") if self.mode == "RGBA" else band
        self._preview.paste(small.reduce(self.factor) if self.factor > 1 else small, (0, top // self.factor))
        self._previewed = top + band.height

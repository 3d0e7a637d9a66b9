"""Scaling artwork to print size, whole or band by band as the print file is written (then never whole
in memory, with a reduced copy for the proof made on the way).

A canvas print (7200 x 9000) is 260 MB in Pillow, which keeps RGB as four bytes a pixel; a worker
holding it peaked at 467 MB. Made 512 rows at a time from the upload, as the PNG writer asks for
them, it is 15 MB at a time, and the proof is drawn from a copy reduced on the way (issue 17).
Used when nothing is drawn onto the print afterwards (no [[text]] fields) and it is a PNG.
"""

from __future__ import annotations

from PIL import Image, ImageColor

from podwatch.config.rule import Fit, PrintArea
from podwatch.prepress.placement import Region, print_mode, visible_region

WRITER_ROWS = 128  # the PNG writer's bands (png.BAND_ROWS)


def flattened(image: Image.Image, background: str | None) -> Image.Image:
    """Transparent artwork flattened onto `background` before scaling: the same pixels (scaling
    commutes with compositing onto a plain colour), fewer of them when enlarging, and no
    premultiplied copies in resize()."""
    if background is None or image.mode != "RGBA":
        return image
    flat = Image.new("RGB", image.size, ImageColor.getrgb(background))
    flat.paste(image, (0, 0), image)
    return flat


def scaled_part(image: Image.Image, region: Region) -> Image.Image:
    """The visible part of the artwork at its print size, scaled once."""
    if region.whole:
        return image
    if image.mode == "RGBA":  # resize() premultiplies the whole picture itself
        return _resize(image, region.size, region.source_box(0, region.size[1]))
    # resize() works across, then down, through a buffer as wide as the result and as tall as
    # the source: for a canvas that buffer alone would be 170 MB. Bands of rows keep it small.
    scaled = Image.new(image.mode, region.size)
    for row in range(0, region.size[1], BAND_ROWS):
        scaled.paste(scaled_rows(image, region, row), (0, row))
    return scaled


def scaled_rows(image: Image.Image, region: Region, row: int) -> Image.Image:
    """Rows `row` to `row + BAND_ROWS` of the scaled region (`row` a multiple of BAND_ROWS): the same
    pixels whether the print is made whole or band by band."""
    rows = min(BAND_ROWS, region.size[1] - row)
    return _resize(image, (region.size[0], rows), region.source_box(row, row + rows))


BAND_ROWS = 512


def _resize(image: Image.Image, size: tuple[int, int], box: tuple[float, float, float, float]) -> Image.Image:
    # reducing_gap lets Pillow shrink in cheap integer steps first, then finish with LANCZOS.
    return image.resize(size, Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)


class BandedPrint:
    """The print file's pixels: `crop((0, top, width, bottom))` makes the rows asked for, in order,
    with the same pixels `printfile.fit_artwork` gives."""

    def __init__(self, image: Image.Image, area: PrintArea, fit_: Fit, background: str | None, *,
                 keep_alpha: bool = False, proof_side: int = 1200) -> None:
        image = flattened(image, background)
        self.size = area.size_px
        self.region = visible_region(image.size, area, fit_)
        self.mode = print_mode(image.mode, self.region, area, background, keep_alpha)
        self.fill = (ImageColor.getrgb(background) if background is not None
                     else (0, 0, 0, 0) if self.mode == "RGBA" else (255, 255, 255))
        self.source = image
        # Transparent art is scaled whole, as fit_artwork does (a mug's or a shirt's, never a canvas's,
        # which is flattened): scaling premultiplied bands would change edge pixels by a few levels.
        self._whole = scaled_part(image, self.region) if image.mode == "RGBA" else None
        self._rows: tuple[int, Image.Image] | None = None  # the last band of scaled rows
        self.factor = max(1, int(max(self.size) / (2 * proof_side)))  # the proof's copy: twice what it shows
        # Rows made at once: whole writer bands, and whole rows of the proof's copy.
        self.chunk_rows = WRITER_ROWS * self.factor * max(1, BAND_ROWS // WRITER_ROWS // self.factor)
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
        row, end = max(top, y) - y, min(bottom, y + height) - y  # in the region's own rows
        while row < end:
            piece_top = row - row % BAND_ROWS
            piece = self._scaled(piece_top)
            rows = min(piece_top + piece.height, end) - row
            band.paste(piece.crop((0, row - piece_top, piece.width, row - piece_top + rows)), (x, y + row - top))
            row += rows
        self._reduce_into_preview(band, top)
        return band

    def _scaled(self, row: int) -> Image.Image:
        """Rows `row` to `row + BAND_ROWS` of the scaled region, the last band kept for the next call."""
        if self._whole is not None or self.region.whole:
            whole = self._whole if self._whole is not None else self.source
            return whole.crop((0, row, whole.width, min(row + BAND_ROWS, whole.height)))
        if self._rows is None or self._rows[0] != row:
            self._rows = (row, scaled_rows(self.source, self.region, row))
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

"""Uploads libvips cannot read in pieces, copied by Pillow a strip at a time into a file of packed
rows in the work area (a BMP, TGA or PPM whose rows lie in the file as they are; a Photoshop file's
merged picture, a channel after another, each row raw or PackBits-compressed; a GIF or other picture
Pillow holds at one byte a pixel), read back a piece at a time by a StreamedPicture."""

from __future__ import annotations

import contextlib
import itertools
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from PIL import Image


def raw_rows(im: Image.Image) -> tuple[str, int, int, int] | None:
    """(Pillow's raw mode, offset, bytes a row, 1 top down or -1 bottom up) when every pixel of the
    opened `im` lies in its file as it is, row after row (an uncompressed BMP, TGA or PPM), in a mode
    whose rows Pillow reads alone; else None (libvips or Pillow decodes it)."""
    tiles = getattr(im, "tile", [])  # an opened file's parts, still to decode (Pillow's ImageFile)
    if len(tiles) != 1 or im.mode not in ("1", "L", "P", "RGB", "RGBA") or "transparency" in im.info:
        return None
    codec, extents, offset, args = tiles[0]
    if isinstance(args, str):
        args = (args, 0, 1)  # a PPM: packed rows, top down
    if codec != "raw" or tuple(extents) != (0, 0, *im.size) or not isinstance(args, tuple) or len(args) != 3:
        return None
    rawmode, stride, direction = args
    if not isinstance(rawmode, str) or direction not in (1, -1):
        return None
    stride = stride or im.width * _PACKED.get(rawmode, 0)  # 0: rows packed, no padding
    return (rawmode, offset, stride, direction) if stride > 0 else None


# Bytes a pixel of the raw modes whose rows a file may hold packed (Pillow's stride 0).
_PACKED = {"RGB": 3, "BGR": 3, "RGBA": 4, "BGRA": 4, "RGBX": 4, "BGRX": 4, "L": 1, "P": 1}


_STRIP_ROWS = 64


class RowsOnDisk:
    """8-bit grey, RGB, RGBA or CMYK rows, top down and packed, in a file of the work area: what a
    StreamedPicture reads for an upload libvips cannot read in pieces (a BMP, a Photoshop file, a GIF)."""

    format = "uchar"

    def __init__(self, file: IO[bytes], mode: str, size: tuple[int, int], lowest_alpha: int) -> None:
        self._file, self._mode = file, mode
        self.width, self.height = size
        self.bands = len(mode)
        self.interpretation = {"L": "b-w", "CMYK": "cmyk"}.get(mode, "srgb")
        self.lowest_alpha = lowest_alpha
        self._lock = threading.Lock()  # one position in the file, whoever reads

    def crop(self, box: tuple[int, int, int, int]) -> Image.Image:
        left, top, right, bottom = box
        row = self.width * self.bands
        with self._lock:
            self._file.seek(top * row)
            data = self._file.read((bottom - top) * row)
        rows = Image.frombytes(self._mode, (self.width, bottom - top), data)
        return rows if (left, right) == (0, self.width) else rows.crop((left, 0, right, bottom - top))


def copy_rows(handle: IO[bytes], im: Image.Image, folder: Path) -> RowsOnDisk | None:
    """`im`, opened by Pillow from `handle`, copied a strip at a time into a file of packed rows in
    `folder`, palettes and 1-bit pixels made RGB (RGBA with a see-through entry) as
    `colour.split_alpha` makes them; None when the file ends too soon (Pillow then decodes it whole,
    and says so in its words)."""
    mode = im.mode if im.mode in _KEPT else "RGBA" if "transparency" in im.info else "RGB"
    descriptor, name = tempfile.mkstemp(prefix=".rows-", suffix=".raw", dir=folder)
    copy = os.fdopen(descriptor, "w+b")
    lowest = 255
    try:
        for strip in _strips(handle, im):
            if strip is None:
                copy.close()
                return None
            strip = strip if strip.mode == mode else strip.convert(mode)
            if mode == "RGBA":
                lowest = min(lowest, int(strip.getchannel("A").getextrema()[0]))  # type: ignore[arg-type]
            copy.write(strip.tobytes())
    except BaseException:
        copy.close()
        raise
    finally:
        with contextlib.suppress(OSError):  # Windows keeps an open file
            os.unlink(name)
    return RowsOnDisk(copy, mode, im.size, lowest)


def _strips(handle: IO[bytes], im: Image.Image) -> Iterator[Image.Image | None]:
    """`im` a strip at a time, top down: read from the file when its pixels lie there as they are
    (`raw_rows`), else decoded whole by Pillow first, at one byte a pixel (palette indexes, grey).
    None for a strip the file ends before."""
    width, height = im.size
    if channel_rows(im) is not None:
        yield from _channel_strips(handle, im)
        return
    raw = raw_rows(im)
    if raw is None:
        im.load()
        for top in range(0, height, _STRIP_ROWS):
            yield im.crop((0, top, width, min(height, top + _STRIP_ROWS)))
        return
    rawmode, offset, stride, direction = raw
    for top in range(0, height, _STRIP_ROWS):
        count = min(_STRIP_ROWS, height - top)
        handle.seek(offset + stride * (top if direction == 1 else height - top - count))
        data = handle.read(stride * count)
        if len(data) < stride * count:
            yield None
            return
        strip = Image.frombuffer(im.mode, (width, count), data, "raw", rawmode, stride, direction)
        if im.mode == "P" and im.palette is not None:
            strip.putpalette(im.palette.palette, im.palette.rawmode or im.palette.mode)
        yield strip


# Modes kept as they are (CMYK converted piece by piece through its profile, as when whole).
_KEPT = ("L", "RGB", "RGBA", "CMYK")


def channel_rows(im: Image.Image) -> str | None:
    """"raw" or "packbits" when `im` is a Photoshop file's merged picture in RGB, RGBA or CMYK, whose
    channels lie one after another, each row raw or PackBits-compressed; else None."""
    tiles = getattr(im, "tile", [])
    if im.format != "PSD" or im.mode not in ("RGB", "RGBA", "CMYK") or len(tiles) != len(im.mode):
        return None
    codecs = {tile.codec_name for tile in tiles}
    if len(codecs) != 1 or not codecs <= {"raw", "packbits"}:
        return None
    if any(tuple(tile.extents) != (0, 0, *im.size) or not isinstance(tile.args, str) for tile in tiles):
        return None
    return codecs.pop()


def _channel_strips(handle: IO[bytes], im: Image.Image) -> Iterator[Image.Image | None]:
    """A Photoshop file's merged picture a strip at a time: each channel's rows of the strip read and
    unpacked by Pillow's own decoder, the channels merged. Compressed rows have their lengths in a
    table just before the first channel, a row after another, a channel after another."""
    codec = channel_rows(im)
    assert codec is not None, "a Photoshop file's merged picture"
    width, height = im.size
    tiles = getattr(im, "tile", [])
    if codec == "packbits":
        handle.seek(tiles[0].offset - 2 * len(tiles) * height)
        table = handle.read(2 * len(tiles) * height)
        if len(table) < 2 * len(tiles) * height:
            yield None
            return
        lengths = [int.from_bytes(table[at:at + 2], "big") for at in range(0, len(table), 2)]
    else:
        lengths = [width] * (len(tiles) * height)
    # Where each row of each channel starts (and, last, where the channel ends).
    starts = [list(itertools.accumulate(lengths[number * height:(number + 1) * height], initial=tile.offset))
              for number, tile in enumerate(tiles)]
    for top in range(0, height, _STRIP_ROWS):
        count = min(_STRIP_ROWS, height - top)
        planes = []
        for tile, rows in zip(tiles, starts):
            handle.seek(rows[top])
            data = handle.read(rows[top + count] - rows[top])
            if len(data) < rows[top + count] - rows[top]:
                yield None
                return
            # A channel's raw mode names its band ("R", "C;I"); a plane of it is grey ("L", "L;I").
            planes.append(Image.frombytes("L", (width, count), data, codec, "L" + tile.args[1:]))
        yield Image.merge(im.mode, planes)

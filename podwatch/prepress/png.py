"""PNG print files written in bands with one row filter and zlib-ng: the pixels, DPI and profile
Pillow would write, in a seventh of the time of its default settings.

A t-shirt print file is 24 MP of RGBA. Pillow's PNG encoder tries all five row filters on every
row and, in the Linux wheels, deflates through the system's zlib 1.2 (manylinux leaves libz out
of the wheel): 1.4 s at level 4 and 4-9 s at its default 6 for one print file, most of an order's
time. The "up" filter alone (each row minus the one above, one numpy subtraction) with zlib-ng
at level 4 takes 0.3-1.1 s for files 1.05x the size of Pillow's default on average, 1.15x at
most (benchmarks/png_export.py). Bands of rows keep the memory to a few megabytes beside the image.
"""

from __future__ import annotations

import struct
import types
import zlib
from typing import IO

import numpy as np
from PIL import Image

deflate: types.ModuleType
try:  # zlib-ng is a dependency; the standard zlib writes the same format, only slower
    from zlib_ng import zlib_ng as deflate
except ImportError:  # pragma: no cover - a platform without a zlib-ng wheel
    deflate = zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Pillow mode → PNG colour type, 8 bits per sample.
COLOR_TYPES = {"L": 0, "RGB": 2, "LA": 4, "RGBA": 6}
FILTER_NONE, FILTER_UP = 0, 2
BAND_ROWS = 128
# A band whose bytes take at most this many values is posterized (a dither, flat fills), where raw
# rows can pack far better than differences (a dither: 0.7x). Such bands try both on a sample.
FEW_VALUES = 16
SAMPLE_EVERY = 8
METRES_PER_INCH = 0.0254


def write_png(image: Image.Image, handle: IO[bytes], *, dpi: int, icc_profile: bytes, level: int) -> None:
    """Write `image` (L, LA, RGB or RGBA) as a PNG with its DPI (pHYs) and ICC profile (iCCP)."""
    if image.mode not in COLOR_TYPES:
        raise ValueError(f"PNG print files are L, LA, RGB or RGBA, not {image.mode}")
    width, height = image.size
    handle.write(SIGNATURE)
    _chunk(handle, b"IHDR", struct.pack(">IIBBBBB", width, height, 8, COLOR_TYPES[image.mode], 0, 0, 0))
    # The profile's name is free text; Pillow names it the same way.
    _chunk(handle, b"iCCP", b"ICC Profile\0\0" + zlib.compress(icc_profile))
    per_metre = int(dpi / METRES_PER_INCH + 0.5)
    _chunk(handle, b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1))
    compressor = deflate.compressobj(level)
    for data in _filtered_bands(image, level):
        if compressed := compressor.compress(data):
            _chunk(handle, b"IDAT", compressed)
    _chunk(handle, b"IDAT", compressor.flush())
    _chunk(handle, b"IEND")


def _filtered_bands(image: Image.Image, level: int):
    """The image's rows, each led by its filter byte and holding its difference from the row above."""
    width, height = image.size
    stride = width * len(image.getbands())
    above = np.zeros(stride, np.uint8)  # the row above the first one counts as zeros
    band = np.empty((BAND_ROWS, stride + 1), np.uint8)
    for top in range(0, height, BAND_ROWS):
        rows = min(BAND_ROWS, height - top)
        pixels = np.asarray(image.crop((0, top, width, top + rows))).reshape(rows, stride)
        out = band[:rows]
        out[:, 0] = _choose_filter(pixels, level)
        if out[0, 0] == FILTER_NONE:
            out[:, 1:] = pixels
        else:
            np.subtract(pixels[0], above, out=out[0, 1:])  # uint8 arithmetic wraps modulo 256, as PNG wants
            np.subtract(pixels[1:], pixels[:-1], out=out[1:, 1:])
        above = pixels[-1]
        yield out


def _choose_filter(pixels: np.ndarray, level: int) -> int:
    """Up, unless the band is posterized and its raw rows pack smaller (tried on every 8th row)."""
    sample = pixels[SAMPLE_EVERY::SAMPLE_EVERY]
    if len(sample) == 0 or np.count_nonzero(np.bincount(sample.ravel(), minlength=256)) > FEW_VALUES:
        return FILTER_UP
    differences = sample - pixels[SAMPLE_EVERY - 1:-1:SAMPLE_EVERY][: len(sample)]
    raw_size = len(deflate.compress(sample.tobytes(), level))
    return FILTER_NONE if raw_size < len(deflate.compress(differences.tobytes(), level)) else FILTER_UP


def _chunk(handle: IO[bytes], kind: bytes, data: bytes | memoryview = b"") -> None:
    handle.write(struct.pack(">I", len(data)))
    handle.write(kind)
    handle.write(data)
    handle.write(struct.pack(">I", zlib.crc32(data, zlib.crc32(kind))))

"""PNG print files written in bands with one row filter, deflated by ISA-L and zlib-ng: the pixels,
DPI and profile Pillow would write, in a tenth of the time of its default settings.

A canvas print file is 65 MP. Pillow's PNG encoder tries all five row filters on every row and, in
the Linux wheels, deflates through the system's zlib 1.2 (manylinux leaves libz out of the wheel):
20 s at its default level 6 for one canvas. The "up" filter alone (each row minus the one above,
one numpy subtraction) with zlib-ng at level 4 took 2.2 s for files 1.05x the size of Pillow's.

Photographs are most of the bytes and pack poorly whatever the effort: ISA-L (`isal`) at its level 1
deflates their bands 3x faster than zlib-ng 4, for files 1.16-1.24x Pillow's. Flat art (lettering,
line art, a dither) packs 1.5-2.4x larger with ISA-L but costs zlib-ng little, so each band is
measured on a sample and goes to the deflater that suits it (benchmarks/png_export.py). Each band
is a raw deflate stream ended on a byte boundary (a sync flush), so the bands join into one zlib
stream whatever deflated them, and can be deflated on threads when the computer has cores to spare.
Bands of rows keep the memory to a few megabytes beside the image.
"""

from __future__ import annotations

import struct
import types
import zlib
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import IO, Protocol

import numpy as np
from PIL import Image

deflate: types.ModuleType
try:  # zlib-ng is a dependency; the standard zlib writes the same format, only slower
    from zlib_ng import zlib_ng as deflate
except ImportError:  # pragma: no cover - a platform without a zlib-ng wheel
    deflate = zlib
fast: types.ModuleType | None
try:  # isal is a dependency too; without a wheel for the platform every band goes to zlib-ng
    from isal import isal_zlib as fast
except ImportError:  # pragma: no cover
    fast = None

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
# Levels up to this one deflate photographic bands with ISA-L at FAST_LEVEL; above it, the seller
# asked for the smallest files and zlib-ng does every band.
FAST_UP_TO, FAST_LEVEL = 4, 1
# A band whose sample ISA-L packs below this share of its bytes is flat art, where zlib-ng packs
# 1.5-8x smaller at little cost; photographs stay at 0.3-0.6 of their bytes.
FLAT_SHARE = 0.12
ZLIB_HEADER = b"\x78\x9c"
RAW = -15  # wbits of a raw deflate stream (no zlib header or checksum of its own)


class Pixels(Protocol):
    """What the writer reads: a Pillow image, or a print made band by band as it is asked for (bands.py)."""

    @property
    def size(self) -> tuple[int, int]: ...
    @property
    def mode(self) -> str: ...
    def getbands(self) -> tuple[str, ...]: ...
    def crop(self, box: tuple[int, int, int, int]) -> Image.Image: ...


def write_png(
    image: Pixels, handle: IO[bytes], *, dpi: int, icc_profile: bytes, level: int, threads: int = 1,
) -> None:
    """Write `image` (L, LA, RGB or RGBA) as a PNG with its DPI (pHYs) and ICC profile (iCCP),
    deflating up to `threads` bands at a time."""
    if image.mode not in COLOR_TYPES:
        raise ValueError(f"PNG print files are L, LA, RGB or RGBA, not {image.mode}")
    width, height = image.size
    handle.write(SIGNATURE)
    _chunk(handle, b"IHDR", struct.pack(">IIBBBBB", width, height, 8, COLOR_TYPES[image.mode], 0, 0, 0))
    # The profile's name is free text; Pillow names it the same way.
    _chunk(handle, b"iCCP", b"ICC Profile\0\0" + zlib.compress(icc_profile))
    per_metre = int(dpi / METRES_PER_INCH + 0.5)
    _chunk(handle, b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1))
    for compressed in _zlib_stream(_filtered_bands(image, level, copies=threads > 1), level, threads):
        _chunk(handle, b"IDAT", compressed)
    _chunk(handle, b"IEND")


def _zlib_stream(bands: Iterator[tuple[np.ndarray, bool]], level: int, threads: int) -> Iterator[bytes]:
    """One zlib stream of every band: a header, each band deflated on its own, the Adler-32 of them all."""
    yield ZLIB_HEADER
    checksum = 1
    if threads <= 1:
        for band, last in bands:
            checksum = deflate.adler32(band, checksum)
            yield _deflate_band(band, level, last)
    else:
        with ThreadPoolExecutor(threads, thread_name_prefix="podwatch-png") as pool:
            waiting: deque[Future[bytes]] = deque()
            for band, last in bands:
                checksum = deflate.adler32(band, checksum)
                waiting.append(pool.submit(_deflate_band, band, level, last))
                if len(waiting) > 2 * threads:  # a few bands ahead, never the whole picture
                    yield waiting.popleft().result()
            while waiting:
                yield waiting.popleft().result()
    yield struct.pack(">I", checksum)


def _deflate_band(band: np.ndarray, level: int, last: bool) -> bytes:
    """`band` as raw deflate, ended on a byte boundary (or as the final block) so the next band can follow."""
    engine = _engine_for(band, level)
    compressor = engine.compressobj(FAST_LEVEL if engine is fast else level, zlib.DEFLATED, RAW)
    data = compressor.compress(band)
    return data + compressor.flush(engine.Z_FINISH if last else engine.Z_SYNC_FLUSH)


def _engine_for(band: np.ndarray, level: int) -> types.ModuleType:
    """ISA-L for photographic bands at the everyday levels, zlib-ng for flat art and for the others."""
    if fast is None or level == 0 or level > FAST_UP_TO:
        return deflate
    sample = band[SAMPLE_EVERY // 2::SAMPLE_EVERY].tobytes()
    if not sample:
        return fast
    return deflate if len(fast.compress(sample, FAST_LEVEL)) < FLAT_SHARE * len(sample) else fast


def _filtered_bands(image: Pixels, level: int, copies: bool = False) -> Iterator[tuple[np.ndarray, bool]]:
    """The image's rows in bands, each row led by its filter byte and holding its difference from the
    row above, and whether the band is the last (one buffer reused, unless `copies`: the bands are
    then deflated on threads, a few at a time)."""
    width, height = image.size
    stride = width * len(image.getbands())
    above = np.zeros(stride, np.uint8)  # the row above the first one counts as zeros
    band = np.empty((BAND_ROWS, stride + 1), np.uint8)
    for top in range(0, height, BAND_ROWS):
        rows = min(BAND_ROWS, height - top)
        pixels = np.asarray(image.crop((0, top, width, top + rows))).reshape(rows, stride)
        out = np.empty((rows, stride + 1), np.uint8) if copies else band[:rows]
        out[:, 0] = _choose_filter(pixels, level)
        if out[0, 0] == FILTER_NONE:
            out[:, 1:] = pixels
        else:
            np.subtract(pixels[0], above, out=out[0, 1:])  # uint8 arithmetic wraps modulo 256, as PNG wants
            np.subtract(pixels[1:], pixels[:-1], out=out[1:, 1:])
        above = pixels[-1]
        yield out, top + rows == height


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

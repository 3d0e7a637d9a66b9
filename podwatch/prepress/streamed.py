"""Uploads too large to hold whole, read a piece at a time: decoded once into a tiled file in this
computer's work area, then any rows or crop asked for, as a Pillow image.

An 80-megapixel PNG is 320 MB in Pillow, more than a worker's whole budget on a canvas (issue 17).
A canvas or poster print is made band by band and the checks look at a reduced copy and a few
crops, so neither needs the whole upload at once. libvips decodes a PNG, JPEG or TIFF row by row
(a HEIC or WebP is decoded whole, by libheif or libwebp, in a process of its own that ends once it
has written the pixels out); kept as an uncompressed tiled TIFF, any piece is read back without the
rest, turned upright by libvips as the EXIF orientation says, and converted to sRGB by loading's own
Pillow code: the pixels are those Pillow gives (test_streamed.py compares them). Formats libvips
cannot read in pieces (BMP, TGA, PPM, Photoshop, GIF) Pillow copies a strip at a time (rows.py).
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from PIL import Image

from podwatch.prepress.rows import RowsOnDisk, copy_rows

# Pillow's mode for libvips' 8-bit pictures of 1 to 4 bands, and for CMYK (4 bands too).
_MODES = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}
_INTERPRETATIONS = ("srgb", "b-w", "cmyk")
_GREY_16 = "I;16" if sys.byteorder == "little" else "I;16B"  # libvips hands out its own byte order
_WIDE_GREY = {"float": "F", "int": "I"}  # 32-bit grey: Pillow's modes hold this computer's byte order too
# A 48 MP HEIC or an 80 MP WebP is decoded and written in 3 to 5 s here: past this, the decoder is stuck.
DECODE_SECONDS = 120.0
TILE = 256  # pixels; a strip of a turned picture reads one column of tiles, not the whole file

Convert = Callable[[Image.Image], Image.Image]


class StreamedPicture:
    """An upright upload, `size` pixels in `mode` (RGB or RGBA), whose pixels stay on disk:
    `crop(box)` reads and converts that part only. RGBA only when some pixel is see-through."""

    def __init__(self, pixels: Any, mode: str, convert: Convert) -> None:
        self._pixels = pixels  # a pyvips.Image over the tiled file, or a RowsOnDisk
        self._raw = ("CMYK" if pixels.interpretation == "cmyk" else _GREY_16 if pixels.format == "ushort"
                     else _WIDE_GREY.get(pixels.format) or _MODES[pixels.bands])
        self._convert = convert
        self.mode = mode
        self.size: tuple[int, int] = (pixels.width, pixels.height)

    @property
    def width(self) -> int:
        return self.size[0]

    @property
    def height(self) -> int:
        return self.size[1]

    def crop(self, box: tuple[int, int, int, int]) -> Image.Image:
        """The pixels inside `box` (left, top, right, bottom), which must lie within the picture."""
        left, top, right, bottom = (int(edge) for edge in box)
        if not (0 <= left < right <= self.width and 0 <= top < bottom <= self.height):
            raise ValueError(f"crop {box} outside the {self.width} x {self.height} picture")
        return self._convert(self.raw_crop((left, top, right, bottom)))

    def raw_crop(self, box: tuple[int, int, int, int]) -> Image.Image:
        """The pixels inside `box` as decoded, before any conversion (L, LA, RGB, RGBA, CMYK, or 16-bit,
        32-bit or floating-point grey)."""
        if isinstance(self._pixels, RowsOnDisk):
            return self._pixels.crop(box)
        left, top, right, bottom = box
        size = (right - left, bottom - top)
        return Image.frombytes(self._raw, size, self._pixels.crop(left, top, *size).write_to_memory())

    def then(self, convert: Convert, mode: str) -> StreamedPicture:
        """The same picture with `convert` applied to each piece after this one's conversion."""
        return StreamedPicture(self._pixels, mode, lambda piece: convert(self._convert(piece)))


def decode_to_disk(handle: IO[bytes], folder: Path, orientation: int, *, rows: Image.Image | None = None,
                   apart: tuple[str, Path] | None = None) -> Any | None:
    """The picture open in `handle` decoded into a tiled file in `folder`, turned upright for the EXIF
    `orientation`, as a pyvips.Image; None when libvips hands it out in a form not known to match
    Pillow's (8-bit grey, RGB, CMYK with or without alpha; 16-bit colour or grey), or cannot decode
    it (Pillow then decodes it whole, and says in plain words what is wrong with it).
    A HEIC or WebP (`apart`: its format and path) is decoded in a process of its own that writes the
    tiled file and ends (`_decode_apart`). An upload libvips cannot read in pieces (`rows`, opened by
    Pillow: a BMP stored row after row, a GIF) is copied a strip at a time into a file of packed
    rows, read back as a RowsOnDisk.
    The file is removed at once where the system allows an open file to be; elsewhere it goes with
    the claim's work folder."""
    if rows is not None:
        if orientation != 1:
            return None  # none of these formats is known to carry one: Pillow decodes it whole and turns it
        handle.seek(0)
        folder.mkdir(parents=True, exist_ok=True)
        return copy_rows(handle, rows, folder)
    pyvips = _libvips_module()
    handle.seek(0)
    folder.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(prefix=".decoded-", suffix=".tif", dir=folder)
    os.close(descriptor)
    try:
        if apart is not None:
            if not _decode_apart(*apart, name):
                return None
        else:
            # libvips reads through a copy of the descriptor, which shares (and moves) its position:
            # a file libvips cannot read is opened again for Pillow (loading.load_image).
            decoded = _libvips(handle)
            if decoded.format == "ushort" and decoded.interpretation == "rgb16":
                decoded = (decoded >> 8).cast("uchar").copy(interpretation="srgb")  # Pillow keeps the high byte
            deep_grey = decoded.bands == 1 and (decoded.format in _WIDE_GREY or (
                decoded.format == "ushort" and decoded.interpretation == "grey16"))
            if not deep_grey and (decoded.format != "uchar" or decoded.bands not in _MODES
                                or decoded.interpretation not in _INTERPRETATIONS):
                return None
            _save_tiled(decoded, name)
        with open(name, "rb") as tiled:  # libvips keeps its own copy of the descriptor, never the name
            pixels = pyvips.Image.new_from_source(pyvips.Source.new_from_descriptor(tiled.fileno()), "",
                                                  access="random")
    except pyvips.Error:
        return None
    finally:
        with contextlib.suppress(OSError):  # Windows keeps an open file
            os.unlink(name)
    if orientation in (2, 3, 4, 5, 6, 7, 8):
        pixels = pixels.copy()
        pixels.set_type(pyvips.GValue.gint_type, "orientation", orientation)
        pixels = pixels.autorot()
    return pixels


def _save_tiled(pixels: Any, name: str) -> None:
    pixels.tiffsave(name, tile=True, tile_width=TILE, tile_height=TILE, compression="none", keep="none")


def _decode_apart(kind: str, upload: Path, name: str) -> bool:
    """Whether a process of its own decoded the HEIC or WebP (`kind`: Pillow's format name) at
    `upload` into the tiled file `name` within DECODE_SECONDS.

    Their decoders hold the whole picture: libheif about 5.3 bytes a pixel while it works (260 MB for
    a 48 MP "HEIF Max" photo), libwebp 3 (Pillow's WebP plugin 16: a 12 MP WebP took a canvas worker to
    314 MB). The process holds nothing else, and gives all of it back when it ends (issue 17). One
    that has not ended in time is stopped, and the worker decodes the upload itself: a stuck decoder
    never holds up the order."""
    import multiprocessing

    from loguru import logger

    # spawn, as the workers are started: a fresh interpreter, nothing of this one's memory copied.
    decoder = multiprocessing.get_context("spawn").Process(target=_decoder_main, args=(kind, str(upload), name),
                                                             name=f"podwatch-{kind.lower()}",
                                                             daemon=True)  # a worker that ends stops it too
    decoder.start()
    decoder.join(DECODE_SECONDS)
    if decoder.exitcode is None:
        decoder.kill()
        decoder.join()
        logger.warning(f"{upload.name}: its {kind} decoder had not finished after {DECODE_SECONDS:.0f} s and "
                       "was stopped; the upload is decoded whole instead")
        return False
    return decoder.exitcode == 0


def _decoder_main(kind: str, upload: str, name: str) -> None:
    """The decoding process: the tiled file written, it ends at once (exit status 0, or 1 when it could
    not be written). Nothing is left to flush, and the interpreter's usual shutdown (libvips' and
    libheif's threads wound down) would only keep the worker waiting. A worker stopped meanwhile
    (its order overdue, podwatch killed) takes it along."""
    from podwatch.children import end_with_parent

    end_with_parent()
    written = _write_tiles(kind, upload, name)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0 if written else 1)


def _write_tiles(kind: str, upload: str, name: str) -> bool:
    """In the decoding process: the HEIC or WebP at `upload` into the tiled file `name`; False for a
    picture that is not 8-bit RGB(A) once decoded, or cannot be decoded (Pillow then decodes it in
    the worker, and says what is wrong with it)."""
    from podwatch.files import open_no_follow

    try:
        with open_no_follow(Path(upload)) as handle:
            pixels = _heif_pixels(handle) if kind == "HEIF" else _webp_pixels(handle)
        if pixels is None or pixels.format != "uchar" or pixels.bands not in (3, 4):
            return False
        _save_tiled(pixels, name)
    except Exception:  # noqa: BLE001 - whatever went wrong, the worker decodes it again and tells the seller
        return False
    return True


def _heif_pixels(handle: IO[bytes]) -> Any | None:
    """A HEIC decoded whole by pillow-heif (libheif, which libvips' own wheels cannot decode), as a
    pyvips.Image over its buffer; None when it is not 8-bit RGB(A)."""
    import pillow_heif

    heif = pillow_heif.open_heif(handle, convert_hdr_to_8bit=True)
    bands, (width, height) = len(heif.mode), heif.size
    if heif.mode not in ("RGB", "RGBA") or heif.stride % bands:
        return None
    rows = heif.data  # the whole picture, decoded here
    pyvips = _libvips_module()  # after libheif's peak: libvips' own memory is not added to it
    pixels = pyvips.Image.new_from_memory(rows, heif.stride // bands, height, bands, "uchar")
    return pixels.crop(0, 0, width, height).copy(interpretation="srgb")


def _webp_pixels(handle: IO[bytes]) -> Any:
    """A WebP decoded whole by libwebp straight into 3 bytes a pixel (4 with alpha), as a pyvips.Image
    over that buffer: libvips' own loader holds about 8 bytes a pixel, Pillow's 16."""
    import webp

    data = webp.WebPData.from_buffer(handle.read())
    features = webp.WebPDecoderConfig.new()
    features.read_features(data)
    bands = 4 if features.input.has_alpha else 3
    rows = data.decode(webp.WebPColorMode.RGBA if bands == 4 else webp.WebPColorMode.RGB)
    del data  # the file's bytes
    pyvips = _libvips_module()
    return pyvips.Image.new_from_memory(rows.data, rows.shape[1], rows.shape[0], bands, "uchar").copy(
        interpretation="srgb")


def _libvips(handle: IO[bytes]) -> Any:
    """The picture open in `handle` as libvips decodes it, read once from the start."""
    pyvips = _libvips_module()
    return pyvips.Image.new_from_source(pyvips.Source.new_from_descriptor(handle.fileno()), "",
                                        access="sequential", fail=True)


def _libvips_module() -> Any:
    import pyvips

    pyvips.cache_set_max(0)  # every piece is read once: a cache would only hold memory
    # A worker per core already: libvips' own threads would only compete with the other workers and
    # each keep memory of its own (13 MB less at the peak with one).
    pyvips.concurrency_set(1)
    return pyvips


def lowest_alpha(pixels: Any) -> int:
    """The smallest alpha value of a picture whose last band is alpha (one pass over the file)."""
    if isinstance(pixels, RowsOnDisk):
        return pixels.lowest_alpha  # seen while copying
    return int(pixels[pixels.bands - 1].min())


Picture = Image.Image | StreamedPicture  # an upload's pixels, whole or on disk


def read_whole(image: Picture) -> Image.Image:
    """All of `image` as one Pillow image (read from disk: only ever a small one)."""
    return image if isinstance(image, Image.Image) else image.crop((0, 0, image.width, image.height))

"""Open a customer's upload as an upright 8-bit sRGB image, or refuse it in plain words."""

from __future__ import annotations

import errno
import functools
import io
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from PIL import Image, ImageOps, PngImagePlugin, UnidentifiedImageError

from podwatch.errors import UnreadableUpload
from podwatch.files import open_no_follow
from podwatch.findings import Finding, Level
from podwatch.prepress.colour import grey_to_8_bit, rgb_to_srgb, split_alpha, srgb, through_profile, to_srgb
from podwatch.prepress.refusals import decode_message, unidentified_message
from podwatch.prepress.rows import channel_rows, raw_rows
from podwatch.prepress.streamed import Picture, StreamedPicture, decode_to_disk, lowest_alpha

# Malformed files reach odd corners of Pillow's plugins; none of these may take the watcher down.
# (A DDS texture in a pixel format Pillow lacks raises NotImplementedError while opening.)
_DECODE_ERRORS = (OSError, EOFError, SyntaxError, ValueError, LookupError, TypeError, struct.error, ZeroDivisionError,
                  NotImplementedError)

@dataclass
class LoadedImage:
    """An upload as the rest of podwatch sees it: RGB or RGBA, sRGB, upright, fully read (or, too
    large to hold, read a piece at a time: a StreamedPicture)."""

    image: Picture
    path: Path
    source_format: str
    source_mode: str
    source_size: tuple[int, int]  # upright, in the upload's own pixels
    dpi: tuple[float, float] | None
    findings: list[Finding] = field(default_factory=list)
    # A JPEG bound for a much smaller print is decoded at 1/2, 1/4 or 1/8 of its size.
    reduced: int = 1
    # The buyer's whole file, when this is the cut-out trimmed from it: messages speak of the buyer's file.
    upload_size: tuple[int, int] | None = None

    @property
    def in_memory(self) -> Image.Image:
        """The pixels as one Pillow image, for the steps an upload read a piece at a time never reaches
        (background removal, a print drawn on whole: `steps.load` decides which uploads may be)."""
        if isinstance(self.image, StreamedPicture):
            raise TypeError(f"{self.path.name} is read a piece at a time; this step needs it whole")
        return self.image

    @property
    def has_alpha(self) -> bool:
        """True only when some pixel is actually see-through, not merely because there is an alpha channel."""
        return _see_through(self.image)


# The pixel size an upright picture of a given size will be scaled to for print.
Target = Callable[[tuple[int, int]], tuple[int, int]]


# Uploads larger than this are read a piece at a time when the caller allows it. Pillow holds RGB at
# 4 bytes a pixel, and an RGBA upload whose alpha hides nothing twice while it becomes RGB: a worker
# on a canvas peaked at 302 MB with a 30 MP one, 277 MB with it read in pieces (issue 17).
STREAM_PIXELS = 16_000_000


def load_image(path: Path, *, max_pixels: int, target: Target | None = None,
               stream_to: Path | None = None, pieces: bool = True) -> LoadedImage:
    """Read `path` fully and close it; raise UnreadableUpload with a message for the seller when that fails.

    With `target`, a JPEG is decoded directly at a reduced size when the print needs
    at most half its pixels each way (never fewer pixels than the print needs).
    With `stream_to` (a folder in this computer's work area), an upload of more than STREAM_PIXELS
    (a WebP of any size) is decoded there and read a piece at a time (prepress/streamed.py); without
    `pieces`, only a WebP is decoded there, then held whole.
    """
    path = Path(path)
    _register_heif()
    head = _read_head(path)
    source_format = None
    try:
        # Opened without following a link: an upload can only be the file the buyer's order brought.
        with open_no_follow(path) as handle, Image.open(handle) as im:
            source_format = im.format
            return _decode(im, path, max_pixels, target, (handle, stream_to, pieces) if stream_to else None)
    except _ReadWhole:  # libvips could not read it: Pillow reads it whole, from a fresh start
        return load_image(path, max_pixels=max_pixels, target=target)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UnreadableUpload(f"{path.name} is too large for podwatch to open safely. "
                               "Ask the buyer for a smaller file.", path) from None
    except UnidentifiedImageError:
        raise UnreadableUpload(unidentified_message(path.name, head), path) from None
    except _DECODE_ERRORS as error:
        raise UnreadableUpload(decode_message(path.name, head, source_format, error), path) from None


# A property's body is out of mutmut's reach (`make mutate` leaves decorated functions alone): the
# test of what is see-through lives here.
def _see_through(image: Picture) -> bool:
    if isinstance(image, StreamedPicture):
        return image.mode == "RGBA"  # kept RGBA only when some pixel is see-through
    return image.mode == "RGBA" and _lowest(image.getchannel("A")) < 255


def _lowest(band: Image.Image) -> int:
    """The smallest value in a one-band image (an alpha channel)."""
    low, _high = band.getextrema()
    assert isinstance(low, (int, float)), "one band gives a pair of numbers"
    return int(low)


def _decode(im: Image.Image, path: Path, max_pixels: int, target: Target | None,
            stream: tuple[IO[bytes], Path, bool] | None) -> LoadedImage:
    shrinks = target is not None and im.format in ("JPEG", "MPO")
    # A JPEG the decoder may shrink by up to 8 each way is judged by what it will decode (below).
    _refuse_bomb(im, path, max_pixels, shrink=64 if shrinks else 1)
    findings: list[Finding] = []
    frames = getattr(im, "n_frames", 1)
    # Phone JPEGs often come as MPO, whose extra frames are depth maps and previews, not animation.
    if getattr(im, "is_animated", False) and frames > 1 and im.format != "MPO":
        message = f"{path.name} is animated ({frames} frames); only the first frame will be printed."
        findings.append(Finding("animated", Level.WARN, message, {"frames": frames}))
    if _is_deep(im):
        message = f"{path.name} has more than 8 bits per colour; it was reduced to 8 bits for print (this is normal)."
        findings.append(Finding("bit_depth", Level.INFO, message))
    source_mode, icc, dpi = im.mode, im.info.get("icc_profile"), _dpi(im)
    turned = im.format in ("JPEG", "MPO") and im.getexif().get(0x0112) in (5, 6, 7, 8)
    upright_size = (im.height, im.width) if turned else im.size
    reduced = _draft(im, target(upright_size), turned) if target and shrinks else 1
    _refuse_bomb(im, path, max_pixels)  # the pixels decoded bound the worker's memory, whatever the file
    # Even a WebP held whole is decoded apart (see _streams).
    if stream is not None and reduced == 1 and (_streams(im) if stream[2] else im.format == "WEBP"):
        handle, folder, pieces = stream
        orientation = _orientation(im, handle)
        pixels = decode_to_disk(handle, folder, orientation, rows=None if im.format in _DECODERS_READ else im,
                                apart=(im.format, path) if im.format in ("HEIF", "WEBP") else None)
        if pixels is None:
            raise _ReadWhole
        if dpi and orientation in (5, 6, 7, 8):
            dpi = (dpi[1], dpi[0])
        picture = _streamed(pixels, icc, path.name, findings)
        if not pieces:
            held = _held_whole(picture)
            return LoadedImage(held, path, im.format or "unknown", source_mode, held.size, dpi, findings)
        return LoadedImage(picture, path, im.format or "unknown", source_mode, picture.size, dpi, findings)
    im.load()
    if dpi and im.getexif().get(0x0112) in (5, 6, 7, 8):
        dpi = (dpi[1], dpi[0])
    # Turned in place: a copy of an upright picture would double the worker's memory while loading.
    # The pixels are in memory now, and the file is closed when load_image returns.
    ImageOps.exif_transpose(im, in_place=True)
    upright = im
    if upright.mode in ("RGB", "RGBA") and "transparency" not in upright.info:
        image = rgb_to_srgb(upright, icc, path.name, findings)
    else:
        colour, alpha = split_alpha(upright)
        image = to_srgb(colour, icc, path.name, findings)
        if alpha is not None and _lowest(alpha) < 255:
            image.putalpha(alpha)
    # convert() copies the upload's info, and Pillow's savers would embed its old (say CMYK) profile.
    image.info = {"icc_profile": srgb().tobytes()}
    # A reduced decode is smaller than the upload: checks judge the upload by its header's size.
    source_size = upright_size if reduced > 1 else upright.size
    return LoadedImage(image, path, im.format or "unknown", source_mode, source_size, dpi, findings, reduced)


def _held_whole(picture: StreamedPicture) -> Image.Image:
    """All of `picture` in memory, read a strip at a time (4 bytes a pixel, nothing more), with the
    sRGB profile a whole upload carries."""
    image = Image.new(picture.mode, picture.size)
    for top in range(0, picture.height, 256):
        image.paste(picture.crop((0, top, picture.width, min(picture.height, top + 256))), (0, top))
    image.info = {"icc_profile": srgb().tobytes()}
    return image


class _ReadWhole(Exception):
    """libvips could not read an upload meant to be read in pieces (it may be damaged)."""


def _streams(im: Image.Image) -> bool:
    """Whether this upload is large enough to be read in pieces, and read so with the pixels Pillow
    gives (test_streamed.py compares them): by libvips (palettes and colour-key transparency expanded,
    16-bit colour cut to its high byte, 16-bit grey scaled piece by piece as `colour.grey_to_8_bit`
    scales it whole, float grey by the whole picture's highest value); a HEIC or WebP decoded whole,
    but in a process of its own that then ends; a picture stored row after row (an uncompressed BMP,
    TGA or PPM), a Photoshop file's channels or one Pillow holds at a byte a pixel (a GIF) copied a
    strip at a time by Pillow (rows.py); anything else (an RLE-compressed RGB TGA, a PCX) decoded whole."""
    # Pillow's WebP plugin holds about 16 bytes a pixel while it decodes (a 12 MP WebP: 190 MB), so a
    # WebP of any size is decoded apart (streamed._decode_apart).
    if im.width * im.height <= STREAM_PIXELS and im.format != "WEBP":
        return False
    if im.format in _DECODERS_READ:
        deep_ok = (not _is_deep(im) or (im.mode in ("RGB", "RGBA") and im.format in ("PNG", "TIFF"))
                   or im.mode in ("I;16", "I;16B", "I", "F"))
        return deep_ok and im.mode in ("RGB", "RGBA", "L", "LA", "P", "CMYK", "I;16", "I;16B", "I", "F")
    # Palette indexes, grey and 1-bit pixels are one byte a pixel in Pillow (a GIF, a compressed BMP):
    # decoded whole by Pillow, made colours a strip at a time.
    return raw_rows(im) is not None or channel_rows(im) is not None or im.mode in ("P", "L", "1")


# Decoded by libvips, or apart: by libheif for a HEIC, by libwebp for a WebP.
_DECODERS_READ = ("PNG", "JPEG", "MPO", "TIFF", "WEBP", "HEIF")


def _orientation(im: Image.Image, handle: IO[bytes]) -> int:
    """The EXIF orientation, read without decoding: a PNG may keep its eXIf chunk after the pixels,
    where Pillow's getexif() decodes the whole picture to reach it; its chunks are walked instead."""
    if im.format != "PNG" or "exif" in im.info:
        return int(im.getexif().get(0x0112, 1))
    handle.seek(8)
    chunks = PngImagePlugin.PngStream(handle)
    try:
        while (chunk := chunks.read())[0] not in (b"eXIf", b"IEND"):
            handle.seek(chunk[2] + 4, io.SEEK_CUR)  # the chunk's data and its CRC
    except (struct.error, SyntaxError, OSError):
        return 1  # damaged after the pixels: libvips or Pillow says so when decoding
    if chunk[0] == b"IEND":
        return 1
    exif = Image.Exif()
    exif.load(b"Exif\x00\x00" + handle.read(chunk[2]))
    return int(exif.get(0x0112, 1))


def _streamed(pixels, icc: bytes | None, name: str, findings: list[Finding]) -> StreamedPicture:
    """The decoded upload as a StreamedPicture whose pieces are converted as `_decode` converts a
    whole upload; what the conversion reports is reported once, here."""
    keeps_alpha = pixels.bands in (2, 4) and pixels.interpretation != "cmyk" and lowest_alpha(pixels) < 255
    # A float picture's scale (0..1 or 0..255) is decided by its highest value, not a piece's.
    highest = float(pixels.max()) if pixels.format == "float" else None

    def convert(piece: Image.Image, found: list[Finding] | None = None) -> Image.Image:
        found = [] if found is None else found
        if piece.mode in ("RGB", "RGBA"):
            if piece.mode == "RGBA" and not keeps_alpha:
                piece = piece.convert("RGB")  # an alpha channel that hides nothing
            converted = through_profile(piece, icc, name, found) if icc else None
            return converted if converted is not None else piece
        colour, alpha = (grey_to_8_bit(piece, highest), None) if piece.mode == "F" else split_alpha(piece)
        image = to_srgb(colour, icc, name, found)
        if alpha is not None and keeps_alpha:
            image.putalpha(alpha)
        return image

    picture = StreamedPicture(pixels, "RGBA" if keeps_alpha else "RGB", convert)
    convert(picture.raw_crop((0, 0, 1, 1)), findings)
    return picture


def _draft(im: Image.Image, needed: tuple[int, int], turned: bool) -> int:
    """Let the JPEG decoder scale down by 2, 4 or 8 while that still leaves `needed` (upright) pixels."""
    width, height = needed[::-1] if turned else needed
    full_width = im.width
    drafted = im.draft(im.mode, (max(1, width), max(1, height)))
    return round(full_width / drafted[1][2]) if drafted else 1


def _register_heif_opener() -> None:
    # Deferred: pillow_heif loads libheif, which `podwatch --help` should not pay for.
    import pillow_heif

    pillow_heif.register_heif_opener()


# Done once. Cached by a call, not a decorator, so `make mutate` reaches the registration above (a
# HEIF opener no longer registered once turned every iPhone photo into "damaged or cut off").
_register_heif = functools.cache(_register_heif_opener)


def _read_head(path: Path) -> bytes:
    try:
        with open_no_follow(path) as handle:
            head = handle.read(512)
    except OSError as error:
        reason = error.strerror or "unknown reason"
        if error.errno in (errno.ELOOP, errno.EINVAL, errno.EMLINK):
            reason = "it is a link or not a plain file, and podwatch never follows links"
        raise UnreadableUpload(f"{path.name} could not be opened ({reason}).", path) from None
    if not head:
        raise UnreadableUpload(f"{path.name} is empty (0 bytes). The upload probably did not finish; "
                               "ask the buyer to send it again.", path)
    return head


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:.1f}".removesuffix(".0")


def _refuse_bomb(im: Image.Image, path: Path, max_pixels: int, shrink: int = 1) -> None:
    # Checked on the header alone, so a 30000 x 30000 PNG of a few kilobytes never gets decoded.
    width, height = im.size
    if width * height > max_pixels * shrink:
        raise UnreadableUpload(
            f"{path.name} is {width} x {height} pixels ({_megapixels(width * height)} megapixels), more than "
            f"the {_megapixels(max_pixels)} megapixels podwatch works on at once ([images] max_megapixels in "
            "podwatch.toml), "
            "which keeps each worker's memory bounded. Ask the buyer for a smaller file (a t-shirt needs about "
            "25 megapixels), or raise the limit if this computer has memory to spare.", path)


def _is_deep(im: Image.Image) -> bool:
    # Pillow quietly drops 16-bit RGB(A) PNGs to 8 bits while decoding; only the raw mode of the tile tells.
    if im.mode.startswith("I") or im.mode == "F" or im.info.get("bit_depth", 8) > 8:
        return True
    return any(";16" in str(tile.args) for tile in getattr(im, "tile", [])[:1])


def _dpi(im: Image.Image) -> tuple[float, float] | None:
    try:
        # PNG stores dots per metre, so 300 dpi comes back as 299.9994; round before anyone compares it.
        x, y = (round(float(value), 1) for value in im.info["dpi"])
    except (KeyError, TypeError, ValueError):
        return None
    return (x, y) if x > 0 and y > 0 else None

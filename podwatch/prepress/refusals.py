"""What to tell the seller about an upload that cannot be read: what the file looks like (a PDF, a
web page, a video, a cut-off JPEG) and what to ask the buyer for instead."""

from __future__ import annotations

ASK_FOR_IMAGE = "Ask the buyer for a JPEG, PNG, WebP or HEIC file."
EXPORT_PNG = "Ask the buyer to export it as a PNG at print size."
WEB_PAGE = "The link probably saved the page instead of the picture. " + ASK_FOR_IMAGE

# First bytes of files buyers send instead of (or disguised as) a photo: (prefix, what it looks like, advice).
_NOT_RASTER = [
    (b"%PDF", "a PDF document", EXPORT_PNG),
    (b"%!PS", "a PostScript/EPS drawing", EXPORT_PNG),
    (b"\xc5\xd0\xd3\xc6", "a PostScript/EPS drawing", EXPORT_PNG),
    (b"<svg", "an SVG drawing", EXPORT_PNG),
    (b"PK\x03\x04", "a ZIP archive", "Ask the buyer to send the picture itself as a JPEG, PNG, WebP or HEIC file."),
    (b"<!doctype html", "a web page", WEB_PAGE),
    (b"<html", "a web page", WEB_PAGE),
]
# HEIF and AVIF share the ISO box layout with MP4 and MOV videos; the brand tells them apart.
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis"}
_RASTER = [
    (b"\x89PNG", "PNG"), (b"\xff\xd8\xff", "JPEG"), (b"GIF8", "GIF"), (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"), (b"BM", "BMP"), (b"8BPS", "Photoshop"),
]


def _looks_like(head: bytes) -> tuple[str, str] | None:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    for prefix, what, advice in _NOT_RASTER:
        if start.startswith(prefix.lower()):
            return what, advice
    if start.startswith(b"<?xml"):
        return ("an SVG drawing", EXPORT_PNG) if b"<svg" in start else ("an XML document", ASK_FOR_IMAGE)
    if head[4:8] == b"ftyp" and head[8:12] not in _HEIF_BRANDS:
        return "a video", "Ask the buyer for a still picture: a JPEG, PNG, WebP or HEIC file."
    # Any picture format has control bytes in its first 512; text has none.
    if all(byte >= 0x20 or byte in b"\t\n\r\f" for byte in head):
        return "a text file", ASK_FOR_IMAGE
    return None


def _raster_kind(head: bytes) -> str | None:
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "HEIC/AVIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    return next((kind for prefix, kind in _RASTER if head.startswith(prefix)), None)


def unidentified_message(name: str, head: bytes) -> str:
    kind = _raster_kind(head)
    if kind:
        return (f"{name} starts like a {kind} image but is damaged or cut off, so it cannot be read. "
                "Ask the buyer to upload it again.")
    return _not_an_image(name, head)


def _not_an_image(name: str, head: bytes) -> str:
    what, advice = _looks_like(head) or (None, ASK_FOR_IMAGE)
    return f"{name} is not an image podwatch can read{f' (it looks like {what})' if what else ''}. {advice}"


def decode_message(name: str, head: bytes, source_format: str | None, error: BaseException) -> str:
    if isinstance(error, EOFError) or "truncated" in str(error).lower():
        return (f"{name} is cut off: the file ends before the picture does (the upload or sync did not finish). "
                "Ask the buyer to upload it again.")
    if _looks_like(head):
        return _not_an_image(name, head)
    kind = source_format or _raster_kind(head)
    return (f"{name} could not be decoded{f' as {kind}' if kind else ''}: the file is damaged or uses a variant "
            f"podwatch does not support. Ask the buyer to upload it again. {ASK_FOR_IMAGE}")

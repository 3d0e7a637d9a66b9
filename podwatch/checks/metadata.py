"""What an upload's metadata says about who made it and who owns it (EXIF, IPTC, XMP)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, IptcImagePlugin

# The loader drops metadata from the pixels it hands on, so the upload is opened again
# (header only; no pixels are decoded). A damaged block costs its tags, never the order.
_READ_ERRORS = (OSError, ValueError, SyntaxError, EOFError, KeyError, IndexError, TypeError, UnicodeError)
_LONGEST = 200  # characters quoted from one tag; captions can run to pages


@dataclass(frozen=True)
class Tag:
    label: str  # where it was found, e.g. "EXIF Copyright", "XMP photoshop:Credit"
    text: str
    rights: bool  # names an author or a rights holder, not just a caption or title


# tag id → (label, names an author or rights holder)
EXIF = {
    0x013B: ("EXIF Artist", True),
    0x8298: ("EXIF Copyright", True),
    0x9C9D: ("EXIF XPAuthor", True),
    0x010E: ("EXIF ImageDescription", False),
    0x9C9B: ("EXIF XPTitle", False),
    0x9C9C: ("EXIF XPComment", False),
}
IPTC = {
    (2, 80): ("IPTC By-line", True),
    (2, 110): ("IPTC Credit", True),
    (2, 115): ("IPTC Source", True),
    (2, 116): ("IPTC Copyright Notice", True),
    (2, 5): ("IPTC Object Name", False),
    (2, 25): ("IPTC Keywords", False),
    (2, 120): ("IPTC Caption", False),
}
# PNG's own text chunks (tEXt/iTXt keywords of the PNG standard).
PNG_TEXT = {
    "Author": ("PNG Author", True),
    "Copyright": ("PNG Copyright", True),
    "Title": ("PNG Title", False),
    "Description": ("PNG Description", False),
    "Comment": ("PNG Comment", False),
}
# Pillow's getxmp() drops the namespace prefixes; the labels put them back for the seller.
XMP = {
    "creator": ("XMP dc:creator", True),
    "rights": ("XMP dc:rights", True),
    "Credit": ("XMP photoshop:Credit", True),
    "Source": ("XMP photoshop:Source", True),
    "Owner": ("XMP xmpRights:Owner", True),
    "WebStatement": ("XMP xmpRights:WebStatement", True),
    "UsageTerms": ("XMP xmpRights:UsageTerms", True),
    "CopyrightOwner": ("XMP plus:CopyrightOwner", True),
    "Licensor": ("XMP plus:Licensor", True),
    "title": ("XMP dc:title", False),
    "description": ("XMP dc:description", False),
    "subject": ("XMP dc:subject", False),
}


def read_tags(path: Path) -> list[Tag]:
    """Authorship, rights and caption text in the file at `path`, each tag once, in file order."""
    try:
        with Image.open(path) as im:
            tags = [*_exif(im), *_iptc(im), *_xmp(im), *_png_text(im)]
    except _READ_ERRORS:
        return []
    return list(dict.fromkeys(tag for tag in tags if tag.text))


def _clean(value: Any) -> str:
    if isinstance(value, bytes):
        # XP* tags are UTF-16; the rest is meant to be ASCII and is often Latin-1 or UTF-8.
        for encoding in ("utf-8", "latin-1"):
            try:
                value = value.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
    text = " ".join(str(value).replace("\x00", " ").split())
    return text if len(text) <= _LONGEST else text[: _LONGEST - 1] + "…"


def _exif(im: Image.Image) -> Iterator[Tag]:
    try:
        # For a PNG without an eXIf chunk up front, getexif() decodes every pixel again to look
        # behind them; editors write it before the pixels, so that rare late chunk is skipped.
        exif = im.getexif() if im.format != "PNG" or "exif" in im.info else Image.Exif()
    except _READ_ERRORS:
        return
    for tag, (label, rights) in EXIF.items():
        value = exif.get(tag)
        if value is None:
            continue
        if tag >= 0x9C9B and isinstance(value, (bytes, tuple)):
            value = bytes(value).decode("utf-16-le", errors="replace")
        elif isinstance(value, str):
            value = _utf8(value)
        yield Tag(label, _clean(value), rights)


def _utf8(text: str) -> str:
    # EXIF text is meant to be ASCII; phones and Lightroom write UTF-8 ("©", "Zoë"), which
    # Pillow hands back read as Latin-1 ("Â©"). Undo that when it is what happened.
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def _iptc(im: Image.Image) -> Iterator[Tag]:
    try:
        info = IptcImagePlugin.getiptcinfo(im) or {}  # type: ignore[arg-type]  # reads any image's info
    except _READ_ERRORS:
        return
    for key, (label, rights) in IPTC.items():
        values = info.get(key)
        for value in values if isinstance(values, list) else [values] if values else []:
            yield Tag(label, _clean(value), rights)


def _png_text(im: Image.Image) -> Iterator[Tag]:
    if im.format == "PNG":
        for key, (label, rights) in PNG_TEXT.items():
            if isinstance(im.info.get(key), str):
                yield Tag(label, _clean(im.info[key]), rights)


def _xmp(im: Image.Image) -> Iterator[Tag]:
    try:
        packet = im.getxmp()  # parsed with defusedxml: a hostile XMP packet cannot blow up
    except _READ_ERRORS:
        return
    yield from _walk(packet)


def _walk(node: Any) -> Iterator[Tag]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in XMP:
                label, rights = XMP[key]
                for text in _texts(value):
                    yield Tag(label, _clean(text), rights)
            else:
                yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def _texts(node: Any) -> Iterator[str]:
    """The text leaves of an XMP value: `Jane`, `{'Seq': {'li': ['Jane', 'Joe']}}`,
    `{'lang': 'x-default', 'text': '…'}`."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            if key not in ("lang", "about", "parseType"):
                yield from _texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _texts(item)

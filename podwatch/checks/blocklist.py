"""The seller's blocklist: pictures in blocklist/ and words in blocked_terms.txt that must never print unseen."""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from loguru import logger
from PIL import Image, ImageOps

from podwatch.bundled import data_file
from podwatch.checks.terms import TermList, load_terms
from podwatch.config.root import Root
from podwatch.files import write_text
from podwatch.intake.debris import is_debris
from podwatch.prepress.bands import shrunk
from podwatch.prepress.streamed import Picture, StreamedPicture

BRANDS = "podwatch's list of often-enforced brands, characters and people"
AGENCIES = "podwatch's list of stock photo agencies"
SELLER = "your blocked_terms.txt"

# Bump when the hashing below changes, so hashes cached in .podwatch/ are made again.
HASH_METHOD = "phash8+dhash8/crops-v2"  # v2: 16-bit grey scaled, no longer clipped to white
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".heic", ".heif", ".avif"}
HASH_SIDE = 512  # pictures are hashed from a copy this size: hashing looks at 32 x 32 px anyway


def _crops(steps: tuple[float, ...]) -> tuple[tuple[float, float, float, float], ...]:
    """The whole picture, then for each step: its middle, each side trimmed, each corner trimmed."""
    out: list[tuple[float, float, float, float]] = [(0.0, 0.0, 0.0, 0.0)]
    for s in steps:
        out.append((s, s, s, s))
        out += [_margins({side}, s) for side in range(4)]
        out += [_margins({a, (a + 1) % 4}, s) for a in range(4)]
    return tuple(out)


def _margins(sides: set[int], share: float) -> tuple[float, float, float, float]:
    """Trim margins (left, top, right, bottom) with `share` on the given sides, 0 elsewhere."""
    left, top, right, bottom = (share if i in sides else 0.0 for i in range(4))
    return left, top, right, bottom


# A buyer's copy of a blocklisted picture is often trimmed a little on some side (a screenshot,
# a phone crop) or given a frame. Perceptual hashes survive resizing and JPEG but not crops, so
# each blocklisted picture is hashed as 19 trimmed variants and each upload as 3 (whole, and its
# middle without a border). Measured on benchmarks/check_table.py's pictures: trims up to 12% a
# side and added borders stay within 8 bits; different pictures of the same kind stay above 10.
BLOCKED_CROPS = _crops((0.06, 0.12))
UPLOAD_CROPS = ((0.0, 0.0, 0.0, 0.0), (0.06,) * 4, (0.12,) * 4)


def fingerprint(image: Picture, crops=UPLOAD_CROPS) -> list[tuple[int, int]]:
    """(pHash, dHash) of each crop of `image`, as 64-bit integers."""
    import imagehash

    if isinstance(image, StreamedPicture):  # the copy thumbnail() makes, from a strip at a time
        small = shrunk(image.then(_on_white, "RGB"), _hash_size(image.size), Image.Resampling.LANCZOS, 2.0)
    else:
        small = _on_white(image)
        small.thumbnail((HASH_SIDE, HASH_SIDE), Image.Resampling.LANCZOS)
    w, h = small.size
    out = []
    for left, top, right, bottom in crops:
        part = small.crop((round(left * w), round(top * h), round(w - right * w), round(h - bottom * h)))
        out.append((int(str(imagehash.phash(part)), 16), int(str(imagehash.dhash(part)), 16)))
    return out


def _on_white(image: Image.Image) -> Image.Image:
    """RGB; transparent art as design tools export it to JPEG: on white."""
    if image.mode in ("RGBA", "LA", "PA", "P"):
        white = Image.new("RGBA", image.size, "white")
        white.alpha_composite(image.convert("RGBA"))
        image = white
    return image.convert("RGB")


def _hash_size(size: tuple[int, int]) -> tuple[int, int]:
    """The size `thumbnail((HASH_SIDE, HASH_SIDE))` gives a larger picture: Pillow's rounding, which
    keeps the aspect closest (test_streamed.py compares the hashes of both paths)."""
    width, height = size
    aspect = width / height
    if aspect <= 1:
        across = [math.floor(HASH_SIDE * aspect), math.ceil(HASH_SIDE * aspect)]
        return max(1, min(across, key=lambda n: abs(aspect - n / HASH_SIDE))), HASH_SIDE
    down = [math.floor(HASH_SIDE / aspect), math.ceil(HASH_SIDE / aspect)]
    return HASH_SIDE, max(1, min(down, key=lambda n: 0 if n == 0 else abs(aspect - HASH_SIDE / n)))


@dataclass(frozen=True)
class ImageMatch:
    name: str  # the picture in blocklist/, relative to it
    distance: int  # bits that differ (the worse of pHash and dHash, on the closest crops)


class Blocklist:
    """What the seller said must never print unseen: the term lists and the pictures in blocklist/.

    Pictures are hashed on first use and again only when a file changes; the hashes are kept
    in `.podwatch/` keyed by file size and time, so a large blocklist costs one `stat` per file.
    """

    def __init__(self, terms: TermList, folder: Path | None = None, cache_file: Path | None = None) -> None:
        self.terms = terms
        self.folder = folder
        self.cache_file = cache_file
        self._entries: dict[str, dict] | None = None
        self._warned: set[str] = set()

    @classmethod
    def bundled(cls) -> Blocklist:
        """podwatch's own term lists only: no seller folder (unit tests, `podwatch check` outside a root)."""
        return cls(_bundled_terms())

    @classmethod
    def open(cls, root: Root) -> Blocklist:
        """The root's blocklist; a mistake in blocked_terms.txt is a ConfigError (exit 2)."""
        terms = _bundled_terms()
        if root.blocked_terms.is_file():
            mine, drops = load_terms(root.blocked_terms, SELLER, root.blocked_terms.name)
            terms = terms.without(drops) + mine
        return cls(terms, root.blocklist, root.blocklist_cache)

    def match(self, image: Picture, max_distance: int) -> list[ImageMatch]:
        """Blocklisted pictures within `max_distance` bits of `image`, closest first."""
        entries = self._refresh()
        if not entries:
            return []
        import numpy as np

        names = list(entries)
        blocked = np.array([h for name in names for h in entries[name]["hashes"]], dtype=np.uint64)
        owner = np.repeat(np.arange(len(names)), [len(entries[name]["hashes"]) for name in names])
        upload = np.array(fingerprint(image), dtype=np.uint64)
        differ = _popcount(upload[:, None, :] ^ blocked[None, :, :])  # (upload crops, blocked crops, 2)
        # Both hashes must agree on the same pair of crops: pHash alone mistakes two pictures
        # with the same layout (a horizon at the same height) for one.
        pair = differ.max(axis=2).min(axis=0)
        best = np.full(len(names), 64)
        np.minimum.at(best, owner, pair)
        found = [ImageMatch(names[i], int(best[i])) for i in np.flatnonzero(best <= max_distance)]
        return sorted(found, key=lambda m: (m.distance, m.name))

    def _refresh(self) -> dict[str, dict]:
        if self.folder is None or not self.folder.is_dir():
            return {}
        if self._entries is None:
            self._entries = self._read_cache()
        seen: dict[str, dict] = {}
        changed = False
        for path in sorted(self.folder.rglob("*")):
            if path.suffix.lower() not in IMAGE_SUFFIXES or is_debris(path.name) or not path.is_file():
                continue
            name = path.relative_to(self.folder).as_posix()
            stat = path.stat()
            entry = self._entries.get(name)
            if entry and entry["mtime_ns"] == stat.st_mtime_ns and entry["size"] == stat.st_size:
                seen[name] = entry
                continue
            hashes = self._hash_file(path, name)
            if hashes is not None:  # a file that cannot be read is tried again, and not kept
                seen[name] = {"mtime_ns": stat.st_mtime_ns, "size": stat.st_size, "hashes": hashes}
                changed = True
        if changed or seen.keys() != self._entries.keys():
            self._entries = seen
            self._write_cache()
        return seen

    def _hash_file(self, path: Path, name: str) -> list[tuple[int, int]] | None:
        from podwatch.prepress.colour import grey_to_8_bit
        from podwatch.prepress.loading import _register_heif

        _register_heif()
        try:
            with Image.open(path) as im:
                im.draft("RGB", (HASH_SIDE * 2, HASH_SIDE * 2))  # JPEGs decode straight at a small size
                upright = ImageOps.exif_transpose(im)
                if upright.mode.startswith("I") or upright.mode == "F":
                    # 16-bit or float grey: converted as it is, everything above 255 turns white.
                    upright = grey_to_8_bit(upright)
                return fingerprint(upright, BLOCKED_CROPS)
        except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as exc:
            if name not in self._warned:
                self._warned.add(name)
                logger.warning("blocklist/{} cannot be read as a picture ({}); it is skipped", name, exc)
            return None

    def _read_cache(self) -> dict[str, dict]:
        try:
            data = json.loads(self.cache_file.read_text(encoding="utf-8")) if self.cache_file else {}
        except (OSError, ValueError):
            return {}  # missing or damaged: everything is hashed again
        if not isinstance(data, dict) or data.get("method") != HASH_METHOD:
            return {}
        files = data.get("files", {})
        return {
            name: {**entry, "hashes": [(int(p, 16), int(d, 16)) for p, d in entry["hashes"]]}
            for name, entry in files.items()
        }

    def _write_cache(self) -> None:
        if self.cache_file is None:
            return
        files = {
            name: {**entry, "hashes": [(f"{p:016x}", f"{d:016x}") for p, d in entry["hashes"]]}
            for name, entry in (self._entries or {}).items()
        }
        try:
            write_text(self.cache_file, json.dumps({"method": HASH_METHOD, "files": files}))
        except OSError as exc:  # a read-only state folder costs speed, never an order
            logger.warning("could not keep blocklist hashes in {}: {}", self.cache_file, os.strerror(exc.errno or 0))


def _popcount(values):
    import numpy as np

    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(values)
    return np.unpackbits(values.view(np.uint8), axis=-1).reshape(*values.shape, 64).sum(axis=-1)


@cache
def stock_agencies() -> TermList:
    return _shipped("stock_agencies.txt", AGENCIES)


@cache
def _bundled_terms() -> TermList:
    return _shipped("default.txt", BRANDS) + stock_agencies()


def _shipped(name: str, origin: str) -> TermList:
    terms, _ = load_terms(data_file("terms", name), origin, f"podwatch/data/terms/{name}")
    return terms

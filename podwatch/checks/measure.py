"""Pure picture measurements behind the quality checks; nothing here knows about rules or folders."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageChops
from scipy import ndimage

from podwatch.prepress.bands import shrunk
from podwatch.prepress.streamed import Picture, read_whole

ANALYSIS_SIDE = 1024  # about what the eye takes in of a whole print at arm's length
TILE = 32
# Mean squared brightness step (grey levels per pixel, squared) below which a tile is flat:
# sky, a wall, sensor grain. Sharpness is only judged where there is something to be sharp.
TEXTURE_FLOOR = 25.0
CRISP = 2.0  # the sharpness score of crisp edges drawn or photographed at full size
OPAQUE = 250  # alpha from which a pixel prints as solid ink
WORK_PIXELS = 12_000_000  # the largest mask the line-width measurement works on
LUMA = np.array([0.2126, 0.7152, 0.0722], np.float32)  # Rec. 709 weights for brightness


@dataclass
class Views:
    """One upload reduced once for every measurement."""

    rgb: np.ndarray  # (h, w, 3) uint8 at analysis size
    alpha: np.ndarray | None  # (h, w) uint8, None when every pixel is opaque
    grey: np.ndarray  # (h, w) float32 brightness, see-through parts shown as mid grey
    scale: float  # analysis pixels per artwork pixel


def views(image: Picture) -> Views:
    scale = min(1.0, ANALYSIS_SIDE / max(image.size))
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    small = reduced(image, size) if scale < 1 else read_whole(image)
    rgb = np.asarray(small.convert("RGB"))
    alpha = np.asarray(small.getchannel("A")) if small.mode == "RGBA" else None
    return Views(rgb, alpha, _grey(rgb, alpha), scale)


REDUCING_GAP = 2.0


def reduced(image: Picture, size: tuple[int, int]) -> Image.Image:
    """`image.resize(size, BOX, reducing_gap=2.0)`, pixel for pixel, without the premultiplied copy of
    the whole picture Pillow makes for RGBA (115 MB for 4800 x 6000 art), and from an upload read a
    piece at a time (bands.shrunk)."""
    if isinstance(image, Image.Image) and image.mode != "RGBA":
        return image.resize(size, Image.Resampling.BOX, reducing_gap=REDUCING_GAP)
    return shrunk(image, size, Image.Resampling.BOX, REDUCING_GAP)


def _grey(rgb: np.ndarray, alpha: np.ndarray | None) -> np.ndarray:
    grey = rgb.astype(np.float32) @ LUMA
    if alpha is not None:
        a = alpha.astype(np.float32) / 255
        grey = grey * a + 128 * (1 - a)
    return grey


def _tiles(values: np.ndarray) -> np.ndarray:
    h, w = (values.shape[0] // TILE) * TILE, (values.shape[1] // TILE) * TILE
    return values[:h, :w].reshape(h // TILE, TILE, w // TILE, TILE).mean(axis=(1, 3))


def _edges(grey: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Squared Laplacian and squared gradient per pixel."""
    lap = ndimage.laplace(grey)
    gx, gy = ndimage.sobel(grey, axis=1) / 8, ndimage.sobel(grey, axis=0) / 8
    return lap * lap, gx * gx + gy * gy


def sharpness(v: Views) -> float | None:
    """How crisp the sharpest parts are, at analysis size: the Laplacian's energy divided by the
    gradient's, per textured tile, 90th percentile. About 1/σ for edges blurred by a Gaussian
    of σ px, whatever the contrast; a smooth sky or a soft background does not lower it.
    None when nothing in the picture is textured enough to judge."""
    lap2, grad2 = _edges(v.grey)
    lap_t, grad_t = _tiles(lap2), _tiles(grad2)
    textured = grad_t > TEXTURE_FLOOR
    if textured.sum() < 4:
        return None
    return float(np.percentile(np.sqrt(lap_t[textured] / grad_t[textured]), 90))


def detail_factor(image: Picture, v: Views, crops: int = 16, side: int = 128) -> float | None:
    """How many times the picture looks enlarged: the sharpness of its most detailed spots at
    full size, against that of crisp edges. 1 for a camera original, ~3 for a 3x blow-up."""
    _, grad2 = _edges(v.grey)
    grad_t = _tiles(grad2)
    order = np.argsort(grad_t, axis=None)[::-1][:crops]
    scores = []
    for index in order:
        if grad_t.flat[index] <= TEXTURE_FLOOR:
            break
        ty, tx = divmod(int(index), grad_t.shape[1])
        cx, cy = ((tx + 0.5) * TILE / v.scale, (ty + 0.5) * TILE / v.scale)
        left = int(min(max(0, cx - side / 2), max(0, image.width - side)))
        top = int(min(max(0, cy - side / 2), max(0, image.height - side)))
        part = image.crop((left, top, left + side, top + side))
        rgb = np.asarray(part.convert("RGB"))
        alpha = np.asarray(part.getchannel("A")) if part.mode == "RGBA" else None
        lap2, grad2_full = (values[4:-4, 4:-4] for values in _edges(_grey(rgb, alpha)))
        if grad2_full.mean() > TEXTURE_FLOOR:
            scores.append(math.sqrt(lap2.mean() / grad2_full.mean()))
    if len(scores) < 3:
        return None
    return max(1.0, CRISP / float(np.median(scores)))


@dataclass(frozen=True)
class Content:
    """Where the artwork is on its canvas, in shares of the canvas (0..1)."""

    left: float
    top: float
    right: float
    bottom: float
    background: tuple[int, int, int] | None  # the plain colour around it; None: transparent


def content(v: Views) -> Content | None:
    """The box around what prints: not transparent, or not the plain colour framing the picture.
    None when nothing frames it (a photo edge to edge) or nothing prints."""
    background = None
    if v.alpha is not None:
        mask = v.alpha > 25
    else:
        frame = np.concatenate([v.rgb[:2].reshape(-1, 3), v.rgb[-2:].reshape(-1, 3),
                                v.rgb[:, :2].reshape(-1, 3), v.rgb[:, -2:].reshape(-1, 3)]).astype(np.int16)
        colour = np.median(frame, axis=0)
        if (np.abs(frame - colour).max(axis=1) <= 24).mean() < 0.9:
            return None
        red, green, blue = (int(c) for c in colour)
        background = (red, green, blue)
        mask = np.abs(v.rgb.astype(np.int16) - colour).max(axis=2) > 32
    if not mask.any():
        return None
    h, w = mask.shape
    # Robust to dust: a stray pixel in a corner does not stretch the box.
    left, right = _spread(mask.sum(axis=0))
    top, bottom = _spread(mask.sum(axis=1))
    return Content(left / w, top / h, right / w, bottom / h, background)


def _spread(counts: np.ndarray, tail: float = 0.002) -> tuple[int, int]:
    total = np.cumsum(counts) / counts.sum()
    return int(np.searchsorted(total, tail)), int(np.searchsorted(total, 1 - tail)) + 1


def contrast(v: Views) -> float | None:
    """The spread between the darkest and lightest 1% of what prints, in brightness or in any
    one colour channel (red on green differs little in brightness), as a share of the full range.
    None for a single flat colour, which has no contrast to lose."""
    printing = v.alpha >= 128 if v.alpha is not None else np.ones(v.grey.shape, bool)
    if printing.sum() < 100:
        return None
    rgb = v.rgb[printing].astype(np.float32)
    channels = np.column_stack([rgb @ LUMA, rgb])
    low, high = np.percentile(channels, [1, 99], axis=0)
    spread = float((high - low).max()) / 255
    return None if spread < 3 / 255 else spread


def is_flat_art(v: Views) -> bool:
    """Logos, lettering, line art: most of what prints is a handful of solid colours, and most
    pixels sit in a patch of exactly one colour. Photos fail the second test even when they
    use few colours (a grey moon, a brick wall): grain and texture leave no patch perfectly even."""
    printing = v.alpha >= 128 if v.alpha is not None else np.ones(v.grey.shape, bool)
    if not printing.any():
        return False
    bins = (v.rgb[printing] >> 4).astype(np.int32)
    counts = np.sort(np.bincount(bins[:, 0] * 256 + bins[:, 1] * 16 + bins[:, 2], minlength=4096))[::-1]
    if counts[:8].sum() / counts.sum() < 0.8:
        return False
    rgb = v.rgb.astype(np.int16)
    spread = np.zeros(v.grey.shape, np.int16)
    for c in range(3):
        spread = np.maximum(spread, ndimage.maximum_filter(rgb[..., c], 3) - ndimage.minimum_filter(rgb[..., c], 3))
    return float((spread[printing] <= 2).mean()) >= 0.6


def thin_share(image: Picture, v: Views, background: tuple[int, int, int] | None, line_px: float) -> float | None:
    """The share of the ink in lines narrower than `line_px` artwork pixels: what a morphological
    opening with a disc that wide wipes away. Ink is opacity, or the distance from the plain
    `background` colour (None: transparent background). None when there is no ink.

    The opening works on grey levels, not a thresholded mask, so a line's anti-aliased edges
    count for what they cover and the answer does not flip with where the line falls on the pixel grid."""
    if line_px <= 1:
        return 0.0  # every pixel already prints wider than the thinnest line allowed
    w, h = image.size
    # Work where the thinnest allowed line is 5 (or 3) pixels wide, within WORK_PIXELS.
    for span in (5, 3):
        k = span / line_px
        if w * h * k * k <= WORK_PIXELS:
            break
    else:
        k = math.sqrt(WORK_PIXELS / (w * h))  # a huge file: lines up to ~10% wider also count as thin
    y, x = np.mgrid[-(span // 2): span // 2 + 1, -(span // 2): span // 2 + 1]
    disc = x * x + y * y <= (span / 2) ** 2
    strongest = _strongest(v, background)
    plane = v.rgb if background else v.alpha
    assert plane is not None, "flat art without a framing colour has an alpha channel"
    cover = _coverage(Image.fromarray(plane), background, strongest)
    inked = cover >= 128
    edges = _near(_texture(v) | (inked ^ _near(inked, 1)), 1)
    # Tiles of one working grid, each resampled from the artwork on the grid's own scale: its pixels
    # are the whole grid's (to a level, where the box's float arithmetic rounds the other way).
    grid = (max(1, round(w * k)), max(1, round(h * k)))
    sx, sy = w / grid[0], h / grid[1]  # artwork pixels per working pixel
    reach = math.ceil(max(sx, sy)) + 2  # artwork pixels the resampling reads around a working pixel
    # Lines everywhere: one pass over the whole picture is quicker than tiles.
    tile = max(grid) if _busy(edges, WORK_TILE * sx * v.scale) else WORK_TILE
    resample = Image.Resampling.BILINEAR if k > 1 else Image.Resampling.BOX
    total = lost = 0.0
    for top in range(0, grid[1], tile):
        for left in range(0, grid[0], tile):
            right, bottom = min(grid[0], left + tile), min(grid[1], top + tile)
            a = (slice(int(top * sy * v.scale), math.ceil(bottom * sy * v.scale) + 1),
                 slice(int(left * sx * v.scale), math.ceil(right * sx * v.scale) + 1))
            if not edges[a].any():
                # Flat here (all ink or all background): nothing to lose, only ink to count.
                total += float(cover[a].mean()) * (right - left) * (bottom - top)
                continue
            # The tile and `span` working pixels around it: all the opening looks at.
            x0, y0 = max(0, left - span), max(0, top - span)
            x1, y1 = min(grid[0], right + span), min(grid[1], bottom + span)
            crop = (max(0, int(x0 * sx) - reach), max(0, int(y0 * sy) - reach),
                    min(w, math.ceil(x1 * sx) + reach), min(h, math.ceil(y1 * sy) + reach))
            part = image.crop(crop).resize((x1 - x0, y1 - y0), resample, box=(
                x0 * sx - crop[0], y0 * sy - crop[1], x1 * sx - crop[0], y1 * sy - crop[1]))
            ink = _coverage(part if background else part.getchannel("A"), background, strongest)
            # Beyond the file's edge is no ink (scipy's default mirrors the picture there: a line along
            # the edge would count twice its width, and a thin frame at the edge would pass).
            kept = ndimage.grey_opening(ink, footprint=disc, mode="constant")
            inner = (slice(top - y0, bottom - y0), slice(left - x0, right - x0))
            total += float(ink[inner].sum(dtype=np.int64))
            lost += float((ink[inner] - kept[inner]).sum(dtype=np.int64))
    return lost / total if total else None


def _busy(edges: np.ndarray, tile: float) -> bool:
    """Whether most tiles of `tile` analysis pixels hold an edge."""
    t = max(1, round(tile))
    h, w = (edges.shape[0] // t) * t, (edges.shape[1] // t) * t
    if not h or not w:
        return True
    return float(edges[:h, :w].reshape(h // t, t, w // t, t).any(axis=(1, 3)).mean()) > 0.4


WORK_TILE = 128  # working pixels per tile side: small tiles skip more of the flat areas


def _texture(v: Views) -> np.ndarray:
    """Analysis pixels where brightness or opacity changes: where a line could be."""
    spread = ndimage.maximum_filter(v.grey, 3) - ndimage.minimum_filter(v.grey, 3) > 6
    if v.alpha is not None:
        spread |= (ndimage.maximum_filter(v.alpha, 3).astype(np.int16) - ndimage.minimum_filter(v.alpha, 3)) > 6
    return spread


def _strongest(v: Views, background: tuple[int, int, int] | None) -> float:
    if background is None:
        return 255.0
    distance = np.abs(v.rgb.astype(np.int16) - np.array(background, np.int16)).max(axis=2)
    inked = distance[distance > 32]
    return float(np.percentile(inked, 99)) if inked.size else 255.0


def _coverage(image: Image.Image, background: tuple[int, int, int] | None, strongest: float) -> np.ndarray:
    """Ink per pixel, 0..255 (uint8): opacity (an alpha channel when `background` is None), or
    the largest channel difference from the plain background, scaled so the strongest ink is full."""
    if background is None:
        return np.asarray(image)
    # Pillow's C loops: three times quicker than numpy on a 10 MP picture.
    difference = ImageChops.difference(image.convert("RGB"), Image.new("RGB", image.size, background))
    red, green, blue = difference.split()
    scale = 255 / max(strongest, 1.0)
    strongest_channel = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    return np.asarray(strongest_channel.point(lambda d: min(255, round(d * scale))))


def semi_transparent(alpha: np.ndarray, edge: int = 2) -> float:
    """The share of the visible pixels that are see-through beyond anti-aliased edges: pixels
    between 0 and solid that are not within `edge` px of both a clear and a solid pixel."""
    visible = alpha > 0
    semi = visible & (alpha < OPAQUE)
    total = int(visible.sum())
    if not total or semi.sum() / total <= 0.001:
        return 0.0
    rim = _near(alpha >= OPAQUE, edge) & _near(~visible, edge)
    return float((semi & ~rim).sum()) / total


def _near(mask: np.ndarray, distance: int) -> np.ndarray:
    """Pixels within `distance` (a square) of a set pixel; two 1-D passes, fast on 24 MP."""
    grown = ndimage.maximum_filter1d(mask.view(np.uint8), 2 * distance + 1, axis=0)
    return ndimage.maximum_filter1d(grown, 2 * distance + 1, axis=1).astype(bool)

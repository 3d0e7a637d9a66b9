"""The flat-art engine: remove a uniform background colour with soft, decontaminated edges."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

RGB = tuple[int, int, int]

# A border counts as one colour when this share of its pixels is this close (RGB distance) to its median.
UNIFORM_SHARE = 0.9
UNIFORM_DISTANCE = 24
# Edge pixels look this far (in pixels) for the solid colour they were blended from.
REACH = 3
# Enclosed background specks smaller than this are JPEG noise inside the artwork, not holes to clear.
MIN_HOLE = 9
# Flat art's edges are thin outlines, a few percent of its pixels. Past this share the
# upload is a photo or a texture: unmixing every pixel would take minutes and mean nothing.
MAX_EDGE_SHARE = 0.2
# Images are analysed for "is the border one colour?" at about this size: noise averages out, and it is quick.
SAMPLE_SIDE = 600


@dataclass(frozen=True)
class Border:
    """The colour around the artwork and how uniform it is."""

    rgb: RGB
    uniform: float  # share of border pixels within UNIFORM_DISTANCE of `rgb`
    noise: float  # how far typical border pixels stray from `rgb` (JPEG noise, scan grain)

    @property
    def is_uniform(self) -> bool:
        return self.uniform >= UNIFORM_SHARE

    @property
    def hex(self) -> str:
        return "#{:02X}{:02X}{:02X}".format(*self.rgb)


def sample(image: Image.Image) -> Image.Image:
    """A small RGBA copy for quick decisions about the border."""
    small = image.convert("RGBA") if image.mode != "RGBA" else image.copy()
    small.thumbnail((SAMPLE_SIDE, SAMPLE_SIDE), Image.Resampling.BOX)
    return small


def border(image: Image.Image) -> Border | None:
    """The border of the visible picture: the image edge, or the outline of what is opaque.
    None when nothing is visible."""
    import numpy as np

    arr = np.asarray(image.convert("RGBA") if image.mode != "RGBA" else image)
    pixels = _border_pixels(arr[..., :3], arr[..., 3] >= 128)
    return None if pixels is None else _describe(pixels)


def _describe(pixels) -> Border:
    import numpy as np

    median = np.median(pixels, axis=0)
    dist = np.sqrt(((pixels.astype(np.float32) - median) ** 2).sum(axis=1))
    close = dist <= UNIFORM_DISTANCE
    noise = float(np.percentile(dist[close], 95)) if close.any() else float(UNIFORM_DISTANCE)
    rgb = tuple(int(round(c)) for c in median)
    return Border(rgb, float(close.mean()), noise)  # type: ignore[arg-type]


def _border_pixels(rgb, visible):
    import numpy as np
    from scipy import ndimage

    h, w = visible.shape
    strip = max(2, min(16, min(h, w) // 100))
    if visible.all():
        return np.concatenate([rgb[:strip].reshape(-1, 3), rgb[-strip:].reshape(-1, 3),
                               rgb[:, :strip].reshape(-1, 3), rgb[:, -strip:].reshape(-1, 3)])
    # Partly transparent: the ring of opaque pixels just inside the transparent area (or the image edge).
    outline = visible & ~ndimage.binary_erosion(visible, iterations=strip, border_value=0)
    return rgb[outline] if outline.any() else None


@dataclass(frozen=True)
class Cutout:
    image: Image.Image  # RGBA
    background: Border
    threshold: float
    cleared_enclosed: int  # enclosed background regions made transparent
    unmixed: bool = True  # edge colours were decontaminated (False: too busy to be flat art)


def remove_solid(image: Image.Image, *, clear_enclosed: bool = False, tolerance: float | None = None) -> Cutout:
    """`image` with its border colour made transparent.

    The background is every pixel within `tolerance` (estimated from the border's
    noise when None) of the border colour that touches the image edge, or any such
    region when `clear_enclosed`. Each edge pixel is treated as a blend of the
    background and the nearest solid artwork colour: its alpha is the blend share
    and its colour the artwork's, so a logo cut from white shows no white fringe
    on a black shirt.
    """
    import numpy as np
    from scipy import ndimage

    arr = np.asarray(image.convert("RGBA") if image.mode != "RGBA" else image)
    rgb, given = arr[..., :3], arr[..., 3]
    transparent = given < 128
    pixels = _border_pixels(rgb, ~transparent)
    if pixels is None:
        raise ValueError("the image is fully transparent")
    bg = _describe(pixels)
    # JPEG noise on a flat border is a few levels, but strong edges ring up to ~30 levels around them.
    threshold = float(tolerance) if tolerance is not None else float(np.clip(2.5 * bg.noise + 12, 16, 48))
    base = np.array(bg.rgb, dtype=np.float32)
    dist = _distance(rgb, base)
    artwork = (dist > threshold) & ~transparent  # whatever colour see-through pixels have, they are not art

    # Edge pixels first: each is unmixed into (alpha, true colour), so that JPEG ringing
    # around the artwork (low alpha) counts as background when regions are traced below.
    # Solid artwork: clearly past the noise and two pixels in from any edge, where JPEG no longer blurs.
    solid = ndimage.binary_erosion((dist > 2 * threshold) & ~transparent, iterations=2)
    ys, xs = np.nonzero(artwork & ~solid)
    unmixed = len(ys) <= MAX_EDGE_SHARE * dist.size
    if unmixed:
        edge_alpha = np.empty(len(ys), dtype=np.uint8)
        edge_colour = np.empty((len(ys), 3), dtype=np.uint8)
        for start in range(0, len(ys), 200_000):  # bounded memory on long outlines
            part = slice(start, start + 200_000)
            edge_alpha[part], edge_colour[part] = _unmix(rgb, solid, artwork, dist, base, threshold, ys[part], xs[part])
    else:  # edges just fade in with their distance from the background colour
        edge_alpha = np.round(_ramp(dist[ys, xs], threshold) * 255).astype(np.uint8)
        edge_colour = rgb[ys, xs]
    faint = ~artwork | transparent
    faint[ys, xs] = edge_alpha < 128

    # Background regions: those that touch the image edge or transparency (or all of them, if asked).
    labels, count = ndimage.label(faint)
    outer = np.zeros(count + 1, dtype=bool)
    for side in (labels[0], labels[-1], labels[:, 0], labels[:, -1], labels[transparent]):
        outer[np.unique(side)] = True
    cleared = outer.copy()
    if clear_enclosed:
        cleared |= np.bincount(labels.ravel(), minlength=count + 1) >= MIN_HOLE
    cleared[0] = False  # label 0 is the artwork itself
    removed = cleared[labels]
    enclosed = int((cleared & ~outer).sum())
    del labels, faint

    alpha = np.where(removed & ~artwork, 0, 255).astype(np.uint8)
    out = np.array(rgb)  # writable copy; only edge pixels change
    # Edges that meet kept areas (an enclosed white the rule keeps) stay as they are.
    near = ndimage.maximum_filter(removed.view(np.uint8), size=2 * REACH + 1)[ys, xs].astype(bool)
    ys, xs = ys[near], xs[near]
    alpha[ys, xs] = edge_alpha[near]
    out[ys, xs] = edge_colour[near]
    alpha = np.minimum(alpha, given)
    result = Image.fromarray(np.dstack([out, alpha]), "RGBA")
    return Cutout(result, bg, threshold, enclosed, unmixed)


def _distance(rgb, base):
    import numpy as np

    total = np.zeros(rgb.shape[:2], dtype=np.float32)
    for c in range(3):  # channel by channel: no (H, W, 3) float copy of a 24 MP image
        diff = rgb[..., c].astype(np.float32) - base[c]
        total += diff * diff
    return np.sqrt(total, out=total)


def _ramp(dist, threshold):
    """0 at the background's noise threshold, 1 at twice it."""
    import numpy as np

    return np.clip((dist - threshold) / threshold, 0.0, 1.0)


def _unmix(rgb, solid, artwork, dist, base, threshold, ys, xs):
    """Alpha and true colour of edge pixels, each seen as `alpha * F + (1 - alpha) * background`
    where F is the solid artwork colour nearby that explains the pixel best."""
    import numpy as np

    h, w = solid.shape
    c = rgb[ys, xs].astype(np.float32) - base
    best_score = np.full(len(ys), np.inf, dtype=np.float32)
    best_alpha = np.zeros(len(ys), dtype=np.float32)
    best_colour = rgb[ys, xs].astype(np.float32)
    # Strokes too thin to have a solid core: their most saturated neighbour stands in for F.
    thin_d = np.full(len(ys), -1.0, dtype=np.float32)
    thin_alpha = np.ones(len(ys), dtype=np.float32)
    thin_colour = best_colour.copy()
    for dy in range(-REACH, REACH + 1):
        for dx in range(-REACH, REACH + 1):
            ny, nx = np.clip(ys + dy, 0, h - 1), np.clip(xs + dx, 0, w - 1)
            f = rgb[ny, nx].astype(np.float32)
            v = f - base
            vv = np.maximum((v * v).sum(axis=1), 1.0)
            share = np.clip((c * v).sum(axis=1) / vv, 0.0, 1.0)
            residual = ((c - share[:, None] * v) ** 2).sum(axis=1)
            # Among equally good explanations the closest pixel wins.
            score = residual + 4.0 * (dy * dy + dx * dx)
            better = solid[ny, nx] & (score < best_score)
            best_score[better], best_alpha[better], best_colour[better] = score[better], share[better], f[better]
            d = dist[ny, nx]
            richer = artwork[ny, nx] & (d > thin_d)
            thin_d[richer], thin_alpha[richer], thin_colour[richer] = d[richer], share[richer], f[richer]
    none = ~np.isfinite(best_score)
    best_alpha[none], best_colour[none] = thin_alpha[none], thin_colour[none]
    # Pixels barely past the threshold fade in, so JPEG ringing leaves no speckled rim.
    alpha = np.round(best_alpha * _ramp(dist[ys, xs], threshold) * 255).astype(np.uint8)
    return alpha, np.clip(np.round(best_colour), 0, 255).astype(np.uint8)

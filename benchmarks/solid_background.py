"""Benchmark the flat-art background remover against artwork whose true alpha is known.

Run by hand (not part of the tests):

    python benchmarks/solid_background.py            # 4500 x 5400, every scene
    python benchmarks/solid_background.py --scale 0.25 --save /tmp/bench

Each scene is drawn with anti-aliasing (shapes supersampled 3x, text by
FreeType), composited onto a white or coloured background and saved as a JPEG
(quality 85 with 4:2:0 chroma subsampling, as phones and web exports do). The
remover gets only the JPEG; its cut-out is compared with the truth:

- IoU: the opaque masks (alpha > 0.5) of cut-out and truth.
- alpha MAE: mean |alpha - true alpha| over the whole image and over the edge
  band (pixels within 3 px of the artwork's outline), alpha in 0..1.
- edge colour error: over edge pixels the cut-out keeps (alpha > 0.1), the mean
  RGB distance between the cut-out's colour and the artwork's true colour.
- halo on black / white: the cut-out and the truth composited onto a black and
  a white shirt, mean absolute difference per channel (0..255) over the edge band.
  "raw" is the same on black with the upload's own edge colours (same alpha, no
  decontamination): the fringe the decontamination takes away.
- time: wall-clock seconds, and CPU seconds (steadier on a busy machine).
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from scipy import ndimage

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from podwatch.background.solid import remove_solid  # noqa: E402

SS = 3  # supersampling for shapes; Pillow draws polygons and ellipses without anti-aliasing
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu/", "/usr/share/fonts/dejavu/", "/usr/share/fonts/TTF/", "")


def font(size: int, name: str = "DejaVuSans-Bold.ttf") -> ImageFont.FreeTypeFont:
    for folder in FONT_DIRS:
        try:
            return ImageFont.truetype(folder + name, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)  # type: ignore[return-value]


def shape_mask(size, draw_fn) -> Image.Image:
    """An anti-aliased L mask: drawn at SS x, then averaged down."""
    big = Image.new("L", (size[0] * SS, size[1] * SS), 0)
    draw_fn(ImageDraw.Draw(big), SS)
    return big.reduce(SS)


def text_mask(size, xy, text, px, name="DejaVuSans-Bold.ttf", anchor="mm") -> Image.Image:
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).text(xy, text, font=font(px, name), fill=255, anchor=anchor)
    return mask


def layered(size, layers) -> Image.Image:
    """The true artwork: coloured layers, each with its own anti-aliased mask, stacked."""
    art = Image.new("RGBA", size, (0, 0, 0, 0))
    for colour, mask in layers:
        layer = Image.new("RGBA", size, (*colour, 255))
        layer.putalpha(mask)
        art.alpha_composite(layer)
    return art


def star(cx, cy, r_out, r_in, n=5):
    pts = []
    for i in range(2 * n):
        r = r_out if i % 2 == 0 else r_in
        a = np.pi / 2 + i * np.pi / n
        pts.append((cx + r * np.cos(a), cy - r * np.sin(a)))
    return pts


def badge(size) -> Image.Image:
    """A round multi-colour logo: ring, star, lettering with counters (O, A, P), thin rules."""
    w, h = size
    cx, cy, r = w / 2, h * 0.45, min(w, h) * 0.38
    u = min(w, h) / 4500

    def ring(d, s):
        d.ellipse([(cx - r) * s, (cy - r) * s, (cx + r) * s, (cy + r) * s], fill=255)
        ri = r - 140 * u
        d.ellipse([(cx - ri) * s, (cy - ri) * s, (cx + ri) * s, (cy + ri) * s], fill=0)

    def inner(d, s):
        ri = r - 200 * u
        d.ellipse([(cx - ri) * s, (cy - ri) * s, (cx + ri) * s, (cy + ri) * s], fill=255)

    def rules(d, s):
        for k in range(-3, 4):
            y = (cy + r * 0.62 + k * 22 * u) * s
            d.line([((cx - r * 0.55) * s, y), ((cx + r * 0.55) * s, y)], fill=255, width=max(1, round(6 * u * s)))

    def stars(d, s):
        d.polygon([(x * s, y * s) for x, y in star(cx, cy - r * 0.35, r * 0.28, r * 0.11)], fill=255)

    return layered(size, [
        ((24, 46, 94), shape_mask(size, ring)),
        ((250, 196, 40), shape_mask(size, inner)),
        ((200, 30, 45), shape_mask(size, stars)),
        ((24, 46, 94), text_mask(size, (cx, cy + r * 0.12), "PAWS & CO", round(330 * u))),
        ((24, 46, 94), shape_mask(size, rules)),
        ((200, 30, 45), text_mask(size, (cx, h * 0.9), "EST. 2024 · GOOD DOGS ONLY", round(190 * u))),
    ])


def lettering(size, colour=(20, 20, 20)) -> Image.Image:
    """A name and a date, the commonest personalised print, in serif and sans lettering."""
    w, h = size
    u = min(w, h) / 4500
    return layered(size, [
        (colour, text_mask(size, (w / 2, h * 0.32), "Luna", round(1300 * u), "DejaVuSerif-Bold.ttf")),
        (colour, text_mask(size, (w / 2, h * 0.58), "Best Dog Ever", round(420 * u), "DejaVuSerif-Italic.ttf")),
        (colour, text_mask(size, (w / 2, h * 0.74), "01 · 05 · 2024", round(300 * u), "DejaVuSans.ttf")),
    ])


def wreath(size) -> Image.Image:
    """Clipart with thin strokes and gaps: leaves on a circle, thin outlines, a heart."""
    w, h = size
    cx, cy, r = w / 2, h / 2, min(w, h) * 0.36
    u = min(w, h) / 4500

    def leaves(d, s):
        for i in range(28):
            a = 2 * np.pi * i / 28
            x, y = cx + r * np.cos(a), cy + r * np.sin(a)
            lw, lh = 150 * u, 60 * u
            d.ellipse([(x - lw) * s, (y - lh) * s, (x + lw) * s, (y + lh) * s], outline=255,
                      width=max(1, round(14 * u * s)))

    def stem(d, s):
        d.arc([(cx - r) * s, (cy - r) * s, (cx + r) * s, (cy + r) * s], 0, 360, fill=255,
              width=max(1, round(10 * u * s)))

    def heart(d, s):
        k = r * 0.35
        d.ellipse([(cx - k) * s, (cy - k * 0.8) * s, cx * s, (cy + k * 0.2) * s], fill=255)
        d.ellipse([cx * s, (cy - k * 0.8) * s, (cx + k) * s, (cy + k * 0.2) * s], fill=255)
        d.polygon([((cx - k * 0.97) * s, (cy - k * 0.15) * s), ((cx + k * 0.97) * s, (cy - k * 0.15) * s),
                   (cx * s, (cy + k * 1.1) * s)], fill=255)

    return layered(size, [
        ((46, 125, 50), shape_mask(size, leaves)),
        ((90, 70, 40), shape_mask(size, stem)),
        ((214, 40, 80), shape_mask(size, heart)),
    ])


SCENES = {
    "badge on white": (badge, (255, 255, 255)),
    "badge on sky-blue card": (badge, (176, 214, 240)),
    "lettering on white": (lettering, (255, 255, 255)),
    "lettering on pink card": (lettering, (245, 190, 205)),
    "white lettering on navy": (lambda size: lettering(size, (250, 250, 250)), (22, 34, 70)),
    "wreath on cream": (wreath, (246, 240, 222)),
}


def jpeg(image: Image.Image, quality: int = 85) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def measure(truth: Image.Image, cut: Image.Image, upload: Image.Image) -> dict[str, float]:
    t = np.asarray(truth).astype(np.float32)
    c = np.asarray(cut).astype(np.float32)
    ta, ca = t[..., 3] / 255, c[..., 3] / 255
    tm, cm = ta > 0.5, ca > 0.5
    iou = (tm & cm).sum() / max(1, (tm | cm).sum())
    outline = tm ^ ndimage.binary_erosion(tm)
    band = ndimage.binary_dilation(outline, iterations=3)
    kept = band & (ca > 0.1) & (ta > 0.1)
    colour_err = np.sqrt(((c[..., :3] - t[..., :3]) ** 2).sum(axis=2))[kept].mean()
    halo = {}
    for name, shirt in (("black", 0.0), ("white", 255.0)):
        on_t = t[..., :3] * ta[..., None] + shirt * (1 - ta[..., None])
        on_c = c[..., :3] * ca[..., None] + shirt * (1 - ca[..., None])
        halo[name] = np.abs(on_t - on_c)[band].mean()
    raw = np.asarray(upload).astype(np.float32) * ca[..., None]
    halo["raw"] = np.abs(t[..., :3] * ta[..., None] - raw)[band].mean()
    return {
        "iou": float(iou), "alpha_mae": float(np.abs(ta - ca).mean()), "edge_alpha_mae": float(np.abs(ta - ca)[band].mean()),
        "edge_colour": float(colour_err), "halo_black": float(halo["black"]), "halo_white": float(halo["white"]),
        "halo_raw": float(halo["raw"]),
    }


def row(name: str, m: dict[str, float]) -> str:
    return (f"{name:<26} {m['iou']:>7.4f} {m['alpha_mae']:>7.4f} {m['edge_alpha_mae']:>7.3f} "
            f"{m['edge_colour']:>8.1f} {m['halo_black']:>8.1f} {m['halo_white']:>8.1f} {m['halo_raw']:>8.1f} "
            f"{m['time']:>7.2f} {m['cpu']:>6.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of 4500 x 5400 (default 1)")
    parser.add_argument("--quality", type=int, default=85, help="JPEG quality of the uploads (default 85)")
    parser.add_argument("--save", type=Path, help="write each upload and cut-out here, to look at")
    args = parser.parse_args()
    size = (round(4500 * args.scale), round(5400 * args.scale))
    print(f"{size[0]} x {size[1]} px, JPEG quality {args.quality}\n")
    header = (f"{'scene':<26} {'IoU':>7} {'α MAE':>7} {'edge α':>7} {'edge RGB':>8} {'halo blk':>8} "
              f"{'halo wht':>8} {'raw blk':>8} {'time s':>7} {'cpu s':>6}")
    print(header)
    print("-" * len(header))
    rows = []
    for name, (draw, background) in SCENES.items():
        truth = draw(size)
        upload = Image.new("RGBA", size, (*background, 255))
        upload.alpha_composite(truth)
        upload = jpeg(upload.convert("RGB"), args.quality)
        start, cpu = time.perf_counter(), time.process_time()
        cut = remove_solid(upload, clear_enclosed=True).image
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        m = measure(truth, cut, upload) | {"time": seconds, "cpu": cpu}
        rows.append(m)
        print(row(name, m))
        if args.save:
            args.save.mkdir(parents=True, exist_ok=True)
            slug = name.replace(" ", "-")
            upload.save(args.save / f"{slug}_upload.jpg", quality=90)
            cut.save(args.save / f"{slug}_cutout.png")
    print("-" * len(header))
    mean = {k: sum(r[k] for r in rows) / len(rows) for k in rows[0]}
    print(row("mean", mean))
    worst = min(r["iou"] for r in rows)
    print(f"\nlowest IoU {worst:.4f} (target >= 0.98): {'met' if worst >= 0.98 else 'NOT met'}")
    return 0 if worst >= 0.98 else 1


if __name__ == "__main__":
    sys.exit(main())

"""How fast, and how small, print files come out of podwatch's PNG writer at each zlib level,
against Pillow's PNG encoder on the same pixels. The default `[output] png_compress_level` is
chosen from this table.

    python benchmarks/png_export.py             # every corpus print plus the hard cases
    python benchmarks/png_export.py --levels 2,3,4 --quick

The prints are the benchmark corpus's uploads (benchmarks/corpus.py) fitted into their product's
print area, as podwatch fits them, plus three pictures that compress worst with a single row filter:
lettering on transparent, a dithered picture, line art. Each writer's time is the best of three.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(REPO), str(HERE), str(REPO / "tests")]

import corpus  # noqa: E402
import pictures  # noqa: E402  (tests/pictures.py)
import run  # noqa: E402  (benchmarks/run.py)
from PIL import Image, ImageDraw, ImageFont  # noqa: E402

from podwatch.config.rulebook import load_rules  # noqa: E402
from podwatch.prepress import png  # noqa: E402
from podwatch.prepress.loading import load_image  # noqa: E402
from podwatch.prepress.printfile import print_image, srgb_profile  # noqa: E402


def prints(quick: bool) -> list[tuple[str, Image.Image]]:
    rules = load_rules(REPO / "rules")
    made = []
    uploads = corpus.plan()
    if quick:
        uploads = [u for u in uploads if u.order_id in ("B0000", "B0004", "B0006", "B0018")]
    files = run.build_corpus(uploads)  # the same files, seeds and version marker as benchmarks/run.py
    for upload in uploads:
        loaded = load_image(files[upload.order_id], max_pixels=200_000_000)
        made.append((f"{upload.order_id} {upload.product} {upload.kind}", print_image(loaded.image, rules[upload.product])))
    made.append(("lettering on transparent", _lettering((4500, 5400))))
    made.append(("dithered picture", pictures.photo((4500, 5400), seed=3).convert("1").convert("RGB")))
    made.append(("line art", pictures.line_art((4500, 5400), line=3, bold=60).convert("RGBA")))
    return made


def _lettering(size: tuple[int, int]) -> Image.Image:
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(REPO / "podwatch/data/fonts/DejaVuSans.ttf"), size[1] // 12)
    for row, line in enumerate(["BEST DOG", "DAD EVER", "Luna & Max", "EST. 2024", "Ζωή · Łukasz"]):
        draw.text((size[0] // 2, size[1] * (row + 1) // 6), line, font=font, anchor="mm",
                  fill=(200, 30, 60, 255), stroke_width=6, stroke_fill=(255, 255, 255, 255))
    return image


def best_of(writer, runs: int = 3) -> tuple[float, int]:
    times = []
    for _ in range(runs):
        out = io.BytesIO()
        started = time.perf_counter()
        writer(out)
        times.append(time.perf_counter() - started)
    return min(times), out.tell()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--levels", default="1,2,3,4,5,6", help="podwatch writer levels (default 1-6)")
    parser.add_argument("--quick", action="store_true", help="four corpus prints instead of nineteen")
    args = parser.parse_args()
    levels = [int(v) for v in args.levels.split(",")]
    icc = srgb_profile()
    print(f"{'print':30s} {'size':>10s} {'Pillow 6':>15s} {'Pillow 4':>15s} "
          + " ".join(f"{'level ' + str(lv):>15s}" for lv in levels))
    ratios: dict[str, list[float]] = {}
    seconds: dict[str, list[float]] = {}
    for label, image in prints(args.quick):
        def pillow(level):
            return lambda out: image.save(out, "PNG", compress_level=level, dpi=(300, 300), icc_profile=icc)

        def ours(level):
            return lambda out: png.write_png(image, out, dpi=300, icc_profile=icc, level=level)

        base_time, base_size = best_of(pillow(6))
        cells = [f"{base_time:6.2f}s   1.00x"]
        for name, writer in [("Pillow 4", pillow(4))] + [(f"level {lv}", ours(lv)) for lv in levels]:
            took, size = best_of(writer)
            ratios.setdefault(name, []).append(size / base_size)
            seconds.setdefault(name, []).append(took / base_time)
            cells.append(f"{took:6.2f}s {size / base_size:6.2f}x")
        print(f"{label:30s} {'x'.join(map(str, image.size)) + ' ' + image.mode:>10s} " + " ".join(f"{c:>15s}" for c in cells))
    print("\nagainst Pillow's default (level 6, every row filter): time share, mean size, largest size")
    for name in ratios:
        print(f"  {name:9s} {statistics.mean(seconds[name]):5.2f} of the time  "
              f"{statistics.mean(ratios[name]):5.2f}x  {max(ratios[name]):5.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

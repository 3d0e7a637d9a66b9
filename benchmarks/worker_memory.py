"""A worker's peak memory at the pixel budget, whatever the upload: `python benchmarks/worker_memory.py`.

Each case runs in a fresh process (the job's image work, as a worker does it) on a flat picture made
on the spot, so the figure is the worker's own high-water mark (Linux: VmHWM after clear_refs), or
that of a process it started, if larger (a HEIC is decoded in one: `decoder` is its peak).
The README's bound under "Speed and memory" comes from this table.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CASE = r"""
import json, re, resource, sys, time
from pathlib import Path
from PIL import Image, ImageDraw
side, product, mode, kind, folder = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], Path(sys.argv[5])
from podwatch.config.order import Order
from podwatch.config.root import init_root
from podwatch.jobs import Job
from podwatch.running.once import open_context
from podwatch.running.pipeline import work
upload = folder / f"{side}-{mode}.{kind}"
if not upload.exists():
    # "clear": transparent art, a disc on nothing; "RGBA": an alpha channel that hides nothing.
    bands = "RGBA" if mode == "clear" else mode
    image = Image.new(bands, (side, side), (40, 110, 190, 0 if mode == "clear" else 255)[: len(bands)])
    ImageDraw.Draw(image).ellipse((side * .2, side * .2, side * .8, side * .8), fill=(250, 200, 40, 255)[: len(bands)])
    if kind == "heic":
        import pillow_heif
        pillow_heif.from_pillow(image).save(upload, quality=90)
    else:
        image.save(upload, **({"compress_level": 1} if kind == "png" else {}))
    del image
root = folder / "root"
if not root.exists():
    init_root(root)
run = open_context(root)
(root / "stage").mkdir(exist_ok=True)
job = Job(Order(order_id="1", product=product), run.rules[product], upload, 1, 1, "p.jpg", "x.png", root / "stage")
Path("/proc/self/clear_refs").write_text("5")
started = time.perf_counter()
result = work(run.work, job)
own = int(re.search(r"VmHWM:\s*(\d+)", Path("/proc/self/status").read_text()).group(1)) // 1024
decoder = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
refused = [f.message.split(",")[0] for f in result.findings if f.code == "unreadable"]
print(json.dumps({"peak_mb": max(own, decoder), "decoder_mb": decoder, "seconds": round(time.perf_counter() - started, 1),
                  "refused": refused}))
"""

CASES = [(8944, "tshirt", "RGB", "png"), (8944, "tshirt", "RGBA", "png"), (8944, "canvas", "RGB", "png"),
         (8944, "canvas", "RGBA", "png"), (8944, "canvas", "clear", "png"), (8944, "poster", "RGB", "png"),
         (5477, "canvas", "RGBA", "png"), (3999, "canvas", "RGBA", "png"), (8944, "mug", "RGBA", "png"),
         (13000, "tshirt", "RGB", "png"), (8944, "canvas", "RGB", "bmp"), (8944, "canvas", "RGB", "gif"),
         (8944, "canvas", "RGB", "webp"), (3464, "canvas", "RGB", "webp"), (6928, "canvas", "RGB", "heic")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for side, product, mode, kind in CASES:
            done = subprocess.run([sys.executable, "-c", CASE, str(side), product, mode, kind, folder],
                                  capture_output=True, text=True, check=True)
            figures = json.loads(done.stdout.strip().splitlines()[-1])
            rows.append({"upload": f"{side} x {side} {mode} {kind.upper()} ({side * side / 1e6:.0f} MP)",
                         "product": product, **figures})
            decoder = f"  (decoder {figures['decoder_mb']} MB)" if figures["decoder_mb"] else ""
            print(f"{rows[-1]['upload']:<33} {product:<7} peak {figures['peak_mb']:>5} MB  "
                  f"{figures['seconds']:>5} s{decoder}  {'refused: ' + figures['refused'][0] if figures['refused'] else ''}",
                  flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()

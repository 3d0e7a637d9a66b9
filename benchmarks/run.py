"""A busy seller's Monday morning through `podwatch run --once`, beside libvips and plain Pillow.

    python benchmarks/run.py                     # the whole corpus, 1 and 2 workers
    python benchmarks/run.py --products tshirt   # the t-shirt orders only
    python benchmarks/run.py --json figures.json --repeat 2
    python benchmarks/run.py --set phone         # issue 17: 12 MP photos and 3000 px art, poster/mug/canvas
    python benchmarks/run.py --set ladder --workers 1   # one photo on every product, sticker to canvas

libvips (pyvips, the reference) comes with podwatch, which reads huge uploads with it. The corpus is
built once (seeded, so always the same files) and kept in benchmarks/.corpus/.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
# This checkout's podwatch, whatever else is installed; PODWATCH_SOURCE=DIR measures another checkout's
# (say main's, for the figures before a change) with this benchmark.
SOURCE = Path(os.environ.get("PODWATCH_SOURCE", REPO)).resolve()
sys.path[:0] = [str(SOURCE), str(HERE)]
# corpus and reference (numpy, pyvips) are imported where they are used: worker processes start
# by importing this file, and must not carry them in their memory figures.

CORPUS_VERSION = "2"
# Step functions as the pipeline names them → the stages of the report.
STAGES = {"load": "load", "check": "checks", "background": "background", "make_print": "fit", "text": "text",
          "export_print": "export", "make_proof": "proof", "route": "route"}
MB = 2**20


def main() -> int:
    import corpus
    import reference

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", default="mixed", choices=sorted(corpus.SETS), dest="set_",
                        help="mixed: 19 uploads of every kind; phone: 12 MP photos and 3000 px art on poster, mug, "
                             "canvas; ladder: one photo on every product (default mixed)")
    parser.add_argument("--products", help="comma-separated (default: every product of the set)")
    parser.add_argument("--repeat", type=int, default=1, help="the corpus this many times over (default 1)")
    parser.add_argument("--workers", default="1,2", help="worker counts to run podwatch with (default 1,2)")
    parser.add_argument("--no-references", action="store_true", help="skip the libvips and Pillow runs")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument("--keep-prints", type=Path, metavar="DIR",
                        help="copy the 1-worker run's print files here, by order id (benchmarks/compare_prints.py)")
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    products = tuple(args.products.split(",")) if args.products else None
    uploads = corpus.plan(products, args.repeat, args.set_)
    files = build_corpus(uploads)
    print(f"{len(uploads)} orders (set {args.set_}: {', '.join(dict.fromkeys(u.product for u in uploads))});"
          f" load average {load_before:.1f} on {os.cpu_count()} cores\n")
    counts = [int(n) for n in args.workers.split(",")]
    figures: dict = {"set": args.set_, "orders": [dataclasses.asdict(u) for u in uploads], "runs": {},
                     "parallel": {}}
    if not args.no_references:
        figures["vips"] = time_reference(reference.vips, uploads, files)
        figures["vips_small_files"] = time_reference(reference.vips_small_files, uploads, files)
        figures["pillow"] = time_reference(reference.pillow, uploads, files)
    for count in counts:
        keep = args.keep_prints if count == counts[0] else None
        figures["runs"][count] = run_podwatch(uploads, files, count, check_sizes=count == 1, keep=keep)
        if not args.no_references and count > 1:  # the comparison: the same orders, as many processes
            figures["parallel"][count] = {name: time_parallel(name, uploads, files, count)
                                          for name in ("vips", "pillow")}
    figures["help_seconds"] = help_time()
    figures["load_average"] = (load_before, os.getloadavg()[0])
    report(uploads, figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1, default=str))
    return 0


def build_corpus(uploads) -> dict[str, Path]:
    import corpus

    folder = HERE / ".corpus"
    marker = folder / f"version-{CORPUS_VERSION}"
    if not marker.exists():
        shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(exist_ok=True)
    files = {}
    for upload in uploads:
        path = folder / upload.name
        if not path.exists():
            print(f"  building {upload.name} ({upload.kind} for {upload.product})", flush=True)
            corpus.write(upload, folder, seed=int(upload.order_id[1:]))
        files[upload.order_id] = path
    marker.touch()
    return files


def time_reference(pipeline, uploads, files) -> dict:
    """Each upload through `pipeline` in this process: wall and CPU seconds, PNG size."""
    from podwatch.bundled import rules_dir
    from podwatch.config.rulebook import load_rules

    rules = load_rules(rules_dir())
    out = Path(tempfile.mkdtemp(prefix="podwatch-bench-ref-"))
    result = {}
    for upload in uploads:
        dest = out / f"{upload.order_id}.png"
        wall, cpu = time.perf_counter(), time.process_time()
        pipeline(files[upload.order_id], rules[upload.product], dest)
        result[upload.order_id] = {"seconds": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
                                   "bytes": dest.stat().st_size}
        dest.unlink()
    shutil.rmtree(out)
    return result


def time_parallel(name: str, uploads, files, processes: int) -> dict:
    """The reference `name` over every upload with `processes` processes: wall and CPU seconds of the batch."""
    import multiprocessing

    jobs = [(name, str(files[u.order_id]), u.product) for u in uploads]
    wall, cpu = time.perf_counter(), _cpu()
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        pool.starmap(_reference_job, jobs, chunksize=1)
    return {"wall": time.perf_counter() - wall, "cpu": _cpu() - cpu}


def _reference_job(name: str, path: str, product: str) -> None:
    import reference

    from podwatch.bundled import rules_dir
    from podwatch.config.rulebook import load_rules

    rule = load_rules(rules_dir())[product]
    with tempfile.TemporaryDirectory(prefix="podwatch-bench-par-") as out:
        getattr(reference, name)(Path(path), rule, Path(out) / "print.png")


def run_podwatch(uploads, files, workers: int, check_sizes: bool, keep: Path | None = None) -> dict:
    """`podwatch run --once` in this process over a fresh folder holding the whole corpus."""
    from loguru import logger

    from podwatch.config.root import init_root
    from podwatch.running import logs
    from podwatch.running.once import open_context, run_once

    root_path = Path(tempfile.mkdtemp(prefix=f"podwatch-bench-{workers}w-")) / "POD"
    init_root(root_path)
    settings = root_path / "podwatch.toml"  # the corpus was copied a moment ago: it is complete
    settings.write_text(settings.read_text().replace("stability_seconds = 5", "stability_seconds = 0"))
    for upload in uploads:
        shutil.copy(files[upload.order_id], root_path / "inbox" / upload.name)
        shutil.copy(files[upload.order_id].with_suffix(".json"), root_path / "inbox" / f"{upload.order_id}.json")
    ctx = open_context(root_path)
    logger.remove()
    logger.configure(extra={"order_id": "-"})
    logger.add(sys.stderr, level="WARNING")
    logs.to_root(ctx.root, ctx.settings)  # as `podwatch run` does: the per-order timing lines land in .podwatch/logs/
    print(f"podwatch, {workers} worker(s)…", flush=True)
    wall, cpu = time.perf_counter(), _cpu()
    summary = run_once(ctx, workers=workers)
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    prints = {row.order_id: ctx.root.path / row.print_file for row in ctx.ledger.items() if row.print_file}
    ctx.ledger.close()
    orders = {}
    for outcome in summary.outcomes:
        printed = prints.get(outcome.order_id)
        orders[outcome.order_id] = {
            "state": outcome.state.value, "timings": outcome.timings, "seconds": outcome.seconds,
            "work": sum(outcome.timings.values()), "peak_rss": outcome.peak_rss,
            "bytes": printed.stat().st_size if printed else 0,
            "default_png_bytes": default_png_size(printed) if printed and check_sizes else 0,
        }
    if keep:
        keep.mkdir(parents=True, exist_ok=True)
        for order_id, printed in prints.items():
            shutil.copy(printed, keep / f"{order_id}{printed.suffix}")
    shutil.rmtree(root_path.parent)
    return {"wall": wall, "cpu": cpu, "orders": orders}


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the workers, once the pool is shut)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def default_png_size(path: Path) -> int:
    """The size of the same pixels saved by Pillow with its default settings (compress_level 6)."""
    from PIL import Image

    buffer = io.BytesIO()
    with Image.open(path) as image:
        image.save(buffer, "PNG")
    return buffer.tell()


def help_time() -> float:
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "podwatch", "--help"], cwd=REPO, capture_output=True, check=True)
        best = min(best, time.perf_counter() - started)
    return best


def report(uploads, figures: dict) -> None:
    runs, vips, pillow = figures["runs"], figures.get("vips"), figures.get("pillow")
    first = runs[min(runs)]
    stages = list(dict.fromkeys(STAGES.values()))
    print(f"\nper order, podwatch with {min(runs)} worker(s) (seconds; '-' = no such step in this pipeline):")
    head = f"{'order':<7}{'product':<10}{'kind':<8}" + "".join(f"{s[:6]:>7}" for s in stages)
    head += f"{'work':>7}{'e2e':>7}{'RSS MB':>8}{'print MB':>9}{'xPNG6':>7}"
    head += f"{'vips':>7}{'pillow':>7}{'/vips':>7}{'pil/pw':>7}" if vips else ""
    print(head)
    for upload in uploads:
        row = first["orders"][upload.order_id]
        by_stage: dict[str, float] = {}
        for step, seconds in row["timings"].items():  # lay_out_text and render_text are both "text"
            stage = STAGES.get(step) or _stage(step)
            by_stage[stage] = by_stage.get(stage, 0.0) + seconds
        line = f"{upload.order_id:<7}{upload.product:<10}{upload.kind:<8}"
        line += "".join(f"{by_stage[s]:7.2f}" if s in by_stage else f"{'-':>7}" for s in stages)
        size_ratio = f"{row['bytes'] / row['default_png_bytes']:7.2f}" if row["default_png_bytes"] else f"{'':>7}"
        line += f"{row['work']:7.2f}{row['seconds']:7.2f}{row['peak_rss'] / MB:8.0f}{row['bytes'] / MB:9.1f}"
        line += size_ratio
        if vips:
            v, p = vips[upload.order_id]["seconds"], pillow[upload.order_id]["seconds"]
            line += f"{v:7.2f}{p:7.2f}{row['work'] / v:7.2f}{p / row['work']:7.2f}"
        print(line)

    print("\nsummary")
    n = len(uploads)
    work = sum(r["work"] for r in first["orders"].values())
    print(f"  podwatch work per order (mean over {n}, 1 worker): {work / n:.2f} s;"
          f" whole run {first['wall']:.1f} s = {first['wall'] / n:.2f} s per order, {first['cpu'] / n:.2f} CPU-s")
    if vips:
        v, p = (sum(r["seconds"] for r in ref.values()) for ref in (vips, pillow))
        vc, pc = (sum(r["cpu"] for r in ref.values()) for ref in (vips, pillow))
        print(f"  libvips reference: {v / n:.2f} s per order ({vc / n:.2f} CPU-s, its threads on every core),"
              f" files {_bytes(vips) / _bytes(first['orders']):.2f}x the size of podwatch's")
        small = figures["vips_small_files"]
        sv, svc = sum(r["seconds"] for r in small.values()), sum(r["cpu"] for r in small.values())
        print(f"  libvips writing PNGs as podwatch does (\"up\" row filter, zlib 4): {sv / n:.2f} s per"
              f" order ({svc / n:.2f} CPU-s), files {_bytes(small) / _bytes(first['orders']):.2f}x; podwatch /"
              f" this: {work / sv:.2f}x")
        print(f"  plain Pillow:      {p / n:.2f} s per order ({pc / n:.2f} CPU-s)")
        print(f"  podwatch / libvips: {work / v:.2f}x (work), {first['wall'] / v:.2f}x (whole run)")
        print(f"  plain Pillow / podwatch: {p / work:.2f}x (work), {p / first['wall']:.2f}x (whole run)")
    for count, run in sorted(runs.items()):
        print(f"  throughput, {count} worker(s): {n / run['wall'] * 60:.1f} orders/minute ({run['wall']:.1f} s,"
              f" {run['cpu'] / n:.2f} CPU-s per order)")
    if len(runs) > 1:
        low, high = min(runs), max(runs)
        print(f"  {high} workers vs {low}: {runs[low]['wall'] / runs[high]['wall']:.2f}x   [target >= 1.7x]")
    for count, par in sorted(figures.get("parallel", {}).items()):
        own = runs[count]
        print(f"  {count} processes each, the whole batch: podwatch {own['wall']:.1f} s ({own['cpu']:.1f} CPU-s),"
              f" libvips {par['vips']['wall']:.1f} s ({par['vips']['cpu']:.1f} CPU-s),"
              f" Pillow {par['pillow']['wall']:.1f} s ({par['pillow']['cpu']:.1f} CPU-s)")
        print(f"    podwatch / libvips {own['wall'] / par['vips']['wall']:.2f}x   [issue 17 goal <= 0.8x];"
              f" Pillow / podwatch {par['pillow']['wall'] / own['wall']:.2f}x   [goal >= 4x]")
    if vips:
        # libvips spreads one picture over every core; podwatch gives each core its own order.
        batch = runs[max(runs)]["wall"] / n
        print(f"  the whole machine on the batch: podwatch with {max(runs)} workers {batch:.2f} s per order,"
              f" {batch / (v / n):.2f}x libvips")
    ratios = [r["bytes"] / r["default_png_bytes"] for r in first["orders"].values() if r["default_png_bytes"]]
    if ratios:
        print(f"  print file / default-settings Pillow PNG of the same pixels: mean {statistics.mean(ratios):.2f}x,"
              f" largest {max(ratios):.2f}x   [goal: mean <= 1.25x]")
    for product in dict.fromkeys(u.product for u in uploads):
        peaks = [r["peak_rss"] for count in runs for oid, r in runs[count]["orders"].items()
                 if next(u for u in uploads if u.order_id == oid).product == product]
        print(f"  peak RSS per worker, {product}: {max(peaks) / MB:.0f} MB"
              + ("   [goal <= 300 MB]" if product == "canvas" else ""))
    print(f"  podwatch --help: {figures['help_seconds']:.3f} s   [target < 0.3 s]")
    per_product(uploads, first)
    start, end = figures["load_average"]
    print(f"  load average {start:.1f} at start, {end:.1f} at the end ({os.cpu_count()} cores): "
          "figures from a busy machine are slower and noisier")


def per_product(uploads, run: dict) -> None:
    """What an order costs on each product (1 worker): the README's table, smallest print first."""
    from podwatch.bundled import rules_dir
    from podwatch.config.rulebook import load_rules

    rules = load_rules(rules_dir())
    products = sorted(dict.fromkeys(u.product for u in uploads), key=lambda p: _pixels(rules[p]))
    print("\nper product (1 worker, mean over its orders):")
    print(f"{'product':<11}{'print px':>13}{'MP':>6}{'work s':>8}{'e2e s':>7}{'s/MP':>7}{'peak MB':>9}{'file MB':>9}")
    for product in products:
        rows = [run["orders"][u.order_id] for u in uploads if u.product == product]
        width, height = rules[product].print_area.size_px
        mp = width * height / 1e6
        work = statistics.mean(r["work"] for r in rows)
        print(f"{product:<11}{f'{width} x {height}':>13}{mp:6.1f}{work:8.2f}"
              f"{statistics.mean(r['seconds'] for r in rows):7.2f}{work / mp:7.3f}"
              f"{max(r['peak_rss'] for r in rows) / MB:9.0f}{statistics.mean(r['bytes'] for r in rows) / MB:9.1f}")


def _pixels(rule) -> int:
    width, height = rule.print_area.size_px
    return width * height


def _bytes(orders: dict) -> int:
    return sum(r["bytes"] for r in orders.values())


def _stage(step: str) -> str:
    return next((stage for key, stage in STAGES.items() if key in step), step)


if __name__ == "__main__":
    sys.exit(main())

"""Drop 500 small orders at once on a running `podwatch run`; report the time, losses, and idle CPU after.

Run by hand (not part of the test suite):

    python benchmarks/watch_load.py [--orders 500] [--poll SECONDS] [--keep]

Needs psutil for the CPU figures (`pip install psutil`).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from PIL import Image, ImageDraw

REPO = Path(__file__).resolve().parent.parent


def sticker_png(n: int) -> bytes:
    """A small, distinct sticker design at print size (1200 x 1200, 4 in at 300 DPI)."""
    image = Image.new("RGBA", (1200, 1200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((100, 100, 1100, 1100), fill=(n * 37 % 256, 120, 255 - n * 11 % 256, 255))
    draw.text((500, 580), f"#{n}", fill=(255, 255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.1)


def count(folder: Path, pattern: str = "*") -> int:
    return sum(1 for p in folder.rglob(pattern) if p.is_file())


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--poll", type=float, default=None, help="run the service with --poll SECONDS")
    parser.add_argument("--stability", type=float, default=1.0, help="[intake] stability_seconds")
    parser.add_argument("--idle", type=float, default=10.0, help="seconds of idle CPU measurement")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()

    base = Path(tempfile.mkdtemp(prefix="podwatch-load-"))
    root = base / "POD"
    python = [sys.executable, "-m", "podwatch"]
    subprocess.run([*python, "init", str(root)], cwd=REPO, check=True, capture_output=True)
    settings = root / "podwatch.toml"
    settings.write_text(settings.read_text().replace("stability_seconds = 5", f"stability_seconds = {args.stability}"))

    # Written beside the inbox first, then renamed in one after the other: "dropped at once".
    staging = base / "staging"
    staging.mkdir()
    for n in range(args.orders):
        (staging / f"{n:05d}.png").write_bytes(sticker_png(n))
        (staging / f"{n:05d}.json").write_text(json.dumps({"order_id": f"L{n:05d}", "product": "sticker"}))

    log = (base / "service.log").open("w")
    command = [*python, "run", "--root", str(root)] + (["--poll", str(args.poll)] if args.poll else [])
    service = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    wait(lambda: "watching" in (base / "service.log").read_text(), 60, "the service to start")
    watcher = psutil.Process(service.pid)

    start = time.monotonic()
    for path in sorted(staging.iterdir()):
        os.rename(path, root / "inbox" / path.name)
    dropped = time.monotonic() - start
    wait(lambda: count(root / "review") + count(root / "failed", "*.error.txt") >= args.orders,
         3600, "every order to be processed")
    wait(lambda: not any((root / ".podwatch" / "claims").iterdir()), 600, "the claims to be finished")
    elapsed = time.monotonic() - start
    peak_rss = watcher.memory_info().rss

    time.sleep(2)  # let the last log lines and the live counters settle before measuring idle
    before, t0 = cpu_seconds(watcher), time.monotonic()
    time.sleep(args.idle)
    idle_cpu = (cpu_seconds(watcher) - before) / (time.monotonic() - t0) * 100
    threads = watcher.num_threads()

    service.send_signal(signal.SIGTERM)
    code = service.wait(60)
    log.close()

    with sqlite3.connect(root / ".podwatch" / "ledger.sqlite3") as db:
        rows = db.execute("SELECT COUNT(*), COUNT(DISTINCT order_id) FROM items").fetchone()
    proofs, failed = count(root / "review"), count(root / "failed", "*.error.txt")
    archived, left = count(root / "archive"), count(root / "inbox")
    lost = args.orders * 2 - archived - left
    mode = f"--poll {args.poll:g}" if args.poll else "change notifications"
    print(f"podwatch run ({mode}), {args.orders} orders dropped in {dropped:.2f} s, stability {args.stability:g} s")
    print(f"  processed in {elapsed:.1f} s ({elapsed / args.orders * 1000:.0f} ms per order, "
          f"{args.orders / elapsed:.1f} orders/s on {os.cpu_count()} CPUs)")
    print(f"  proofs in review/: {proofs}, failed: {failed}, ledger rows: {rows[0]} ({rows[1]} orders)")
    print(f"  originals in archive/: {archived} of {args.orders * 2}; left in inbox/: {left}; lost: {lost}")
    print(f"  idle CPU over {args.idle:g} s afterwards: {idle_cpu:.2f} % ({threads} threads, "
          f"RSS {peak_rss / 1e6:.0f} MB); exit code after SIGTERM: {code}")
    if args.keep:
        print(f"  kept: {base}")
    else:
        shutil.rmtree(base)
    ok = proofs == args.orders and rows[0] == args.orders and lost == 0 and code == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

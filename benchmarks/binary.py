"""Size, `--help` start-up and the sample run of dist/podwatch beside the pip-installed tool; run by hand.

    python benchmarks/binary.py [--runs 10] [--binary dist/podwatch]

Build the binary first (`make binary`). Prints medians of wall time; the machine should be quiet.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def seconds(command: list[str], before=None) -> float:
    if before:
        before()
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def median(command: list[str], runs: int, before=None) -> str:
    times = [seconds(command, before) for _ in range(runs)]
    return f"median {statistics.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f}, {runs} runs)"


def fresh_root(prefix: list[str], root: Path):
    """A callable that gives `root` a new podwatch folder holding the sample orders."""
    def make() -> None:
        shutil.rmtree(root, ignore_errors=True)
        subprocess.run([*prefix, "init", str(root)], stdout=subprocess.DEVNULL, check=True)
        shutil.copytree(REPO / "sample_inbox", root / "inbox", dirs_exist_ok=True)
    return make


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10, help="start-ups to time (the sample run: a third of it)")
    parser.add_argument("--binary", type=Path, default=REPO / "dist" / "podwatch")
    args = parser.parse_args()
    if not args.binary.is_file():
        print(f"{args.binary} is missing: run `make binary` first", file=sys.stderr)
        return 2
    tools = {"binary": [str(args.binary)], "python": [sys.executable, "-m", "podwatch"]}
    size = args.binary.stat().st_size
    print(f"size: {size:,} bytes ({size / 2**20:.1f} MiB)")
    for name, prefix in tools.items():
        print(f"{name:<7} --help: {median([*prefix, '--help'], args.runs)}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, prefix in tools.items():
            root = Path(tmp) / name
            runs = max(1, args.runs // 3)
            timing = median([*prefix, "run", "--root", str(root), "--once"], runs, fresh_root(prefix, root))
            print(f"{name:<7} sample run --once: {timing}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

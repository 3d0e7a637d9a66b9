"""Print files before and after a change, pixel by pixel: the largest difference per channel.

    PODWATCH_SOURCE=/path/to/main python benchmarks/run.py --set phone --keep-prints before/ --workers 1 --no-references
    python benchmarks/run.py --set phone --keep-prints after/ --workers 1 --no-references
    python benchmarks/compare_prints.py before/ after/

Both folders hold `<order id>.png` as run.py keeps them. An image that gained or lost its alpha
channel is compared as RGBA (an opaque RGB pixel is alpha 255). Exit code 1 when any channel of
any print differs by more than --tolerance levels (default 1), or a print is missing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image


def compare(before: Path, after: Path) -> tuple[str, str, tuple[int, ...], float]:
    """Modes (before, after), the largest difference per channel and the share of pixels that differ."""
    with Image.open(before) as old, Image.open(after) as new:
        modes = (old.mode, new.mode)
        if old.size != new.size:
            raise SystemExit(f"{before.name}: {old.size} before, {new.size} after")
        mode = "RGBA" if "RGBA" in modes else old.mode
        a = np.asarray(old.convert(mode), np.int16)
        b = np.asarray(new.convert(mode), np.int16)
    diff = np.abs(a - b)
    channels = tuple(int(v) for v in diff.reshape(-1, diff.shape[-1]).max(axis=0)) if diff.ndim == 3 else (
        int(diff.max()),)
    changed = float(np.count_nonzero(diff.reshape(diff.shape[0], diff.shape[1], -1).max(axis=2)) / diff[..., 0].size
                    if diff.ndim == 3 else np.count_nonzero(diff) / diff.size)
    return modes[0], modes[1], channels, changed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--tolerance", type=int, default=1, help="levels per channel (default 1)")
    args = parser.parse_args()
    worst, missing = 0, []
    print(f"{'print':<10}{'before':>8}{'after':>8}  {'max difference per channel':<28}{'pixels changed':>15}"
          f"{'bytes after/before':>20}")
    for old in sorted(args.before.glob("*.png")):
        new = args.after / old.name
        if not new.exists():
            missing.append(old.name)
            continue
        before_mode, after_mode, channels, changed = compare(old, new)
        worst = max(worst, *channels)
        print(f"{old.stem:<10}{before_mode:>8}{after_mode:>8}  {str(channels):<28}{changed:>14.2%}"
              f"{new.stat().st_size / old.stat().st_size:>20.2f}")
    missing += [p.name + " (new)" for p in sorted(args.after.glob("*.png")) if not (args.before / p.name).exists()]
    if missing:
        print("missing on one side:", ", ".join(missing))
    print(f"largest difference in any channel of any print: {worst} level(s)   [tolerance {args.tolerance}]")
    return 1 if worst > args.tolerance or missing else 0


if __name__ == "__main__":
    sys.exit(main())

"""How long a proof takes from the largest print file: a 7200 x 9000 RGBA canvas (moved here from
a timed assertion in tests/test_proof.py; the test keeps how the art is shrunk, this keeps how fast).

Run by hand: `python benchmarks/proof_shrink.py`. Nothing is asserted; the figures go in the notes.
On the 2-core development machine, shared with a mutation run (load ~4): median 8.4 s, best 6.5 s of 5.
The test it replaces allowed 5 s.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from podwatch.bundled import rules_dir  # noqa: E402
from podwatch.config.order import Order  # noqa: E402
from podwatch.config.rulebook import load_rule  # noqa: E402
from podwatch.proof.render import render_proof  # noqa: E402


def main(repeat: int = 5) -> None:
    rule = load_rule(rules_dir() / "canvas.toml")
    art = Image.new("RGBA", rule.print_area.size_px, (0, 0, 0, 0))
    art.paste((220, 40, 200, 255), (1000, 1000, 6200, 8000))
    order = Order(order_id="1", product="canvas", variant="white")
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        render_proof(art, rule=rule, order=order, item=1, findings=[])
        seconds.append(time.perf_counter() - start)
    print(f"proof of a {art.width} x {art.height} RGBA canvas print: median {statistics.median(seconds):.2f} s, "
          f"best {min(seconds):.2f} s of {repeat}")


if __name__ == "__main__":
    main()

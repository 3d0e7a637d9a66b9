"""How long buyer text takes to lay out and draw at print resolution: typical names and the 500-character worst case.

Run by hand: `python benchmarks/text_layout.py`. Nothing here is asserted; the figures go in the notes.
"""

from __future__ import annotations

import statistics
import sys
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from podwatch.bundled import rules_dir  # noqa: E402
from podwatch.config.order import Order  # noqa: E402
from podwatch.config.rule import Rule  # noqa: E402
from podwatch.config.rulebook import load_rule  # noqa: E402
from podwatch.prepress.printfile import print_image  # noqa: E402
from podwatch.text.fields import lay_out_fields  # noqa: E402
from podwatch.text.fonts import layout_engine  # noqa: E402
from podwatch.text.render import draw_fields  # noqa: E402

NAMES = ["Zoë & José", "Renée", "Łukasz", "Ørsted", "Дмитрий", "Αλέξανδρος", "李小龍", "🐶 Max",
         "Maria Fernanda de los Ángeles Gutiérrez-Hernández de Ramírez"]
ESSAY = ("Happy birthday to the best grandma in the whole wide world " * 9)[:499]


def timed(fn, repeat: int = 5) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    print(f"layout engine: {layout_engine()}")
    for product in ("namemug", "nametee"):
        rule = load_rule(rules_dir() / f"{product}.toml")
        layout_times, draw_times = [], []
        for name in NAMES:
            order = Order(order_id="1", product=product, variant="black",
                          personalization={"name": name, "date": "05/01/2024"})
            layout_times.append(timed(partial(lay_out_fields, rule, order)))
            fields = lay_out_fields(rule, order)
            canvas = print_image(None, rule)
            draw_times.append(timed(partial(draw_fields, canvas, fields, "black"), repeat=3))
        print(f"{product}: {len(rule.text)} field(s), {rule.print_area.size_px[0]}x{rule.print_area.size_px[1]} px; "
              f"lay out median {statistics.median(layout_times) * 1000:.0f} ms (max {max(layout_times) * 1000:.0f}), "
              f"draw median {statistics.median(draw_times) * 1000:.0f} ms (max {max(draw_times) * 1000:.0f})")
    for lines in (1, 3, 20):
        rule = Rule.model_validate({
            "product": {"name": "Poster"}, "print_area": {"width_in": 15, "height_in": 18, "dpi": 300},
            "text": [{"key": "personalization.note", "box": {"x": 0.5, "y": 0.5, "width": 14, "height": 6},
                      "max_lines": lines, "min_pt": 20, "max_pt": 200}],
        })
        order = Order(order_id="1", product="poster", personalization={"note": ESSAY})
        print(f"500-character note, max_lines={lines}: lay out {timed(partial(lay_out_fields, rule, order), 3):.2f} s")


if __name__ == "__main__":
    main()

"""A 12 MP phone photo (4032 x 3024, landscape, as a phone saves it) on every bundled product.

Drops the same drawn photo (tests/pictures.py) as a JPEG on each product into a fresh podwatch
folder, runs `podwatch run --once` over it and prints, per product, where the order went, the
effective DPI the dpi check measured, the print file's size and orientation, and the findings
that decided it. `--portrait` turns the photo upright first (3024 x 4032).

    python benchmarks/phone_photo.py [--portrait] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

import pictures  # noqa: E402  (tests/pictures.py: the same drawn pictures the tests use)
from PIL import Image  # noqa: E402

from podwatch.cli.main import main  # noqa: E402
from podwatch.config.root import Root, init_root  # noqa: E402
from podwatch.config.rulebook import load_rules  # noqa: E402
from podwatch.outputs.handoff import orientation  # noqa: E402
from podwatch.outputs.ledger import Ledger  # noqa: E402
from podwatch.prepress.placement import effective_dpi  # noqa: E402

SIZE = (4032, 3024)  # 12 MP, the main camera of most phones since 2015
BUYER_TEXT = {"name": "Luna", "date": "2024-05-01"}


def drop(root: Root, product: str, photo) -> None:
    photo.save(root.inbox / f"{product}.jpg", quality=90)
    order = {"order_id": f"12mp-{product}", "product": product, "personalization": BUYER_TEXT}
    (root.inbox / f"{product}.json").write_text(json.dumps(order), encoding="utf-8")


def table(root: Root, size: tuple[int, int]) -> list[str]:
    rules = load_rules(root.rules)
    lines = ["| product | min / warn DPI | outcome | effective DPI | print file | findings (warn and up) |",
             "|---|---|---|---|---|---|"]
    with Ledger(root.ledger) as ledger:
        for row in sorted(ledger.items(), key=lambda r: r.product):
            rule = rules[row.product].for_art(size)
            # The dpi check's own figure when it reported one, else the same arithmetic on the whole photo.
            dpi = next((f["detail"]["effective_dpi"] for f in row.findings if "effective_dpi" in f["detail"]),
                       effective_dpi(size, rule.print_area, rule.fit))
            shown = [f["code"] + (" (held)" if f.get("hold") else "") for f in row.findings if f["level"] != "info"]
            limits = rule.checks
            lines.append(
                f"| {row.product} | {limits.min_dpi} / {limits.warn_dpi} | {row.state.value} | {dpi:.0f} | "
                f"{row.width_px} x {row.height_px} {orientation(row.width_px, row.height_px)} | "
                f"{', '.join(shown) or '-'} |"
            )
    return lines


def main_(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portrait", action="store_true", help="the photo upright, 3024 x 4032")
    parser.add_argument("--keep", type=Path, help="make the podwatch folder here and keep it")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        where = args.keep or Path(scratch)
        init_root(where / "POD")
        root = Root(where / "POD")
        photo = pictures.photo(SIZE, seed=12)
        if args.portrait:
            photo = photo.transpose(Image.Transpose.ROTATE_90)
        for rule in sorted(root.rules.glob("*.toml")):
            drop(root, rule.stem, photo)
        main(["run", "--root", str(root.path), "--once"])
        print("\n".join(table(root, photo.size)))
    return 0


if __name__ == "__main__":
    sys.exit(main_())

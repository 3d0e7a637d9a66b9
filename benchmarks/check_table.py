"""Ten varied test uploads through the risk and quality checks: each check's threshold and what it found.

Run by hand:  python benchmarks/check_table.py [--product tshirt] [--keep DIR]
Every cell is the number the check measures on that picture (the same function the check calls);
a `!` marks where the real check, run through podwatch's registry, raised its finding.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

import pictures  # noqa: E402  (tests/pictures.py: the same drawn pictures the tests use)
from PIL import Image  # noqa: E402

from podwatch.checks.blocklist import Blocklist  # noqa: E402
from podwatch.checks.catalog import findings_for  # noqa: E402
from podwatch.checks.quality import THIN_SHARE  # noqa: E402
from podwatch.checks.registry import Subject  # noqa: E402
from podwatch.config.order import Order  # noqa: E402
from podwatch.config.root import Root, init_root  # noqa: E402
from podwatch.config.rulebook import load_rules  # noqa: E402
from podwatch.prepress.loading import load_image  # noqa: E402


def make_pictures(folder: Path, blocklist: Path) -> list[tuple[str, Path, dict]]:
    """The ten uploads, each with the buyer text of its order."""
    photo = pictures.photo((3000, 2250), seed=7)
    character = pictures.character((2000, 2000), seed=1)
    character.save(blocklist / "mouse_character.png")
    pictures.photo((2400, 1800), seed=101).save(blocklist / "celebrity_photo.jpg", quality=92)
    made = []

    def keep(label: str, name: str, image: Image.Image | None, text: str = "", **save) -> None:
        path = folder / name
        if image is not None:
            image.save(path, **save)
        made.append((label, path, {"name": text} if text else {}))

    keep("sharp photo", "luna_garden.jpg", photo, "Luna & Max", quality=90)
    keep("blurred photo", "luna_blurry.jpg", pictures.blurred(photo, 4), "Disneyland 2024", quality=90)
    keep("upscaled tiny photo", "luna_enlarged.jpg", pictures.upscaled(photo, 4), "Nikeisha", quality=90)
    keep("tiny logo, big canvas", "paws_small.png", pictures.on_canvas(pictures.logo(400), (4500, 5400)), "Star-Wars day")
    keep("off-centre art", "paws_left.png", pictures.on_canvas(pictures.logo(1800), (4500, 5400), at=(0.27, 0.35)))
    keep("washed-out photo", "luna_faded.jpg", pictures.washed_out(photo), quality=90)
    keep("thin-line art", "grid_hairline.png", pictures.line_art((3000, 3000), line=2, bold=60))
    keep("soft-shadow PNG", "badge_shadow.png", pictures.soft_shadow(3000))
    pictures.save_with_metadata(
        pictures.photo((3000, 2250), seed=23), folder / "GettyImages-1234567.jpg",
        exif={0x013B: "Jane Doe", 0x8298: "© 2021 Getty Images"},
        xmp={"dc:creator": "Jane Doe", "photoshop:Credit": "Getty Images/iStockphoto"},
    )
    keep("stock-photo EXIF", "GettyImages-1234567.jpg", None)
    w, h = character.size
    copied = character.crop((int(0.07 * w), int(0.04 * h), w, int(0.95 * h))).resize((1300, 1300 * 91 // 93))
    keep("blocklisted, recompressed + cropped", "cute_mouse.jpg", copied.convert("RGB"), quality=70)
    return made


def measures(subject: Subject) -> dict[str, float | str | None]:
    """What each quality check measures, by the functions the checks themselves call."""
    from podwatch.checks import quality
    from podwatch.checks.measure import contrast
    from podwatch.prepress.placement import effective_dpi

    art, rule = subject.artwork, subject.rule
    factor = quality.detail_factor(subject)
    real = None if factor is None else effective_dpi(art.source_size, rule.print_area, rule.fit) / factor
    box = quality.content(subject)
    return {
        "blur": quality.sharpness(subject),
        "upscaled": None if factor is None else f"{factor:.1f}x ({real:.0f} dpi)",
        "tiny_subject": "no frame" if box is None else quality.subject_box(subject)[0],
        "off_center": "no frame" if box is None else max(
            abs((box.left + box.right) / 2 - 0.5), abs((box.top + box.bottom) / 2 - 0.5)),
        "contrast": contrast(quality.views(subject)),
        "thin_lines": quality.thin_share(subject) if quality.thin_share(subject) is not None else "photo",
        "semi_transparent": quality.semi_share(subject) if art.image.mode == "RGBA" else "opaque",
    }


def thresholds(rule) -> dict[str, str]:
    c = rule.checks
    return {
        "terms": "word match", "metadata": "any rights tag", "blocklist": f"<= {c.blocklist_distance} bits",
        "blur": f"< {c.blur_threshold:g}", "upscaled": f">= {c.upscale_factor:g}x & < {c.warn_dpi}dpi",
        "tiny_subject": f"< {c.min_subject_share:g}", "off_center": f"> {c.max_offcenter:g}",
        "contrast": f"< {c.min_contrast:g}", "thin_lines": f"> {THIN_SHARE:g} under {c.min_line_pt:g}pt",
        "semi_transparent": f"> {c.max_semi_transparent_share:g}",
    }


FIRES = {  # finding codes each check raises
    "terms": {"blocked_term"}, "metadata": {"stock_photo", "rights_metadata", "blocked_term"},
    "blocklist": {"blocklisted"}, "blur": {"blurry"}, "upscaled": {"upscaled"}, "tiny_subject": {"tiny_subject"},
    "off_center": {"off_center"}, "contrast": {"low_contrast"}, "thin_lines": {"thin_lines"},
    "semi_transparent": {"semi_transparent"},
}


def cell(value, fired: bool) -> str:
    text = "-" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)
    return f"{text} !" if fired else text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--product", default="tshirt")
    parser.add_argument("--keep", type=Path, help="also copy the ten pictures into this folder")
    parser.add_argument("--blocklist-size", type=int, default=300, help="pictures in the large-blocklist timing")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="podwatch-table-"))
    try:
        init_root(scratch / "POD")
        root = Root(scratch / "POD")
        rule = load_rules(root.rules)[args.product]
        uploads = scratch / "uploads"
        uploads.mkdir()
        made = make_pictures(uploads, root.blocklist)
        blocklist = Blocklist.open(root)
        rows: dict[str, list[str]] = {name: [] for name in thresholds(rule)}
        timings = []
        for _, path, text in made:
            started = time.perf_counter()
            art = load_image(path, max_pixels=200_000_000)
            order = Order(order_id="T", product=args.product, personalization=text)
            subject = Subject(art, rule, order, blocklist=blocklist)
            findings = findings_for(subject)
            timings.append(time.perf_counter() - started)
            codes = {f.code for f in findings}
            values = measures(subject)
            hits = [f for f in findings if f.code == "blocked_term"]
            values["terms"] = "; ".join(sorted({h.detail["found"][0]["text"] for h in hits})) or "none"
            meta = [f for f in findings if f.code in ("stock_photo", "rights_metadata")]
            values["metadata"] = ", ".join(sorted({f.code for f in meta})) or "none"
            matches = blocklist.match(art.image, 64)
            values["blocklist"] = f"{matches[0].distance} bits" if matches else "-"
            for name in rows:
                fired = bool(codes & FIRES[name]) and (name != "metadata" or bool(meta))
                if name == "terms":
                    fired = bool(hits)
                rows[name].append(cell(values.get(name), fired))
        print_table([label for label, _, _ in made], rows, thresholds(rule), args.product)
        print("\nseconds per upload (load + all checks):", " ".join(f"{t:.2f}" for t in timings))
        print("blocklist hash cache:", json.loads(root.blocklist_cache.read_text())["method"])
        time_large_blocklist(scratch / "LARGE", args.blocklist_size, made[0][1])
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for _, path, _ in made:
                shutil.copy2(path, args.keep / path.name)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


def time_large_blocklist(folder: Path, count: int, upload: Path) -> None:
    """How long a blocklist of `count` pictures costs: once to fingerprint, then per order."""
    init_root(folder)
    root = Root(folder)
    for i in range(count):
        picture = pictures.character((480, 480), seed=1000 + i) if i % 2 else pictures.photo((480, 360), seed=1000 + i)
        picture.save(root.blocklist / f"b{i:04}.jpg", quality=85)
    image = load_image(upload, max_pixels=200_000_000).image
    started = time.perf_counter()
    Blocklist.open(root).match(image, 10)
    first = time.perf_counter() - started
    started = time.perf_counter()
    Blocklist.open(root).match(image, 10)  # a later run: fingerprints come from .podwatch/
    later = time.perf_counter() - started
    print(f"blocklist of {count} pictures: first run fingerprints them in {first:.1f} s; "
          f"after that one order's match takes {later * 1000:.0f} ms")


def print_table(labels: list[str], rows: dict[str, list[str]], limits: dict[str, str], product: str) -> None:
    print(f"Rule: rules/{product}.toml (its defaults).  ! = the check raised its finding.\n")
    for i, label in enumerate(labels, start=1):
        print(f"  {i:>2}. {label}")
    print()
    print("| check | threshold | " + " | ".join(str(i) for i in range(1, len(labels) + 1)) + " |")
    print("|---|---|" + "---|" * len(labels))
    for name, cells in rows.items():
        print(f"| {name} | {limits[name]} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    sys.exit(main())

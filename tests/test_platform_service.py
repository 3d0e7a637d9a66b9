"""`podwatch service install|uninstall|status`: the files written for systemd, launchd and Task Scheduler."""

from __future__ import annotations

import io
import plistlib
import shlex
import subprocess
import xml.etree.ElementTree as ET

import pytest

from podwatch.cli.autostart import Platform, install, plan, status, uninstall
from podwatch.cli.main import main

PYTHON = "/opt/pod tools/venv/bin/python"


class Recorder:
    """Stands in for systemctl, launchctl and schtasks: records, succeeds."""

    def __init__(self, fail: str = "") -> None:
        self.commands: list[list[str]] = []
        self.fail = fail

    def __call__(self, command: list[str]) -> subprocess.CompletedProcess:
        self.commands.append(command)
        failed = bool(self.fail) and self.fail in command
        return subprocess.CompletedProcess(command, 1 if failed else 0, "active (running)\n", "boom" if failed else "")


@pytest.fixture
def odd_root(tmp_path):
    """A root whose path needs quoting everywhere: a space, a %, a $ and a quote."""
    root = tmp_path / "Dropbox" / "POD 100% $shop's"
    root.mkdir(parents=True)
    return root


def test_linux_writes_a_systemd_user_unit_and_enables_it(odd_root, tmp_path):
    runner = Recorder()
    platform = Platform("linux", tmp_path / "home", runner)
    service = plan(odd_root, platform, poll=5, prefix=[PYTHON, "-m", "podwatch"])
    out = io.StringIO()

    assert install(service, platform, out) == 0
    unit = tmp_path / "home/.config/systemd/user/podwatch-pod-100-shop-s.service"
    assert service.path == unit
    text = unit.read_text()
    exec_line = next(line for line in text.splitlines() if line.startswith("ExecStart="))
    # systemd: `%` and `$` doubled, every argument in double quotes.
    assert exec_line == (
        'ExecStart="/opt/pod tools/venv/bin/python" "-m" "podwatch" "run" "--root" '
        f'"{str(odd_root).replace("%", "%%").replace("$", "$$")}" "--poll" "5"'
    )
    for line in ("Restart=on-failure", "RestartPreventExitStatus=2", "KillMode=mixed", "WantedBy=default.target"):
        assert line in text.splitlines()
    assert runner.commands == [
        ["systemctl", "--user", "daemon-reload"],
        ["systemctl", "--user", "enable", "--now", "podwatch-pod-100-shop-s.service"],
    ]
    assert "loginctl enable-linger" in out.getvalue()

    runner.commands.clear()
    assert status(service, platform, out) == 0
    assert runner.commands == [["systemctl", "--user", "--no-pager", "status", "podwatch-pod-100-shop-s.service"]]

    runner.commands.clear()
    assert uninstall(service, platform, out) == 0
    assert not unit.exists()
    assert runner.commands == [
        ["systemctl", "--user", "disable", "--now", "podwatch-pod-100-shop-s.service"],
        ["systemctl", "--user", "daemon-reload"],
    ]


def test_macos_writes_a_launch_agent(odd_root, tmp_path):
    runner = Recorder()
    platform = Platform("darwin", tmp_path / "home", runner, uid=501)
    service = plan(odd_root, platform, name="Etsy Shop", prefix=[PYTHON, "-m", "podwatch"])
    assert install(service, platform, io.StringIO()) == 0

    path = tmp_path / "home/Library/LaunchAgents/io.github.podwatch.etsy-shop.plist"
    agent = plistlib.loads(path.read_bytes())
    assert agent["Label"] == "io.github.podwatch.etsy-shop"
    assert agent["ProgramArguments"] == [PYTHON, "-m", "podwatch", "run", "--root", str(odd_root)]
    assert agent["RunAtLoad"] is True and agent["KeepAlive"] == {"SuccessfulExit": False}
    assert agent["StandardErrorPath"] == str(odd_root / ".podwatch/logs/launchd.err.log")
    assert runner.commands == [["launchctl", "bootstrap", "gui/501", str(path)]]

    assert uninstall(service, platform, io.StringIO()) == 0
    assert runner.commands[-1] == ["launchctl", "bootout", "gui/501/io.github.podwatch.etsy-shop"]
    assert not path.exists()


def test_windows_writes_a_scheduled_task(odd_root, tmp_path):
    runner = Recorder()
    platform = Platform("windows", tmp_path / "home", runner)
    service = plan(odd_root, platform, prefix=[r"C:\Users\ana\pod\python.exe", "-m", "podwatch"])
    assert install(service, platform, io.StringIO()) == 0

    path = tmp_path / "home/AppData/Local/podwatch/podwatch-pod-100-shop-s.xml"
    raw = path.read_bytes()
    assert raw[:2] in (b"\xff\xfe", b"\xfe\xff"), "schtasks wants UTF-16 with a byte-order mark"
    ns = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}
    task = ET.fromstring(raw.decode("utf-16").split("\n", 1)[1])
    assert task.find("t:Triggers/t:LogonTrigger", ns) is not None
    assert task.findtext("t:Settings/t:ExecutionTimeLimit", namespaces=ns) == "PT0S"
    assert task.findtext("t:Settings/t:MultipleInstancesPolicy", namespaces=ns) == "IgnoreNew"
    assert task.findtext("t:Actions/t:Exec/t:Command", namespaces=ns) == r"C:\Users\ana\pod\pythonw.exe"
    assert task.findtext("t:Actions/t:Exec/t:Arguments", namespaces=ns) == subprocess.list2cmdline(
        ["-m", "podwatch", "run", "--root", str(odd_root)])
    assert runner.commands == [
        ["schtasks", "/Create", "/TN", "podwatch-pod-100-shop-s", "/XML", str(path), "/F"],
        ["schtasks", "/Run", "/TN", "podwatch-pod-100-shop-s"],
    ]


def test_a_failing_enable_is_reported_and_the_file_kept(odd_root, tmp_path):
    platform = Platform("linux", tmp_path / "home", Recorder(fail="enable"))
    service = plan(odd_root, platform, prefix=[PYTHON, "-m", "podwatch"])
    out = io.StringIO()
    assert install(service, platform, out) == 1
    assert "`systemctl --user enable --now podwatch-pod-100-shop-s.service` failed (exit 1): boom" in out.getvalue()
    assert service.path.exists()


def test_dry_run_prints_the_unit_and_the_commands_and_changes_nothing(root, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr("podwatch.cli.autostart._run", lambda command: pytest.fail(f"ran {command}"))
    monkeypatch.setattr("sys.platform", "linux")
    assert main(["service", "install", "--root", str(root.path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    unit = tmp_path / "home/.config/systemd/user/podwatch-pod.service"
    assert f"Would write {unit}:" in out and "[Service]" in out and f'"--root" "{root.path}"' in out
    assert f"  {shlex.join(['systemctl', '--user', 'enable', '--now', 'podwatch-pod.service'])}" in out
    assert not (tmp_path / "home").exists()

    assert main(["service", "uninstall", "--root", str(root.path), "--dry-run"]) == 0
    assert f"Would remove {unit}" in capsys.readouterr().out


def test_install_refuses_a_folder_that_is_not_a_podwatch_folder(tmp_path, capsys):
    assert main(["service", "install", "--root", str(tmp_path), "--dry-run"]) == 2
    assert "podwatch init" in capsys.readouterr().err


def test_the_one_file_binary_installs_a_service_that_starts_itself(odd_root, tmp_path, monkeypatch):
    monkeypatch.setattr("sys.frozen", True, raising=False)
    monkeypatch.setattr("sys.executable", "/home/ana/bin/podwatch")
    service = plan(odd_root, Platform("linux", tmp_path / "home", Recorder()))
    unit = service.content.decode()
    assert 'ExecStart="/home/ana/bin/podwatch" "run" "--root"' in unit
    assert "-m podwatch" not in unit

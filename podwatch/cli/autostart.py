"""`podwatch service install|uninstall|status`: start `podwatch run` with the computer, for this user."""

from __future__ import annotations

import plistlib
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PureWindowsPath
from typing import TextIO

from podwatch.config.names import sanitize
from podwatch.files import write_bytes
from podwatch.frozen import command_prefix, typed_command

Runner = Callable[[list[str]], subprocess.CompletedProcess]


def _run(command: list[str]) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(command, capture_output=True, text=True)
    except FileNotFoundError:
        return subprocess.CompletedProcess(command, 127, "", f"{command[0]}: command not found")


@dataclass
class Platform:
    """Where service files go and how commands run; tests pass their own (a temporary home,
    a recording runner), so they never touch the real user's services."""

    system: str  # linux | darwin | windows
    home: Path
    run: Runner = _run
    uid: int = 0

    @classmethod
    def current(cls) -> Platform:
        import os

        system = {"win32": "windows", "darwin": "darwin"}.get(sys.platform, "linux")
        return cls(system, Path.home(), _run, os.getuid() if hasattr(os, "getuid") else 0)


@dataclass
class Plan:
    """What install writes and runs, what uninstall undoes, and how to ask for status."""

    name: str
    path: Path
    content: bytes
    enable: list[list[str]]
    disable: list[list[str]]
    status: list[list[str]]
    notes: list[str] = field(default_factory=list)


def service_name(root: Path, name: str | None) -> str:
    return "podwatch-" + sanitize((name or root.name).lower(), fallback="pod")


def run_command(root: Path, poll: float | None, prefix: list[str]) -> list[str]:
    command = [*prefix, "run", "--root", str(root)]
    return command + (["--poll", f"{poll:g}"] if poll else [])


def plan(root: Path, platform: Platform, name: str | None = None, poll: float | None = None,
         prefix: list[str] | None = None) -> Plan:
    """The service for `root`; it starts this same podwatch (the one-file binary itself when frozen)."""
    service = service_name(root, name)
    build = {"linux": _systemd, "darwin": _launchd, "windows": _schtasks}[platform.system]
    return build(root, platform, service, run_command(root, poll, prefix or command_prefix()))


def _systemd(root: Path, platform: Platform, service: str, command: list[str]) -> Plan:
    unit = f"{service}.service"
    text = f"""\
# Written by `podwatch service install`; remove it with `podwatch service uninstall --root {root}`.
[Unit]
Description=podwatch hot folder {_systemd_escape(str(root))}

[Service]
Type=simple
ExecStart={" ".join(_systemd_quote(arg) for arg in command)}
Environment=PYTHONUNBUFFERED=1
Restart=on-failure
RestartSec=10
# Exit code 2 is a mistake in podwatch.toml or a rule: restarting cannot fix it.
# `journalctl --user -u {unit}` shows what to fix.
RestartPreventExitStatus=2
# SIGTERM to podwatch alone: it finishes the order in hand and ends a running hook itself.
KillMode=mixed
TimeoutStopSec=120

[Install]
WantedBy=default.target
"""
    systemctl = ["systemctl", "--user"]
    return Plan(
        unit, platform.home / ".config" / "systemd" / "user" / unit, text.encode(),
        enable=[systemctl + ["daemon-reload"], systemctl + ["enable", "--now", unit]],
        disable=[systemctl + ["disable", "--now", unit]],
        status=[systemctl + ["--no-pager", "status", unit]],
        notes=["To keep podwatch running while you are logged out, and start it at boot: "
               "loginctl enable-linger $USER"],
    )


def _systemd_quote(arg: str) -> str:
    return '"' + _systemd_escape(arg).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _systemd_escape(text: str) -> str:
    # `%` starts a systemd specifier and `$` a variable, even inside quotes.
    return text.replace("%", "%%").replace("$", "$$")


def _launchd(root: Path, platform: Platform, service: str, command: list[str]) -> Plan:
    label = f"io.github.podwatch.{service.removeprefix('podwatch-')}"
    logs = root / ".podwatch" / "logs"
    agent = {
        "Label": label,
        "ProgramArguments": command,
        "RunAtLoad": True,
        "KeepAlive": {"SuccessfulExit": False},  # restarted after a crash, not after a clean stop
        "ThrottleInterval": 10,
        "EnvironmentVariables": {"PYTHONUNBUFFERED": "1"},
        "StandardOutPath": str(logs / "launchd.out.log"),
        "StandardErrorPath": str(logs / "launchd.err.log"),
    }
    target = f"gui/{platform.uid}"
    path = platform.home / "Library" / "LaunchAgents" / f"{label}.plist"
    return Plan(
        label, path, plistlib.dumps(agent),
        enable=[["launchctl", "bootstrap", target, str(path)]],
        disable=[["launchctl", "bootout", f"{target}/{label}"]],
        status=[["launchctl", "print", f"{target}/{label}"]],
    )


_TASK_NS = "http://schemas.microsoft.com/windows/2004/02/mit/task"


def _schtasks(root: Path, platform: Platform, service: str, command: list[str]) -> Plan:
    program = PureWindowsPath(command[0])
    if program.name.lower() == "python.exe":  # pythonw: no console window; the log files say what happens
        program = program.with_name("pythonw.exe")
    ET.register_namespace("", _TASK_NS)
    task = ET.Element(f"{{{_TASK_NS}}}Task", version="1.2")

    def add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{_TASK_NS}}}{tag}", attrs)
        element.text = text
        return element

    add(add(task, "RegistrationInfo"), "Description", f"podwatch hot folder {root}")
    add(add(add(task, "Triggers"), "LogonTrigger"), "Enabled", "true")
    principal = add(add(task, "Principals"), "Principal", id="Author")
    add(principal, "LogonType", "InteractiveToken")
    add(principal, "RunLevel", "LeastPrivilege")
    settings = add(task, "Settings")
    for tag, value in [
        ("MultipleInstancesPolicy", "IgnoreNew"), ("DisallowStartIfOnBatteries", "false"),
        ("StopIfGoingOnBatteries", "false"), ("ExecutionTimeLimit", "PT0S"), ("StartWhenAvailable", "true"),
        ("Enabled", "true"),
    ]:
        add(settings, tag, value)
    restart = add(settings, "RestartOnFailure")
    add(restart, "Interval", "PT1M")
    add(restart, "Count", "999")
    action = add(add(task, "Actions", Context="Author"), "Exec")
    add(action, "Command", str(program))
    add(action, "Arguments", subprocess.list2cmdline(command[1:]))
    # Never the podwatch folder: programs and modules planted there must not be found first.
    add(action, "WorkingDirectory", str(platform.home))
    ET.indent(task)
    text = '<?xml version="1.0" encoding="UTF-16"?>\n' + ET.tostring(task, encoding="unicode") + "\n"
    path = platform.home / "AppData" / "Local" / "podwatch" / f"{service}.xml"
    return Plan(
        service, path, text.encode("utf-16"),  # schtasks reads task XML as UTF-16 with its BOM
        enable=[["schtasks", "/Create", "/TN", service, "/XML", str(path), "/F"], ["schtasks", "/Run", "/TN", service]],
        disable=[["schtasks", "/End", "/TN", service], ["schtasks", "/Delete", "/TN", service, "/F"]],
        status=[["schtasks", "/Query", "/TN", service, "/V", "/FO", "LIST"]],
    )


def shown(plan_: Plan) -> str:
    """The file's text as it is written (task XML is UTF-16 on disk)."""
    return plan_.content.decode("utf-16" if plan_.path.suffix == ".xml" else "utf-8")


def install(plan_: Plan, platform: Platform, out: TextIO, dry_run: bool = False) -> int:
    if dry_run:
        out.write(f"Would write {plan_.path}:\n\n{shown(plan_)}\nWould run:\n")
        out.writelines(f"  {shlex.join(command)}\n" for command in plan_.enable)
        return 0
    existed = plan_.path.exists()
    write_bytes(plan_.path, plan_.content)
    out.write(f"{'Updated' if existed else 'Wrote'} {plan_.path}\n")
    if not _run_all(plan_.enable, platform, out):
        out.write("The service file is in place, but it could not be started; fix the above and run "
                  f"`{typed_command()} service install` again.\n")
        return 1
    out.write(f"{plan_.name} is installed and running; it starts again when you log in.\n")
    out.writelines(f"Note: {note}\n" for note in plan_.notes)
    return 0


def uninstall(plan_: Plan, platform: Platform, out: TextIO, dry_run: bool = False) -> int:
    if dry_run:
        out.write("Would run:\n")
        out.writelines(f"  {shlex.join(command)}\n" for command in plan_.disable)
        out.write(f"Would remove {plan_.path}\n")
        return 0
    if not plan_.path.exists():
        out.write(f"{plan_.name} is not installed (no {plan_.path}); nothing to do.\n")
        return 0
    _run_all(plan_.disable, platform, out, must=False)  # it may already be stopped
    plan_.path.unlink()
    if platform.system == "linux":
        platform.run(["systemctl", "--user", "daemon-reload"])
    out.write(f"Removed {plan_.path}; {plan_.name} will not start again.\n")
    return 0


def status(plan_: Plan, platform: Platform, out: TextIO) -> int:
    if not plan_.path.exists():
        out.write(f"{plan_.name} is not installed (no {plan_.path}).\n")
        return 0
    out.write(f"{plan_.name} is installed: {plan_.path}\n")
    for command in plan_.status:
        done = platform.run(command)
        out.write((done.stdout or "") + (done.stderr or ""))
    return 0


def _run_all(commands: list[list[str]], platform: Platform, out: TextIO, must: bool = True) -> bool:
    for command in commands:
        done = platform.run(command)
        if done.returncode != 0 and must:
            said = (done.stderr or done.stdout).strip()
            out.write(f"`{shlex.join(command)}` failed (exit {done.returncode}): {said}\n")
            return False
    return True

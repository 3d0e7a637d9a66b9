"""The real service in a subprocess, as a seller starts it, and patient looks at the folders."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image

from podwatch.config.root import Root
from podwatch.outputs.ledger import Ledger

REPO = Path(__file__).resolve().parent.parent


def configure(root: Root, **sections: dict) -> None:
    """Set podwatch.toml values, e.g. configure(root, intake={"stability_seconds": 0.3})."""
    text = root.settings_file.read_text()
    for section, values in sections.items():
        for key, value in values.items():
            lines = text.splitlines()
            current, done = None, False
            for i, line in enumerate(lines):
                if line.startswith("["):
                    current = line.strip("[] ")
                elif current == section and line.split("=")[0].strip() == key:
                    lines[i] = f"{key} = {json.dumps(value)}"
                    done = True
            if not done and f"[{section}]" in lines:
                lines.insert(lines.index(f"[{section}]") + 1, f"{key} = {json.dumps(value)}")
            elif not done:
                lines += [f"[{section}]", f"{key} = {json.dumps(value)}"]
            text = "\n".join(lines) + "\n"
    root.settings_file.write_text(text)


@contextmanager
def still_being_written(path: Path) -> Iterator[None]:
    """Within the block `path` keeps changing, as a file a browser or a sync client is still writing."""
    done = threading.Event()

    def touch() -> None:
        while True:
            os.utime(path)
            if done.wait(0.1):
                return

    writer = threading.Thread(target=touch)
    writer.start()
    try:
        yield
    finally:
        done.set()
        writer.join()


class Running:
    """`podwatch run --root ROOT` in its own process; stopped with SIGTERM like systemd does."""

    def __init__(self, root: Root, *args: str) -> None:
        self.root = root
        self.log = root.path.parent / f"service-{time.monotonic_ns()}.log"
        self._out = self.log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "podwatch", "run", "--root", str(root.path), *args],
            cwd=REPO, stdout=self._out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_until_watching(self, timeout: float = 30) -> Running:
        wait_for(lambda: "watching" in self.output() or self.process.poll() is not None, timeout, "start", self)
        assert self.process.poll() is None, self.output()
        return self

    def stop(self, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        finally:
            self._out.close()

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()
        self._out.close()

    def __enter__(self) -> Running:
        return self.wait_until_watching()

    def __exit__(self, *exc: object) -> None:
        code = self.stop()
        if exc[0] is None:
            assert code == 0, f"service exit code {code}\n{self.output()}"
            assert not (self.root.state / "run.lock").exists(), "a clean stop removes its lock"


def wait_for(condition: Callable[[], object], timeout: float = 20, what: str = "", service: Running | None = None):
    """Poll `condition` until it is true; fail with the service's log after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            log = service.output()[-4000:] if service else ""
            raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}\n{log}")
        time.sleep(0.05)


def ledger_rows(root: Root, order_id: str | None = None):
    with Ledger(root.ledger, root.records) as ledger:
        return ledger.items(order_id)


def ledger_events(root: Root, order_id: str = "") -> list[dict]:
    with Ledger(root.ledger, root.records) as ledger:
        return [dict(e) for e in ledger.events(order_id)]


def waiting_paths(root: Root) -> set[str]:
    with Ledger(root.ledger, root.records) as ledger:
        return set(ledger.waiting_since())


def png_bytes(image: Image.Image, **save) -> bytes:
    import io

    buffer = io.BytesIO()
    image.save(buffer, "PNG", **save)
    return buffer.getvalue()

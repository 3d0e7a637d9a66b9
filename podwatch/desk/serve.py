"""Serving the desk: loopback by default, the local network with --lan behind a key; alone or beside `run`."""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
import webbrowser
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from loguru import logger

from podwatch.config.root import Root
from podwatch.desk.app import Desk, build
from podwatch.errors import ConfigError

LOOPBACK = "127.0.0.1"
CACHE_DAYS = 60  # thumbnails and zooms older than this are made again when next asked for
EVERYWHERE = "0.0.0.0"  # --lan: every interface, so a phone on the same Wi-Fi reaches it


def open_desk(root_path: Path, lan: bool = False) -> Desk:
    """The desk for a podwatch folder. A mistake in a rule file does not stop it (the seller may be
    fixing it right now): the page says so and shows the buyer's text without the printed form."""
    from podwatch.config.rulebook import load_rules
    from podwatch.outputs.ledger import open_ledger

    root = Root(root_path).require()
    # As `run` opens it: a ledger an older podwatch kept in the folder is moved to this computer,
    # and an order history without records gets them. Each page then opens it for itself.
    open_ledger(root).close()
    try:
        return Desk(root, load_rules(root.rules), lan=lan)
    except ConfigError as exc:
        return Desk(root, {}, lan=lan, rules_problem=f"A rule file has a mistake, so printed text is not shown: {exc}")


def bind(port: int, lan: bool) -> socket.socket:
    """The listening socket, bound here so a port in use is a plain message, not a server crash."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((EVERYWHERE if lan else LOOPBACK, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"the review desk cannot use port {port} ({exc.strerror}); "
                          "another program (or another desk) has it. Pick another with --port.") from None
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def lan_address() -> str:
    """This computer's address on the local network. A UDP socket 'connected' to a private address
    sends nothing; it only makes the system choose the interface it would use."""
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_DGRAM)) as probe:
        try:
            probe.connect(("10.254.254.254", 1))
            return str(probe.getsockname()[0])
        except OSError:
            return socket.gethostbyname(socket.gethostname())


@dataclass
class DeskServer:
    """uvicorn serving one desk on one socket."""

    desk: Desk
    sock: socket.socket

    def __post_init__(self) -> None:
        import uvicorn

        config = uvicorn.Config(build(self.desk), log_level="warning", access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    def url(self) -> str:
        if self.desk.lan:
            return f"http://{lan_address()}:{self.port}/?key={self.desk.token}"
        return f"http://{LOOPBACK}:{self.port}/"

    def announce(self, out: TextIO = sys.stdout, browser: bool = True) -> None:
        url = self.url()
        print(f"Review desk for {self.desk.root.path}: {url}", file=out, flush=True)
        if self.desk.lan:
            print("Anyone on this network with this link can approve orders: keep it to yourself. "
                  "Scan it with your phone:", file=out)
            _qr(url, out)
        if browser:
            webbrowser.open(url.replace(lan_address(), LOOPBACK) if self.desk.lan else url)

    def run(self) -> None:
        """In the foreground, until Ctrl-C."""
        warm_up(self.desk)
        self.server.run(sockets=[self.sock])

    def start(self) -> DeskServer:
        """In a thread beside the service (`podwatch run --review`)."""
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       name="podwatch-desk", daemon=True)
        self.thread.start()
        warm_up(self.desk)
        return self

    def wait_started(self, timeout: float = 20) -> None:
        """Until the server accepts requests (a thread started with start())."""
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if time.monotonic() > deadline or (self.thread is not None and not self.thread.is_alive()):
                raise RuntimeError("the review desk did not start; see the log above")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(10)
        self.sock.close()


def warm_up(desk: Desk) -> threading.Thread:
    """Make the queue's thumbnails in the background, so a queue of hundreds opens at once, after
    clearing pictures not looked at for CACHE_DAYS (the cache is the desk's own, made again on demand)."""
    def work() -> None:
        from podwatch.desk.pictures import THUMB_PX, prune, thumbnail
        from podwatch.desk.records import Records
        from podwatch.outputs.ledger import Ledger

        prune(desk.cache, CACHE_DAYS)
        with Ledger(desk.root.ledger, desk.root.records) as ledger:
            for item in Records(desk.root, ledger).queue():
                try:
                    if item.proof is not None:
                        thumbnail(item.proof, desk.cache / "thumbs", THUMB_PX)
                except Exception as exc:  # a proof moved or damaged meanwhile: its page says so when opened
                    logger.debug("review desk: no thumbnail for {} ({})", item.name, exc)

    thread = threading.Thread(target=work, name="podwatch-desk-thumbnails", daemon=True)
    thread.start()
    return thread


def _qr(url: str, out: TextIO) -> None:
    import segno

    segno.make(url, error="m").terminal(out=out, compact=True)

"""Start-up guards: refuse a folder layout where podwatch would eat its own output."""

from __future__ import annotations

from pathlib import Path

from podwatch.config.root import Root
from podwatch.errors import ConfigError


def check_folders(root: Root) -> None:
    """Outputs must be plain folders outside inbox/ (OCRmyPDF's `assert_no_watch_loop`).

    A proof written inside the inbox would come back as a new order, for ever; a
    symbolic link can point anywhere, so podwatch refuses to write through one.
    """
    inbox = root.inbox.resolve()
    outputs = {"review": root.review, "previews": root.previews, "production": root.production, "failed": root.failed,
               "archive": root.archive, ".podwatch": root.state}
    decisions = {"approved": root.approved, "rejected": root.rejected}
    for name, folder in outputs.items():
        if folder.is_symlink():
            raise ConfigError(
                f"{folder} is a symbolic link. podwatch writes into {name}/ and refuses links, which can "
                f"point anywhere (even back into inbox/). Make {name}/ a plain folder inside {root.path}."
            )
    for name, folder in {**outputs, **decisions}.items():
        real = folder.resolve()
        if _inside(real, inbox) or _inside(inbox, real):
            raise ConfigError(
                f"{name}/ ({real}) and inbox/ ({inbox}) overlap: podwatch would take its own files as new "
                f"orders. Keep inbox/ and {name}/ as separate folders side by side in {root.path}."
            )


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents

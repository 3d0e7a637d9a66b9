"""Fixtures that tell the seller's story: a podwatch folder, orders dropped into it, a run."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from podwatch.cli.main import main
from podwatch.config.root import Root, init_root


@pytest.fixture(autouse=True)
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This computer's own podwatch state (ledger, work area) for the test, never the real user's."""
    monkeypatch.setenv("PODWATCH_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("PODWATCH_HOST", raising=False)
    return tmp_path / "state"


@pytest.fixture(autouse=True)
def work_here_under_mutmut(monkeypatch: pytest.MonkeyPatch) -> None:
    """Under `make mutate`, orders are made in the test's own process unless a test asks for workers.

    mutmut learns which tests reach a function from calls it sees in this process, and runs only
    those against the function's mutants: work done in worker processes went unseen, so the tests
    that would have killed a mutant of a check were never run against it."""
    if os.environ.get("MUTANT_UNDER_TEST"):
        monkeypatch.setattr("podwatch.running.workers.default_count", lambda: 0)


@pytest.fixture
def root(tmp_path: Path) -> Root:
    init_root(tmp_path / "POD")
    root = Root(tmp_path / "POD")
    # Files made a moment ago are complete here; the stability wait has tests of its own.
    settings = root.settings_file.read_text().replace("stability_seconds = 5", "stability_seconds = 0")
    root.settings_file.write_text(settings)
    return root


def artwork(size=(3000, 3600), mode="RGB", background=(40, 110, 190)) -> Image.Image:
    """A recognisable picture: coloured background, a yellow disc, a red corner mark."""
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.ellipse((w * 0.2, h * 0.2, w * 0.8, h * 0.8), fill=(250, 200, 40))
    draw.rectangle((0, 0, w * 0.15, h * 0.15), fill=(220, 30, 30))
    return image.convert(mode) if mode != "RGB" else image


def make_order(
    root: Root, order_id: str = "1234", product: str = "tshirt", image: Image.Image | None = None,
    name: str | None = None, ext: str = "png", save: dict | None = None, **fields,
) -> tuple[Path, Path]:
    """Drop `<name>.<ext>` and `<name>.json` into the inbox, as a seller's shop export would."""
    stem = name or order_id
    upload = root.inbox / f"{stem}.{ext}"
    (image or artwork()).save(upload, **(save or {}))
    sidecar = root.inbox / f"{stem}.json"
    sidecar.write_text(json.dumps({"order_id": order_id, "product": product, **fields}), encoding="utf-8")
    return upload, sidecar


def run(root: Root, *extra: str) -> int:
    return main(["run", "--root", str(root.path), "--once", *extra])


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files_in(folder: Path, pattern: str = "*") -> list[Path]:
    return sorted(p for p in folder.rglob(pattern) if p.is_file())


def approve_all(root: Root) -> None:
    for proof in files_in(root.review):
        proof.rename(root.approved / proof.name)

"""Run podwatch once over the sample orders in a throw-away demo folder and say what happened."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "sample_inbox"
DEFAULT_ROOT = REPO / "demo-root"
MARKER = ".podwatch-demo"
# `run` exits 1 when some orders failed (the demo's 1003 is meant to); 2 means podwatch could not run.
RUN_OK = (0, 1)


class DemoError(Exception):
    """Something that stops the demo; its message is all the user needs to see."""


def podwatch(*args: str, quiet: bool = False) -> subprocess.CompletedProcess:
    """Run the podwatch CLI of this interpreter; `quiet` keeps its output unless it goes wrong."""
    done = subprocess.run([sys.executable, "-m", "podwatch", *args], cwd=REPO, capture_output=quiet, text=True)
    if quiet and done.returncode != 0:
        print(done.stdout + done.stderr, end="", file=sys.stderr)
    return done


def clear_previous(root: Path) -> None:
    """Delete an earlier demo root, but only one this script made (it carries the marker)."""
    if not root.exists() and not root.is_symlink():
        return
    if root.is_symlink():
        raise DemoError(f"{root} is a symbolic link; nothing was deleted. Give the demo a plain folder path.")
    if not root.is_dir() or not (root / MARKER).is_file():
        raise DemoError(
            f"{root} already exists and was not made by this demo (no {MARKER} file inside). "
            "Nothing was deleted: choose another folder, e.g. `python scripts/demo.py /tmp/podwatch-demo`."
        )
    shutil.rmtree(root)


def create_root(root: Path) -> None:
    # The marker goes in first: a half-made root from a failed init can still be cleared next time.
    root.mkdir(parents=True)
    (root / MARKER).write_text("Made by scripts/demo.py; the demo deletes this folder on its next run.\n", encoding="utf-8")
    if podwatch("init", str(root), quiet=True).returncode != 0:
        raise DemoError(f"`podwatch init {root}` failed; see the message above.")


def drop_samples(inbox: Path) -> list[str]:
    """Copy (never move) every sample order into the inbox; the originals stay in the repository."""
    if not SAMPLES.is_dir():
        raise DemoError(f"{SAMPLES} is missing; create it with `python scripts/make_samples.py`.")
    names = []
    for entry in sorted(SAMPLES.iterdir()):
        # copy2 keeps the old mtimes, so the files already look settled to podwatch's stability wait.
        if entry.is_dir():
            shutil.copytree(entry, inbox / entry.name)
        else:
            shutil.copy2(entry, inbox / entry.name)
        names.append(entry.name + ("/" if entry.is_dir() else ""))
    return names


def run_once(root: Path) -> None:
    code = podwatch("run", "--root", str(root), "--once").returncode
    # A Python crash also exits 1; a real "some orders failed" leaves its reasons in failed/.
    crashed = code == 1 and not error_files(root)
    if code not in RUN_OK or crashed:
        raise DemoError(f"`podwatch run --root {root} --once` stopped with exit code {code}; see the message above.")


def error_files(root: Path) -> list[Path]:
    return sorted((root / "failed").glob("*/*.error.txt"))


def first_reason(path: Path) -> str:
    """The first line of an .error.txt; when that is only a heading ("…:"), the reason under it."""
    lines = [line.strip() for line in path.read_text(encoding="utf-8", errors="replace").splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        return "(no reason written)"
    if lines[0].endswith(":") and len(lines) > 1:
        return lines[1].removeprefix("- ")
    return lines[0]


def podwatch_command() -> str:
    """How the user can call podwatch themselves: what podwatch itself tells them to type."""
    from podwatch.frozen import typed_command

    return typed_command()


def summary(root: Path) -> str:
    review = root / "review"
    proofs = sorted(p.name for p in review.iterdir() if p.is_file())
    errors = error_files(root)
    lines = ["", "podwatch demo finished.", "", f"Proofs waiting for you in {review}:"]
    lines += [f"  {name}" for name in proofs] or ["  (none)"]
    lines += ["", "Failed orders (details in failed/):"]
    lines += [f"  {path.parent.name}: {first_reason(path)}" for path in errors] or ["  (none)"]
    lines += [
        "",
        "Next step: move a proof into approved/ and run",
        f"  {podwatch_command()} run --root {root} --once",
        "again to get its print file in production/.",
        "",
        "Or decide them in your browser, on the review desk (Ctrl-C stops it):",
        f"  {podwatch_command()} run --root {root} --review",
        "It opens http://127.0.0.1:8765/ and hands every proof you approve there to production/ at once.",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    # abspath, not resolve(): a symlinked root must reach clear_previous as a symlink, and be refused.
    root = Path(os.path.abspath(Path(argv[0]).expanduser())) if argv else DEFAULT_ROOT
    try:
        clear_previous(root)
        create_root(root)
        dropped = drop_samples(root / "inbox")
        print(f"Dropped {len(dropped)} sample entries into {root / 'inbox'}: {', '.join(dropped)}", flush=True)
        run_once(root)
    except DemoError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 2
    print(summary(root))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

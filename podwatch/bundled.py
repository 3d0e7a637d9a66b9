"""Where the files shipped with podwatch (product rules, term lists) are found."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def rules_dir() -> Path:
    """The bundled product rules.

    An installed wheel (or the one-file binary) carries them as `podwatch/rules/`;
    a source checkout keeps them at the top of the repository in `rules/`.
    """
    for candidate in (_HERE / "rules", _HERE.parent / "rules"):
        if candidate.is_dir() and any(candidate.glob("*.toml")):
            return candidate
    raise FileNotFoundError(f"the bundled rules are missing (looked in {_HERE / 'rules'} and {_HERE.parent / 'rules'})")


def data_file(*parts: str) -> Path:
    """A file shipped under `podwatch/data/` (term lists, …)."""
    return _HERE.joinpath("data", *parts)

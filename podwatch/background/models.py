"""rembg models: which may be used, where rembg looks for each file, and how to tell a seller to fetch one."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from podwatch.frozen import typed_command

RELEASES = "https://github.com/danielgatis/rembg/releases/download/v0.0.0/"
DEFAULT_MODEL = "u2net"


@dataclass(frozen=True)
class Known:
    """A model rembg can load by name; file names and checksums as in rembg's session classes."""

    name: str
    file: str
    md5: str
    about: str

    @property
    def url(self) -> str:
        return RELEASES + self.file


# Only models whose licence allows commercial printing and that cut out a subject from a photo.
KNOWN = {k.name: k for k in (
    Known("u2net", "u2net.onnx", "60024c5c889badc19c04ad937298a77b", "general use, Apache-2.0"),
    Known("u2netp", "u2netp.onnx", "8e83ca70e441ab06c318d82300c84806", "small and fast u2net, Apache-2.0"),
    Known("u2net_human_seg", "u2net_human_seg.onnx", "c09ddc2e0104f800e3e1bb4652583d1f", "people, Apache-2.0"),
    Known("silueta", "silueta.onnx", "55e59e0d8062d2f5d013f4725ee84782", "u2net reduced to 43 MB"),
    Known("isnet-general-use", "isnet-general-use.onnx", "fc16ebd8b0c10d971d3513d564d01e29",
          "general use, finer edges, Apache-2.0"),
    Known("isnet-anime", "isnet-anime.onnx", "6f184e756bb3bd901c8849220a83e38e", "anime characters, Apache-2.0"),
    Known("birefnet-general", "BiRefNet-general-epoch_244.onnx", "7a35a0141cbbc80de11d9c9a28f52697",
          "high quality, slow, about 1 GB, MIT"),
    Known("birefnet-general-lite", "BiRefNet-general-bb_swin_v1_tiny-epoch_232.onnx",
          "4fab47adc4ff364be1713e97b7e66334", "BiRefNet, lighter, MIT"),
)}

# rembg names a seller might write, and why podwatch will not use them.
REFUSED = {
    "bria-rmbg": "its licence (CC BY-NC 4.0) forbids commercial use, and it is a 1 GB download",
    "sam": "it needs points clicked on the picture, so it cannot run unattended",
    "u2net_cloth_seg": "it finds clothes, not the subject of a photo",
    "atlascloud": "it sends the buyer's picture to an online service",
    "withoutbg": "it sends the buyer's picture to an online service",
}


def check_model_setting(value: str) -> str:
    """Validate `[background] model`: a known name or a path to a .onnx file."""
    if value in REFUSED:
        raise ValueError(f"{value!r} cannot be used: {REFUSED[value]}; use {DEFAULT_MODEL!r} or 'isnet-general-use'")
    if value not in KNOWN and not value.lower().endswith(".onnx"):
        names = ", ".join(KNOWN)
        raise ValueError(f"{value!r} is not a model podwatch knows ({names}) nor a path to a .onnx file")
    return value


def rembg_home() -> Path:
    """The folder rembg keeps models in: $U2NET_HOME if set, else $REMBG_HOME, else ~/.rembg."""
    if os.getenv("U2NET_HOME"):
        return legacy_home()
    xdg = os.getenv("XDG_DATA_HOME")
    default = os.path.join(xdg, "rembg") if xdg else os.path.join("~", ".rembg")
    return Path(os.path.expanduser(os.getenv("REMBG_HOME", default)))


def legacy_home() -> Path:
    """rembg's older flat model folder, still read: $U2NET_HOME, else ~/.u2net."""
    default = os.path.join(os.getenv("XDG_DATA_HOME", "~"), ".u2net")
    return Path(os.path.expanduser(os.getenv("U2NET_HOME", default)))


@dataclass(frozen=True)
class ModelFile:
    """Where one configured model is (or should be) on this computer."""

    setting: str  # as written in the rule
    session: str  # the rembg session that loads it
    path: Path  # where it is, or where it should go
    known: Known | None  # None for a custom .onnx

    @property
    def present(self) -> bool:
        return self.path.is_file()

    @property
    def custom(self) -> bool:
        return self.known is None

    @property
    def allowed(self) -> bool:
        """rembg refuses custom models outside its model folders."""
        return any(_inside(self.path, home) for home in (rembg_home(), legacy_home()))

    @property
    def usable(self) -> bool:
        return self.present and (not self.custom or self.allowed)

    def how_to_fix(self) -> str:
        """The one thing the seller must do to make this model usable."""
        if self.custom and not self.allowed:
            return (f"rembg only loads custom models from inside its model folder {rembg_home()}: move the "
                    "file into that folder and set [background] model to its new path (or set U2NET_HOME "
                    "to the folder that holds it).")
        if self.custom:
            return "Put the .onnx file there, or correct [background] model in the rule."
        assert self.known is not None  # a model that is not custom is one podwatch knows
        return f"Download {self.known.url} and save it as {self.path} (in the folder {self.path.parent})."

    def missing_message(self, needed_for: str) -> str:
        """Why the model cannot be used and what to do, in words, for a failed order."""
        if self.custom and not self.allowed:
            problem = f"{needed_for} uses the custom model {self.path}, which rembg will not load from there."
        elif self.custom:
            problem = f"{needed_for} uses the custom model {self.path}, which does not exist."
        else:
            assert self.known is not None
            problem = (f"{needed_for} needs the rembg model '{self.known.name}' (file {self.known.file}), which is "
                       "not on this computer, and podwatch never downloads anything.")
        return (f"{problem} {self.how_to_fix()} Then drop the order into the inbox again; "
                f"`{typed_command()} models` shows every model and where it is expected.")


def locate(setting: str) -> ModelFile:
    """Find the file for a `[background] model` setting the way rembg will look for it."""
    if setting in KNOWN:
        known = KNOWN[setting]
        # rembg reads <home>/models/<name>/<file> first, then the old flat <legacy home>/<file>.
        candidates = [rembg_home() / "models" / known.name / known.file, legacy_home() / known.file]
        found = next((path for path in candidates if path.is_file()), candidates[0])
        return ModelFile(setting, known.name, found, known)
    path = Path(os.path.expanduser(setting))
    if not path.is_absolute():
        path = rembg_home() / path  # a bare file name means "in rembg's model folder"
    return ModelFile(setting, "u2net_custom", Path(os.path.abspath(path)), None)


def _inside(path: Path, folder: Path) -> bool:
    path, folder = Path(os.path.abspath(path)), Path(os.path.abspath(folder))
    return path == folder or folder in path.parents


@dataclass(frozen=True)
class Checksum:
    size: int
    md5: str
    sha256: str


def checksum(path: Path) -> Checksum:
    """md5 (what rembg's downloads are checked against) and sha256, in one read."""
    md5, sha = hashlib.md5(), hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            md5.update(chunk)
            sha.update(chunk)
    return Checksum(path.stat().st_size, md5.hexdigest(), sha.hexdigest())


@dataclass(frozen=True)
class Entry:
    """One model, for `podwatch models`."""

    model: ModelFile
    used_by: list[str]  # rules that remove backgrounds with it (engine rembg, or auto for photos)


def inventory(rules: dict) -> list[Entry]:
    """The default model and every model a rule would load, with where each is expected."""
    used: dict[str, list[str]] = {DEFAULT_MODEL: []}
    for name, rule in sorted(rules.items()):
        bg = rule.background
        if bg.mode != "keep" and bg.engine != "solid":
            used.setdefault(bg.model, []).append(name)
    return [Entry(locate(setting), names) for setting, names in used.items()]

"""What changes when podwatch runs as the one-file binary that podwatch.spec builds."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

# A hidden first argument of the binary (see scripts/pyinstaller_entry.py): not a seller's command,
# so it stays out of `podwatch --help`; support and tests/test_binary.py use it.
BUNDLE_CHECK = "--bundle-check"
# It takes about 40 s (numba compiling pymatting's code on the first run with a model), 5 s after.
BUNDLE_CHECK_SECONDS = 180


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def command_prefix() -> list[str]:
    """The command that starts this same podwatch again, for service files and helper processes.

    The binary is its own interpreter; a pip install is started through the Python that runs it,
    so a service keeps working inside a virtualenv that is not on PATH.
    """
    if is_frozen():
        return [sys.executable]
    # -P: the folder it is started in is not searched for modules, so a `loguru.py` dropped into
    # the (synced) podwatch folder can never be imported in place of the real one.
    return [sys.executable, "-P", "-m", "podwatch"]


def typed_command() -> str:
    """What the seller types to run podwatch again, as podwatch tells them in its messages.

    `podwatch` only when that name on PATH is this very podwatch; otherwise the path of the
    binary or of the venv's script (relative when it is below the current folder, e.g.
    `.venv/bin/podwatch`), or `python -m podwatch` with this interpreter.
    """
    import shutil

    if is_frozen():
        program = Path(sys.executable)
    else:
        program = Path(sys.executable).with_name("podwatch")
        if not program.is_file():
            return f"{_shown(Path(sys.executable))} -m podwatch"
    on_path = shutil.which("podwatch")
    if on_path and Path(on_path).resolve() == program.resolve():
        return "podwatch"
    return _shown(program)


def _shown(path: Path) -> str:
    try:
        relative = path.absolute().relative_to(Path.cwd())
    except ValueError:
        return str(path)
    return str(relative) if relative.parent != Path(".") else f"./{relative}"


def prepare() -> None:
    """Settings the binary needs before anything heavy is imported; nothing to do under pip."""
    if is_frozen():
        # Bare names are numba's own locators, the fall-back when ours cannot write its cache folder.
        os.environ.setdefault(
            "NUMBA_CACHE_LOCATOR_CLASSES",
            "podwatch.background.numba_cache.BundleCacheLocator,UserProvidedCacheLocator,InTreeCacheLocator,UserWideCacheLocator",
        )


def bundle_check(argv: list[str]) -> int:
    """Import every heavy piece the binary carries and use it once; print a JSON report.

    With `--model FILE.onnx` rembg also removes a background with that model (its u2net_custom
    session, the model inside rembg's model folder); without it rembg is only imported.
    """
    import argparse
    import faulthandler

    # A piece that hangs ends the check with every thread's stack on stderr, which says where.
    faulthandler.dump_traceback_later(BUNDLE_CHECK_SECONDS, exit=True)
    parser = argparse.ArgumentParser(prog=f"podwatch {BUNDLE_CHECK}", description=bundle_check.__doc__)
    parser.add_argument("--model", type=Path, help="a u2net-shaped .onnx file inside rembg's model folder")
    model = parser.parse_args(argv).model
    report: dict[str, object] = {"frozen": is_frozen(), "executable": sys.executable}
    seconds: dict[str, float] = {}
    failures = []
    for name, probe in (("rules", _rules), ("data", _data), ("onnxruntime", _onnxruntime),
                        ("rembg", lambda: _rembg(model)), ("workers", _workers), ("desk", _desk),
                        ("deflate", _deflate), ("libvips", _libvips)):
        started = time.perf_counter()
        try:
            report[name] = probe()
        except Exception as exc:  # noqa: BLE001 - the report must name every broken piece, not stop at one
            report[name] = {"error": f"{type(exc).__name__}: {exc}"}
            failures.append(name)
        seconds[name] = round(time.perf_counter() - started, 2)
    report.update(seconds=seconds, ok=not failures)
    print(json.dumps(report, indent=2))
    return 1 if failures else 0


def _rules() -> list[str]:
    from podwatch.bundled import rules_dir
    from podwatch.config.rulebook import load_rules

    return sorted(load_rules(rules_dir()))


def _desk() -> dict:
    """The review desk served by uvicorn on loopback: its page (templates) and its script (static files)."""
    import tempfile
    import urllib.request

    from podwatch.config.root import init_root
    from podwatch.desk.serve import DeskServer, bind, open_desk

    with tempfile.TemporaryDirectory() as tmp:
        init_root(Path(tmp) / "pod")
        server = DeskServer(open_desk(Path(tmp) / "pod"), bind(0, lan=False)).start()
        try:
            server.wait_started()
            sizes = {path: len(urllib.request.urlopen(f"http://127.0.0.1:{server.port}{path}", timeout=10).read())
                     for path in ("/", "/static/desk.js")}
        finally:
            server.stop()
    return sizes


def _deflate() -> dict:
    """A print file written on two threads, photo bands by ISA-L, flat bands by zlib-ng, read back by Pillow."""
    import io

    import numpy as np
    from PIL import Image

    from podwatch.prepress import png

    rng = np.random.default_rng(0)
    pixels = np.zeros((512, 600, 3), np.uint8)
    pixels[:256] = rng.integers(0, 256, (256, 600, 3), dtype=np.uint8)  # noise: a photo's worth of entropy
    image = Image.fromarray(pixels)
    out = io.BytesIO()
    png.write_png(image, out, dpi=300, icc_profile=b"", level=4, threads=2)
    out.seek(0)
    with Image.open(out) as back:
        same = back.tobytes() == image.tobytes()
    engines = [png._engine_for(np.asarray(image)[top:top + png.BAND_ROWS], 4).__name__ for top in (0, 384)]
    return {"isal": png.fast is not None, "engines": engines, "same_pixels": same}


def _libvips() -> dict:
    """A PNG decoded by the bundled libvips into a tiled file and read back, as a huge upload is; a HEIC
    and a WebP likewise, decoded in a process of their own (spawned from the binary)."""
    import tempfile

    import pillow_heif
    import pyvips
    from PIL import Image

    from podwatch.prepress.streamed import StreamedPicture, decode_to_disk, read_whole

    image = Image.effect_noise((600, 400), 64).convert("RGB")
    same = {}
    with tempfile.TemporaryDirectory() as tmp:
        paths = {kind: Path(tmp) / f"upload.{kind}" for kind in ("png", "heic", "webp")}
        image.save(paths["png"])
        pillow_heif.from_pillow(image).save(paths["heic"], quality=90)
        image.save(paths["webp"], lossless=True)
        expected = {"png": image.tobytes(), "heic": pillow_heif.open_heif(paths["heic"]).to_pillow().tobytes(),
                    "webp": image.tobytes()}
        for kind, path in paths.items():
            apart = {"heic": ("HEIF", path), "webp": ("WEBP", path)}.get(kind)
            with open(path, "rb") as handle:
                pixels = decode_to_disk(handle, Path(tmp) / "work", orientation=1, apart=apart)
            same[kind] = pixels is not None and read_whole(
                StreamedPicture(pixels, "RGB", lambda piece: piece)).tobytes() == expected[kind]
            del pixels  # closes the tiled file, which Windows would not let go of
    return {"version": ".".join(str(pyvips.version(part)) for part in range(3)),
            "same_pixels": same["png"], "heic_same_pixels": same["heic"], "webp_same_pixels": same["webp"]}


def _data() -> list[str]:
    data = Path(__file__).resolve().parent / "data"
    if not data.is_dir():
        return []
    return sorted(p.relative_to(data).as_posix() for p in data.rglob("*") if p.is_file())


def _onnxruntime() -> dict:
    import onnxruntime

    return {"version": onnxruntime.__version__, "providers": onnxruntime.get_available_providers()}


def _rembg(model: Path | None) -> dict:
    import rembg

    result: dict[str, object] = {"version": rembg.__version__}
    if model is None:
        return result
    from PIL import Image, ImageDraw

    session = rembg.new_session("u2net_custom", model_path=str(model), providers=["CPUExecutionProvider"])
    picture = Image.new("RGB", (400, 300), "black")
    ImageDraw.Draw(picture).ellipse((120, 70, 280, 230), fill="white")
    cut = rembg.remove(picture, session=session)
    # Alpha matting runs pymatting's parallel numba kernels: the threading layer must load too.
    matted = rembg.remove(picture.resize((200, 150)), session=session, alpha_matting=True)
    result.update(mode=cut.mode, size=list(cut.size),
                  alpha_centre=cut.getpixel((200, 150))[3], alpha_corner=cut.getpixel((5, 5))[3],
                  matted_alpha_centre=matted.getpixel((100, 75))[3], matted_alpha_corner=matted.getpixel((2, 2))[3])
    return result


def _workers() -> dict:
    """Two tasks in spawned worker processes: what a frozen app gets wrong without freeze_support()."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        answers = list(pool.map(_square_in_worker, [3, 4]))
    pids = sorted({p for _, p in answers})
    return {"answers": [a for a, _ in answers], "parent_pid": os.getpid(), "worker_pids": pids}


def _square_in_worker(n: int) -> tuple[int, int]:
    return n * n, os.getpid()

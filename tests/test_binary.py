"""The one-file binary: the sample orders, the commands and rembg, told to dist/podwatch instead of Python.

Slow (it may build the binary, about 2-4 minutes here): deselected by `make test`,
run by `make test-binary`. It uses an existing dist/podwatch newer than everything
the binary is made from, and builds it with PyInstaller otherwise.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from podwatch.frozen import BUNDLE_CHECK, command_prefix

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
BINARY = REPO / "dist" / "podwatch"
SAMPLES = REPO / "sample_inbox"
# What the binary is made from; a change to any of them means building again.
SOURCES = ("podwatch", "rules", "scripts/pyinstaller_entry.py", "podwatch.spec", "pyproject.toml")
PYTHON = command_prefix()  # not frozen here: the pip-installed tool, `python -m podwatch`
PYTHON_SCRIPT = Path(sys.executable).with_name("podwatch")  # what that tool tells a seller to type
# Seconds a command may take (the longest here: the sample orders, about 40 s; the first bundle check,
# 40 s) and the build (about 70 s): past them it has hung, and the test fails instead of holding up CI.
TIMEOUT = 240
BUILD_TIMEOUT = 900


def newest_source() -> float:
    paths = []
    for name in SOURCES:
        path = REPO / name
        paths += [p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts] if path.is_dir() else [path]
    return max(p.stat().st_mtime for p in paths)


@pytest.fixture(scope="module")
def binary() -> Path:
    if BINARY.is_file() and BINARY.stat().st_mtime > newest_source():
        return BINARY
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        pytest.fail("PyInstaller is missing: `make test-binary` installs it, or pip install -e '.[binary]'")
    build = finish(start([sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "podwatch.spec"], cwd=REPO),
                   BUILD_TIMEOUT)
    assert build.returncode == 0, build.stderr[-3000:]
    assert BINARY.is_file()
    return BINARY


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    """Keep rembg's model folder and numba's compiled code inside the test's temporary folder."""
    home = tmp_path_factory.mktemp("home")
    seller = {k: v for k, v in os.environ.items() if k != "PODWATCH_ROOT"}
    return {**seller, "U2NET_HOME": str(home / "models"), "NUMBA_CACHE_DIR": str(home / "numba")}


def command(prefix: list[str] | Path, *args) -> list[str]:
    """`prefix` is the binary's path or the pip-installed tool's command."""
    return [*([str(prefix)] if isinstance(prefix, Path) else prefix), *map(str, args)]


def start(arguments: list[str], **options) -> subprocess.Popen:
    """`arguments` started in a session of their own, so that every process they start can be stopped."""
    return subprocess.Popen(arguments, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, **options)


def finish(process: subprocess.Popen, timeout: float = TIMEOUT) -> subprocess.CompletedProcess:
    """What `process` printed once it and everything it started have ended. After `timeout` seconds
    they are all stopped and the test fails, saying so: a hang, or a helper process left running
    with the output pipes open, must not hold up the run until CI's own limit."""
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate(timeout=30)
        pytest.fail(f"`{shlex.join(map(str, process.args))}` had not finished after {timeout:.0f} s; "
                    f"it printed:\n{out[-3000:]}\n{err[-3000:]}")
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def podwatch(prefix: list[str] | Path, *args, env: dict, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return finish(start(command(prefix, *args), env=env, cwd=cwd or REPO))


def contents(path: Path) -> tuple:
    """What a file says, as digests: a difference is then named in a line, where pytest's own diff
    of two print files' bytes ran for over an hour (stop 24's CI). A PNG print file by its pixels,
    size, mode, DPI and profile (a fixed-date sRGB one): its compressed bytes may differ, as ISA-L
    once deflated one band of 71 a byte longer in one of the two runs, the pixels the same."""
    if path.suffix == ".png":
        with Image.open(path) as image:
            return (image.mode, image.size, image.info.get("dpi"), digest(image.info.get("icc_profile", b"")),
                    digest(image.tobytes()))
    return (digest(path.read_bytes()),)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def map_sample_shops(root: Path) -> None:
    """The demo's shop mapping (scripts/demo.py), so the sample shop files become orders."""
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        from demo import map_sample_shops as demo_mapping
    finally:
        sys.path.remove(str(REPO / "scripts"))
    demo_mapping(root)


def drop_samples(inbox: Path) -> None:
    for entry in sorted(SAMPLES.iterdir()):
        if entry.is_dir():
            shutil.copytree(entry, inbox / entry.name)
        else:
            shutil.copy2(entry, inbox / entry.name)


def tree(root: Path) -> list[str]:
    """Every file the seller can see, by relative path (the ledger and logs are podwatch's own)."""
    hidden = (".podwatch/logs/", ".podwatch/ledger")
    names = (p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    return sorted(n for n in names if not n.startswith(hidden))


@pytest.fixture(scope="module")
def sample_runs(binary, env, tmp_path_factory) -> dict:
    """The sample inbox run once by the binary and once by Python, each in its own fresh root."""
    prefixes = {"binary": binary, "python": PYTHON}
    roots = {who: tmp_path_factory.mktemp(who) / "POD" for who in prefixes}
    for who, root in roots.items():
        assert podwatch(prefixes[who], "init", root, env=env).returncode == 0
        map_sample_shops(root)  # the sample Etsy CSV and Shopify order name their products
        drop_samples(root / "inbox")
    # Both runs at once: they share nothing, and the test is slow enough.
    running = {who: start(command(prefixes[who], "run", "--root", roots[who], "--once"), env=env, cwd=REPO)
               for who in prefixes}
    runs = {}
    for who, process in running.items():
        done = finish(process)
        runs[who] = {"code": done.returncode, "out": done.stdout, "err": done.stderr, "root": roots[who],
                     "prefix": prefixes[who]}
    return runs


def test_the_binary_routes_the_sample_orders_exactly_as_python_does(sample_runs):
    frozen, python = sample_runs["binary"], sample_runs["python"]
    assert python["code"] == 1, python["err"]
    assert frozen["code"] == 1, "order 1003 is too small for a poster: exit 1, some orders failed\n" + frozen["err"]
    assert "11 to review, 0 to production, 1 failed" in frozen["out"]
    assert frozen["out"].replace(str(frozen["root"]), "ROOT") == python["out"].replace(str(python["root"]), "ROOT")

    files = tree(frozen["root"])
    assert files == tree(python["root"])
    assert [f for f in files if f.startswith("failed/")] == [
        "failed/1003/1003.jpg", "failed/1003/1003.jpg.error.txt", "failed/1003/1003.json",
        "failed/1003/1003_poster_18x24-matte_1_proof.jpg",
    ]
    proofs = [f for f in files if f.startswith("review/")]
    assert len(proofs) == 11 and "review/1006_phonecase_iPhone-15_2_proof.jpg" in proofs
    assert "review/3141592653-2_tshirt_Black-M_1_proof.jpg" in proofs  # from the Etsy CSV, its photo sent apart
    assert not [f for f in files if f.startswith("inbox/")], "every sample was taken"
    # The lease (pid, times) and the order records (times, claim ids) differ by nature: the status
    # test below compares what they say. Every other file must say the same.
    clocked = (".podwatch/lease.json", ".podwatch/records/")
    for name in (f for f in files if not f.startswith(clocked)):
        assert contents(frozen["root"] / name) == contents(python["root"] / name), name
    assert any(f.startswith(".podwatch/records/") for f in files) and ".podwatch/lease.json" in files


def test_status_reports_the_same_ledger(sample_runs, env):
    def items(who: str) -> list[dict]:
        run = sample_runs[who]
        done = podwatch(run["prefix"], "status", "--json", "--root", run["root"], env=env)
        assert done.returncode == 0, done.stderr
        rows = json.loads(done.stdout)["items"]
        # Times, and the claim id (a timestamp and random token per take), differ by nature.
        clock = ("id", "created_at", "updated_at", "decided_at", "claim")
        return sorted(({k: v for k, v in row.items() if k not in clock} for row in rows),
                      key=lambda row: (row["order_id"], row["item"]))

    frozen = items("binary")
    assert frozen == items("python")
    assert [row["order_id"] for row in frozen if row["state"] == "failed"] == ["1003"]
    table = podwatch(sample_runs["binary"]["prefix"], "status", "1003", "--root", sample_runs["binary"]["root"], env=env)
    assert table.returncode == 0 and "1003" in table.stdout and "failed" in table.stdout


def test_an_approved_proof_goes_to_production_through_the_binary(sample_runs, env):
    root = sample_runs["binary"]["root"]
    proof = root / "review" / "1002_mug_white_1_proof.jpg"
    proof.rename(root / "approved" / proof.name)
    done = podwatch(sample_runs["binary"]["prefix"], "run", "--root", root, "--once", env=env)
    assert done.returncode == 0, done.stderr
    assert (root / "production" / "1002_mug_white_1_print.png").is_file()
    manifest = (root / "production" / "manifest.csv").read_text(encoding="utf-8")
    assert "1002_mug_white_1_print.png" in manifest


def test_the_other_commands_answer_as_python_does(binary, env, tmp_path):
    def both(*args: str, cwd: Path = tmp_path) -> tuple[subprocess.CompletedProcess, subprocess.CompletedProcess]:
        return podwatch(binary, *args, env=env, cwd=cwd), podwatch(PYTHON, *args, env=env, cwd=cwd)

    # Each start of the binary costs seconds (it unpacks itself): a few that cover the parser and its errors.
    for args, code in ((["--help"], 0), (["--version"], 0), (["run", "--bogus"], 2), (["run", "--root", tmp_path, "--once"], 2)):
        frozen, python = both(*args)
        assert frozen.returncode == code, args
        # Each tells the seller to type its own command ("Run `…/dist/podwatch init …`"); the rest is the same.
        told = frozen.stderr.replace(str(binary), "PODWATCH"), python.stderr.replace(str(PYTHON_SCRIPT), "PODWATCH")
        assert (frozen.returncode, frozen.stdout, told[0]) == (python.returncode, python.stdout, told[1]), args
    assert f"Run `{binary} init" in frozen.stderr

    frozen, python = both("rules", "check")
    assert frozen.returncode == python.returncode == 0
    assert frozen.stdout.splitlines()[:-1] == python.stdout.splitlines()[:-1]
    bundled = len(list((REPO / "rules").glob("*.toml")))
    assert frozen.stdout.splitlines()[-1] == f"{bundled} rule file(s) built into this podwatch are valid."

    root = tmp_path / "POD"
    frozen = podwatch(binary, "init", root, env=env)
    assert frozen.returncode == 0 and (root / "rules" / "tshirt.toml").is_file() and (root / "inbox").is_dir()
    assert "nothing changed" in podwatch(binary, "init", root, env=env).stdout
    mug = root / "rules" / "mug.toml"
    mug.write_text(mug.read_text(encoding="utf-8").replace("dpi = 300", "dpi = -3"), encoding="utf-8")
    frozen, python = both("rules", "check", "--root", root)
    assert frozen.returncode == python.returncode == 2
    assert "rules/mug.toml: print_area.dpi: must be a positive integer" in frozen.stderr
    assert frozen.stderr == python.stderr

    photo = SAMPLES / "1003.jpg"
    frozen, python = both("check", photo, "--product", "poster", "--order", SAMPLES / "1003.json")
    assert frozen.returncode == python.returncode == 1
    before_proof = re.compile(r"\nProof: .*", re.S)
    assert before_proof.sub("", frozen.stdout) == before_proof.sub("", python.stdout)
    assert "33 DPI" in frozen.stdout
    assert Path(re.search(r"Proof: (.+)", frozen.stdout).group(1)).is_file()


@pytest.fixture(scope="module")
def cli_commands(binary, env) -> set[str]:
    """The commands the binary's `--help` lists (indented names under "positional arguments")."""
    return set(re.findall(r"^    (\w+)\s", podwatch(binary, "--help", env=env).stdout, flags=re.M))


def test_the_binary_offers_the_commands_every_install_has(cli_commands):
    assert {"init", "run", "check", "status", "rules", "models", "service"} <= cli_commands


def test_models_answers_as_python_does(binary, env):
    frozen, python = podwatch(binary, "models", env=env), podwatch(PYTHON, "models", env=env)
    assert (frozen.returncode, frozen.stdout) == (python.returncode, python.stdout)


def test_service_files_start_the_binary(binary, env, tmp_path):
    root = tmp_path / "POD"
    assert podwatch(binary, "init", root, env=env).returncode == 0
    done = podwatch(binary, "service", "install", "--root", root, "--dry-run", env=env)
    assert done.returncode == 0, done.stderr
    assert str(binary) in done.stdout, "the service must start this binary"
    assert "-m podwatch" not in done.stdout


def tiny_model(folder: Path) -> Path:
    """A stand-in for u2net: mask = sigmoid(mean of the normalised channels), so bright = kept."""
    from onnx import TensorProto, checker, helper, save

    graph = helper.make_graph(
        [helper.make_node("ReduceMean", ["input", "axes"], ["mean"], keepdims=1),
         helper.make_node("Sigmoid", ["mean"], ["mask"])],
        "tiny_u2net",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 320, 320])],
        [helper.make_tensor_value_info("mask", TensorProto.FLOAT, [1, 1, 320, 320])],
        initializer=[helper.make_tensor("axes", TensorProto.INT64, [1], [1])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 9
    checker.check_model(model)
    folder.mkdir(parents=True, exist_ok=True)
    save(model, folder / "tiny.onnx")
    return folder / "tiny.onnx"


def test_rembg_onnxruntime_and_worker_processes_work_inside_the_binary(binary, env, tmp_path):
    model = tiny_model(Path(env["U2NET_HOME"]))
    cache = Path(env["NUMBA_CACHE_DIR"])
    first, second = tmp_path / "one", tmp_path / "two"
    first.mkdir(), second.mkdir()

    done = podwatch(binary, BUNDLE_CHECK, "--model", model, env=env, cwd=first)
    assert done.stdout.startswith("{"), f"no report (exit {done.returncode}); where it stopped:\n{done.stderr[-6000:]}"
    report = json.loads(done.stdout)
    assert done.returncode == 0 and report["ok"], json.dumps(report, indent=2) + done.stderr[-2000:]
    assert report["frozen"] is True
    assert report["rules"] == sorted(p.stem for p in (REPO / "rules").glob("*.toml"))
    data = REPO / "podwatch" / "data"
    assert report["data"] == (sorted(p.relative_to(data).as_posix() for p in data.rglob("*") if p.is_file())
                              if data.is_dir() else []), "every bundled font and term list is inside"
    assert "CPUExecutionProvider" in report["onnxruntime"]["providers"]
    cut = report["rembg"]
    assert (cut["mode"], cut["size"]) == ("RGBA", [400, 300])
    assert cut["alpha_centre"] > 200 and cut["alpha_corner"] < 50, "the white disc is kept, the black ground is not"
    assert cut["matted_alpha_centre"] > 200 and cut["matted_alpha_corner"] < 50
    assert report["deflate"] == {"isal": True, "engines": ["isal.isal_zlib", "zlib_ng.zlib_ng"], "same_pixels": True}, \
        "print files are deflated by ISA-L inside the binary too"
    assert report["libvips"]["same_pixels"] is True, "huge uploads are read in pieces by the bundled libvips"
    assert report["libvips"]["heic_same_pixels"] is True, "a huge HEIC is decoded in a process the binary spawns"
    assert report["libvips"]["webp_same_pixels"] is True, "and a WebP"
    workers = report["workers"]
    assert workers["answers"] == [9, 16] and workers["parent_pid"] not in workers["worker_pids"]

    # numba compiled pymatting on the first run; from another folder the binary must reuse it.
    compiled = {p: p.stat().st_mtime_ns for p in cache.rglob("*.nbi")}
    assert compiled and {p.parent.name for p in compiled} <= {
        f"podwatch-bundle_pymatting_{part}" for part in ("alpha", "foreground", "laplacian", "preconditioner", "util")}
    again = podwatch(binary, BUNDLE_CHECK, env=env, cwd=second)
    assert again.returncode == 0, again.stdout + again.stderr[-2000:]
    assert {p: p.stat().st_mtime_ns for p in cache.rglob("*.nbi")} == compiled, "nothing was compiled again"

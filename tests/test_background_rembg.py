"""rembg for photos, run for real and offline: rembg's own session loading and inference on a tiny
ONNX model made here, the missing-model advice, one model load per run, and `podwatch models`.

The model is a stand-in (bright means subject): these tests prove the plumbing, never a real model's
quality. Importing rembg compiles numba code once (~40 s, cached after), so rembg lives in this module only.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from pathlib import Path

import pytest
from conftest import files_in, make_order, run
from PIL import Image, ImageDraw

from podwatch.background import models, rembg_engine
from podwatch.cli.main import main


def save_stand_in_model(path: Path) -> Path:
    """A u2net-shaped network: [1,3,320,320] in, mean over colours then sigmoid, [1,1,320,320] out."""
    import onnx
    from onnx import TensorProto, helper

    # From opset 18 on, ReduceMean takes the axes to average over as an input.
    graph = helper.make_graph(
        [
            helper.make_node("ReduceMean", ["input.1", "axes"], ["mean"], keepdims=1),
            helper.make_node("Sigmoid", ["mean"], ["mask"]),
        ],
        "stand_in",
        [helper.make_tensor_value_info("input.1", TensorProto.FLOAT, [1, 3, 320, 320])],
        [helper.make_tensor_value_info("mask", TensorProto.FLOAT, [1, 1, 320, 320])],
        [helper.make_tensor("axes", TensorProto.INT64, [1], [1])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))
    return path


@pytest.fixture
def model_home(tmp_path, monkeypatch) -> Path:
    """rembg's model folder for this test, holding the stand-in model; the session cache starts empty."""
    home = tmp_path / "models-home"
    monkeypatch.setenv("U2NET_HOME", str(home))
    monkeypatch.setenv("REMBG_HOME", str(home))
    monkeypatch.setattr(rembg_engine, "_SESSIONS", {})
    save_stand_in_model(home / "stand-in.onnx")
    return home


@pytest.fixture
def loads(monkeypatch) -> list[str]:
    """Every model rembg loads during the test, by session name (a spy around rembg.new_session)."""
    import rembg

    seen: list[str] = []
    real = rembg.new_session

    def spy(name, *args, **kwargs):
        seen.append(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(rembg, "new_session", spy)
    return seen


def photo(size=(480, 600), seed: int = 0) -> Image.Image:
    """A bright subject in a dim, striped room: the border is not one colour, so `auto` picks rembg."""
    w, h = size
    image = Image.new("RGB", size, (15, 18, 15))
    draw = ImageDraw.Draw(image)
    for x in range(0, w, 80):
        draw.rectangle((x, 0, x + 39, h), fill=(45, 50, 45))
    draw.ellipse((w * 0.25, h * 0.25, w * 0.75, h * 0.75), fill=(250, 235 - seed, 210))
    return image


def photo_rule(root, **background) -> None:
    settings = {"mode": "auto", **background}
    lines = "\n".join(f"{key} = {json.dumps(value)}" for key, value in settings.items())
    (root.rules / "pettee.toml").write_text(
        '[product]\nname = "Pet tee"\ncolors = ["black"]\nsilhouette = "tshirt"\n'
        "[print_area]\nwidth_in = 1.6\nheight_in = 2\ndpi = 300\n"
        f"[background]\n{lines}\n", encoding="utf-8")


def test_a_photo_is_cut_out_by_rembg_end_to_end(root, model_home, loads):
    photo_rule(root, model=str(model_home / "stand-in.onnx"), trim=False)
    make_order(root, product="pettee", image=photo(), ext="jpg", variant="black / M")

    assert run(root) == 0

    assert loads == ["u2net_custom"]
    (proof,) = files_in(root.review)
    printed = Image.open(root.pending / "1234_pettee_black-M_1_print.png")
    assert printed.size == (480, 600) and printed.mode == "RGBA"
    assert printed.getpixel((240, 300))[3] > 230, "the subject stays"
    # The stand-in's mask is soft (it only knows bright from dark), so "gone" means nearly clear here.
    assert max(printed.getpixel(xy)[3] for xy in ((5, 5), (45, 5), (470, 590), (45, 590))) < 40, "the room is gone"
    from podwatch.outputs.ledger import Ledger

    with Ledger(root.ledger) as ledger:
        (item,) = ledger.items("1234")
    assert item.state.value == "review"


def test_one_model_load_serves_every_order_of_a_run(root, model_home):
    photo_rule(root, model="stand-in.onnx", post_process_mask=True)  # a bare name: in rembg's folder
    for n in range(4):
        make_order(root, order_id=f"20{n}", product="pettee", image=photo(seed=n), ext="jpg")

    assert run(root, "--workers", "1") == 0  # the four orders go to one worker process

    assert len(files_in(root.review)) == 4
    log = (root.logs / "podwatch.log").read_text()
    assert log.count("background model u2net_custom loaded (stand-in.onnx)") == 1, (
        "the model is loaded once, on the first order that needs it")
    assert rembg_engine.loaded() == [], "the worker loaded it, not this process"


def test_a_model_session_is_kept_for_the_next_order_in_the_same_process(root, model_home, loads):
    photo_rule(root, model="stand-in.onnx")
    for n in range(2):
        make_order(root, order_id=f"21{n}", product="pettee", image=photo(seed=n), ext="jpg")
        assert run(root) == 0  # a lone upload is worked on in this process

    assert loads == ["u2net_custom"]
    assert len(rembg_engine.loaded()) == 1


def test_a_missing_model_fails_the_order_with_what_to_download_and_where(root, model_home, loads):
    photo_rule(root, model="isnet-general-use")
    upload, sidecar = make_order(root, product="pettee", image=photo(), ext="jpg")

    assert run(root) == 1

    assert loads == [], "rembg is never asked: it would try to download"
    failed = root.failed / "1234"
    assert (failed / upload.name).is_file() and (failed / sidecar.name).is_file()
    (note,) = files_in(failed, "*.error.txt")
    text = note.read_text(encoding="utf-8")
    expected = model_home / "models" / "isnet-general-use" / "isnet-general-use.onnx"
    assert "isnet-general-use.onnx" in text and str(expected) in text and str(expected.parent) in text
    assert "https://github.com/danielgatis/rembg/releases/download/v0.0.0/isnet-general-use.onnx" in text
    assert "Traceback" not in text and "Error" not in text.replace(".error.txt", "")


def test_a_custom_model_outside_rembgs_folder_is_explained(root, model_home, tmp_path, loads):
    elsewhere = save_stand_in_model(tmp_path / "downloads" / "mine.onnx")
    photo_rule(root, model=str(elsewhere))
    make_order(root, product="pettee", image=photo(), ext="jpg")

    assert run(root) == 1

    assert loads == []
    (note,) = files_in(root.failed, "*.error.txt")
    text = note.read_text(encoding="utf-8")
    assert str(elsewhere) in text and f"inside its model folder {model_home}" in text


def test_a_damaged_model_file_is_reported_not_crashed_on(root, model_home):
    (model_home / "broken.onnx").write_bytes(b"half a download")
    photo_rule(root, model=str(model_home / "broken.onnx"))
    make_order(root, product="pettee", image=photo(), ext="jpg")

    assert run(root) == 1

    (note,) = files_in(root.failed, "*.error.txt")
    text = note.read_text(encoding="utf-8")
    assert "broken.onnx could not be loaded" in text and "download it again" in text


def test_podwatch_models_lists_each_model_where_it_belongs_and_its_checksum(root, model_home, capsys):
    custom = model_home / "stand-in.onnx"
    photo_rule(root, model=str(custom))
    (root.rules / "sticker.toml").write_text(
        (root.rules / "sticker.toml").read_text().replace('engine = "solid"', 'engine = "rembg"\nmodel = "u2netp"'))

    assert main(["models", "--root", str(root.path)]) == 1  # u2netp is needed and missing

    out = capsys.readouterr().out
    data = custom.read_bytes()
    assert f"{custom}\n  present  yes" in out
    assert hashlib.md5(data).hexdigest() in out and hashlib.sha256(data).hexdigest() in out
    u2netp = model_home / "models" / "u2netp" / "u2netp.onnx"
    assert "u2netp  (used by: sticker)" in out and f"file     {u2netp}\n  present  no" in out
    assert models.RELEASES + "u2netp.onnx" in out
    assert "u2net  (the default; no rule uses it now)" in out

    # Once the file is in place, it is found where rembg loads it, and the run can go ahead.
    u2netp.parent.mkdir(parents=True)
    u2netp.write_bytes(data)
    assert main(["models", "--root", str(root.path)]) == 0
    assert "differs from rembg's release" in capsys.readouterr().out


def test_the_model_table_matches_rembgs_own_sessions(model_home):
    """podwatch finds model files without importing rembg; this keeps it honest when rembg changes."""
    from rembg.sessions import sessions

    for known in models.KNOWN.values():
        session = sessions[known.name]
        source = inspect.getsource(session.download_models)
        assert known.file in source and known.md5 in source, known.name
        expected = Path(session.model_dir()) / known.file
        assert models.locate(known.name).path == expected
    for refused in models.REFUSED:
        assert refused in sessions, f"{refused} is no longer a rembg model; drop it from REFUSED"

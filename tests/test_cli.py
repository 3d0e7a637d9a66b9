"""The command line: init, rules check, check, status, help, and the README that documents them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import artwork, files_in, make_order, run
from PIL import Image

from podwatch.cli.main import build_parser, main
from podwatch.config.root import Root

README = Path(__file__).resolve().parent.parent / "README.md"


def test_init_is_idempotent_and_keeps_the_sellers_edits(tmp_path, capsys):
    target = tmp_path / "POD"
    assert main(["init", str(target)]) == 0
    root = Root(target)
    for name in ("inbox", "review", "approved", "rejected", "production", "failed", "archive", "rules", ".podwatch"):
        assert (target / name).is_dir()
    assert "max_megapixels" in root.settings_file.read_text()
    assert sorted(p.stem for p in root.rules.glob("*.toml")) == [
        "canvas", "mug", "namemug", "nametee", "phonecase", "poster", "sticker", "tote", "tshirt", "tshirt-chest",
    ]
    edited = root.rules / "mug.toml"
    edited.write_text(edited.read_text() + "\n# my note\n")
    root.settings_file.write_text(root.settings_file.read_text() + "\n# mine\n")
    capsys.readouterr()

    assert main(["init", str(target)]) == 0
    assert edited.read_text().endswith("# my note\n")
    assert root.settings_file.read_text().endswith("# mine\n")
    assert "nothing changed" in capsys.readouterr().out


def test_a_broken_rule_stops_start_up_with_file_key_and_problem(root, capsys):
    mug = root.rules / "mug.toml"
    mug.write_text(mug.read_text().replace("dpi = 300", "dpi = -3").replace("[fit]", "[fit]\nstretch = true"))
    assert main(["rules", "check", "--root", str(root.path)]) == 2
    err = capsys.readouterr().err
    assert "rules/mug.toml: print_area.dpi: must be a positive integer" in err
    assert "rules/mug.toml: fit.stretch: is not a known setting" in err

    make_order(root, image=artwork((100, 100)))
    assert run(root) == 2
    assert "rules/mug.toml: print_area.dpi" in capsys.readouterr().err
    assert (root.inbox / "1234.png").exists(), "nothing is taken while the rules are broken"


def test_rules_check_passes_on_the_bundled_rules(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["rules", "check"]) == 0
    assert "10 rule file(s)" in capsys.readouterr().out


def test_a_broken_podwatch_toml_is_refused(root, capsys):
    root.settings_file.write_text("[images]\nmax_megapixel = 5\n")
    assert run(root) == 2
    assert "podwatch.toml: images.max_megapixel: is not a known setting" in capsys.readouterr().err


def test_run_outside_a_podwatch_folder_says_what_to_do(tmp_path, capsys):
    assert main(["run", "--root", str(tmp_path), "--once"]) == 2
    assert "podwatch init" in capsys.readouterr().err


def test_check_moves_nothing_and_prints_findings(root, capsys, tmp_path):
    photo = tmp_path / "dog.jpg"
    artwork((300, 400)).save(photo, quality=90)  # 17 DPI on a poster: cannot be made
    before = photo.read_bytes()
    assert main(["check", str(photo), "--product", "poster", "--root", str(root.path)]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "dog.jpg" in out and "DPI" in out
    proof = Path(re.search(r"Proof: (.+)", out).group(1))
    assert proof.is_file()
    assert photo.read_bytes() == before
    assert files_in(root.path / "review") == [] and files_in(root.archive) == []

    artwork((1200, 1500)).save(photo, quality=90)  # 67 DPI: soft, the seller's call
    assert main(["check", str(photo), "--product", "poster", "--root", str(root.path)]) == 0
    assert "HOLD  dog.jpg (1200 x 1500 px)" in capsys.readouterr().out


def test_status_table_and_json(root, capsys):
    make_order(root, image=artwork((4500, 5400)), variant="black / L", personalization={"name": "Luna"})
    run(root)
    capsys.readouterr()
    assert main(["status", "--root", str(root.path)]) == 0
    table = capsys.readouterr().out
    assert "1234" in table and "review" in table and "1234_tshirt_black-L_1_proof.jpg" in table

    assert main(["status", "1234", "--json", "--root", str(root.path)]) == 0
    data = json.loads(capsys.readouterr().out)
    (item,) = data["items"]
    assert item["state"] == "review" and item["variant"] == "black / L"
    assert data["events"][0]["kind"] == "review"


def test_help_imports_nothing_heavy():
    code = (
        "import sys, podwatch.cli.main as c; c.build_parser().format_help(); "
        "heavy = {'rembg', 'onnxruntime', 'numba', 'pymatting', 'numpy', 'PIL', 'pydantic', 'loguru', 'fontTools'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def _commands(parser) -> list[str]:
    names = []
    for action in parser._subparsers._group_actions:
        for name, sub in action.choices.items():
            if sub._subparsers is not None:
                names += [f"{name} {inner}" for inner in _commands(sub)]
            else:
                names.append(name)
    return names


@pytest.mark.parametrize("command", _commands(build_parser()))
def test_every_command_is_documented_in_the_readme(command):
    assert f"podwatch {command}" in README.read_text(encoding="utf-8")


def test_readme_starts_with_make_demo_and_make_test():
    commands = re.findall(r"^\s*(make \w+)\s*$", README.read_text(encoding="utf-8"), flags=re.M)
    assert commands[:2] == ["make demo", "make test"]


def test_check_finds_what_a_run_finds(root, capsys, tmp_path):
    # Preflight runs the same steps as a run (short of writing the print file), so it
    # reports the same findings, here for a logo cut from a big white page and trimmed.
    from PIL import ImageDraw

    from podwatch.outputs.ledger import Ledger

    logo = Image.new("RGB", (3000, 3000), "white")
    ImageDraw.Draw(logo).ellipse((1050, 1050, 1950, 1950), fill=(200, 30, 30))
    upload, _ = make_order(root, product="sticker", image=logo, name="logo", ext="jpg", save={"quality": 92})
    copy = tmp_path / upload.name
    copy.write_bytes(upload.read_bytes())
    capsys.readouterr()
    main(["check", str(copy), "--product", "sticker", "--root", str(root.path)])
    printed = capsys.readouterr().out
    run(root)
    with Ledger(root.ledger) as ledger:
        (row,) = ledger.items("1234")
    assert row.state.value == "review", row.findings
    for finding in row.findings:
        assert finding["message"] in printed
    assert "FAIL" not in printed


def test_root_defaults_to_podwatch_root_then_the_current_folder(root, tmp_path, monkeypatch, capsys):
    make_order(root, image=artwork((4500, 5400)))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("PODWATCH_ROOT", str(root.path))
    assert main(["run", "--once"]) == 0
    assert [p.name for p in files_in(root.review)] == ["1234_tshirt_white_1_proof.jpg"]

    monkeypatch.delenv("PODWATCH_ROOT")
    monkeypatch.chdir(root.path)
    capsys.readouterr()
    assert main(["status", "--json"]) == 0
    assert [item["order_id"] for item in json.loads(capsys.readouterr().out)["items"]] == ["1234"]


def test_rules_check_reads_podwatch_toml_too_and_says_the_usual_cause(root, capsys):
    root.settings_file.write_text(root.settings_file.read_text().replace(
        "# hook = 'rclone", 'hook = "rclone copy "$PODWATCH_FILE" partner:in/"\n# was: hook = \'rclone'))
    assert main(["rules", "check", "--root", str(root.path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("podwatch: podwatch.toml: not valid TOML (")
    assert "text values need quotes" in err and "single quotes around the text" in err


def test_check_says_whose_rules_it_uses(root, capsys, tmp_path, monkeypatch):
    photo = tmp_path / "dog.jpg"
    artwork((1200, 1500)).save(photo, quality=90)
    main(["check", str(photo), "--product", "mug", "--root", str(root.path)])
    assert capsys.readouterr().out.startswith(f"Using the rules in {root.rules}\n")

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PODWATCH_ROOT", raising=False)
    main(["check", str(photo), "--product", "mug"])
    said = capsys.readouterr().out
    assert "is not a podwatch folder: using podwatch's bundled rules, not your own edits" in said
    assert "--root" in said


def test_init_tells_a_seller_the_command_that_works_here(tmp_path):
    venv_script = Path(sys.executable).with_name("podwatch")
    env = {**os.environ, "PATH": "/usr/bin:/bin"}  # the venv is not on PATH, as after `make demo`
    done = subprocess.run([str(venv_script), "init", str(tmp_path / "POD")], capture_output=True, text=True,
                          env=env, cwd=tmp_path)
    assert done.returncode == 0
    assert f"then run: {venv_script} run --root {tmp_path / 'POD'} --once" in done.stdout
    assert "then run: podwatch run" not in done.stdout

    env["PATH"] = f"{venv_script.parent}:/usr/bin:/bin"  # installed onto PATH: the bare name works
    done = subprocess.run([str(venv_script), "status", "--root", str(tmp_path / "none")], capture_output=True,
                          text=True, env=env, cwd=tmp_path)
    assert done.returncode == 2 and f"Run `podwatch init {tmp_path / 'none'}` first" in done.stderr

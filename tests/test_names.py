"""Output names: one template, every value safe, never an overwrite."""

from __future__ import annotations

import unicodedata

import pytest
from conftest import artwork, files_in, make_order, run

from podwatch.config.names import check_template, free_name, render, sanitize


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("black / L", "black-L"),
        ("../../x", "x"),
        ("a\\b", "a-b"),
        ("con", "con-"),
        ("LPT1", "LPT1-"),
        ("tab\there\x00nul", "tab-here-nul"),
        ("  ", "x"),
        ("...", "x"),
        ("Zoë", "Zoë"),
        ('a<b>c:"d"|e?f*g', "a-b-c-d-e-f-g"),
    ],
)
def test_sanitize(value, expected):
    assert sanitize(value) == expected


def test_sanitize_normalises_to_nfc_and_bounds_length():
    decomposed = unicodedata.normalize("NFD", "Renée")
    assert sanitize(decomposed) == unicodedata.normalize("NFC", "Renée")
    assert len(sanitize("x" * 500)) <= 60


def test_template_renders_the_design_example():
    name = render(
        "{order_id}_{product}_{variant}_{item}_{kind}.{ext}",
        order_id="1234", product="tshirt", variant="black / L", item=1, kind="print", ext="png",
    )
    assert name == "1234_tshirt_black-L_1_print.png"


@pytest.mark.parametrize("template", ["{order_id.__class__}.png", "{x}.png", "{order_id!r}.png", "{item:>5}.png", "a/{kind}.png"])
def test_templates_that_could_escape_are_refused(template):
    with pytest.raises(ValueError):
        check_template(template)


def test_free_name_never_overwrites(tmp_path):
    (tmp_path / "a.png").write_bytes(b"1")
    (tmp_path / "a_r2.png").write_bytes(b"2")
    assert free_name(tmp_path, "a.png") == "a_r3.png"


def test_hostile_order_id_writes_nothing_outside_root(root):
    outside_before = set(root.path.parent.iterdir())
    make_order(root, order_id="../../x", name="hostile", image=artwork((4500, 5400)), variant="../../../etc/passwd")
    make_order(root, order_id="..", name="dots", image=artwork((4500, 5400)))
    assert run(root) == 0
    assert set(root.path.parent.iterdir()) == outside_before
    for path in files_in(root.path):
        assert path.resolve().is_relative_to(root.path.resolve())
    names = sorted(p.name for p in files_in(root.review))
    assert names == ["x_tshirt_etc-passwd_1_proof.jpg", "x_tshirt_white_1_proof.jpg"]

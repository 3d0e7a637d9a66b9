"""Output names: one template, every value safe, never an overwrite."""

from __future__ import annotations

import unicodedata

import pytest
from conftest import artwork, files_in, make_order, run

from podwatch.config.names import check_template, free_name, render, sanitize, with_revision


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


@pytest.mark.parametrize(
    "template", ["{order_id.__class__}.png", "{x}.png", "{order_id!r}.png", "{item:>5}.png", "a/{kind}.png", "a\\{kind}.png"],
)
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


def test_a_refused_template_names_the_field_and_what_is_allowed():
    with pytest.raises(ValueError, match=r"'\{x\}\.png': \{x\} is not allowed; use only \{customer\}, \{ext\}, \{item\}"):
        check_template("{x}.png")
    with pytest.raises(ValueError, match="must not contain folder separators"):
        check_template("a\\{kind}.png")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("__" + "a" * 70, "a" * 60),  # the edges are trimmed before the length is cut
        ("a" * 59 + " b", "a" * 59),  # ...and again after it
        ("a -- b", "a-b"),
        ("Xavier_", "Xavier"),
    ],
)
def test_sanitize_trims_edges_and_runs_of_dashes(value, expected):
    assert sanitize(value) == expected


def test_fields_left_out_of_a_name_are_x_and_the_extension_defaults_to_png():
    assert render("{order_id}_{customer}.{ext}", order_id="1") == "1_x.png"
    assert render("{order_id}.{ext}", order_id="1", ext="JPG") == "1.jpg"


@pytest.mark.parametrize(
    ("name", "revision", "expected"),
    [("a.png", 1, "a.png"), ("a.png", 2, "a_r2.png"), ("a.tar.gz", 3, "a.tar_r3.gz"), ("README", 2, "README_r2")],
)
def test_revisions_go_before_the_last_extension(name, revision, expected):
    assert with_revision(name, revision) == expected


def test_free_name_takes_the_first_free_revision_and_skips_names_in_flight(tmp_path):
    assert free_name(tmp_path, "a.png") == "a.png"
    (tmp_path / "a.png").write_bytes(b"1")
    assert free_name(tmp_path, "a.png") == "a_r2.png"
    assert free_name(tmp_path, "a.png", taken={"a_r2.png"}) == "a_r3.png"
    assert free_name(tmp_path, "b.png", taken={"b_r2.png"}) == "b.png"

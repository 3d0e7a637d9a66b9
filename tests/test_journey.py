"""The whole journey: drop an order, run, look at review/, approve, run, look at production/."""

from __future__ import annotations

import csv

import pytest
from conftest import approve_all, artwork, files_in, make_order, run, sha256
from PIL import Image

from podwatch.bundled import rules_dir
from podwatch.config.rulebook import load_rules

PRODUCTS = load_rules(rules_dir())


@pytest.mark.parametrize("product", sorted(PRODUCTS))
def test_every_product_reaches_production_at_its_exact_size_and_dpi(root, product):
    rule = PRODUCTS[product]
    width, height = rule.print_area.size_px
    # Artwork at exactly the print size: sharp, no crop, nothing to warn about; a name for
    # the products that print one.
    make_order(root, order_id="5001", product=product, image=artwork((width, height)), variant="white",
               personalization={"name": "Luna", "date": "2024-05-01"})

    assert run(root) == 0
    proofs = files_in(root.review)
    assert [p.name for p in proofs] == [f"5001_{product}_white_1_proof.jpg"]
    with Image.open(proofs[0]) as proof:
        assert proof.format == "JPEG" and 1100 <= max(proof.size) <= 1300

    approve_all(root)
    assert run(root) == 0
    printed = root.production / f"5001_{product}_white_1_print.png"
    with Image.open(printed) as image:
        assert image.size == (width, height)
        assert tuple(round(d) for d in image.info["dpi"]) == (rule.print_area.dpi,) * 2
        assert image.info.get("icc_profile"), "print files carry an sRGB profile"
    rows = list(csv.DictReader((root.production / "manifest.csv").open(encoding="utf-8")))
    assert len(rows) == 1
    row = rows[0]
    assert (row["order_id"], row["product"], row["file"]) == ("5001", product, printed.name)
    assert (int(row["width_px"]), int(row["height_px"]), int(row["dpi"])) == (width, height, rule.print_area.dpi)
    assert row["sha256"] == sha256(printed)
    assert row["approved_at"] and row["approved_by"]


def test_approving_twice_hands_over_once(root):
    make_order(root, image=artwork((4500, 5400)))
    run(root)
    approve_all(root)
    run(root)
    run(root)
    assert len(files_in(root.production, "*.png")) == 1
    assert len((root.production / "manifest.csv").read_text().splitlines()) == 2  # header + one row


def test_originals_end_in_archive_byte_identical(root):
    upload, sidecar = make_order(root, image=artwork((4500, 5400)), variant="black / L")
    before = {upload.name: sha256(upload), sidecar.name: sha256(sidecar)}

    run(root)

    kept = {p.name: sha256(p) for p in files_in(root.archive / "1234")}
    assert kept == before
    assert files_in(root.inbox) == [] and files_in(root.claims) == []


def test_rejected_proof_marks_order_with_the_sellers_reason(root):
    from podwatch.outputs.ledger import Ledger, State

    make_order(root, image=artwork((4500, 5400)))
    run(root)
    (proof,) = files_in(root.review)
    proof.rename(root.rejected / proof.name)
    (root.rejected / f"{proof.name}.txt").write_text("name is misspelled, asked buyer\n")

    assert run(root) == 0
    with Ledger(root.ledger) as ledger:
        (row,) = ledger.items("1234")
    assert row.state is State.REJECTED
    assert row.reason == "name is misspelled, asked buyer"
    assert (root.rejected / proof.name).exists(), "the proof stays where the seller put it"
    assert files_in(root.production) == []


def test_when_clean_policy_sends_clean_orders_straight_to_production(root):
    rule = root.rules / "poster.toml"
    rule.write_text(rule.read_text().replace('policy = "always"', 'policy = "when_clean"'))
    make_order(root, order_id="9", product="poster", image=artwork((5400, 7200)))
    make_order(root, order_id="10", product="poster", image=artwork((3000, 4000)))  # 167 DPI: warns

    assert run(root) == 0
    assert [p.name for p in files_in(root.production, "*.png")] == ["9_poster_white_1_print.png"]
    assert [p.name for p in files_in(root.review)] == ["10_poster_white_1_proof.jpg"]


def test_instructions_always_go_to_a_human(root):
    rule = root.rules / "poster.toml"
    rule.write_text(rule.read_text().replace('policy = "always"', 'policy = "never"'))
    make_order(root, order_id="11", product="poster", image=artwork((5400, 7200)), instructions="remove the leash")
    run(root)
    assert [p.name for p in files_in(root.review)] == ["11_poster_white_1_proof.jpg"]


def test_low_resolution_fails_with_a_reason_naming_the_file(root):
    make_order(root, order_id="77", product="poster", image=artwork((300, 400)), name="tiny")

    assert run(root) == 1
    folder = root.failed / "77"
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["77_poster_white_1_proof.jpg", "tiny.json", "tiny.png", "tiny.png.error.txt"]
    text = (folder / "tiny.png.error.txt").read_text()
    assert "tiny.png" in text and "DPI" in text and "larger original" in text
    assert files_in(root.state / "pending") == []


def test_a_new_upload_for_the_same_order_is_revision_two(root):
    make_order(root, image=artwork((4500, 5400)))
    run(root)
    make_order(root, image=artwork((4500, 5400), background=(200, 30, 90)))
    run(root)
    assert sorted(p.name for p in files_in(root.review)) == [
        "1234_tshirt_white_1_proof.jpg", "1234_tshirt_white_1_proof_r2.jpg",
    ]
    assert (root.archive / "1234").is_dir() and (root.archive / "1234_r2").is_dir()


def test_small_artwork_is_never_enlarged_beyond_max_upscale(root):
    rule = root.rules / "tshirt.toml"
    rule.write_text(rule.read_text().replace('align = "top"', 'align = "top"\nmax_upscale = 1.5'))
    # 2250 x 2700 would fill the 4500 x 5400 area at 2x (150 DPI, just allowed); the rule caps it at 1.5x.
    make_order(root, order_id="12", image=artwork((2250, 2700)))
    run(root)
    approve_all(root)
    assert run(root) == 0
    with Image.open(root.production / "12_tshirt_white_1_print.png") as printed:
        assert printed.size == (4500, 5400)
        # 3375 x 4050 of artwork, at the top, centred across: the rest is transparent.
        assert printed.getchannel("A").getbbox() == (562, 0, 3937, 4050)

"""Real uploads through the whole run: phones, print shops' CMYK, palettes, and broken files."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np
import pytest
from conftest import approve_all, artwork, files_in, make_order, run, sha256
from PIL import Image


def _print_file(root):
    approve_all(root)
    run(root)
    (printed,) = files_in(root.production, "*.png")
    return Image.open(printed)


def test_a_sideways_phone_photo_comes_out_upright(root):
    upright = artwork((3000, 4000))  # portrait, red mark top-left
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # what the camera wrote: landscape pixels
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    make_order(root, product="poster", image=stored, ext="jpg", save={"exif": exif, "quality": 92})

    assert run(root) == 0
    with _print_file(root) as printed:
        assert printed.size == (5400, 7200)
        r, g, b = printed.getpixel((100, 100))[:3]
        assert r > 180 and g < 80 and b < 80, "the red mark is back in the top-left corner"


def test_a_sideways_phone_photo_on_a_mug_is_decoded_small_and_comes_out_upright(root):
    upright = artwork((3000, 4000))  # the mug needs 787 x 1050 of it: decoded at half size
    exif = Image.Exif()
    exif[0x0112] = 6
    make_order(root, product="mug", image=upright.transpose(Image.Transpose.ROTATE_90), ext="jpg",
               save={"exif": exif, "quality": 92})

    run(root)
    with _print_file(root) as printed:
        assert printed.size == (2700, 1050)
        left = (2700 - 788) // 2  # contained, centred
        r, g, b, a = printed.getpixel((left + 30, 30))
        assert r > 180 and g < 80 and b < 80 and a == 255, "the red mark is in the top-left corner of the photo"
        assert printed.getpixel((left - 30, 500))[3] == 0, "beside the photo the mug stays unprinted"
        assert printed.getpixel((left + 394, 525))[:3] == pytest.approx((250, 200, 40), abs=12)


def test_cmyk_upload_keeps_its_colours(root):
    gradient = np.zeros((5400, 4500, 3), dtype=np.uint8)
    gradient[..., 0] = np.linspace(0, 255, 4500, dtype=np.uint8)[None, :]
    gradient[..., 1] = np.linspace(255, 0, 5400, dtype=np.uint8)[:, None]
    gradient[..., 2] = 140
    original = Image.fromarray(gradient, "RGB")
    make_order(root, image=original.convert("CMYK"), ext="jpg", save={"quality": 95})

    assert run(root) == 0
    with _print_file(root) as printed:
        got = np.asarray(printed.convert("RGB"), dtype=np.float64)
    error = np.abs(got - np.asarray(original, dtype=np.float64)).mean()
    assert error < 8, f"mean channel error {error:.2f}/255"


def test_palette_transparency_survives_into_the_print_file(root):
    logo = Image.new("P", (4500, 5400), 0)
    logo.putpalette([255, 255, 255, 200, 20, 20] + [0] * 762)
    logo.paste(1, (900, 900, 3600, 4500))
    logo.info["transparency"] = 0
    make_order(root, image=logo, save={"transparency": 0})

    run(root)
    with _print_file(root) as printed:
        assert printed.mode == "RGBA"
        assert printed.getpixel((10, 5390))[3] == 0, "the transparent palette entry stays transparent"
        assert printed.getpixel((2250, 1500)) == (200, 20, 20, 255)


def test_broken_uploads_fail_with_a_plain_reason_and_keep_the_file(root):
    good = root.inbox / "source.jpg"
    artwork((1000, 1000)).save(good, quality=90)
    data = good.read_bytes()
    good.unlink()
    cases = {
        "empty.jpg": b"",
        "cut.jpg": data[: len(data) // 2],
        "invoice.jpg": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
        "notes.png": b"please print this on a mug, thanks!\n",
    }
    for index, (name, content) in enumerate(cases.items()):
        (root.inbox / name).write_bytes(content)
        (root.inbox / f"{name.split('.')[0]}.json").write_text(json.dumps({"order_id": f"B{index}", "product": "mug"}))
    hashes = {name: sha256(root.inbox / name) for name in cases}

    assert run(root) == 1
    for index, name in enumerate(cases):
        folder = root.failed / f"B{index}"
        assert sha256(folder / name) == hashes[name]
        text = (folder / f"{name}.error.txt").read_text()
        assert name in text and "Traceback" not in text
    assert "empty" in (root.failed / "B0" / "empty.jpg.error.txt").read_text()
    assert "PDF" in (root.failed / "B2" / "invoice.jpg.error.txt").read_text()


def test_a_decompression_bomb_is_refused_by_the_limit_in_podwatch_toml(root):
    settings = root.settings_file
    settings.write_text(settings.read_text().replace("max_megapixels = 80", "max_megapixels = 1"))
    make_order(root, image=Image.new("L", (2000, 2000)), name="bomb")
    assert run(root) == 1
    text = (root.failed / "1234" / "bomb.png.error.txt").read_text()
    assert "megapixels" in text and "max_megapixels" in text


def test_print_files_carry_the_same_srgb_profile_bytes_in_every_process():
    # The manifest's sha256 must identify the pixels, not the second a podwatch process started:
    # LittleCMS stamps new profiles with the current time.
    code = "from podwatch.prepress.printfile import srgb_profile; print(srgb_profile().hex())"
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    time.sleep(1.1)  # past the stamp's one-second resolution
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert first == second and len(first) > 1000

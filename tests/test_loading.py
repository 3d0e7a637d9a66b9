"""Tests for podwatch.prepress.loading: every picture is built here, in tmp_path, with Pillow."""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms

from podwatch.errors import UnreadableUpload
from podwatch.findings import Level
from podwatch.prepress.loading import LoadedImage, load_image

LIMIT = 50_000_000
RED, BLUE = (255, 0, 0), (0, 0, 255)

# What the camera stored for each EXIF orientation, given the upright picture (EXIF 2.3, tag 0x0112).
STORED_AS = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def save(tmp_path: Path, name: str, image: Image.Image, **options) -> Path:
    path = tmp_path / name
    image.save(path, **options)
    return path


def load(path: Path, max_pixels: int = LIMIT) -> LoadedImage:
    return load_image(path, max_pixels=max_pixels)


def gradient(width: int = 120, height: int = 80) -> Image.Image:
    """A smooth, colourful picture: JPEG keeps it well, so colour errors stand out."""
    y, x = np.mgrid[0:height, 0:width]
    channels = [x * 255 // (width - 1), y * 255 // (height - 1), (x + y) * 255 // (width + height - 2)]
    return Image.fromarray(np.stack(channels, axis=-1).astype(np.uint8))


def quadrant_picture(width: int = 60, height: int = 40) -> Image.Image:
    """Blue, with the top-left quadrant red, so any rotation or mirror moves the red."""
    image = Image.new("RGB", (width, height), BLUE)
    image.paste(RED, (0, 0, width // 2, height // 2))
    return image


def mean_error(a: Image.Image, b: Image.Image) -> float:
    return float(np.abs(np.asarray(a, dtype=np.int16) - np.asarray(b, dtype=np.int16)).mean())


def codes(loaded: LoadedImage) -> dict[str, Level]:
    return {finding.code: finding.level for finding in loaded.findings}


def raw_png(width: int, height: int, colour_type: int, samples: np.ndarray) -> bytes:
    """A 16-bit PNG written by hand, since Pillow cannot save 16-bit RGB(A)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + row.astype(">u2").tobytes() for row in samples)
    header = struct.pack(">IIBBBBB", width, height, 16, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def unreadable(path: Path, max_pixels: int = LIMIT) -> str:
    with pytest.raises(UnreadableUpload) as caught:
        load(path, max_pixels)
    message = caught.value.message
    assert path.name in message
    assert "Traceback" not in message
    assert caught.value.path == path
    return message


# Orientation


@pytest.mark.parametrize("orientation", sorted(STORED_AS))
def test_every_exif_orientation_comes_out_upright(tmp_path, orientation):
    upright = quadrant_picture()
    method = STORED_AS[orientation]
    stored = upright.transpose(method) if method is not None else upright
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = save(tmp_path, f"o{orientation}.jpg", stored, exif=exif, quality=95)

    loaded = load(path)

    assert loaded.image.size == loaded.source_size == (60, 40)
    assert loaded.image.getpixel((10, 8)) == pytest.approx(RED, abs=12)
    assert loaded.image.getpixel((50, 32)) == pytest.approx(BLUE, abs=12)
    assert loaded.image.getexif().get(0x0112, 1) == 1


@pytest.mark.parametrize("orientation", sorted(STORED_AS))
def test_a_jpeg_bound_for_a_small_print_is_decoded_reduced_and_still_upright(tmp_path, orientation):
    upright = quadrant_picture(800, 600)
    method = STORED_AS[orientation]
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = save(tmp_path, f"o{orientation}.jpg", upright.transpose(method) if method is not None else upright,
                exif=exif, quality=95)
    asked = []

    def target(size):
        asked.append(size)
        return (190, 140)  # the print needs under a quarter of the pixels each way

    loaded = load_image(path, max_pixels=LIMIT, target=target)

    assert asked == [(800, 600)], "the print size is worked out from the upright picture"
    assert loaded.reduced == 4
    assert loaded.image.size == (200, 150), "never fewer pixels than the print needs"
    assert loaded.source_size == (800, 600), "checks still see the upload's own size"
    assert loaded.image.getpixel((40, 30)) == pytest.approx(RED, abs=12)
    assert loaded.image.getpixel((160, 120)) == pytest.approx(BLUE, abs=12)


def test_a_jpeg_for_a_print_its_own_size_or_larger_is_decoded_in_full(tmp_path):
    path = save(tmp_path, "full.jpg", gradient(800, 600), quality=95)
    loaded = load_image(path, max_pixels=LIMIT, target=lambda size: (410, 300))
    assert loaded.reduced == 1 and loaded.image.size == (800, 600)


def test_dpi_follows_a_quarter_turn(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6
    stored = quadrant_picture().transpose(Image.Transpose.ROTATE_90)
    path = save(tmp_path, "turned.jpg", stored, exif=exif, dpi=(300, 150))
    assert load(path).dpi == (150.0, 300.0)


# Colour


def test_cmyk_jpeg_without_profile_is_converted_close_to_the_original(tmp_path):
    original = gradient()
    path = save(tmp_path, "cmyk.jpg", original.convert("CMYK"), quality=95)

    loaded = load(path)

    assert loaded.source_mode == "CMYK"
    assert loaded.image.mode == "RGB"
    assert mean_error(loaded.image, original) < 8
    assert codes(loaded)["cmyk"] is Level.INFO
    assert "cmyk.jpg" in loaded.findings[0].message


def test_result_carries_only_an_srgb_profile(tmp_path):
    # Pillow's savers embed info["icc_profile"]: a stale upload profile would recolour the print file.
    path = save(tmp_path, "stale.png", gradient(), icc_profile=b"not a profile at all" * 10, dpi=(300, 300))

    info = load(path).image.info

    assert list(info) == ["icc_profile"]
    assert ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(info["icc_profile"]))).strip() == (
        "sRGB built-in"
    )


def test_embedded_srgb_profile_round_trips(tmp_path):
    original = gradient()
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    path = save(tmp_path, "tagged.png", original, icc_profile=srgb)

    loaded = load(path)

    assert mean_error(loaded.image, original) < 1.5
    finding = next(f for f in loaded.findings if f.code == "color_profile")
    assert finding.level is Level.INFO
    assert "tagged.png" in finding.message and "sRGB" in finding.message


def test_corrupt_profile_falls_back_with_a_warning(tmp_path):
    original = gradient()
    path = save(tmp_path, "broken-profile.png", original, icc_profile=b"not a profile at all" * 10)

    loaded = load(path)

    assert codes(loaded)["color_profile"] is Level.WARN
    assert mean_error(loaded.image, original) < 0.5


# Bit depth, palettes, transparency


def test_16_bit_grey_png_is_scaled_not_clipped(tmp_path):
    path = save(tmp_path, "grey16.png", Image.fromarray(np.array([[0, 32768, 65535]], dtype=np.uint16)))

    loaded = load(path)

    assert loaded.source_mode.startswith("I")
    assert loaded.image.mode == "RGB"
    assert [loaded.image.getpixel((x, 0)) for x in range(3)] == [(0, 0, 0), (128, 128, 128), (255, 255, 255)]
    assert codes(loaded)["bit_depth"] is Level.INFO


def test_16_bit_rgba_png_keeps_colour_and_transparency(tmp_path):
    samples = np.array([[[65535, 0, 32768, 0], [0, 65535, 0, 65535]]])
    path = tmp_path / "rgba16.png"
    path.write_bytes(raw_png(2, 1, 6, samples))

    loaded = load(path)

    assert loaded.image.mode == "RGBA" and loaded.has_alpha
    assert loaded.image.getpixel((0, 0))[3] == 0
    assert loaded.image.getpixel((1, 0)) == (0, 255, 0, 255)
    assert "bit_depth" in codes(loaded)


def test_16_bit_rgb_png_is_flagged(tmp_path):
    path = tmp_path / "rgb16.png"
    path.write_bytes(raw_png(2, 1, 2, np.array([[[65535, 0, 32768], [0, 65535, 0]]])))

    loaded = load(path)

    assert loaded.image.getpixel((0, 0)) == (255, 0, 128)
    assert "bit_depth" in codes(loaded)


def test_palette_png_with_transparent_index_becomes_rgba(tmp_path):
    image = Image.new("P", (4, 4), 0)
    image.putpalette([255, 0, 0, 0, 255, 0] + [0] * 762)
    image.paste(1, (0, 0, 2, 4))
    path = save(tmp_path, "sticker.png", image, transparency=1)

    loaded = load(path)

    assert loaded.source_mode == "P"
    assert loaded.image.mode == "RGBA" and loaded.has_alpha
    assert loaded.image.getpixel((0, 0))[3] == 0
    assert loaded.image.getpixel((3, 3)) == (255, 0, 0, 255)


def test_palette_png_with_partial_alpha_table_keeps_it(tmp_path):
    image = Image.new("P", (3, 1))
    image.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255] + [0] * 759)
    for x in range(3):
        image.putpixel((x, 0), x)
    path = save(tmp_path, "fade.png", image, transparency=b"\x00\x80\xff")

    alphas = [load(path).image.getpixel((x, 0))[3] for x in range(3)]

    assert alphas == [0, 128, 255]


def test_fully_opaque_rgba_becomes_rgb(tmp_path):
    path = save(tmp_path, "opaque.png", gradient().convert("RGBA"))

    loaded = load(path)

    assert loaded.source_mode == "RGBA"
    assert loaded.image.mode == "RGB"
    assert not loaded.has_alpha


def test_grey_with_alpha_becomes_rgba(tmp_path):
    image = Image.new("LA", (4, 4), (200, 255))
    image.putpixel((0, 0), (10, 0))
    loaded = load(save(tmp_path, "la.png", image))

    assert loaded.image.mode == "RGBA"
    assert loaded.image.getpixel((0, 0))[3] == 0
    assert loaded.image.getpixel((3, 3)) == (200, 200, 200, 255)


@pytest.mark.parametrize("mode", ["1", "L", "P", "RGB", "CMYK", "LAB", "I;16", "F"])
def test_every_tiff_mode_comes_out_rgb(tmp_path, mode):
    loaded = load(save(tmp_path, f"{mode.replace(';', '')}.tif", gradient().convert("L").convert(mode)))

    assert loaded.source_format == "TIFF"
    assert loaded.image.mode == "RGB"
    assert loaded.image.size == (120, 80)


# Formats


def test_lossless_webp_with_alpha_loads(tmp_path):
    image = gradient().convert("RGBA")
    image.putpixel((0, 0), (0, 0, 0, 0))
    loaded = load(save(tmp_path, "art.webp", image, lossless=True))

    assert loaded.source_format == "WEBP"
    assert loaded.has_alpha
    assert mean_error(loaded.image.convert("RGB"), image.convert("RGB")) < 0.5


def test_heic_loads(tmp_path):
    import pillow_heif

    pillow_heif.register_heif_opener()
    loaded = load(save(tmp_path, "phone.heic", gradient(64, 48), format="HEIF"))

    assert loaded.source_format == "HEIF"
    assert loaded.image.size == loaded.source_size == (64, 48)
    assert loaded.image.mode == "RGB"


def test_animated_gif_gives_first_frame_and_a_warning(tmp_path):
    frames = [Image.new("RGB", (20, 20), colour) for colour in (RED, (0, 255, 0), BLUE)]
    path = save(tmp_path, "wave.gif", frames[0], save_all=True, append_images=frames[1:], duration=100)

    loaded = load(path)

    assert loaded.image.getpixel((5, 5)) == RED
    animated = next(f for f in loaded.findings if f.code == "animated")
    assert animated.level is Level.WARN
    assert animated.message == "wave.gif is animated (3 frames); only the first frame will be printed."


def test_phone_jpeg_with_extra_pictures_is_not_called_animated(tmp_path):
    depth_map = Image.new("RGB", (20, 10))
    path = save(tmp_path, "portrait.jpg", Image.new("RGB", (20, 10), RED), format="MPO", save_all=True,
                append_images=[depth_map])

    loaded = load(path)

    assert loaded.source_format == "MPO"
    assert "animated" not in codes(loaded)
    assert loaded.image.getpixel((5, 5)) == pytest.approx(RED, abs=4)


def test_png_dpi_is_rounded_and_missing_dpi_is_none(tmp_path):
    assert load(save(tmp_path, "print.png", gradient(), dpi=(300, 300))).dpi == (300.0, 300.0)
    assert load(save(tmp_path, "plain.jpg", gradient())).dpi is None


# Refusals


def test_bomb_is_refused_from_the_header(tmp_path):
    path = save(tmp_path, "poster.png", Image.new("L", (3000, 3000)))
    # Cut the pixel data off: decoding would fail differently, so the refusal must come first.
    path.write_bytes(path.read_bytes()[:200])

    message = unreadable(path, max_pixels=1_000_000)

    assert "3000 x 3000 pixels (9 megapixels)" in message
    assert "more than the 1 megapixels podwatch works on at once" in message


def test_empty_file(tmp_path):
    path = tmp_path / "luna.jpg"
    path.touch()
    assert "empty (0 bytes)" in unreadable(path)


@pytest.mark.parametrize("name", ["luna.jpg", "luna.png"])
def test_truncated_upload_is_cut_off(tmp_path, name):
    path = save(tmp_path, name, gradient(), **({"quality": 95} if name.endswith("jpg") else {}))
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])

    assert "is cut off" in unreadable(path)


def test_png_cut_inside_its_header_is_called_damaged(tmp_path):
    path = save(tmp_path, "tiny.png", gradient())
    path.write_bytes(path.read_bytes()[:12])
    assert "damaged or cut off" in unreadable(path)


@pytest.mark.parametrize(
    ("name", "content", "looks_like", "advice"),
    [
        ("notes.jpg", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "a PDF document", "export it as a PNG"),
        ("readme.png", b"Hello, please print my cat!\n", "a text file", "JPEG, PNG, WebP or HEIC"),
        ("logo.png", b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', "an SVG drawing", "export"),
        ("photos.jpg", b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(40), "a ZIP archive", "picture itself"),
        ("page.jpg", b"<!DOCTYPE html><html><body>Image</body></html>", "a web page", "saved the page"),
        ("live.heic", b"\x00\x00\x00\x18ftypqt  \x00\x00\x02\x00" + bytes(40), "a video", "still picture"),
    ],
)
def test_not_an_image_says_what_it_looks_like(tmp_path, name, content, looks_like, advice):
    path = tmp_path / name
    path.write_bytes(content)

    message = unreadable(path)

    assert f"not an image podwatch can read (it looks like {looks_like})" in message
    assert advice in message


def test_unknown_binary_is_not_an_image(tmp_path):
    path = tmp_path / "blob.jpg"
    path.write_bytes(bytes(range(256)) * 4)
    assert "not an image podwatch can read" in unreadable(path)


# Handles and imports


def test_file_is_closed_after_loading(tmp_path):
    path = save(tmp_path, "move-me.tif", gradient())
    loaded = load(path)
    os.rename(path, tmp_path / "moved.tif")
    assert loaded.image.getpixel((0, 0)) == (0, 0, 0)


def test_file_is_closed_after_a_refusal(tmp_path):
    path = save(tmp_path, "broken.jpg", gradient())
    path.write_bytes(path.read_bytes()[:300])
    unreadable(path)
    os.rename(path, tmp_path / "rejected.jpg")


def test_importing_loading_stays_cheap():
    code = "import sys, podwatch.prepress.loading; print(sorted({'numpy', 'pillow_heif'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"

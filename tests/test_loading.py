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
from pictures import chunk, grey_press_profile, raw_png, srgb_profile, swapped_primaries
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


def unreadable(path: Path, max_pixels: int = LIMIT, target=None) -> str:
    with pytest.raises(UnreadableUpload) as caught:
        load_image(path, max_pixels=max_pixels, target=target)
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


def test_a_phone_photo_with_a_depth_map_bound_for_a_small_print_is_decoded_reduced_and_upright(tmp_path):
    # Phones save portrait-mode photos as MPO: a JPEG with its depth map behind it.
    exif = Image.Exif()
    exif[0x0112] = 6
    stored = quadrant_picture(800, 600).transpose(Image.Transpose.ROTATE_90)
    path = save(tmp_path, "portrait.jpg", stored, format="MPO", save_all=True,
                append_images=[Image.new("RGB", (60, 80))], exif=exif, quality=95)
    asked = []

    def target(size):
        asked.append(size)
        return (190, 140)

    loaded = load_image(path, max_pixels=LIMIT, target=target)

    assert loaded.source_format == "MPO"
    assert asked == [(800, 600)], "the print size is worked out from the upright picture"
    assert loaded.reduced == 4 and loaded.image.size == (200, 150)
    assert loaded.image.getpixel((40, 30)) == pytest.approx(RED, abs=12)
    assert loaded.image.getpixel((160, 120)) == pytest.approx(BLUE, abs=12)


def test_a_jpeg_decoded_at_half_size_still_reports_the_uploads_own_size(tmp_path):
    path = save(tmp_path, "half.jpg", gradient(800, 600), quality=95)
    loaded = load_image(path, max_pixels=LIMIT, target=lambda size: (390, 290))
    assert loaded.reduced == 2 and loaded.image.size == (400, 300)
    assert loaded.source_size == (800, 600), "the DPI checks judge the buyer's file, not the reduced decode"


# Colour


def test_a_plain_8_bit_picture_has_nothing_to_report(tmp_path):
    assert load(save(tmp_path, "plain.png", gradient())).findings == []


def test_an_rgb_profile_other_than_srgb_is_applied_to_the_pixels(tmp_path):
    path = save(tmp_path, "wide.png", Image.new("RGB", (4, 4), RED), icc_profile=swapped_primaries())

    loaded = load(path)

    assert loaded.image.getpixel((0, 0)) == pytest.approx(BLUE, abs=2)
    assert codes(loaded) == {"color_profile": Level.INFO}


def test_a_transparent_logo_with_a_colour_profile_keeps_its_transparency(tmp_path):
    logo = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
    logo.paste((*RED, 255), (0, 0, 2, 4))
    path = save(tmp_path, "logo.png", logo, icc_profile=swapped_primaries())

    loaded = load(path)

    assert loaded.image.mode == "RGBA"
    assert loaded.image.getpixel((3, 3))[3] == 0
    assert loaded.image.getpixel((0, 0)) == pytest.approx((*BLUE, 255), abs=2)
    assert codes(loaded) == {"color_profile": Level.INFO}


def test_a_grey_picture_with_an_rgb_profile_is_converted_through_it(tmp_path):
    grey = gradient().convert("L")
    path = save(tmp_path, "grey.png", grey, icc_profile=srgb_profile())

    loaded = load(path)

    assert loaded.image.mode == "RGB"
    assert mean_error(loaded.image, grey.convert("RGB")) < 1.5
    assert [(f.level, f.message) for f in loaded.findings] == [
        (Level.INFO, "grey.png has a colour profile (sRGB built-in); it was converted to sRGB for print.")]


def test_cmyk_jpeg_without_profile_is_converted_close_to_the_original(tmp_path):
    original = gradient()
    path = save(tmp_path, "cmyk.jpg", original.convert("CMYK"), quality=95)

    loaded = load(path)

    assert loaded.source_mode == "CMYK"
    assert loaded.image.mode == "RGB"
    assert mean_error(loaded.image, original) < 8
    assert codes(loaded)["cmyk"] is Level.INFO
    assert loaded.findings[0].message == (
        "cmyk.jpg was uploaded in CMYK with no usable colour profile, so its colours were converted with a "
        "simple formula; check them on the proof.")


def test_a_cmyk_jpeg_with_its_printers_profile_is_converted_through_it(tmp_path):
    path = save(tmp_path, "press.jpg", Image.new("CMYK", (4, 4), (0, 128, 0, 0)), icc_profile=grey_press_profile(),
                quality=95)

    loaded = load(path)

    assert loaded.source_mode == "CMYK" and loaded.image.mode == "RGB"
    red, green, blue = loaded.image.getpixel((0, 0))
    assert abs(red - green) <= 2 and abs(green - blue) <= 2 and 100 < red < 140, "half magenta on a grey press"
    assert [(f.code, f.level, f.message, f.detail) for f in loaded.findings] == [
        ("cmyk", Level.INFO, "press.jpg was uploaded in CMYK (Grey press); it was converted to sRGB for print.",
         {"profile": "Grey press"})]


def test_a_profile_without_a_name_is_not_named_in_the_message(tmp_path):
    path = save(tmp_path, "press.jpg", Image.new("CMYK", (4, 4)), icc_profile=grey_press_profile(""))
    assert load(path).findings[0].message == "press.jpg was uploaded in CMYK; it was converted to sRGB for print."


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
    assert finding.message == "tagged.png has a colour profile (sRGB built-in); it was converted to sRGB for print."
    assert finding.detail == {"profile": "sRGB built-in"}


@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_corrupt_profile_falls_back_with_a_warning(tmp_path, mode):
    original = gradient().convert(mode)
    path = save(tmp_path, "broken-profile.png", original, icc_profile=b"not a profile at all" * 10)

    loaded = load(path)

    assert codes(loaded)["color_profile"] is Level.WARN
    assert loaded.findings[0].message == (
        "broken-profile.png has a colour profile podwatch could not use, so its colours were converted without "
        "it; check them on the proof.")
    assert loaded.image.mode == "RGB"
    assert mean_error(loaded.image, original.convert("RGB")) < 0.5


# Bit depth, palettes, transparency


def test_16_bit_grey_png_is_scaled_not_clipped(tmp_path):
    path = save(tmp_path, "grey16.png", Image.fromarray(np.array([[0, 32768, 65535]], dtype=np.uint16)))

    loaded = load(path)

    assert loaded.source_mode.startswith("I")
    assert loaded.image.mode == "RGB"
    assert [loaded.image.getpixel((x, 0)) for x in range(3)] == [(0, 0, 0), (128, 128, 128), (255, 255, 255)]
    assert codes(loaded)["bit_depth"] is Level.INFO
    assert loaded.findings[0].message == (
        "grey16.png has more than 8 bits per colour; it was reduced to 8 bits for print (this is normal).")


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


@pytest.mark.parametrize("mode", ["1", "L", "P", "RGB", "CMYK", "LAB", "I;16", "I", "F"])
def test_every_tiff_mode_comes_out_rgb(tmp_path, mode):
    loaded = load(save(tmp_path, f"{mode.replace(';', '')}.tif", gradient().convert("L").convert(mode)))

    assert loaded.source_format == "TIFF"
    assert loaded.image.mode == "RGB"
    assert loaded.image.size == (120, 80)
    deep = mode in ("I;16", "I", "F")  # 16-bit, 32-bit integer and 32-bit float samples
    assert ("bit_depth" in codes(loaded)) is deep


@pytest.mark.parametrize(
    "values", [[0.0, 0.4, 0.8, 1.0], [0.0, 102.4, 204.4, 255.0]], ids=["zero-to-one", "zero-to-255"])
def test_a_float_tiff_is_read_in_either_range_its_exporter_used(tmp_path, values):
    path = save(tmp_path, "scan.tif", Image.fromarray(np.array([values], dtype=np.float32)))

    loaded = load(path)

    assert [loaded.image.getpixel((x, 0)) for x in range(4)] == [(0, 0, 0), (102, 102, 102), (204, 204, 204),
                                                                 (255, 255, 255)]
    assert codes(loaded) == {"bit_depth": Level.INFO}


@pytest.mark.parametrize(("mode", "see_through"), [("RGB", (255, 255, 255)), ("L", 255)])
def test_a_png_whose_background_colour_is_marked_see_through_keeps_it_see_through(tmp_path, mode, see_through):
    # No alpha channel: one colour is declared transparent (PNG's tRNS chunk), as old logo exports do.
    image = Image.new(mode, (4, 4), "white")
    image.paste("black", (0, 0, 2, 4))
    path = save(tmp_path, "logo.png", image, transparency=see_through)

    loaded = load(path)

    assert loaded.image.mode == "RGBA"
    assert loaded.image.getpixel((3, 3))[3] == 0
    assert loaded.image.getpixel((0, 0)) == (0, 0, 0, 255)


def test_grey_with_an_alpha_channel_that_hides_nothing_becomes_rgb(tmp_path):
    loaded = load(save(tmp_path, "flat.png", Image.new("LA", (4, 4), (100, 255))))
    assert loaded.image.mode == "RGB"
    assert loaded.image.getpixel((0, 0)) == (100, 100, 100)


def test_a_palette_tiff_with_an_alpha_channel_keeps_its_transparency(tmp_path):
    image = Image.new("PA", (4, 4), (1, 0))
    image.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    image.paste((0, 255), (0, 0, 2, 4))

    loaded = load(save(tmp_path, "badge.tif", image))

    assert loaded.image.getpixel((0, 0)) == (255, 0, 0, 255)
    assert loaded.image.getpixel((3, 3))[3] == 0


# Formats


def test_lossless_webp_with_alpha_loads(tmp_path):
    image = gradient().convert("RGBA")
    image.putpixel((0, 0), (0, 0, 0, 0))
    loaded = load(save(tmp_path, "art.webp", image, lossless=True))

    assert loaded.source_format == "WEBP"
    assert loaded.has_alpha
    assert mean_error(loaded.image.convert("RGB"), image.convert("RGB")) < 0.5


def heic(path: Path, image: Image.Image) -> Path:
    """An iPhone-style HEIC file, written without registering pillow_heif's opener in Pillow:
    loading must do that itself."""
    import pillow_heif

    pillow_heif.from_pillow(image).save(path, quality=90)
    return path


def test_heic_loads(tmp_path):
    loaded = load(heic(tmp_path / "phone.heic", gradient(64, 48)))

    assert loaded.source_format == "HEIF"
    assert loaded.image.size == loaded.source_size == (64, 48)
    assert loaded.image.mode == "RGB"
    assert mean_error(loaded.image, gradient(64, 48)) < 8
    assert loaded.findings == [], "an iPhone's 8-bit HEIC has nothing to report"


def test_a_10_bit_heic_from_a_newer_phone_is_reduced_to_8_bits_and_says_so(tmp_path):
    import pillow_heif

    samples = np.asarray(gradient(64, 48), dtype=np.uint16) * 257
    path = tmp_path / "hdr.heic"
    pillow_heif.from_bytes(mode="RGB;16", size=(64, 48), data=samples.tobytes()).save(path, quality=90)

    loaded = load(path)

    assert codes(loaded) == {"bit_depth": Level.INFO}
    assert mean_error(loaded.image, gradient(64, 48)) < 8


def test_a_heic_order_is_read_by_a_fresh_podwatch(tmp_path):
    # In a new process nothing else has registered the HEIF opener (this one's other tests may have).
    from podwatch.config.root import Root, init_root

    init_root(tmp_path / "POD")
    root = Root(tmp_path / "POD")
    heic(root.inbox / "IMG_0042.heic", gradient(2700, 1050))
    (root.inbox / "IMG_0042.json").write_text('{"order_id": "42", "product": "mug"}')
    settings = root.settings_file.read_text().replace("stability_seconds = 5", "stability_seconds = 0")
    root.settings_file.write_text(settings)
    done = subprocess.run([sys.executable, "-m", "podwatch", "run", "--root", str(root.path), "--once"],
                          capture_output=True, text=True, cwd=Path(__file__).parent.parent)
    assert done.returncode == 0, done.stdout + done.stderr
    assert [p.name for p in root.review.iterdir()] == ["42_mug_white_1_proof.jpg"]


def test_animated_gif_gives_first_frame_and_a_warning(tmp_path):
    frames = [Image.new("RGB", (20, 20), colour) for colour in (RED, (0, 255, 0), BLUE)]
    path = save(tmp_path, "wave.gif", frames[0], save_all=True, append_images=frames[1:], duration=100)

    loaded = load(path)

    assert loaded.image.getpixel((5, 5)) == RED
    animated = next(f for f in loaded.findings if f.code == "animated")
    assert animated.level is Level.WARN
    assert animated.message == "wave.gif is animated (3 frames); only the first frame will be printed."
    assert animated.detail == {"frames": 3}


def test_a_gif_of_two_frames_is_animated_too(tmp_path):
    frames = [Image.new("RGB", (20, 20), colour) for colour in (RED, BLUE)]
    path = save(tmp_path, "blink.gif", frames[0], save_all=True, append_images=frames[1:], duration=100)
    assert codes(load(path)) == {"animated": Level.WARN}


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

    assert message == (
        "poster.png is 3000 x 3000 pixels (9 megapixels), more than the 1 megapixels podwatch works on at once "
        "([images] max_megapixels in podwatch.toml), which keeps each worker's memory bounded. Ask the buyer for a "
        "smaller file (a t-shirt needs about 25 megapixels), or raise the limit if this computer has memory to "
        "spare.")


def test_a_picture_of_exactly_max_megapixels_is_opened(tmp_path):
    loaded = load(save(tmp_path, "limit.png", Image.new("RGB", (1000, 1000), RED)), max_pixels=1_000_000)
    assert loaded.image.size == (1000, 1000)


def test_a_jpeg_for_a_small_print_is_judged_by_the_pixels_it_will_decode(tmp_path):
    # 3.84 megapixels against a limit of 1; the print needs a quarter of it each way, decoded in 0.24.
    path = save(tmp_path, "big.jpg", gradient(2400, 1600), quality=90)
    loaded = load_image(path, max_pixels=1_000_000, target=lambda size: (590, 390))
    assert loaded.reduced == 4 and loaded.image.size == (600, 400)


def test_a_jpeg_the_print_needs_whole_is_judged_by_its_own_size(tmp_path):
    path = save(tmp_path, "whole.jpg", gradient(1500, 1000), quality=90)
    message = unreadable(path, max_pixels=1_000_000, target=lambda size: size)
    assert message.startswith("whole.jpg is 1500 x 1000 pixels (1.5 megapixels), more than the 1 megapixels ")


def test_a_jpeg_too_large_even_at_an_eighth_is_refused_by_its_own_size(tmp_path):
    # 6.45 megapixels: more than 64 times a 0.1 megapixel limit, so even the decoder's 1/8 would not fit.
    path = save(tmp_path, "vast.jpg", Image.new("RGB", (2560, 2520), RED), quality=90)
    message = unreadable(path, max_pixels=100_000, target=lambda size: (50, 50))
    assert message.startswith("vast.jpg is 2560 x 2520 pixels (6.5 megapixels), more than the 0.1 megapixels ")


def test_a_picture_past_pillows_own_safety_limit_is_refused_while_opening(tmp_path):
    # A header claiming 200 megapixels: Pillow refuses it before podwatch's own limit is looked at.
    header = struct.pack(">IIBBBBB", 20000, 10000, 8, 2, 0, 0, 0)
    path = tmp_path / "huge.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(100)))
                     + chunk(b"IEND", b""))

    assert unreadable(path) == "huge.png is too large for podwatch to open safely. Ask the buyer for a smaller file."


def test_an_upload_gone_before_it_is_read_says_so(tmp_path):
    assert unreadable(tmp_path / "gone.jpg") == "gone.jpg could not be opened (No such file or directory)."


@pytest.mark.parametrize("kind", ["link", "folder"])
def test_a_link_or_a_folder_is_never_read_as_an_upload(tmp_path, kind):
    path = tmp_path / "art.png"
    if kind == "link":
        path.symlink_to(save(tmp_path, "elsewhere.png", gradient()))
    else:
        path.mkdir()
    assert unreadable(path) == (
        "art.png could not be opened (it is a link or not a plain file, and podwatch never follows links).")


def test_empty_file(tmp_path):
    path = tmp_path / "luna.jpg"
    path.touch()
    assert unreadable(path) == (
        "luna.jpg is empty (0 bytes). The upload probably did not finish; ask the buyer to send it again.")


@pytest.mark.parametrize("name", ["luna.jpg", "luna.png"])
def test_truncated_upload_is_cut_off(tmp_path, name):
    path = save(tmp_path, name, gradient(), **({"quality": 95} if name.endswith("jpg") else {}))
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])

    assert unreadable(path) == (
        f"{name} is cut off: the file ends before the picture does (the upload or sync did not finish). "
        "Ask the buyer to upload it again.")


def test_png_cut_inside_its_header_is_called_damaged(tmp_path):
    path = save(tmp_path, "tiny.png", gradient())
    path.write_bytes(path.read_bytes()[:12])
    assert unreadable(path) == (
        "tiny.png starts like a PNG image but is damaged or cut off, so it cannot be read. "
        "Ask the buyer to upload it again.")


ASK = "Ask the buyer for a JPEG, PNG, WebP or HEIC file."
EXPORT = "Ask the buyer to export it as a PNG at print size."


@pytest.mark.parametrize(
    ("name", "content", "looks_like", "advice"),
    [
        ("notes.jpg", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "a PDF document", EXPORT),
        ("readme.png", b"Hello, please print my cat!\n", "a text file", ASK),
        ("logo.png", b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', "an SVG drawing", EXPORT),
        # What a shared link to a private storage bucket saves instead of the picture.
        ("cat.jpg", b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code></Error>',
         "an XML document", ASK),
        ("photos.jpg", b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(40), "a ZIP archive",
         "Ask the buyer to send the picture itself as a JPEG, PNG, WebP or HEIC file."),
        ("page.jpg", b"<!DOCTYPE html><html><body>Image</body></html>", "a web page",
         "The link probably saved the page instead of the picture. " + ASK),
        # Saved by a Windows editor: a byte-order mark and a blank line before the page.
        ("saved.png", b"\xef\xbb\xbf\r\n<html><body>Image</body></html>", "a web page",
         "The link probably saved the page instead of the picture. " + ASK),
        ("live.heic", b"\x00\x00\x00\x18ftypqt  \x00\x00\x02\x00" + bytes(40), "a video",
         "Ask the buyer for a still picture: a JPEG, PNG, WebP or HEIC file."),
    ],
)
def test_not_an_image_says_what_it_looks_like(tmp_path, name, content, looks_like, advice):
    path = tmp_path / name
    path.write_bytes(content)

    message = unreadable(path)

    assert message == f"{name} is not an image podwatch can read (it looks like {looks_like}). {advice}"


def test_a_sound_file_is_not_an_image(tmp_path):
    # WAV shares WebP's RIFF container; only the form type tells them apart.
    path = tmp_path / "song.jpg"
    path.write_bytes(b"RIFF" + struct.pack("<I", 1000) + b"WAVEfmt " + bytes(range(200)))
    assert unreadable(path) == "song.jpg is not an image podwatch can read. " + ASK


def heic_bytes(tmp_path: Path) -> bytes:
    return heic(tmp_path / "whole.heic", gradient(64, 48)).read_bytes()


def webp_bytes() -> bytes:
    buffer = io.BytesIO()
    gradient(64, 48).save(buffer, "WEBP")
    return buffer.getvalue()


DAMAGED = "the file is damaged or uses a variant podwatch does not support. Ask the buyer to upload it again. " + ASK


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("IMG_0042.heic", lambda tmp_path: heic_bytes(tmp_path)[:200],
         "IMG_0042.heic starts like a HEIC/AVIF image but is damaged or cut off, so it cannot be read. "
         "Ask the buyer to upload it again."),
        ("IMG_0043.heic", lambda tmp_path: heic_bytes(tmp_path)[:-20], "IMG_0043.heic could not be decoded as HEIF: "
         + DAMAGED),
        ("art.webp", lambda tmp_path: webp_bytes()[:30], "art.webp could not be decoded as WebP: " + DAMAGED),
        # A BMP compression Pillow does not know (7 is not in the format).
        ("scan.bmp", lambda tmp_path: bmp_with_compression(7), "scan.bmp could not be decoded as BMP: " + DAMAGED),
        # A format podwatch has no name for (SGI, with a mode it does not have).
        ("render.sgi", lambda tmp_path: struct.pack(">HBBHHHH", 474, 0, 1, 3, 8, 8, 7) + bytes(600),
         "render.sgi could not be decoded: " + DAMAGED),
        # A game texture in a pixel format Pillow does not have: refused in words, not as a podwatch bug.
        ("texture.dds", lambda tmp_path: b"DDS " + struct.pack("<7I", 124, 0x1007, 8, 8, 0, 0, 0) + bytes(44)
         + struct.pack("<2I", 32, 4) + b"ZZZZ" + bytes(240), "texture.dds could not be decoded: " + DAMAGED),
    ],
)
def test_a_damaged_picture_is_named_by_the_kind_of_file_it_starts_like(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content(tmp_path))
    assert unreadable(path) == message


def bmp_with_compression(compression: int) -> bytes:
    buffer = io.BytesIO()
    gradient(8, 8).save(buffer, "BMP")
    data = bytearray(buffer.getvalue())
    struct.pack_into("<I", data, 30, compression)
    return bytes(data)


def test_an_eps_drawing_is_called_a_drawing_even_though_pillow_recognises_it(tmp_path, monkeypatch):
    from PIL import EpsImagePlugin

    monkeypatch.setattr(EpsImagePlugin, "gs_binary", False)  # podwatch never relies on Ghostscript being there
    path = tmp_path / "logo.eps"
    path.write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\nnewpath 0 0 moveto 100 100 lineto stroke\n")

    assert unreadable(path) == (
        "logo.eps is not an image podwatch can read (it looks like a PostScript/EPS drawing). " + EXPORT)


def test_unknown_binary_is_not_an_image(tmp_path):
    path = tmp_path / "blob.jpg"
    path.write_bytes(bytes(range(256)) * 4)
    assert unreadable(path) == "blob.jpg is not an image podwatch can read. " + ASK


# Handles and imports


def assert_closed(path: Path) -> None:
    """Nothing in this process still holds `path` open, so it can be moved to archive/ or failed/
    on every system. Linux lists open files in /proc; elsewhere, renaming an open file fails on
    Windows (and cannot be seen at all on macOS, where this is only a smoke test)."""
    fds = Path("/proc/self/fd")
    if fds.is_dir():
        held = set()
        for fd in fds.iterdir():
            try:
                held.add(os.readlink(fd))
            except OSError:  # the fd listing itself, closed while we look
                pass
        assert str(path) not in held, f"{path.name} is still open"
    os.rename(path, path.with_name("moved-" + path.name))


def test_file_is_closed_after_loading(tmp_path):
    # Two pages: Pillow keeps a multi-frame file open after reading one, for seeking.
    path = save(tmp_path, "move-me.tif", gradient(), save_all=True, append_images=[quadrant_picture()])
    loaded = load(path)
    assert_closed(path)
    assert loaded.image.getpixel((0, 0)) == (0, 0, 0)


def test_file_is_closed_after_a_refusal(tmp_path):
    path = save(tmp_path, "broken.jpg", gradient(600, 400))
    path.write_bytes(path.read_bytes()[:4000])  # the header reads, the pixels are cut off
    unreadable(path)
    assert_closed(path)


def test_importing_loading_stays_cheap():
    code = "import sys, podwatch.prepress.loading; print(sorted({'numpy', 'pillow_heif'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"

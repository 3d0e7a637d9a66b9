"""Print files from podwatch's own PNG writer: every pixel, the DPI and the profile survive, in files
no larger than Pillow's, and a print shop's strictest reader finds nothing to complain about."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pictures
import pytest
from conftest import approve_all, artwork, files_in, make_order, run
from PIL import Image

from podwatch.prepress import png
from podwatch.prepress.printfile import srgb_profile


def written(image: Image.Image, level: int = 4) -> bytes:
    out = io.BytesIO()
    png.write_png(image, out, dpi=300, icc_profile=srgb_profile(), level=level)
    return out.getvalue()


def chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, data) of every chunk, after checking the signature, each length and each CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    found, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        kind, body = data[at + 4:at + 8], data[at + 8:at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length:at + 12 + length])
        assert crc == zlib.crc32(kind + body), f"bad CRC on {kind!r}"
        found.append((kind, body))
        at += 12 + length
    return found


def row_filters(data: bytes, image: Image.Image) -> list[int]:
    raw = zlib.decompress(b"".join(body for kind, body in chunks(data) if kind == b"IDAT"))
    stride = 1 + image.width * len(image.getbands())
    assert len(raw) == stride * image.height
    return list(raw[::stride])


def noisy(size: tuple[int, int], mode: str, seed: int = 1) -> Image.Image:
    rng = np.random.default_rng(seed)
    channels = len(Image.new(mode, (1, 1)).getbands())
    pixels = rng.integers(0, 256, (size[1], size[0], channels), dtype=np.uint8)
    return Image.fromarray(pixels[..., 0] if channels == 1 else pixels, mode)


@pytest.mark.parametrize("mode", ["RGBA", "RGB", "LA", "L"])
@pytest.mark.parametrize("size", [(1, 1), (7, 129), (301, 256), (50, 1000)])
def test_every_pixel_comes_back_exactly(mode, size):
    image = noisy(size, mode)
    data = written(image)
    with Image.open(io.BytesIO(data)) as back:
        assert back.mode == mode and back.size == size
        assert back.tobytes() == image.tobytes()
    kinds = [kind for kind, _ in chunks(data)]
    assert kinds[:4] == [b"IHDR", b"iCCP", b"pHYs", b"IDAT"] and kinds[-1] == b"IEND"


def test_dpi_and_srgb_profile_read_back_like_pillows_own():
    image = pictures.photo((400, 300))
    pillows = io.BytesIO()
    image.save(pillows, "PNG", dpi=(300, 300), icc_profile=srgb_profile())
    with Image.open(io.BytesIO(written(image))) as ours, Image.open(pillows) as theirs:
        assert ours.info["dpi"] == theirs.info["dpi"]
        assert round(ours.info["dpi"][0]) == 300
        assert ours.info["icc_profile"] == srgb_profile()


def test_the_same_pixels_always_give_the_same_bytes():
    image = pictures.photo((640, 480)).convert("RGBA")
    assert written(image) == written(image.copy())


def test_photos_and_flat_art_are_no_larger_than_pillows_default_by_more_than_a_fifth():
    for image in (pictures.photo((1200, 1500)).convert("RGBA"), pictures.logo(900), pictures.line_art((900, 900))):
        pillows = io.BytesIO()
        image.save(pillows, "PNG")
        assert len(written(image)) <= 1.2 * pillows.tell()


def test_a_dither_is_stored_raw_where_differences_would_pack_worse():
    dither = pictures.photo((1200, 1000), seed=3).convert("1").convert("RGB")
    data = written(dither)
    assert set(row_filters(data, dither)) == {0}, "posterized bands keep their raw rows"
    pillows = io.BytesIO()
    dither.save(pillows, "PNG")
    assert len(data) <= 1.1 * pillows.tell()

    photo = pictures.photo((1200, 1000))
    assert set(row_filters(written(photo), photo)) == {2}, "pictures with gradients use the 'up' filter"


def test_other_modes_are_refused_rather_than_written_wrong():
    with pytest.raises(ValueError, match="not P"):
        written(Image.new("P", (10, 10)))


def test_an_approved_order_s_print_file_comes_from_this_writer(root):
    make_order(root, product="tshirt", image=artwork(), ext="png")
    run(root)
    approve_all(root)
    run(root)
    (printed,) = files_in(root.production, "*.png")
    data = printed.read_bytes()
    assert [kind for kind, _ in chunks(data)][:3] == [b"IHDR", b"iCCP", b"pHYs"]
    with Image.open(printed) as image:
        # Opaque art that covers the whole print area has no see-through pixel: no alpha channel.
        assert image.size == (4500, 5400) and image.mode == "RGB"
        assert round(image.info["dpi"][0]) == 300


@pytest.mark.parametrize(("mode", "colour_type"), [("RGBA", 6), ("RGB", 2), ("LA", 4), ("L", 0)])
def test_the_header_and_the_end_are_exactly_what_the_png_standard_asks(mode, colour_type):
    # Strict readers (print shops' RIPs) refuse a compression or filter method other than 0, or
    # an IEND that carries data; Pillow reads both without a word, so the bytes are checked here.
    image = noisy((33, 17), mode)
    found = chunks(written(image))
    assert found[0] == (b"IHDR", struct.pack(">IIBBBBB", 33, 17, 8, colour_type, 0, 0, 0))
    assert found[-1] == (b"IEND", b"")


def test_a_photo_is_deflated_by_isal_and_decodes_to_exactly_its_pixels():
    # ISA-L packs photographs 3x faster than zlib-ng; any PNG reader must still see the same picture.
    photo = pictures.photo((900, 700))
    engines = []
    original = png._engine_for
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(png, "_engine_for", lambda band, level: engines.append(original(band, level)) or engines[-1])
        data = written(photo)
    assert set(engines) == {png.fast} and png.fast is not None, "every band of a photo goes to ISA-L"
    with Image.open(io.BytesIO(data)) as back:
        assert back.tobytes() == photo.tobytes()
    assert zlib.decompress(b"".join(body for kind, body in chunks(data) if kind == b"IDAT")), "one valid zlib stream"


def test_flat_art_stays_with_zlib_ng_where_isal_would_pack_it_twice_as_large():
    for art in (pictures.line_art((900, 900)), pictures.logo(900)):
        band = np.asarray(art)[:png.BAND_ROWS].reshape(png.BAND_ROWS, -1)
        assert png._engine_for(band, 4) is png.deflate
        assert png._engine_for(band, 6) is png.deflate, "above level 4 the seller asked for the smallest files"


def test_a_lone_order_deflates_on_threads_into_the_same_bytes():
    # Bands are deflated on their own and joined, so threads change the time, never the file.
    image = pictures.photo((700, 1100)).convert("RGBA")
    image.paste(pictures.line_art((700, 400)).convert("RGBA"), (0, 600))  # photo bands, then flat ones
    one = written(image)
    out = io.BytesIO()
    png.write_png(image, out, dpi=300, icc_profile=srgb_profile(), level=4, threads=3)
    assert out.getvalue() == one
    with Image.open(io.BytesIO(one)) as back:
        assert back.tobytes() == image.tobytes()


@pytest.mark.parametrize("level", [0, 1, 4, 6, 9])
def test_every_level_a_rule_may_ask_for_gives_the_same_pixels(level):
    image = pictures.photo((300, 400)).convert("RGBA")
    with Image.open(io.BytesIO(written(image, level))) as back:
        assert back.tobytes() == image.tobytes()

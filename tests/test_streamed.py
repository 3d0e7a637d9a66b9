"""An upload too large to hold whole (over 16 megapixels) is read a piece at a time on a canvas or a
poster (issue 17): libvips decodes it into a tiled file in this computer's work area, and the print,
the checks and the proof come out exactly as from the upload decoded whole by Pillow.

The tests lower the size from which an upload is read in pieces, so small pictures take that road."""

from __future__ import annotations

import io
import multiprocessing
import os
import signal
import struct
import subprocess
import sys
import threading

import numpy as np
import pictures
import pytest
from conftest import make_order, run
from PIL import Image
from running import ledger_rows, wait_for

from podwatch.bundled import rules_dir
from podwatch.checks.blocklist import fingerprint
from podwatch.checks.measure import detail_factor, thin_share, views
from podwatch.config.root import Root, init_root
from podwatch.config.rulebook import load_rules
from podwatch.errors import UnreadableUpload
from podwatch.prepress import loading, png, streamed
from podwatch.prepress.loading import LoadedImage, load_image
from podwatch.prepress.printfile import banded_print, print_image
from podwatch.prepress.streamed import StreamedPicture, read_whole

LIMIT = 80_000_000


@pytest.fixture
def streams_from_small(monkeypatch: pytest.MonkeyPatch) -> None:
    """Uploads over 0.1 megapixels are read in pieces (for real: over 16)."""
    monkeypatch.setattr(loading, "STREAM_PIXELS", 100_000)


def both_ways(path, work) -> tuple[LoadedImage, LoadedImage]:
    """The upload decoded whole by Pillow, and read in pieces from `work`."""
    as_whole = load_image(path, max_pixels=LIMIT)
    in_pieces = load_image(path, max_pixels=LIMIT, stream_to=work)
    assert isinstance(as_whole.image, Image.Image)
    assert isinstance(in_pieces.image, StreamedPicture), "read in pieces"
    return as_whole, in_pieces


def opaque(image: Image.Image) -> Image.Image:
    with_alpha = image.convert("RGBA")
    with_alpha.putalpha(255)  # an alpha channel that hides nothing
    return with_alpha


def grey_16() -> Image.Image:
    return Image.fromarray(np.random.default_rng(5).integers(0, 65536, (500, 700)).astype(np.uint16))


def turned(orientation: int) -> dict:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return {"exif": exif.tobytes(), "quality": 90, "dpi": (300, 200)}


def exif_after_the_pixels(path) -> None:
    """Move the PNG's eXIf chunk behind its pixel data, where the PNG format also allows it."""
    data, chunks, at = path.read_bytes(), [], 8
    while at < len(data):
        length = struct.unpack(">I", data[at:at + 4])[0]
        chunks.append(data[at:at + 12 + length])
        at += 12 + length
    exif = next(chunk for chunk in chunks if chunk[4:8] == b"eXIf")
    chunks.remove(exif)
    chunks.insert(len(chunks) - 1, exif)  # just before IEND
    path.write_bytes(data[:8] + b"".join(chunks))


def float_grey(highest: float) -> Image.Image:
    """A floating-point scan whose first rows stay at or under 1.0 whatever its highest value."""
    values = np.asarray(pictures.photo((700, 500)).convert("L"), np.float32) / 255 * highest
    values[:100] = np.minimum(values[:100], 1.0)
    return Image.fromarray(values.astype(np.float32), "F")


def rows_top_down(path) -> None:
    """Store the BMP's rows top row first, which a negative height says (the format allows both)."""
    data = bytearray(path.read_bytes())
    offset, height = struct.unpack_from("<I", data, 10)[0], struct.unpack_from("<i", data, 22)[0]
    stride = (len(data) - offset) // height
    rows = [data[offset + row * stride: offset + (row + 1) * stride] for row in range(height)]
    struct.pack_into("<i", data, 22, -height)
    path.write_bytes(bytes(data[:offset]) + b"".join(reversed(rows)))


UPLOADS = [
    ("photo.png", lambda: pictures.photo((700, 500)), {"dpi": (300, 300)}),
    ("art.png", lambda: pictures.see_through_art((600, 500)), {}),
    ("opaque.png", lambda: opaque(pictures.photo((700, 500))), {}),
    ("grey.png", lambda: pictures.photo((700, 500)).convert("L"), {}),
    ("grey-art.png", lambda: pictures.see_through_art((600, 500)).convert("LA"), {}),
    ("wide-gamut.png", lambda: pictures.photo((700, 500)), {"icc_profile": pictures.swapped_primaries()}),
    ("grey.jpg", lambda: pictures.photo((700, 500)).convert("L"), {"quality": 90}),
    *[(f"phone-{o}.jpg", lambda: pictures.photo((700, 500)), turned(o)) for o in range(1, 9)],
    ("turned.png", lambda: pictures.photo((700, 500)), {"exif": turned(6)["exif"]}),
    ("turned-at-the-end.png", lambda: pictures.photo((700, 500)), {"exif": turned(8)["exif"]}),
    ("scan.tif", lambda: pictures.photo((700, 500)), {"compression": "tiff_lzw", "dpi": (600, 600)}),
    ("turned.tif", lambda: pictures.photo((700, 500)), {"exif": turned(6)["exif"]}),
    ("art.tif", lambda: pictures.see_through_art((600, 500)), {}),
    ("shop.webp", lambda: pictures.photo((700, 500)), {"quality": 80}),
    ("art.webp", lambda: pictures.see_through_art((600, 500)), {"lossless": True}),
    ("sticker.webp", lambda: pictures.see_through_art((600, 500)), {"quality": 80}),  # lossy, with alpha
    ("phone.webp", lambda: pictures.photo((700, 500)), {"quality": 80, "exif": turned(6)["exif"]}),
    ("palette.png", lambda: pictures.photo((700, 500)).convert("P"), {}),
    ("palette-clear.png", lambda: pictures.photo((700, 500)).convert("P"), {"transparency": 0}),
    ("keyed.png", lambda: pictures.photo((700, 500)), {"transparency": (0, 0, 0)}),  # a colour marked see-through
    ("deep.png", None, {}),  # 16 bits a colour, written by hand
    ("deep.tif", None, {}),  # 16 bits a colour, written by libvips (Pillow writes no such TIFF)
    ("deep-alpha.tif", None, {}),
    # 32-bit grey: floats scaled by the whole picture's highest value (0..1 or 0..255), whatever a piece holds.
    ("float.tif", lambda: float_grey(1.0), {}),
    ("float-255.tif", lambda: float_grey(255.0), {}),
    ("int32.tif", lambda: Image.fromarray(np.asarray(pictures.photo((700, 500)).convert("L"), np.int32) * 257), {}),
    ("press.jpg", lambda: pictures.photo((700, 500)).convert("CMYK"), {"quality": 90}),  # a simple formula
    ("press-profile.jpg", lambda: pictures.photo((700, 500)).convert("CMYK"),
     {"icc_profile": pictures.grey_press_profile()}),  # through the printer's profile: grey
    ("press.tif", lambda: pictures.photo((700, 500)).convert("CMYK"), {"compression": "tiff_lzw"}),
    ("scan16.png", lambda: grey_16(), {}),  # a scanner's 16-bit grey, scaled to 8 bits
    ("scan16.tif", lambda: grey_16(), {}),
    ("shop.gif", lambda: pictures.photo((700, 500)).convert("P"), {}),
    ("clear.gif", lambda: pictures.photo((700, 500)).convert("P"), {"transparency": 5}),
    ("iphone.heic", lambda: pictures.photo((700, 500)), {"exif": turned(6)["exif"]}),
    ("art.heic", lambda: pictures.see_through_art((600, 500)), {}),
    # An uncompressed BMP, bottom row first, each row padded to 4 bytes: unpacked by Pillow a strip at a time.
    ("paint.bmp", lambda: pictures.photo((701, 500)), {}),
    ("top-down.bmp", lambda: pictures.photo((701, 500)), {}),
    ("grey.bmp", lambda: pictures.photo((701, 500)).convert("L"), {}),
    ("palette.bmp", lambda: pictures.photo((701, 500)).convert("P"), {}),
    ("line-art.bmp", lambda: pictures.photo((701, 500)).convert("1"), {}),
    ("32-bit.bmp", lambda: opaque(pictures.photo((701, 500))), {}),
    ("photo.tga", lambda: pictures.photo((701, 500)), {}),
    ("art.tga", lambda: pictures.see_through_art((601, 500)), {}),
    ("opaque.tga", lambda: opaque(pictures.photo((701, 500))), {}),
    ("top-down.tga", lambda: pictures.photo((701, 500)), {"orientation": 1}),
    ("photo.ppm", lambda: pictures.photo((701, 500)), {}),
    ("grey.pgm", lambda: pictures.photo((701, 500)).convert("L"), {}),
    # Photoshop: a channel after another, rows PackBits-compressed (or raw), written by hand.
    ("design.psd", lambda: pictures.photo((701, 500)), {}),
    ("raw.psd", lambda: pictures.photo((701, 500)), {"packbits": False}),
    ("art.psd", lambda: pictures.see_through_art((601, 500)), {}),
    ("press.psd", lambda: pictures.photo((701, 500)).convert("CMYK"), {}),
    # Compressed, but one byte a pixel in Pillow: decoded whole, made colours a strip at a time.
    ("palette-rle.tga", lambda: pictures.photo((701, 500)).convert("P"), {"compression": "tga_rle"}),
    ("grey-rle.tga", lambda: pictures.photo((701, 500)).convert("L"), {"compression": "tga_rle"}),
]


@pytest.mark.parametrize(("name", "picture", "save"), UPLOADS, ids=[name for name, _, _ in UPLOADS])
def test_an_upload_read_in_pieces_has_the_pixels_pillow_decodes(tmp_path, streams_from_small, name, picture, save):
    path = tmp_path / name
    if picture is None:
        samples = np.random.default_rng(3).integers(0, 65536, (500, 700, 4 if "alpha" in name else 3))
        if name.endswith(".png"):
            path.write_bytes(pictures.raw_png(700, 500, 2, samples))
        else:
            import pyvips

            pyvips.Image.new_from_array(samples.astype(np.uint16)).copy(interpretation="rgb16").tiffsave(str(path))
    elif name.endswith(".heic"):
        import pillow_heif

        pillow_heif.from_pillow(picture()).save(path, quality=90, **save)
    elif name.endswith(".psd"):
        path.write_bytes(pictures.psd(picture(), **save))
    else:
        picture().save(path, **save)
    if name == "turned-at-the-end.png":
        exif_after_the_pixels(path)
    if name == "top-down.bmp":
        rows_top_down(path)
        assert Image.open(path).tile[0].args[2] == 1, "Pillow reads it top down"
    as_whole, in_pieces = both_ways(path, tmp_path / "work")
    # Upright, in sRGB, with an alpha channel only where something is see-through, as loading makes it.
    assert read_whole(in_pieces.image).tobytes() == as_whole.image.tobytes()
    assert (in_pieces.image.mode, in_pieces.image.size) == (as_whole.image.mode, as_whole.image.size)
    piece = (30, 10, 250, 60)  # a piece is converted as the whole picture is, whatever it holds
    assert in_pieces.image.crop(piece).tobytes() == as_whole.image.crop(piece).tobytes()
    if name in ("turned.png", "turned-at-the-end.png", "turned.tif", "iphone.heic", "phone.webp",
                *(f"phone-{o}.jpg" for o in range(5, 9))):
        assert in_pieces.image.size == (500, 700), "turned upright"
    assert (in_pieces.source_size, in_pieces.dpi, in_pieces.has_alpha) == (
        as_whole.source_size, as_whole.dpi, as_whole.has_alpha)
    assert (in_pieces.source_format, in_pieces.source_mode) == (as_whole.source_format, as_whole.source_mode)
    assert [(f.code, f.message) for f in in_pieces.findings] == [(f.code, f.message) for f in as_whole.findings]
    # The decoded copy is never left in the work area (removed while open, where the system allows).
    assert list((tmp_path / "work").iterdir()) == []


def test_a_profile_is_applied_to_every_piece(tmp_path, streams_from_small):
    # Pure red in a colour space whose red is sRGB's blue: a piece left unconverted would stay red.
    path = tmp_path / "wide.png"
    Image.new("RGB", (800, 600), (255, 0, 0)).save(path, icc_profile=pictures.swapped_primaries())
    _, in_pieces = both_ways(path, tmp_path / "work")
    for box in ((0, 0, 800, 1), (400, 300, 800, 600)):
        red, green, blue = in_pieces.image.crop(box).getpixel((0, 0))
        assert blue > 200 and red < 60, "converted through the upload's profile"


@pytest.mark.parametrize(("name", "picture", "save"), [
    ("under.png", lambda: pictures.photo((300, 300)), {}),  # under the size: decoded whole
    ("rgb-rle.tga", lambda: pictures.photo((700, 500)), {"compression": "tga_rle"}),  # rows not addressable
])
def test_other_uploads_are_decoded_whole(tmp_path, streams_from_small, name, picture, save):
    path = tmp_path / name
    picture().save(path, **save)
    loaded = load_image(path, max_pixels=LIMIT, stream_to=tmp_path / "work")
    assert isinstance(loaded.image, Image.Image)


def test_a_heic_read_in_pieces_is_decoded_outside_the_worker(tmp_path, streams_from_small, monkeypatch):
    """libheif decodes a whole HEIC at about 5.3 bytes a pixel (260 MB for a 48 MP photo): a process of
    its own does it and ends, so the worker never holds that on top of its own memory."""
    import pillow_heif

    path = tmp_path / "iphone.heic"
    pillow_heif.from_pillow(pictures.photo((700, 500))).save(path, quality=90)
    whole = load_image(path, max_pixels=LIMIT).image

    def decoded_here(image):
        raise AssertionError("the HEIC was decoded in the worker's own process")

    monkeypatch.setattr(pillow_heif.HeifImage, "data", property(decoded_here))
    in_pieces = load_image(path, max_pixels=LIMIT, stream_to=tmp_path / "work").image
    assert isinstance(in_pieces, StreamedPicture)
    assert read_whole(in_pieces).tobytes() == whole.tobytes()
    assert list((tmp_path / "work").iterdir()) == [], "the decoded file is gone from the work area"


@pytest.mark.parametrize("pieces", [True, False], ids=["read in pieces", "held whole"])
def test_a_webp_of_any_size_is_decoded_outside_the_worker(tmp_path, monkeypatch, pieces):
    """Pillow's WebP plugin holds about 16 bytes a pixel while it decodes (a 12 MP WebP took a canvas
    worker to 314 MB), libvips' about 8: even a small WebP is decoded, by libwebp alone at 3 bytes a
    pixel, in a process of its own; on a product that holds the upload whole (a mug) it is then read
    back into memory a strip at a time."""
    path = tmp_path / "download.webp"
    pictures.photo((700, 500)).save(path, quality=90, icc_profile=pictures.swapped_primaries())
    whole = load_image(path, max_pixels=LIMIT)
    pixels, mode, size, info = whole.image.tobytes(), whole.image.mode, whole.image.size, whole.image.info

    def decoded_here(*args, **kwargs):
        raise AssertionError("the WebP was decoded in the worker's own process")

    import webp
    from PIL import WebPImagePlugin

    monkeypatch.setattr(webp.WebPData, "decode", decoded_here)
    monkeypatch.setattr(streamed, "_libvips", decoded_here)
    monkeypatch.setattr(WebPImagePlugin.WebPImageFile, "load", decoded_here)
    loaded = load_image(path, max_pixels=LIMIT, stream_to=tmp_path / "work", pieces=pieces)
    if pieces:
        assert isinstance(loaded.image, StreamedPicture), "read in pieces, though under 16 megapixels"
    else:
        assert isinstance(loaded.image, Image.Image), "held whole"
        assert loaded.image.info == info, "with the sRGB profile a whole upload carries"
    assert read_whole(loaded.image).tobytes() == pixels
    assert (loaded.image.mode, loaded.image.size, loaded.findings) == (mode, size, whole.findings)
    assert list((tmp_path / "work").iterdir()) == [], "the decoded file is gone from the work area"


def test_a_decoder_that_never_finishes_is_stopped_and_the_worker_decodes_the_upload(tmp_path, monkeypatch):
    """A decoding process stuck for whatever reason must not hold the order up, nor be left behind.
    Here it sleeps as it starts: every new Python process of this test runs a sitecustomize module
    that does so."""
    path = tmp_path / "download.webp"
    pictures.photo((700, 500)).save(path, quality=90)
    whole = load_image(path, max_pixels=LIMIT).image.tobytes()
    stuck = tmp_path / "stuck"
    stuck.mkdir()
    (stuck / "sitecustomize.py").write_text("import time\ntime.sleep(3600)\n", encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(stuck))
    monkeypatch.setattr(streamed, "DECODE_SECONDS", 1.0)
    loaded = {}
    worker = threading.Thread(target=lambda: loaded.update(
        upload=load_image(path, max_pixels=LIMIT, stream_to=tmp_path / "work")), daemon=True)
    worker.start()
    worker.join(60)
    assert not worker.is_alive(), "the worker is still waiting for its decoder"
    assert isinstance(loaded["upload"].image, Image.Image), "decoded by the worker itself"
    assert loaded["upload"].image.tobytes() == whole
    assert multiprocessing.active_children() == [], "the decoder is stopped, not left running"
    assert list((tmp_path / "work").iterdir()) == []


# A sitecustomize module (run by every new Python process with its folder on PYTHONPATH) that makes
# `import webp` write the process's id and wait: a decoder stuck loading libwebp.
STUCK_LOADING_WEBP = """
import os, sys, time

class StuckOnWebp:
    def find_spec(self, name, path=None, target=None):
        if name == "webp":
            with open({pid_file!r}, "w") as out:
                out.write(str(os.getpid()))
            time.sleep(3600)

sys.meta_path.insert(0, StuckOnWebp())
"""
# A worker's part in it: start the decoding process and wait for it.
DECODES_APART = ("import sys; from pathlib import Path; from podwatch.prepress import streamed; "
                 "streamed._decode_apart('WEBP', Path(sys.argv[1]), sys.argv[2])")


def running(pid: int) -> bool:
    state = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True).stdout.strip()
    return bool(state) and not state.startswith("Z")  # a zombie has ended, waiting only to be reaped


@pytest.mark.skipif(sys.platform == "win32", reason="ps and SIGKILL")
def test_a_decoder_ends_when_its_worker_is_killed(tmp_path):
    """A worker stopped outright (its order overdue, podwatch killed) takes its decoding process
    along at once, stuck or not: nothing left holding a whole picture's memory, or writing into the
    work area later."""
    path = tmp_path / "download.webp"
    pictures.photo((300, 200)).save(path, quality=90)
    stuck, pid_file = tmp_path / "stuck", tmp_path / "decoder.pid"
    stuck.mkdir()
    (stuck / "sitecustomize.py").write_text(STUCK_LOADING_WEBP.format(pid_file=str(pid_file)), encoding="utf-8")
    worker = subprocess.Popen([sys.executable, "-c", DECODES_APART, str(path), str(tmp_path / "decoded.tif")],
                              env={**os.environ, "PYTHONPATH": str(stuck)})
    decoder = 0
    try:
        wait_for(lambda: pid_file.exists() and pid_file.read_text().isdigit() or worker.poll() is not None,
                 timeout=60, what="the decoder to get to libwebp")
        assert worker.poll() is None, "the worker ended before its decoder got to libwebp"
        decoder = int(pid_file.read_text())
        worker.kill()
        worker.wait()
        wait_for(lambda: not running(decoder), timeout=20, what="the decoder to end with its worker")
    finally:
        worker.kill()
        if decoder and running(decoder):
            os.kill(decoder, signal.SIGKILL)


@pytest.mark.parametrize("name", ["cut.png", "cut.jpg", "cut.heic", "cut.bmp", "cut.gif", "cut.webp", "cut.psd"])
def test_a_damaged_upload_is_refused_in_the_words_pillow_gives(tmp_path, streams_from_small, name):
    path = tmp_path / name
    if name.endswith(".heic"):
        import pillow_heif

        pillow_heif.from_pillow(pictures.photo((700, 500))).save(path, quality=90)
    elif name.endswith(".psd"):
        path.write_bytes(pictures.psd(pictures.photo((700, 500))))
    else:
        pictures.photo((700, 500)).save(path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])  # the upload did not finish
    with pytest.raises(UnreadableUpload) as whole:
        load_image(path, max_pixels=LIMIT)
    with pytest.raises(UnreadableUpload) as in_pieces:
        load_image(path, max_pixels=LIMIT, stream_to=tmp_path / "work")
    assert str(in_pieces.value) == str(whole.value)
    if name == "cut.png":
        assert "is cut off: the file ends before the picture does" in str(whole.value)
    assert not (tmp_path / "work").exists() or list((tmp_path / "work").iterdir()) == []


def test_without_a_work_folder_nothing_is_read_in_pieces(tmp_path, streams_from_small):
    path = tmp_path / "photo.png"
    pictures.photo((700, 500)).save(path)
    assert isinstance(load_image(path, max_pixels=LIMIT).image, Image.Image)


@pytest.mark.parametrize("picture", [lambda: pictures.photo((1400, 1000)), lambda: pictures.see_through_art((1300, 1100)),
                                     lambda: pictures.line_art((1200, 1200))], ids=["photo", "art", "line-art"])
def test_the_checks_measure_an_upload_read_in_pieces_as_they_measure_it_whole(tmp_path, streams_from_small, picture):
    path = tmp_path / "upload.png"
    picture().save(path)
    as_whole, in_pieces = both_ways(path, tmp_path / "work")
    seen, measured = views(as_whole.image), views(in_pieces.image)
    assert measured.scale == seen.scale
    for plane in ("rgb", "alpha", "grey"):
        np.testing.assert_array_equal(getattr(measured, plane), getattr(seen, plane), err_msg=plane)
    assert detail_factor(in_pieces.image, measured) == detail_factor(as_whole.image, seen)
    around = None if seen.alpha is not None else (255, 255, 255)  # ink: opacity, or the distance from white
    assert thin_share(in_pieces.image, measured, around, 9.0) == thin_share(as_whole.image, seen, around, 9.0)
    assert fingerprint(in_pieces.image) == fingerprint(as_whole.image)


@pytest.mark.parametrize("picture", [lambda: pictures.photo((2600, 2000)), lambda: pictures.see_through_art((2100, 2600))],
                         ids=["photo", "art"])
def test_a_large_upload_read_in_pieces_has_the_blocklist_fingerprint_it_has_whole(tmp_path, streams_from_small, picture):
    # Over 2048 px a side, its 512 px copy is reduced by whole blocks first, a strip at a time.
    path = tmp_path / "upload.png"
    picture().save(path, compress_level=1)
    as_whole, in_pieces = both_ways(path, tmp_path / "work")
    assert fingerprint(in_pieces.image) == fingerprint(as_whole.image)


def small_poster(folder) -> object:
    """A poster 4 x 12 in at 100 dpi (400 x 1200 px), flattened onto white: three bands of rows."""
    text = (rules_dir() / "poster.toml").read_text()
    text = text.replace("width_in = 18", "width_in = 4").replace("height_in = 24", "height_in = 12")
    text = text.replace("dpi = 300", "dpi = 100").replace('orientation = "either"', 'orientation = "fixed"')
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "poster.toml").write_text(text)
    return load_rules(folder)["poster"]


@pytest.mark.parametrize("size", [
    (300, 500),  # enlarged: scaled across first
    (600, 4000),  # a tall strip shrunk: Pillow scales it down first, and so must each band's rows
    (2600, 1900),  # shrunk more than 6x across: reduce() first
    (1100, 1300),  # a gentle reduction, several bands
    (400, 1200),  # exactly the print size: only flattened
])
@pytest.mark.parametrize("kind", ["photo", "art"])
def test_a_print_made_from_pieces_has_exactly_the_pixels_of_the_print_made_from_the_whole_upload(
        tmp_path, streams_from_small, size, kind):
    rule = small_poster(tmp_path / "rules")
    path = tmp_path / "upload.png"
    (pictures.photo(size) if kind == "photo" else pictures.see_through_art(size)).save(path)
    as_whole, in_pieces = both_ways(path, tmp_path / "work")
    expected = print_image(as_whole.image, rule)
    banded = banded_print(in_pieces.image, rule, proof_side=300)
    out = io.BytesIO()
    png.write_png(banded, out, dpi=100, icc_profile=b"", level=1)
    with Image.open(out) as made:
        assert (made.mode, made.size) == (expected.mode, expected.size) == ("RGB", (400, 1200))
        assert made.tobytes() == expected.tobytes()


def fresh_root(path) -> Root:
    init_root(path)
    root = Root(path)
    root.settings_file.write_text(root.settings_file.read_text().replace("stability_seconds = 5",
                                                                         "stability_seconds = 0"))
    return root


def test_a_canvas_order_with_a_huge_upload_is_made_from_pieces_as_it_is_made_whole(tmp_path, monkeypatch):
    # The same order in two folders: read whole in one, in pieces in the other.
    decoded = []
    real = loading.decode_to_disk
    monkeypatch.setattr(loading, "decode_to_disk", lambda *args, **kw: decoded.append(args[1]) or real(*args, **kw))
    upload = pictures.photo((2000, 1500))
    made = {}
    for road in ("whole", "pieces"):
        root = fresh_root(tmp_path / road)
        (root.rules / "canvas.toml").write_text((root.rules / "canvas.toml").read_text().replace(
            "width_in = 24", "width_in = 6").replace("height_in = 30", "height_in = 7.5").replace(
            "wrap_in = 3", "wrap_in = 0.75"))
        make_order(root, "C1", "canvas", image=upload, name="buyer-photo")
        monkeypatch.setattr(loading, "STREAM_PIXELS", 100_000 if road == "pieces" else 16_000_000)
        assert run(root) == 0
        (row,) = ledger_rows(root, "C1")
        made[road] = row
        assert list(root.review.glob("*proof*.jpg")), "a proof for the seller"
        assert not list(root.work.rglob(".decoded-*")), "nothing decoded left in the work area"
        assert [folder.is_relative_to(root.work) for folder in decoded] == ([True] if road == "pieces" else [])
    assert made["pieces"].sha256 == made["whole"].sha256 != ""
    assert made["pieces"].findings == made["whole"].findings
    assert made["pieces"].state == made["whole"].state

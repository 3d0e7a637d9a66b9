"""Real-looking test pictures drawn on the fly: a photo, logos, line art, a soft shadow."""

from __future__ import annotations

import functools
import io
import struct
import zlib

import numpy as np
from PIL import Image, ImageCms, ImageDraw, ImageFilter, ImageFont, ImageOps


def _kept(draw):
    """Remember what `draw` made for the same arguments (drawing grass and fur takes a moment);
    every caller gets its own copy."""
    cached = functools.lru_cache(maxsize=16)(draw)

    @functools.wraps(draw)
    def copy(*args, **kwargs):
        return cached(*args, **kwargs).copy()

    return copy


def _noise(rng: np.random.Generator, size: tuple[int, int], octaves: int = 5) -> np.ndarray:
    """Fractal value noise in 0..1: grass, foliage, fur."""
    w, h = size
    out = np.zeros((h, w), np.float32)
    amplitude, total = 1.0, 0.0
    for octave in range(octaves):
        cells = 2 ** (octave + 3)
        small = Image.fromarray((rng.random((cells, cells)) * 255).astype(np.uint8))
        out += amplitude * np.asarray(small.resize((w, h), Image.Resampling.BICUBIC), np.float32) / 255
        total += amplitude
        amplitude *= 0.6
    return out / total


@_kept
def photo(size: tuple[int, int] = (2400, 1800), seed: int = 7) -> Image.Image:
    """An outdoor snapshot: a smooth sky, textured grass, a house, a dog, a name sign; `seed` moves them about."""
    rng = np.random.default_rng(seed)
    w, h = size
    horizon = int(h * rng.uniform(0.3, 0.6))
    top, low = rng.uniform([90, 140, 200], [140, 180, 240]), rng.uniform([180, 200, 225], [215, 230, 250])
    sky = np.linspace(top, low, horizon, dtype=np.float32)[:, None, :].repeat(w, 1)
    grass_tex = _noise(rng, (w, h - horizon), octaves=7)[..., None]
    grass = rng.uniform([40, 90, 20], [90, 140, 60]).astype(np.float32) * (0.55 + 0.9 * grass_tex)
    pixels = np.concatenate([sky, grass], axis=0)
    # Fine grain, as every camera sensor leaves.
    pixels += rng.normal(0, 2.5, pixels.shape)
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    u = w / 100
    line = max(1, int(u / 3))
    # A house with a tiled roof and windows, on the left or the right.
    hx = rng.uniform(4, 12) if rng.random() < 0.5 else rng.uniform(55, 62)
    wall = tuple(int(v) for v in rng.uniform([170, 150, 120], [230, 210, 190]))
    draw.rectangle((hx * u, horizon - 22 * u, (hx + 30) * u, horizon + 4 * u), fill=wall, outline=(60, 40, 30), width=line)
    draw.polygon([((hx - 3) * u, horizon - 22 * u), ((hx + 15) * u, horizon - 36 * u), ((hx + 33) * u, horizon - 22 * u)], fill=(150, 50, 40))
    for row in range(10):
        y = horizon - 34 * u + row * 1.2 * u
        draw.line(((hx - 3) * u, y, (hx + 33) * u, y), fill=(110, 35, 30), width=max(1, int(u / 8)))
    for x in (hx + 4, hx + 19):
        draw.rectangle((x * u, horizon - 17 * u, (x + 7) * u, horizon - 9 * u), fill=(40, 60, 90), outline=(240, 240, 240), width=line)
    # A dog: body, head, ear, eye, with fur texture, on the other side.
    dx = 50 if hx < 30 else 5
    fur = _noise(rng, (w, h), octaves=6)
    dog = Image.new("L", size, 0)
    ddraw = ImageDraw.Draw(dog)
    ddraw.ellipse(((dx + 5) * u, horizon + 8 * u, (dx + 35) * u, horizon + 26 * u), fill=255)
    ddraw.ellipse(((dx + 28) * u, horizon - 2 * u, (dx + 44) * u, horizon + 14 * u), fill=255)
    coat_colour = rng.uniform([110, 70, 30], [200, 140, 80]).astype(np.float32)
    coat = np.clip(coat_colour * (0.6 + 0.8 * fur[..., None]), 0, 255).astype(np.uint8)
    image.paste(Image.fromarray(coat), (0, 0), dog)
    draw.ellipse(((dx + 37) * u, horizon + 2 * u, (dx + 39) * u, horizon + 4 * u), fill=(10, 10, 10))
    draw.ellipse(((dx + 29) * u, horizon - 1 * u, (dx + 33) * u, horizon + 7 * u), fill=(90, 55, 25))
    # A hand-painted name sign: crisp lettering.
    sx = rng.uniform(20, 50)
    sy = min(horizon + 30 * u, h - 11 * u)
    draw.rectangle((sx * u, sy, (sx + 30) * u, sy + 10 * u), fill=(245, 240, 225), outline=(50, 30, 20), width=line)
    font = ImageFont.load_default(size=max(10, int(7 * u)))
    name = ["LUNA", "MAX", "BELLA", "COCO", "OTTO"][seed % 5]
    draw.text(((sx + 3) * u, sy + u), name, fill=(30, 30, 120), font=font)
    return image


def blurred(image: Image.Image, radius: float) -> Image.Image:
    return image.filter(ImageFilter.GaussianBlur(radius))


def upscaled(image: Image.Image, factor: float) -> Image.Image:
    """What a buyer gets by enlarging a small picture in a phone editor: same pixels count, no new detail."""
    small = image.resize((round(image.width / factor), round(image.height / factor)), Image.Resampling.LANCZOS)
    return small.resize(image.size, Image.Resampling.BICUBIC)


def washed_out(image: Image.Image, low: int = 150, high: int = 205) -> Image.Image:
    """A faded photo of a print, or a scan with the brightness turned all the way up."""
    return image.point(lambda v: low + v * (high - low) // 255)


def jpeg(image: Image.Image, quality: int = 85, **save) -> Image.Image:
    """`image` after a trip through JPEG, transparency flattened onto white as editors do."""
    if image.mode == "RGBA":
        flat = Image.new("RGBA", image.size, "white")
        flat.alpha_composite(image)
        image = flat
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality, **save)
    buffer.seek(0)
    return Image.open(buffer)


@_kept
def character(size: tuple[int, int] = (1600, 1600), seed: int = 1) -> Image.Image:
    """A cartoon character's face on a patterned backdrop: the kind of licensed art a blocklist holds."""
    rng = np.random.default_rng(seed)
    w, h = size
    back = tuple(int(v) for v in rng.integers(40, 220, 3))
    image = Image.new("RGB", size, back)
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(6, 14))):  # confetti backdrop
        x, y, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0.02, 0.08) * w
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(int(v) for v in rng.integers(0, 255, 3)))
    cx, cy, r = rng.uniform(0.35, 0.65) * w, rng.uniform(0.4, 0.6) * h, rng.uniform(0.18, 0.28) * w
    skin, ears = tuple(int(v) for v in rng.integers(150, 255, 3)), tuple(int(v) for v in rng.integers(0, 90, 3))
    for side in (-1, 1):  # the famous round ears
        ex, ey, er = cx + side * r * rng.uniform(0.8, 1.1), cy - r * rng.uniform(0.8, 1.1), r * rng.uniform(0.45, 0.65)
        draw.ellipse((ex - er, ey - er, ex + er, ey + er), fill=ears)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=skin, outline=(20, 20, 20), width=max(2, w // 200))
    for side in (-1, 1):
        ex, ey = cx + side * r * 0.35, cy - r * 0.15
        draw.ellipse((ex - r * 0.12, ey - r * 0.2, ex + r * 0.12, ey + r * 0.2), fill="white", outline="black", width=max(2, w // 300))
        draw.ellipse((ex - r * 0.06, ey - r * 0.05, ex + r * 0.06, ey + r * 0.15), fill="black")
    draw.ellipse((cx - r * 0.12, cy + r * 0.1, cx + r * 0.12, cy + r * 0.28), fill=(30, 20, 20))
    draw.arc((cx - r * 0.5, cy + r * 0.1, cx + r * 0.5, cy + r * 0.7), 20, 160, fill=(30, 20, 20), width=max(3, w // 150))
    return image


@_kept
def logo(size: int = 600, text: str = "PAWS") -> Image.Image:
    """A bold flat two-colour badge on a transparent background, with anti-aliased edges."""
    scale = 4  # drawn large and reduced, which anti-aliases the edges as design tools do
    big = Image.new("RGBA", (size * scale, size * scale), (0, 0, 0, 0))
    draw = ImageDraw.Draw(big)
    s = size * scale
    draw.ellipse((0.04 * s, 0.04 * s, 0.96 * s, 0.96 * s), fill=(200, 40, 60, 255))
    draw.ellipse((0.16 * s, 0.16 * s, 0.84 * s, 0.84 * s), fill=(255, 235, 200, 255))
    font = ImageFont.load_default(size=int(0.2 * s))
    draw.text((0.5 * s, 0.5 * s), text, fill=(200, 40, 60, 255), font=font, anchor="mm")
    return big.resize((size, size), Image.Resampling.LANCZOS)


def on_canvas(art: Image.Image, canvas: tuple[int, int], at: tuple[float, float] = (0.5, 0.5)) -> Image.Image:
    """`art` pasted on a transparent canvas with its centre at `at` (shares of the canvas)."""
    out = Image.new("RGBA", canvas, (0, 0, 0, 0))
    x = round(at[0] * canvas[0] - art.width / 2)
    y = round(at[1] * canvas[1] - art.height / 2)
    out.alpha_composite(art.convert("RGBA"), (x, y))
    return out


@_kept
def line_art(size: tuple[int, int] = (1800, 1800), line: int = 2, bold: int = 40) -> Image.Image:
    """Flat black art on white: bold shapes, plus a mesh of lines `line` px wide (hairlines when small)."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.rectangle((0.1 * w, 0.1 * h, 0.45 * w, 0.45 * h), outline="black", width=bold)
    draw.ellipse((0.55 * w, 0.1 * h, 0.9 * w, 0.45 * h), outline="black", width=bold)
    for i in range(12):
        x = 0.1 * w + i * 0.8 * w / 11
        draw.line((x, 0.55 * h, x, 0.9 * h), fill="black", width=line)
    for i in range(8):
        y = 0.55 * h + i * 0.35 * h / 7
        draw.line((0.1 * w, y, 0.9 * w, y), fill="black", width=line)
    return image


@_kept
def soft_shadow(size: int = 1500) -> Image.Image:
    """A badge with a blurred drop shadow on transparency: the shadow is half see-through everywhere."""
    badge = logo(int(size * 0.6))
    shadow_alpha = Image.new("L", (size, size), 0)
    ImageDraw.Draw(shadow_alpha).ellipse((0.25 * size, 0.25 * size, 0.85 * size, 0.85 * size), fill=150)
    shadow_alpha = shadow_alpha.filter(ImageFilter.GaussianBlur(size * 0.05))
    out = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    out.putalpha(shadow_alpha)
    out.alpha_composite(badge, (int(0.17 * size), int(0.17 * size)))
    return out


def save_with_metadata(image: Image.Image, path, *, exif: dict | None = None, xmp: dict | None = None,
                       iptc: dict | None = None, xmp_xml: str = "", quality: int = 90) -> None:
    """Save a JPEG carrying authorship metadata as cameras, Lightroom and stock agencies write it.

    `exif`: {tag id: text}; `xmp`: {"dc:creator": text or a list of them, "photoshop:Credit": ...}; `xmp_xml`:
    more XMP elements as written (structures); `iptc`: {(2, 116): text, or bytes as an old program wrote them,
    or a list of them: a record each}.
    """
    tags = Image.Exif()
    for tag, text in (exif or {}).items():
        tags[tag] = text if text.isascii() else text.encode("utf-8")  # as phones and Lightroom write it
    buffer = io.BytesIO()
    options = {"exif": tags.tobytes()} if exif else {}
    if xmp or xmp_xml:
        options["xmp"] = _xmp_packet(xmp or {}, xmp_xml)
    image.convert("RGB").save(buffer, "JPEG", quality=quality, **options)
    data = buffer.getvalue()
    if iptc:
        data = _with_app13(data, iptc)
    with open(path, "wb") as handle:
        handle.write(data)


def _xmp_packet(fields: dict, xml: str = "") -> bytes:
    attributes, elements = [], []
    for name, text in fields.items():
        if name.startswith("dc:"):  # Dublin Core values are lists (creator) or language alternatives (rights)
            kind = "Seq" if name == "dc:creator" else "Alt"
            lang = ' xml:lang="x-default"' if kind == "Alt" else ""
            items = "".join(f"<rdf:li{lang}>{item}</rdf:li>" for item in ([text] if isinstance(text, str) else text))
            elements.append(f"<{name}><rdf:{kind}>{items}</rdf:{kind}></{name}>")
        else:
            attributes.append(f'{name}="{text}"')
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" xmlns:xmpRights="http://ns.adobe.com/xap/1.0/rights/" '
        'xmlns:plus="http://ns.useplus.org/ldf/xmp/1.0/" '
        f'{" ".join(attributes)}>{"".join(elements)}{xml}</rdf:Description></rdf:RDF></x:xmpmeta>'
        '<?xpacket end="w"?>'
    ).encode()


def _with_app13(jpeg_bytes: bytes, fields: dict) -> bytes:
    """Insert a Photoshop APP13 block holding IPTC IIM records after the JFIF header (a list: one record each)."""
    encoded = [(key, value if isinstance(value, bytes) else value.encode())
               for key, values in fields.items() for value in (values if isinstance(values, list) else [values])]
    records = b"".join(b"\x1c" + bytes(key) + len(value).to_bytes(2, "big") + value for key, value in encoded)
    block = b"8BIM" + (0x0404).to_bytes(2, "big") + b"\x00\x00" + len(records).to_bytes(4, "big") + records
    block += b"\x00" * (len(records) % 2)
    payload = b"Photoshop 3.0\x00" + block
    segment = b"\xff\xed" + (len(payload) + 2).to_bytes(2, "big") + payload
    at = 2
    if jpeg_bytes[2:4] == b"\xff\xe0":
        at = 4 + int.from_bytes(jpeg_bytes[4:6], "big")
    return jpeg_bytes[:at] + segment + jpeg_bytes[at:]


def srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def swapped_primaries() -> bytes:
    """The sRGB profile with its red and blue primaries swapped (in its tag table): a picture tagged with it
    is in a colour space where pure red is sRGB's pure blue, so a profile left unused shows in the pixels."""
    profile = bytearray(srgb_profile())
    (count,) = struct.unpack_from(">I", profile, 128)
    entries = {struct.unpack_from(">4s", profile, 132 + 12 * i)[0]: 132 + 12 * i for i in range(count)}
    red, blue = profile[entries[b"rXYZ"] + 4:entries[b"rXYZ"] + 12], profile[entries[b"bXYZ"] + 4:entries[b"bXYZ"] + 12]
    profile[entries[b"rXYZ"] + 4:entries[b"rXYZ"] + 12], profile[entries[b"bXYZ"] + 4:entries[b"bXYZ"] + 12] = blue, red
    return bytes(profile)


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def raw_png(width: int, height: int, colour_type: int, samples: np.ndarray) -> bytes:
    """A 16-bit PNG written by hand, since Pillow cannot save 16-bit RGB(A)."""
    rows = b"".join(b"\x00" + row.astype(">u2").tobytes() for row in samples)
    header = struct.pack(">IIBBBBB", width, height, 16, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def grey_press_profile(name: str = "Grey press") -> bytes:
    """A CMYK printer's profile written by hand (ICC v2, one lut16 table): every ink only darkens, without
    colour, as on a press printing one grey ink. A CMYK picture tagged with it loads grey, which no formula
    would make of it: only the profile can."""

    def s15(value: float) -> bytes:
        return struct.pack(">i", round(value * 65536))

    text = name.encode() + b"\0"
    desc = b"desc" + bytes(4) + struct.pack(">I", len(text)) + text + bytes(4 + 4 + 2 + 1 + 67)
    white = s15(0.9642) + s15(1.0) + s15(0.8249)  # D50
    corners = b""
    for c, m, y, k in np.ndindex(2, 2, 2, 2):  # the first ink varies slowest, as the table wants
        lightness = 100 * (1 - c) * (1 - m) * (1 - y) * (1 - k)
        corners += struct.pack(">3H", round(lightness * 0xFF00 / 100), 0x8000, 0x8000)  # L*, a* = b* = 0
    identity = b"".join(s15(v) for v in (1, 0, 0, 0, 1, 0, 0, 0, 1))
    ramp = struct.pack(">2H", 0, 0xFFFF)
    a2b0 = b"mft2" + bytes(4) + bytes([4, 3, 2, 0]) + identity + struct.pack(">2H", 2, 2) + ramp * 4 + corners + ramp * 3
    tags = [(b"desc", desc), (b"wtpt", b"XYZ " + bytes(4) + white), (b"A2B0", a2b0)]
    table, data, start = b"", b"", 128 + 4 + 12 * len(tags)
    for signature, body in tags:
        body += bytes(-len(body) % 4)
        table += struct.pack(">4sII", signature, start + len(data), len(body))
        data += body
    header = (struct.pack(">I", start + len(data)) + bytes(4) + struct.pack(">I", 0x02100000) + b"prtrCMYKLab "
              + bytes(12) + b"acsp" + bytes(28) + white + bytes(48))
    return header + struct.pack(">I", len(tags)) + table + data


def see_through_art(size: tuple[int, int]) -> Image.Image:
    """Noisy RGBA art, clear at the edges, half see-through across the middle: noise makes any
    difference in scaling show, where a smooth picture would hide it."""
    width, height = size
    pixels = np.random.default_rng(7).integers(0, 256, (height, width, 4), dtype=np.uint8)
    pixels[..., 3] = 0
    pixels[height // 5: height * 4 // 5, width // 6: width * 5 // 6, 3] = 255
    pixels[height // 3: height // 2, :, 3] = 128
    return Image.fromarray(pixels, "RGBA")


def psd(image: Image.Image, packbits: bool = True) -> bytes:
    """A Photoshop file of `image` (RGB, RGBA or CMYK) holding its merged picture only, written by hand
    as Photoshop lays it out (Pillow cannot save one): a channel after another, each row raw or
    PackBits-compressed, CMYK stored inverted."""
    colour_mode = 4 if image.mode == "CMYK" else 3
    channels = [ImageOps.invert(band) if image.mode == "CMYK" else band for band in image.split()]
    width, height = image.size
    header = b"8BPS" + struct.pack(">H6xHIIHH", 1, len(channels), height, width, 8, colour_mode)
    empty_sections = struct.pack(">III", 0, 0, 0)  # colour mode data, image resources, layers
    rows = [band.tobytes()[y * width:(y + 1) * width] for band in channels for y in range(height)]
    if not packbits:
        return header + empty_sections + struct.pack(">H", 0) + b"".join(rows)
    packed = [_packbits(row) for row in rows]
    lengths = b"".join(struct.pack(">H", len(row)) for row in packed)
    return header + empty_sections + struct.pack(">H", 1) + lengths + b"".join(packed)


def _packbits(row: bytes) -> bytes:
    """PackBits: a byte repeated 3 to 128 times as (257 - count, byte), anything else copied in runs of
    up to 128 after (length - 1)."""
    out, at = bytearray(), 0
    while at < len(row):
        repeat = 1
        while at + repeat < len(row) and repeat < 128 and row[at + repeat] == row[at]:
            repeat += 1
        if repeat >= 3:
            out += bytes([257 - repeat, row[at]])
            at += repeat
            continue
        end = at
        while end < len(row) and end - at < 128 and not row[end:end + 3] == bytes([row[end]]) * 3:
            end += 1
        end = max(end, at + 1)
        out += bytes([end - at - 1]) + row[at:end]
        at = end
    return bytes(out)

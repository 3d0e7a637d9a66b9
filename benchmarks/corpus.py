"""A fixed, seeded corpus of the uploads a busy seller gets: phone photos, print-size art, HEIC, logos."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

PHONE = (4032, 3024)  # a 12 MP phone sensor, stored landscape whatever the phone's angle


@dataclass(frozen=True)
class Upload:
    """One order of the corpus: what kind of file, for which product."""

    order_id: str
    product: str
    kind: str  # jpeg | png-art | art-3k | heic | logo
    orientation: int = 1  # EXIF orientation of phone JPEGs
    variant: str = ""

    @property
    def ext(self) -> str:
        return {"jpeg": "jpg", "png-art": "png", "art-3k": "png", "heic": "heic", "logo": "png"}[self.kind]

    @property
    def name(self) -> str:
        return f"{self.order_id}.{self.ext}"


# A weekend's mix, every order printable (a failed order skips its export, which would flatter
# the timings). Phone portraits come as landscape pixels + orientation 6 or 8; a 12 MP photo is
# too small for a canvas in landscape (100 DPI), and a 1500 px logo too small for a shirt.
MIX = [
    ("tshirt", "jpeg", 1, "black / L"), ("tshirt", "jpeg", 6, "white / M"), ("tshirt", "jpeg", 8, "navy / XL"),
    ("tshirt", "jpeg", 3, "heather grey / S"), ("tshirt", "png-art", 1, "black / M"),
    ("tshirt", "png-art", 1, "white / L"), ("tshirt", "heic", 1, "white / S"), ("tshirt", "heic", 1, "red / M"),
    ("mug", "jpeg", 1, ""), ("mug", "jpeg", 6, ""), ("mug", "logo", 1, ""), ("mug", "heic", 1, ""),
    ("mug", "logo", 1, ""), ("poster", "jpeg", 6, ""), ("poster", "heic", 1, ""), ("poster", "png-art", 1, ""),
    ("canvas", "jpeg", 6, ""), ("canvas", "jpeg", 8, ""), ("canvas", "png-art", 1, ""),
]
# Issue 17's set: what most orders of a wall-art shop are. 12 MP phone photos (upright, portrait
# either way, upside down, landscape) and 3000 px art with transparency, onto the poster, the mug
# and the canvas: the largest print files podwatch makes from the smallest uploads that still pass.
PHONE_MIX = [
    (product, kind, orientation, "")
    for product in ("poster", "mug", "canvas")
    for kind, orientation in (("jpeg", 6), ("jpeg", 8), ("jpeg", 1), ("art-3k", 1))
]
# One 12 MP phone photo (portrait) onto every bundled product, smallest print to largest: the
# README's table of what an order costs per product.
LADDER = [(product, "jpeg", 6, variant) for product, variant in (
    ("sticker", ""), ("phonecase", ""), ("mug", ""), ("tote", "natural"), ("tshirt", "white / M"),
    ("poster", ""), ("canvas", ""))]
# name -> (order id letter, orders, products)
SETS = {
    "mixed": ("B", MIX, ("tshirt", "mug", "poster", "canvas")),
    "phone": ("P", PHONE_MIX, ("poster", "mug", "canvas")),
    "ladder": ("L", LADDER, tuple(product for product, *_ in LADDER)),
}
PRODUCTS = SETS["mixed"][2]


def plan(products: tuple[str, ...] | None = None, repeat: int = 1, set_: str = "mixed") -> list[Upload]:
    letter, mix, known = SETS[set_]
    uploads = []
    for r in range(repeat):
        for i, (product, kind, orientation, variant) in enumerate(mix):
            if product in (products or known):
                uploads.append(Upload(f"{letter}{r:02d}{i:02d}", product, kind, orientation, variant))
    return uploads


def write(upload: Upload, folder: Path, seed: int) -> Path:
    """The upload and its order JSON in `folder`; the same seed always makes the same bytes."""
    rng = np.random.default_rng(seed)
    path = folder / upload.name
    if upload.kind == "jpeg":
        photo(rng, PHONE).save(path, "JPEG", quality=90, exif=_orientation(upload.orientation))
    elif upload.kind == "heic":
        import pillow_heif

        pillow_heif.register_heif_opener()
        # iPhones store HEIC upright; the fastest x265 preset keeps the corpus quick to build.
        photo(rng, (PHONE[1], PHONE[0])).save(path, "HEIF", quality=70, enc_params={"preset": "ultrafast"})
    elif upload.kind == "png-art":
        art(rng, (4800, 6000)).save(path, "PNG", dpi=(300, 300))
    elif upload.kind == "art-3k":  # 125 DPI on the canvas: above its 120 minimum, below its 180 warning
        art(rng, (3000, 3750)).save(path, "PNG", dpi=(300, 300))
    else:
        art(rng, (1500, 1500), shapes=6, portrait=False).save(path, "PNG")
    order = {"order_id": upload.order_id, "product": upload.product, "variant": upload.variant,
             "personalization": {"name": "Luna"}, "files": [upload.name]}
    (folder / f"{upload.order_id}.json").write_text(json.dumps(order), encoding="utf-8")
    return path


def photo(rng: np.random.Generator, size: tuple[int, int]) -> Image.Image:
    """Something that compresses like a phone photo: soft light, a subject, texture and sensor noise."""
    w, h = size
    light = Image.fromarray(rng.integers(30, 230, (6, 8, 3), dtype=np.uint8)).resize(size, Image.Resampling.BICUBIC)
    texture = Image.fromarray(rng.integers(0, 255, (h // 16, w // 16), dtype=np.uint8))
    texture = texture.resize(size, Image.Resampling.BICUBIC).filter(ImageFilter.GaussianBlur(3))
    image = Image.blend(light, Image.merge("RGB", [texture] * 3), 0.18)
    draw = ImageDraw.Draw(image)
    for _ in range(5):  # the dog, the ball, the sofa…
        x, y = rng.integers(0, w), rng.integers(0, h)
        r = int(rng.integers(min(size) // 10, min(size) // 3))
        draw.ellipse((x - r, y - r * 0.8, x + r, y + r * 0.8), fill=tuple(int(v) for v in rng.integers(0, 255, 3)))
    image = image.filter(ImageFilter.GaussianBlur(2))
    noise = rng.normal(0, 4, (h, w, 3))
    return Image.fromarray(np.clip(np.asarray(image, dtype=np.int16) + noise, 0, 255).astype(np.uint8))


def art(rng: np.random.Generator, size: tuple[int, int], shapes: int = 14, portrait: bool = True) -> Image.Image:
    """Artwork as designers export it: a pet portrait in a circle (or a flat disc for a logo),
    flat shapes, lettering, transparent around."""
    w, h = size
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    box = (int(w * 0.1), int(h * 0.15), int(w * 0.9), int(h * 0.75))
    disc = Image.new("L", (box[2] - box[0], box[3] - box[1]), 0)
    ImageDraw.Draw(disc).ellipse((0, 0, *disc.size), fill=255)
    fill = photo(rng, disc.size) if portrait else Image.new("RGB", disc.size, (30, 60, 120))
    image.paste(fill, box[:2], disc)
    for _ in range(shapes):
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        r = int(rng.integers(min(size) // 20, min(size) // 6))
        colour = (*(int(v) for v in rng.integers(0, 255, 3)), 255)
        if rng.random() < 0.5:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
        else:
            draw.regular_polygon((x, y, r), int(rng.integers(3, 8)), rotation=int(rng.integers(0, 90)), fill=colour)
    font = _font(h // 9)
    draw.text((w // 2, int(h * 0.86)), "LUNA 2024", font=font, fill=(20, 20, 20, 255), anchor="mm",
              stroke_width=max(2, h // 300), stroke_fill=(255, 255, 255, 255))
    return image


def _font(size: int):
    for name in ("DejaVuSans-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def _orientation(value: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = value
    return exif.tobytes()

"""Regenerate sample_inbox/: eight deterministic demo orders that look like what a POD seller receives."""

from __future__ import annotations

import csv
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "sample_inbox"

# Small files matter more than pristine pixels: the samples live in git.
JPEG = {"quality": 82, "optimize": True}
PNG = {"optimize": True}
EXIF_ORIENTATION = 0x0112
Color = tuple[int, ...]


# --- drawing helpers -------------------------------------------------------------------------


def font(size: int) -> ImageFont.FreeTypeFont:
    # Scalable since Pillow 10.1; the samples need no font files of their own.
    return ImageFont.load_default(size=size)


def vertical_gradient(size: tuple[int, int], stops: list[tuple[float, Color]]) -> np.ndarray:
    """An H x W x 3 float array blending the (position 0..1, colour) stops from top to bottom."""
    width, height = size
    ys = np.linspace(0.0, 1.0, height)
    positions = [p for p, _ in stops]
    column = np.stack([np.interp(ys, positions, [c[i] for _, c in stops]) for i in range(3)], axis=-1)
    return np.repeat(column[:, None, :], width, axis=1)


def photo_finish(image: Image.Image, rng: np.random.Generator, grain: float, blur: float = 0.8) -> Image.Image:
    """Soften the drawn edges and add sensor grain, so the picture compresses like a photo."""
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    pixels = np.asarray(image, dtype=np.float32)
    pixels += rng.normal(0.0, grain, pixels.shape[:2])[..., None]  # luminance grain
    pixels += rng.normal(0.0, grain * 0.4, pixels.shape)  # a little chroma grain
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def ellipse_points(center: tuple[float, float], axes: tuple[float, float], angle: float, n: int = 96):
    """Polygon points of an ellipse with half-axes `axes`, turned by `angle` degrees."""
    cx, cy = center
    a, b = axes
    t = np.linspace(0, 2 * math.pi, n, endpoint=False)
    turn = math.radians(angle)
    xs = cx + a * np.cos(t) * math.cos(turn) - b * np.sin(t) * math.sin(turn)
    ys = cy + a * np.cos(t) * math.sin(turn) + b * np.sin(t) * math.cos(turn)
    return list(zip(xs.tolist(), ys.tolist()))


def oval(draw: ImageDraw.ImageDraw, cx: float, cy: float, rx: float, ry: float, fill, angle: float = 0) -> None:
    if angle:
        draw.polygon(ellipse_points((cx, cy), (rx, ry), angle), fill=fill)
    else:
        draw.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=fill)


def ridge(rng: np.random.Generator, width: int, base: float, amplitude: float, smooth: int) -> np.ndarray:
    """A smooth random skyline (one y value per column) for hills and mountains."""
    steps = rng.normal(0.0, 1.0, width + 2 * smooth).cumsum()
    kernel = np.hanning(2 * smooth + 1)
    line = np.convolve(steps, kernel / kernel.sum(), mode="same")[smooth:-smooth]
    line = (line - line.mean()) / (np.ptp(line) or 1.0)
    return base + amplitude * line


def fill_below(canvas: np.ndarray, skyline: np.ndarray, top: Color, bottom: Color) -> None:
    """Paint everything under `skyline` with a vertical blend from `top` to `bottom`."""
    height = canvas.shape[0]
    ys = np.arange(height)[:, None]
    mask = ys >= skyline[None, :]
    shade = np.clip((ys - skyline.min()) / max(height - skyline.min(), 1), 0, 1)
    colour = np.asarray(top, np.float32) * (1 - shade[..., None]) + np.asarray(bottom, np.float32) * shade[..., None]
    canvas[mask] = np.broadcast_to(colour, canvas.shape)[mask]


def glow(size: tuple[int, int], center: tuple[float, float], radius: float, colour: Color, blur: float) -> Image.Image:
    """A soft light (sun, lamp, window) as an RGBA layer."""
    layer = Image.new("RGBA", size, colour + (0,))
    ImageDraw.Draw(layer).ellipse(
        (center[0] - radius, center[1] - radius, center[0] + radius, center[1] + radius), fill=colour + (255,)
    )
    return layer.filter(ImageFilter.GaussianBlur(blur))


# --- the pictures ----------------------------------------------------------------------------


def living_room(size: tuple[int, int]) -> Image.Image:
    """A blurry, warm living room behind the pet: wall, window light, sofa, wooden floor."""
    width, height = size
    small = (width // 4, height // 4)  # drawn small and blurred: it is out of focus anyway
    sw, sh = small
    wall = vertical_gradient(small, [(0, (214, 196, 170)), (0.6, (190, 168, 140)), (0.62, (150, 112, 78)), (1, (110, 78, 52))])
    room = Image.fromarray(wall.astype(np.uint8), "RGB").convert("RGBA")
    room.alpha_composite(glow(small, (sw * 0.85, sh * 0.18), sw * 0.22, (255, 246, 222), sw * 0.08))
    draw = ImageDraw.Draw(room)
    for i in range(9):  # floorboards
        y = int(sh * 0.62 + i * sh * 0.05 * (1 + i * 0.25))
        draw.line((0, y, sw, y), fill=(92, 62, 40, 255), width=2)
    draw.rounded_rectangle((-sw * 0.1, sh * 0.34, sw * 1.1, sh * 0.72), radius=sw * 0.08, fill=(86, 104, 124, 255))
    draw.rounded_rectangle((-sw * 0.1, sh * 0.30, sw * 0.3, sh * 0.55), radius=sw * 0.06, fill=(98, 118, 140, 255))
    draw.rounded_rectangle((sw * 0.72, sh * 0.30, sw * 1.1, sh * 0.55), radius=sw * 0.06, fill=(98, 118, 140, 255))
    oval(draw, sw * 0.15, sh * 0.45, sw * 0.12, sh * 0.08, (196, 120, 64, 255), angle=-12)  # a cushion
    room = room.filter(ImageFilter.GaussianBlur(sw * 0.012))
    return room.convert("RGB").resize(size, Image.Resampling.BICUBIC)


def dog_layer(size: tuple[int, int]) -> Image.Image:
    """A friendly cartoon dog head and chest, transparent around it."""
    width, height = size
    u = width / 2400  # everything below is laid out for a 2400 px wide picture
    cx, cy = width / 2, height * 0.48
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    tan, light, dark, cream = (196, 142, 84, 255), (226, 184, 128, 255), (112, 66, 34, 255), (244, 230, 206, 255)

    oval(draw, cx, cy + 1250 * u, 820 * u, 820 * u, tan)  # chest, running off the bottom
    oval(draw, cx, cy + 1150 * u, 380 * u, 560 * u, cream)
    draw.arc((cx - 560 * u, cy + 240 * u, cx + 560 * u, cy + 760 * u), 20, 160, fill=(200, 40, 50, 255), width=int(70 * u))
    oval(draw, cx + 60 * u, cy + 770 * u, 70 * u, 70 * u, (232, 190, 60, 255))  # name tag
    oval(draw, cx - 560 * u, cy + 60 * u, 190 * u, 470 * u, dark, angle=18)  # floppy ears
    oval(draw, cx + 560 * u, cy + 60 * u, 190 * u, 470 * u, dark, angle=-18)
    oval(draw, cx, cy, 600 * u, 560 * u, tan)  # head
    oval(draw, cx, cy - 330 * u, 110 * u, 260 * u, light)  # blaze on the forehead
    oval(draw, cx, cy + 250 * u, 340 * u, 250 * u, cream)  # muzzle
    for side in (-1, 1):
        ex = cx + side * 230 * u
        oval(draw, ex, cy - 150 * u, 70 * u, 30 * u, light)  # eyebrow spots
        oval(draw, ex, cy - 40 * u, 78 * u, 92 * u, (40, 26, 18, 255))
        oval(draw, ex - 22 * u, cy - 72 * u, 24 * u, 24 * u, (255, 255, 255, 255))
    oval(draw, cx, cy + 330 * u, 70 * u, 80 * u, (214, 92, 110, 255))  # tongue
    oval(draw, cx, cy + 150 * u, 120 * u, 80 * u, (30, 22, 20, 255))  # nose
    oval(draw, cx - 35 * u, cy + 125 * u, 30 * u, 16 * u, (120, 110, 110, 255))
    for side in (-1, 1):
        x0 = cx + (0 if side > 0 else -200 * u)
        draw.arc((x0, cy + 140 * u, x0 + 200 * u, cy + 300 * u), 20, 160, fill=(70, 44, 30, 255), width=int(14 * u))
    return layer


def pet_photo(size: tuple[int, int], seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    photo = living_room(size).convert("RGBA")
    dog = dog_layer(size)
    shadow = Image.new("RGBA", size, (30, 20, 10, 0))
    shadow.putalpha(dog.getchannel("A").point(lambda a: a * 90 // 255))
    photo.alpha_composite(shadow.filter(ImageFilter.GaussianBlur(size[0] * 0.02)), (int(size[0] * 0.015), int(size[0] * 0.02)))
    photo.alpha_composite(dog)
    # Window light from the upper right.
    light = glow(size, (size[0] * 0.9, size[1] * 0.1), size[0] * 0.35, (255, 238, 205), size[0] * 0.2)
    light.putalpha(light.getchannel("A").point(lambda a: a // 3))
    photo.alpha_composite(light)
    return photo_finish(photo.convert("RGB"), rng, grain=2.6, blur=1.0)


def scenic_photo(size: tuple[int, int], seed: int, palette: dict) -> Image.Image:
    """Sky, sun, clouds and layered hills with atmospheric haze: a holiday snapshot."""
    rng = np.random.default_rng(seed)
    width, height = size
    canvas = vertical_gradient(size, palette["sky"]).astype(np.float32)
    sky = Image.fromarray(canvas.astype(np.uint8), "RGB").convert("RGBA")
    sun = palette["sun"]
    sky.alpha_composite(glow(size, (width * sun[0], height * sun[1]), width * 0.16, palette["sun_glow"], width * 0.12))
    sky.alpha_composite(glow(size, (width * sun[0], height * sun[1]), width * 0.055, (255, 250, 232), width * 0.006))
    clouds = Image.new("RGBA", size, (255, 255, 255, 0))
    draw = ImageDraw.Draw(clouds)
    for _ in range(7):
        x, y = rng.uniform(-0.1, 1.1) * width, rng.uniform(0.06, 0.32) * height
        for _ in range(5):
            oval(draw, x + rng.normal(0, width * 0.05), y + rng.normal(0, height * 0.01),
                 width * rng.uniform(0.05, 0.11), height * rng.uniform(0.012, 0.025), (255, 255, 255, 120))
    sky.alpha_composite(clouds.filter(ImageFilter.GaussianBlur(width * 0.012)))
    canvas = np.asarray(sky.convert("RGB"), dtype=np.float32).copy()
    for base, amplitude, smooth, top, bottom in palette["layers"]:
        skyline = ridge(rng, width, base * height, amplitude * height, max(4, int(smooth * width)))
        fill_below(canvas, skyline, top, bottom)
    image = Image.fromarray(np.clip(canvas, 0, 255).astype(np.uint8), "RGB")
    return photo_finish(image, rng, grain=palette.get("grain", 2.5), blur=width / 1800)


LAKE_HILLS = {
    "sky": [(0, (58, 104, 170)), (0.45, (150, 186, 220)), (0.62, (246, 214, 170))],
    "sun": (0.7, 0.36),
    "sun_glow": (255, 214, 150),
    "layers": [  # (skyline at, height of relief, smoothness, colour at top, colour at bottom)
        (0.52, 0.10, 0.05, (124, 140, 170), (150, 160, 178)),
        (0.62, 0.07, 0.04, (92, 122, 104), (120, 140, 118)),
        (0.72, 0.06, 0.03, (70, 110, 60), (92, 120, 64)),
        (0.86, 0.05, 0.02, (54, 84, 40), (40, 60, 30)),
    ],
}

BEACH_SUNSET = {
    "sky": [(0, (70, 60, 120)), (0.35, (210, 110, 110)), (0.55, (250, 180, 110))],
    "sun": (0.45, 0.5),
    "sun_glow": (255, 190, 120),
    "layers": [
        (0.56, 0.004, 0.2, (60, 80, 120), (110, 110, 150)),  # sea
        (0.8, 0.02, 0.08, (214, 180, 140), (190, 150, 110)),  # sand
    ],
    "grain": 4.0,
}


def bokeh_photo(size: tuple[int, int], seed: int) -> Image.Image:
    """City lights at night, out of focus: a favourite phone-case photo."""
    rng = np.random.default_rng(seed)
    width, height = size
    base = vertical_gradient(size, [(0, (14, 16, 40)), (0.6, (40, 22, 60)), (1, (12, 10, 22))])
    photo = Image.fromarray(base.astype(np.uint8), "RGB").convert("RGBA")
    lights = [(255, 196, 90), (255, 120, 80), (120, 180, 255), (255, 230, 170), (200, 120, 255)]
    for layer_blur, count, radius in ((width * 0.02, 40, width * 0.09), (width * 0.006, 70, width * 0.045)):
        layer = Image.new("RGBA", size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(layer)
        for _ in range(count):
            x, y, r = rng.uniform(0, width), rng.normal(0.55, 0.2) * height, radius * rng.uniform(0.4, 1.0)
            colour = lights[rng.integers(len(lights))]
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour + (int(rng.uniform(60, 170)),))
        photo.alpha_composite(layer.filter(ImageFilter.GaussianBlur(layer_blur)))
    return photo_finish(photo.convert("RGB"), rng, grain=3.0, blur=0)


def mug_lettering(size: tuple[int, int]) -> Image.Image:
    """Transparent Father's Day lettering for a full mug wrap; motifs sit clear of the handle."""
    width, height = size
    art = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(art)
    navy, orange, white = (28, 48, 92, 255), (236, 122, 44, 255), (255, 255, 255, 255)
    cx = width / 2
    draw.rounded_rectangle((cx - 800, 370, cx + 800, 670), radius=60, fill=orange)
    draw.polygon([(cx - 800, 430), (cx - 900, 520), (cx - 800, 610)], fill=(200, 96, 30, 255))
    draw.polygon([(cx + 800, 430), (cx + 900, 520), (cx + 800, 610)], fill=(200, 96, 30, 255))
    draw.text((cx, 230), "WORLD'S BEST", font=font(150), fill=navy, anchor="mm")
    draw.text((cx, 520), "GRANDPA JOE", font=font(220), fill=white, anchor="mm", stroke_width=9, stroke_fill=navy)
    # The scalable default font (Aileron) has a middle dot but no bullet or dashes.
    draw.text((cx, 820), "Happy Father's Day  \u00b7  16 June 2024", font=font(92), fill=navy, anchor="mm")
    for mx in (250, width - 250):  # a moustache and glasses on each side, clear of the banner
        oval(draw, mx - 110, 560, 120, 46, navy, angle=14)
        oval(draw, mx + 110, 560, 120, 46, navy, angle=-14)
        for gx in (mx - 110, mx + 110):
            draw.ellipse((gx - 90, 300, gx + 90, 470), outline=navy, width=22)
        draw.arc((mx - 40, 330, mx + 40, 410), 200, 340, fill=navy, width=18)
    for sx, sy, r in ((cx - 760, 150, 46), (cx + 760, 150, 46), (cx - 600, 880, 30), (cx + 600, 880, 30)):
        star(draw, sx, sy, r, orange)
    return art


def star(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, fill) -> None:
    points = []
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.45
        angle = math.pi / 2 + i * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy - radius * math.sin(angle)))
    draw.polygon(points, fill=fill)


def bakery_logo(size: tuple[int, int]) -> Image.Image:
    """A round bakery badge on plain white: the JPEG a buyer sends instead of a cut-out PNG."""
    width, height = size
    logo = Image.new("RGB", size, (255, 255, 255))
    draw = ImageDraw.Draw(logo)
    cx, cy = width / 2, height / 2
    coral, cream, brown, yellow = (232, 104, 88), (252, 240, 214), (96, 58, 36), (248, 190, 50)
    draw.ellipse((cx - 520, cy - 520, cx + 520, cy + 520), fill=coral)
    draw.ellipse((cx - 450, cy - 450, cx + 450, cy + 450), fill=cream)
    for i in range(12):  # sun rays
        a = i * math.pi / 6
        tip = (cx + 270 * math.cos(a), cy - 120 - 270 * math.sin(a))
        left = (cx + 150 * math.cos(a + 0.2), cy - 120 - 150 * math.sin(a + 0.2))
        right = (cx + 150 * math.cos(a - 0.2), cy - 120 - 150 * math.sin(a - 0.2))
        draw.polygon([tip, left, right], fill=yellow)
    draw.ellipse((cx - 160, cy - 280, cx + 160, cy + 40), fill=yellow)
    oval(draw, cx, cy - 120, 100, 100, (255, 255, 255))  # an egg, sunny side up
    oval(draw, cx, cy - 120, 46, 46, (250, 160, 30))
    draw.text((cx, cy + 220), "SUNNY SIDE", font=font(110), fill=brown, anchor="mm")
    draw.text((cx, cy + 320), "BAKERY \u00b7 EST. 2019", font=font(54), fill=coral, anchor="mm")
    return logo.filter(ImageFilter.GaussianBlur(0.6))


def lemon_pattern(size: tuple[int, int], seed: int) -> Image.Image:
    """Flat repeating art: lemons and leaves on a pastel ground."""
    rng = np.random.default_rng(seed)
    width, height = size
    art = Image.new("RGB", size, (206, 232, 222))
    draw = ImageDraw.Draw(art)
    step = 300
    for row, y in enumerate(range(-step, height + step, step)):
        for x in range(-step, width + step, step):
            x0 = x + (step // 2 if row % 2 else 0)
            turn = float(rng.uniform(-40, 40))
            oval(draw, x0 + 70, y - 40, 70, 26, (70, 140, 80), angle=turn - 30)
            oval(draw, x0 - 60, y - 50, 64, 24, (56, 120, 70), angle=turn + 40)
            oval(draw, x0, y, 100, 76, (250, 212, 60), angle=turn)
            tip = ellipse_points((x0, y), (112, 22), turn, n=4)
            draw.polygon([tip[0], tip[1], tip[2], tip[3]], fill=(250, 212, 60))
            oval(draw, x0 - 30, y - 22, 30, 14, (255, 236, 140), angle=turn)
            oval(draw, x0 + step / 2, y + step / 2, 14, 14, (255, 255, 255))
    return art


def tote_art(size: tuple[int, int]) -> Image.Image:
    """Transparent line-art for a tote: books, a potted plant and hand lettering."""
    width, height = size
    art = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(art)
    ink, green, vein, terracotta = (34, 52, 44, 255), (62, 128, 84, 255), (128, 186, 136, 255), (198, 104, 70, 255)
    cx = width / 2
    pot_top = 700
    for lean, length in ((-1.0, 330), (-0.45, 420), (0.45, 420), (1.0, 330), (0.0, 480)):
        angle = math.degrees(math.atan2(-length, lean * 300))
        tip_x, tip_y = cx + lean * 300, pot_top - 60 - length
        draw.line((cx, pot_top - 40, tip_x, tip_y + 80), fill=ink, width=10)
        oval(draw, tip_x, tip_y, 95, 145, green, angle=angle + 90)
        dx, dy = math.cos(math.radians(angle)) * 120, math.sin(math.radians(angle)) * 120
        draw.line((tip_x - dx, tip_y - dy, tip_x + dx, tip_y + dy), fill=vein, width=9)
    draw.polygon([(cx - 170, pot_top), (cx + 170, pot_top), (cx + 130, 940), (cx - 130, 940)], fill=terracotta, outline=ink, width=10)
    draw.rectangle((cx - 195, pot_top - 55, cx + 195, pot_top), fill=terracotta, outline=ink, width=10)
    books = ((860, (160, 70, 70, 255)), (760, (90, 120, 160, 255)), (820, (214, 160, 60, 255)))
    for i, (w, colour) in enumerate(books):
        top = 945 + i * 115
        draw.rounded_rectangle((cx - w / 2, top, cx + w / 2, top + 105), radius=14, fill=colour, outline=ink, width=10)
        draw.line((cx - w / 2 + 40, top + 52, cx + w / 2 - 120, top + 52), fill=ink, width=6)
    draw.text((cx, 1470), "BOOKS & PLANTS", font=font(200), fill=ink, anchor="mm")
    draw.text((cx, 1690), "read more \u00b7 grow more", font=font(110), fill=green, anchor="mm")
    return art


# --- the orders ------------------------------------------------------------------------------


def photo_exif(orientation: int = 1) -> Image.Exif:
    """What a phone writes: maker, model, time and the sensor's orientation."""
    exif = Image.Exif()
    exif[0x010F] = "Apple"
    exif[0x0110] = "iPhone 13"
    exif[0x0132] = "2024:05:01 18:22:10"
    exif[EXIF_ORIENTATION] = orientation
    return exif


def sidecar(order_id: str, product: str, variant: str, files: list[str] | None, customer: tuple[str, str], **extra) -> dict:
    order = {"order_id": order_id, "product": product, "variant": variant, "quantity": extra.pop("quantity", 1)}
    if "personalization" in extra:
        order["personalization"] = extra.pop("personalization")
    if files is not None:
        order["files"] = files
    if "instructions" in extra:
        order["instructions"] = extra.pop("instructions")
    name, email = customer
    order["customer"] = {"name": name, "email": email}
    order.update(extra)  # shop-specific keys are kept by podwatch and passed on
    return order


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def order_1001(out: Path) -> None:
    pet_photo((2400, 2880), seed=1001).save(out / "IMG_4821.jpg", exif=photo_exif(), dpi=(72, 72), **JPEG)
    write_json(out / "1001.json", sidecar(
        "1001", "tshirt", "black / L", ["IMG_4821.jpg"], ("Ana Morales", "ana.morales@example.com"),
        personalization={"name": "Luna"}, shop="etsy", ordered_at="2024-05-02T09:14:00Z",
    ))


def order_1002(out: Path) -> None:
    mug_lettering((2700, 1050)).save(out / "1002.png", **PNG)
    write_json(out / "1002.json", sidecar(
        "1002", "mug", "white", None, ("Mia Thompson", "mia.t@example.com"), quantity=2,
        personalization={"name": "Grandpa Joe", "date": "2024-06-16"}, shop="shopify",
        ordered_at="2024-06-03T17:40:00Z", gift_message="Love you, Grandpa!",
    ))


def order_1003(out: Path) -> None:
    scenic_photo((600, 800), seed=1003, palette=BEACH_SUNSET).save(out / "1003.jpg", dpi=(72, 72), **JPEG)
    write_json(out / "1003.json", sidecar(
        "1003", "poster", "18x24 matte", None, ("Daniel Kim", "dkim@example.com"),
        shop="etsy", ordered_at="2024-05-04T11:02:00Z",
    ))


def order_1004(out: Path) -> None:
    bakery_logo((1200, 1200)).save(out / "1004.jpg", dpi=(300, 300), **JPEG)
    write_json(out / "1004.json", sidecar(
        "1004", "sticker", "white", None, ("Sunny Side Bakery", "orders@sunnyside.example.com"), quantity=50,
        shop="shopify", ordered_at="2024-05-05T08:30:00Z",
    ))


def order_1005(out: Path) -> None:
    upright = scenic_photo((2880, 3600), seed=1005, palette=LAKE_HILLS)
    # The phone stored the sensor's landscape pixels and a tag saying "turn 90° clockwise to view".
    sideways = upright.transpose(Image.Transpose.ROTATE_90)
    sideways.save(out / "1005.jpg", exif=photo_exif(orientation=6), dpi=(72, 72), **JPEG)
    write_json(out / "1005.json", sidecar(
        "1005", "canvas", "18x24", None, ("Priya Shah", "priya.shah@example.com"),
        shop="etsy", ordered_at="2024-05-06T20:15:00Z",
    ))


def order_1006(out: Path) -> None:
    folder = out / "etsy-1006"
    folder.mkdir()
    bokeh_photo((1000, 2000), seed=1006).save(folder / "front.jpg", exif=photo_exif(), dpi=(72, 72), **JPEG)
    lemon_pattern((1200, 2500), seed=1006).save(folder / "pattern.png", **PNG)
    write_json(folder / "order.json", sidecar(
        "1006", "phonecase", "iPhone 15", None, ("Lucas Ferreira", "lucas.f@example.com"),
        shop="etsy", ordered_at="2024-05-07T13:05:00Z",
        note="one case per picture: the city-lights photo and the lemon pattern",
    ))


def order_1007(out: Path) -> None:
    tote_art((2000, 1900)).save(out / "1007.png", **PNG)
    write_json(out / "1007.json", sidecar(
        "1007", "tote", "natural", None, ("Grace O'Neill", "grace.oneill@example.com"),
        instructions="please make the text a bit bigger", shop="etsy", ordered_at="2024-05-08T10:45:00Z",
    ))


def order_1008(out: Path) -> None:
    # A name-only mug: no upload at all, only the buyer's names and a US-style date to print.
    write_json(out / "1008.json", sidecar(
        "1008", "namemug", "white", [], ("Zoë Martin", "zoe.martin@example.com"),
        personalization={"name": "Zoë & José", "date": "05/01/2024"}, shop="etsy", ordered_at="2024-05-09T16:20:00Z",
    ))


ETSY_COLUMNS = [
    "Sale Date", "Item Name", "Buyer", "Quantity", "Price", "Coupon Code", "Coupon Details", "Discount Amount",
    "Shipping Discount", "Order Shipping", "Order Sales Tax", "Item Total", "Currency", "Transaction ID",
    "Listing ID", "Date Paid", "Date Shipped", "Ship Name", "Ship Address1", "Ship Address2", "Ship City",
    "Ship State", "Ship Zipcode", "Ship Country", "Order ID", "Variations", "Order Type", "Listings Type",
    "Payment Type", "InPerson Discount", "InPerson Location", "VAT Paid by Buyer", "SKU",
]


def order_etsy_csv(out: Path) -> None:
    """Etsy's Order Items export: a two-line order (a name mug, a shirt whose photo the buyer sent
    separately, named by order id and line) and a gift card the seller's mapping skips."""
    common = {"Sale Date": "05/10/24", "Buyer": "Ruth Okafor (ruthokafor)", "Currency": "USD",
              "Date Paid": "05/10/2024", "Ship Name": "Ruth Okafor", "Ship Address1": "27 Willow Lane",
              "Ship City": "Columbus", "Ship State": "OH", "Ship Zipcode": "43004", "Ship Country": "United States",
              "Order ID": "3141592653", "Order Type": "online", "Listings Type": "listing", "Payment Type": "online_cc"}
    rows = [
        {**common, "Item Name": "Personalized Family Name Mug 11oz", "Quantity": "1", "Price": "18.00",
         "Transaction ID": "4012345671", "Listing ID": "1587452210", "SKU": "MUG-NAME-11",
         "Variations": "Personalization:Nana & Pops, est. 1974"},
        {**common, "Item Name": "Custom Pet Portrait T-Shirt", "Quantity": "1", "Price": "29.00",
         "Transaction ID": "4012345672", "Listing ID": "1587452299", "SKU": "TEE-PET",
         "Variations": "Color:Black,Size:M"},
        {**common, "Order ID": "3141592654", "Item Name": "Gift card", "Quantity": "1", "Price": "25.00",
         "Transaction ID": "4012345673", "Listing ID": "1587452300", "SKU": "GIFT", "Variations": ""},
    ]
    with (out / "EtsySoldOrderItems2024-5.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(ETSY_COLUMNS)
        writer.writerows([[row.get(column, "") for column in ETSY_COLUMNS] for row in rows])
    pet_photo((2400, 2880), seed=3141).save(out / "3141592653-2.jpg", exif=photo_exif(), dpi=(72, 72), **JPEG)


def order_shopify(out: Path) -> None:
    """A Shopify `orders/create` webhook body, as Shopify Flow or an automation tool saves it."""
    write_json(out / "shopify-order-1042.json", {
        "id": 5601234567890, "order_number": 1042, "name": "#1042", "created_at": "2024-06-03T17:40:00-04:00",
        "note": "It's a surprise, please no receipt in the box",
        "customer": {"id": 7301234567, "first_name": "Mia", "last_name": "Thompson", "email": "mia.t@example.com"},
        "shipping_address": {"name": "Mia Thompson", "address1": "88 Birch St", "city": "Denver", "zip": "80203"},
        "line_items": [{
            "id": 13001234567890, "product_id": 8801234567, "variant_id": 4401234567, "title": "Custom Name Mug",
            "variant_title": "White", "sku": "SHOP-NAMEMUG", "quantity": 1, "price": "19.00",
            "properties": [
                {"name": "Name", "value": "Grandpa Joe"},
                {"name": "Date", "value": "June 16, 2024"},
                {"name": "_customily-personalization-id", "value": "c7f2e9a4-1b3d-4e5f-9a8b-7c6d5e4f3a2b"},
            ],
        }],
    })


ORDERS: dict[str, tuple[list[str], Callable[[Path], None]]] = {
    # order → the inbox entries it writes, and the function that writes them
    "1001": (["IMG_4821.jpg", "1001.json"], order_1001),
    "1002": (["1002.png", "1002.json"], order_1002),
    "1003": (["1003.jpg", "1003.json"], order_1003),
    "1004": (["1004.jpg", "1004.json"], order_1004),
    "1005": (["1005.jpg", "1005.json"], order_1005),
    "1006": (["etsy-1006"], order_1006),
    "1007": (["1007.png", "1007.json"], order_1007),
    "1008": (["1008.json"], order_1008),
    "etsy-csv": (["EtsySoldOrderItems2024-5.csv", "3141592653-2.jpg"], order_etsy_csv),
    "shopify": (["shopify-order-1042.json"], order_shopify),
}


def clear_previous(out: Path) -> None:
    """Remove only the entries this script writes; anything else in the folder is left alone."""
    for names, _ in ORDERS.values():
        for name in names:
            entry = out / name
            if entry.is_dir() and not entry.is_symlink():
                for child in entry.iterdir():
                    child.unlink()
                entry.rmdir()
            elif entry.exists() or entry.is_symlink():
                entry.unlink()


def main() -> int:
    SAMPLES.mkdir(exist_ok=True)
    clear_previous(SAMPLES)
    for _, write in ORDERS.values():
        write(SAMPLES)
    total = 0
    for path in sorted(p for p in SAMPLES.rglob("*") if p.is_file()):
        size = path.stat().st_size
        total += size
        print(f"{size:>11,} bytes  {path.relative_to(REPO)}")
    print(f"{total:>11,} bytes  total")
    return 0


if __name__ == "__main__":
    sys.exit(main())

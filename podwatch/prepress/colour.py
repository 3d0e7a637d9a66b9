"""An upload's colours made sRGB: its embedded profile applied (in place when the mode stays), CMYK
without a usable profile converted by formula, 16-bit grey scaled to 8 bits, alpha kept apart.
Used by loading.py on a whole upload, and on each piece of one read in pieces."""

from __future__ import annotations

import functools
import io

from PIL import Image, ImageCms

from podwatch.findings import Finding, Level

# The ICC colour space decides which mode the transform must be fed.
_PROFILE_MODES = {"RGB ": "RGB", "GRAY": "L", "CMYK": "CMYK", "Lab ": "LAB"}


def rgb_to_srgb(im: Image.Image, icc: bytes | None, name: str, findings: list[Finding]) -> Image.Image:
    """The common case, without splitting channels: the picture is only copied when something changes."""
    if im.mode == "RGBA" and im.getchannel("A").getextrema()[0] == 255:
        im = im.convert("RGB")  # an alpha channel that hides nothing
    converted = through_profile(im, icc, name, findings) if icc else None
    return converted if converted is not None else im


def split_alpha(im: Image.Image) -> tuple[Image.Image, Image.Image | None]:
    """The picture as 8-bit L, RGB, CMYK or LAB, and its alpha channel when it has one."""
    if im.mode.startswith("I") or im.mode == "F":
        return grey_to_8_bit(im), None
    if im.mode == "LA":
        return im.getchannel("L"), im.getchannel("A")
    if im.mode in ("RGBA", "PA") or "transparency" in im.info:
        rgba = im.convert("RGBA")
        return rgba.convert("RGB"), rgba.getchannel("A")
    if im.mode in ("L", "RGB", "CMYK", "LAB"):
        return im, None
    return im.convert("RGB"), None


def grey_to_8_bit(im: Image.Image, highest: float | None = None) -> Image.Image:
    """`im` (16-bit, 32-bit or floating-point grey) as 8-bit grey. `highest`: the whole picture's
    highest value, when `im` is a piece of it (a float picture's scale is decided by the whole)."""
    # A plain convert("L") clips 16-bit grey at 255 (mid-grey turns white) instead of scaling 0..65535 down.
    if im.mode == "F":
        # Float exports come as 0..1 or as 0..255; nothing in the file says which.
        top = float(im.getextrema()[1]) if highest is None else highest  # type: ignore[arg-type]
        scale = 255.0 if top <= 1.0 else 1.0  # one band
        return im.point(lambda value: value * scale + 0.5).convert("L")
    return im.convert("I").point(lambda value: value / 257 + 0.5).convert("L")


@functools.cache
def srgb() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def to_srgb(im: Image.Image, icc: bytes | None, name: str, findings: list[Finding]) -> Image.Image:
    if icc:
        converted = through_profile(im, icc, name, findings)
        if converted is not None:
            return converted
    if im.mode == "CMYK":
        message = (f"{name} was uploaded in CMYK with no usable colour profile, so its colours were converted "
                   "with a simple formula; check them on the proof.")
        findings.append(Finding("cmyk", Level.INFO, message))
    return im.convert("RGB")


def through_profile(im: Image.Image, icc: bytes, name: str, findings: list[Finding]) -> Image.Image | None:
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        wanted = _PROFILE_MODES.get(profile.profile.xcolor_space, im.mode)
        # LittleCMS carries an alpha channel through an RGB transform untouched.
        if im.mode == "RGBA" and wanted == "RGB":
            wanted = "RGBA"
        # A grey picture may carry an RGB profile (or the reverse) once transparency forced it to RGB.
        if wanted != im.mode and "CMYK" not in (wanted, im.mode):
            im = im.convert(wanted)
        output_mode = "RGBA" if im.mode == "RGBA" else "RGB"
        # In place when the mode stays (an RGB photo with its camera's profile): no second copy.
        in_place = im.mode == output_mode
        converted = ImageCms.profileToProfile(
            im, profile, srgb(), renderingIntent=ImageCms.Intent.PERCEPTUAL, outputMode=output_mode,
            inPlace=in_place) or im
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        message = (f"{name} has a colour profile podwatch could not use, so its colours were converted without it; "
                   "check them on the proof.")
        findings.append(Finding("color_profile", Level.WARN, message))
        return None
    described = _description(profile)
    code, what = ("cmyk", "was uploaded in CMYK") if im.mode == "CMYK" else ("color_profile", "has a colour profile")
    message = f"{name} {what}{f' ({described})' if described else ''}; it was converted to sRGB for print."
    findings.append(Finding(code, Level.INFO, message, {"profile": described}))
    return converted


def _description(profile: ImageCms.ImageCmsProfile) -> str:
    try:
        return ImageCms.getProfileDescription(profile).strip()
    except ImageCms.PyCMSError:
        return ""

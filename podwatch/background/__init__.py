"""Background removal: pick the engine a rule asks for, run it, and say what happened."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from PIL import Image

from podwatch.config.rule import Rule
from podwatch.findings import Finding, Level
from podwatch.prepress.loading import LoadedImage

if TYPE_CHECKING:
    from podwatch.config.order import Order

ENGINE_NAMES = {"solid": "the flat-art remover", "rembg": "rembg"}
# Alpha at or below this is treated as empty when trimming: faint JPEG ringing must not widen the box.
TRIM_ALPHA = 8


@dataclass
class Removal:
    """What the background step did to one upload."""

    image: Image.Image | None = None  # the cut-out, RGBA; None when the upload is used as it is
    engine: str | None = None  # "solid" or "rembg" when one ran
    note: str | None = None  # one line for the proof
    findings: list[Finding] = field(default_factory=list)
    kept_share: float | None = None  # share of the picture left visible by the cut


def may_cut(rule: Rule, order: Order) -> bool:
    """Whether the background step may cut this order's upload out (so it must be decoded in full)."""
    from podwatch.background.dark import on_dark

    return rule.background.mode != "keep" or on_dark(rule, rule.color_for(order))


def cut_background(artwork: LoadedImage, rule: Rule, color: str | None = None) -> Removal:
    """Apply `[background]` of `rule` to `artwork` printed on `color`; failures become findings, never exceptions."""
    settings, name = rule.background, artwork.path.name
    if settings.mode == "keep":
        return _on_dark_garment(artwork, rule, color)
    if settings.mode == "auto" and artwork.has_alpha:
        return Removal(note="Background kept: the upload is already transparent")
    engine, findings = settings.engine, []
    if engine in ("auto", "solid"):
        from podwatch.background.solid import border, sample

        edge = border(sample(artwork.in_memory))
        if engine == "auto":
            engine = "solid" if edge is not None and edge.is_uniform else "rembg"
        elif edge is not None and not edge.is_uniform:
            findings.append(Finding(
                "border_not_uniform", Level.WARN,
                f"{name} does not sit on one plain colour (only {edge.uniform:.0%} of its border matches), yet "
                f"{rule.file_label} asks for the flat-art remover: check the cut on the proof. Photos need "
                'engine = "rembg".',
            ))
    try:
        removal = _solid(artwork, rule) if engine == "solid" else _rembg(artwork, rule)
    except _Refused as refused:
        return Removal(
            note="Background NOT removed (see the failure above)",
            findings=[*findings, Finding(refused.code, Level.FAIL, str(refused), refused.detail)],
        )
    removal.findings[:0] = findings
    return _trimmed(removal) if settings.trim else removal


def _on_dark_garment(artwork: LoadedImage, rule: Rule, color: str | None) -> Removal:
    """`cut_on_dark`: flat art on a plain light background, printed on a dark garment, is cut out
    by the flat-art remover (it would print as a box); anything else is printed as it is."""
    from podwatch.background.dark import flat_art_on_light, on_dark

    if not on_dark(rule, color) or (background := flat_art_on_light(artwork)) is None:
        return Removal()
    try:
        removal = _solid(artwork, rule)
    except _Refused:  # nothing visible: the checks say so; there is no box to avoid
        return Removal()
    removal.findings.append(Finding(
        "cut_on_dark", Level.INFO,
        f"{artwork.path.name} is flat art on a plain light background ({background}); on a {color} "
        f"{rule.product.name} that background would print as a box, so the flat-art remover cut it out "
        f"([background] cut_on_dark in {rule.file_label}). Check the edges on the proof.",
        {"background": background, "garment": color},
    ))
    return _trimmed(removal) if rule.background.trim else removal


def with_image(artwork: LoadedImage, image: Image.Image) -> LoadedImage:
    """`artwork` as the later steps should see it: the cut-out, whose (trimmed) size is what prints."""
    # In the upload's own pixels, also when it was decoded reduced (the DPI checks read source_size).
    sx, sy = artwork.source_size[0] / artwork.image.width, artwork.source_size[1] / artwork.image.height
    return replace(artwork, image=image, source_size=(round(image.width * sx), round(image.height * sy)),
                   upload_size=artwork.upload_size or artwork.source_size)


class _Refused(Exception):
    def __init__(self, code: str, message: str, detail: dict | None = None) -> None:
        super().__init__(message)
        self.code, self.detail = code, detail or {}


def _solid(artwork: LoadedImage, rule: Rule) -> Removal:
    from podwatch.background.solid import remove_solid

    settings = rule.background
    try:
        cut = remove_solid(artwork.in_memory, clear_enclosed=settings.clear_enclosed, tolerance=settings.tolerance)
    except ValueError:  # nothing visible at all
        message = f"{artwork.path.name} is fully transparent: there is nothing to print."
        raise _Refused("nothing_visible", message) from None
    holes = f" and {cut.cleared_enclosed} enclosed area(s)" if cut.cleared_enclosed else ""
    note = f"Background {cut.background.hex}{holes} removed by {ENGINE_NAMES['solid']}"
    return Removal(cut.image, "solid", note, [], _visible_share(cut.image))


def _rembg(artwork: LoadedImage, rule: Rule) -> Removal:
    from podwatch.background.models import locate
    from podwatch.background.rembg_engine import ModelProblem, cut

    settings = rule.background
    model = locate(settings.model)
    needed = f"Removing the background of {artwork.path.name} ({rule.file_label})"
    try:
        image = cut(artwork.in_memory, settings, needed)
    except ModelProblem as problem:
        detail = {"model": settings.model, "expected": str(model.path)}
        if model.known:
            detail["url"] = model.known.url
        raise _Refused("model_missing" if not model.present else "model_unusable", str(problem), detail) from None
    extras = [word for word, on in (("alpha matting", settings.alpha_matting),
                                     ("smoothed mask", settings.post_process_mask)) if on]
    label = model.known.name if model.known else model.path.name
    note = f"Background removed by rembg, model {label}" + (f" ({', '.join(extras)})" if extras else "")
    return Removal(image, "rembg", note, [], _visible_share(image))


def _visible_share(image: Image.Image) -> float:
    histogram = image.getchannel("A").histogram()
    return sum(histogram[128:]) / max(1, image.width * image.height)


def _trimmed(removal: Removal) -> Removal:
    """Crop the cut-out to what is left, so the fit scales the artwork, not the empty page around it."""
    image = removal.image
    if image is None:
        return removal
    alpha = image.getchannel("A").point(lambda v: 255 if v > TRIM_ALPHA else 0)
    box = alpha.getbbox()
    if box and box != (0, 0, *image.size):
        removal.image = image.crop(box)
        removal.note = f"{removal.note}; cropped to the artwork"
    return removal

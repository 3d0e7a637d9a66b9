"""The photo engine: rembg, with one model session per process, loaded on first use and kept."""

from __future__ import annotations

import threading
from typing import Any

from loguru import logger
from PIL import Image, ImageChops

from podwatch.background.models import ModelFile, locate
from podwatch.config.rule import Background
from podwatch.frozen import typed_command

# Alpha matting solves a large linear system: above this size it runs on a smaller copy,
# whose matte is scaled back up (minutes and gigabytes saved, edges barely softer).
MATTING_PIXELS = 4_000_000

# One session per model and process: loading a model takes seconds and ~200 MB, an order milliseconds.
_SESSIONS: dict[tuple[str, str], Any] = {}
_LOCK = threading.Lock()


class ModelProblem(Exception):
    """The model for a rule cannot be used; the message says what the seller must do."""


def session(model: ModelFile, needed_for: str) -> Any:
    """The rembg session for `model`, created the first time it is needed in this process.

    The file is looked for before rembg is asked: rembg would otherwise try to
    download it, which fails offline with a stack trace instead of advice.
    """
    key = (model.session, str(model.path))
    with _LOCK:
        if key in _SESSIONS:
            return _SESSIONS[key]
        if not model.present or (model.custom and not model.allowed):
            raise ModelProblem(model.missing_message(needed_for))
        import rembg

        options = {"model_path": str(model.path)} if model.custom else {}
        try:
            created = rembg.new_session(model.session, **options)
        except Exception as exc:  # onnxruntime's errors have no common base; any of them means "bad file"
            raise ModelProblem(
                f"{needed_for}: the model file {model.path} could not be loaded ({type(exc).__name__}: "
                f"{str(exc).strip()[:200]}). It is probably incomplete or not a rembg model: delete it and "
                f"download it again (`{typed_command()} models` shows where it comes from)."
            ) from None
        _SESSIONS[key] = created
        # Once per worker process: each one holds its own copy of the model in memory.
        logger.info("background model {} loaded ({}); kept for every later order", model.session, model.path.name)
        return created


def loaded() -> list[tuple[str, str]]:
    """The (session, file) pairs this process has loaded, for logs and tests."""
    return list(_SESSIONS)


def cut(image: Image.Image, settings: Background, needed_for: str) -> Image.Image:
    """`image` as RGBA with rembg's mask as alpha; existing transparency is kept."""
    sess = session(locate(settings.model), needed_for)  # first: a missing model must not cost rembg's import
    import rembg

    rgb = image.convert("RGB")
    options = {"session": sess, "post_process_mask": settings.post_process_mask}
    if not settings.alpha_matting:
        # rembg's own cut-out multiplies the colours by the mask (dark fringes); the mask alone is cleaner.
        out = rgb.copy()
        out.putalpha(rembg.remove(rgb, only_mask=True, **options).convert("L"))
    elif rgb.width * rgb.height <= MATTING_PIXELS:
        out = rembg.remove(rgb, alpha_matting=True, **options).convert("RGBA")
    else:
        scale = (MATTING_PIXELS / (rgb.width * rgb.height)) ** 0.5
        small = rgb.resize((max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale))),
                           Image.Resampling.LANCZOS)
        matte = rembg.remove(small, alpha_matting=True, **options).getchannel("A")
        out = rgb.copy()
        out.putalpha(matte.resize(rgb.size, Image.Resampling.LANCZOS))
    if image.mode == "RGBA":
        out.putalpha(ImageChops.darker(out.getchannel("A"), image.getchannel("A")))
    return out

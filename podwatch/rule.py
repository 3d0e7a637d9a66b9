"""Product rules: one TOML file per product, validated once, read everywhere."""

from __future__ import annotations

import tomllib
from enum import Enum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import ConfigError
from .names import DEFAULT_TEMPLATE, check_template
from .schema import describe_validation_error

PositiveInt = Annotated[int, Field(gt=0)]
PositiveFloat = Annotated[float, Field(gt=0)]
Share = Annotated[float, Field(ge=0, le=1)]


class _Strict(BaseModel):
    # A typo in a rule file must be an error, never a silently ignored key.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Product(_Strict):
    id: str | None = None
    name: str
    colors: list[str] = ["white"]
    default_color: str | None = None
    # Which outline the proof draws the artwork on.
    silhouette: Literal["tshirt", "mug", "poster", "canvas", "sticker", "phonecase", "tote", "plain"] = "plain"


class PrintArea(_Strict):
    width_in: PositiveFloat
    height_in: PositiveFloat
    dpi: PositiveInt
    bleed_in: Annotated[float, Field(ge=0)] = 0
    safe_margin_in: Annotated[float, Field(ge=0)] = 0
    # Canvas: the outer band that folds around the stretcher frame.
    wrap_in: Annotated[float, Field(ge=0)] = 0

    @field_validator("dpi", mode="before")
    @classmethod
    def _dpi_is_whole(cls, value: object) -> object:
        if isinstance(value, float) and not value.is_integer():
            raise ValueError("must be a positive integer")
        return value

    @property
    def size_px(self) -> tuple[int, int]:
        """The exact pixel size of the print file."""
        return round(self.width_in * self.dpi), round(self.height_in * self.dpi)


class Transparency(str, Enum):
    REQUIRED = "required"  # e.g. kiss-cut stickers: the cut follows the artwork
    ALLOWED = "allowed"  # e.g. DTG shirts: transparent areas are not printed
    FORBIDDEN = "forbidden"  # e.g. posters: flattened onto the paper colour


LevelName = Literal["info", "warn", "fail"]


class Checks(_Strict):
    min_dpi: PositiveInt = 150
    warn_dpi: PositiveInt = 200
    transparency: Transparency = Transparency.ALLOWED
    transparency_level: LevelName = "warn"
    # Share of the artwork a `cover` fit may cut off before the seller is warned.
    max_crop: Share = 0.08
    crop_level: LevelName = "warn"
    # Share of the print area a `contain` fit may leave empty before a note.
    max_empty: Share = 0.25
    # Registered check names to switch off for this product.
    disabled: list[str] = []
    # Risk (checks/risk.py): extra terms for this product, and how close a picture must
    # be to one in blocklist/ (bits of 64 that may differ) to count as a copy.
    blocked_terms: list[str] = []
    blocklist_distance: Annotated[int, Field(ge=0, le=24)] = 10
    risk_level: LevelName = "warn"
    # Quality (checks/quality.py); see the README for what each number measures.
    blur_threshold: Annotated[float, Field(ge=0)] = 1.0
    upscale_factor: Annotated[float, Field(ge=1)] = 2.5
    min_subject_share: Share = 0.05
    max_offcenter: Share = 0.15
    min_contrast: Share = 0.2
    min_line_pt: Annotated[float, Field(ge=0)] = 1.0
    max_semi_transparent_share: Share = 0.02
    quality_level: LevelName = "warn"

    @field_validator("disabled")
    @classmethod
    def _known_checks(cls, names: list[str]) -> list[str]:
        from .checks import REGISTRY  # imported late: the checks import this module

        unknown = [name for name in names if name not in REGISTRY]
        if unknown:
            raise ValueError(f"{', '.join(map(repr, unknown))} is not a check; the checks are: {', '.join(REGISTRY)}")
        return names

    @field_validator("blocked_terms")
    @classmethod
    def _terms_have_words(cls, terms: list[str]) -> list[str]:
        from .terms import Term

        for term in terms:
            Term.parse(term, "")  # ValueError: "'*' has no letters or digits to look for"
        return terms

    @model_validator(mode="after")
    def _warn_not_below_min(self) -> "Checks":
        if self.warn_dpi < self.min_dpi:
            raise ValueError(f"warn_dpi ({self.warn_dpi}) must not be lower than min_dpi ({self.min_dpi})")
        return self


class Background(_Strict):
    mode: Literal["keep", "remove", "auto"] = "keep"
    engine: Literal["auto", "rembg", "solid"] = "auto"
    model: str = "u2net"
    # Colour that transparent areas are flattened onto when transparency is forbidden.
    flatten_onto: str = "white"


class Fit(_Strict):
    mode: Literal["contain", "cover"] = "contain"
    align: Literal["center", "top", "bottom", "left", "right"] = "center"
    # Never enlarge artwork beyond this factor (1.0 = never upscale).
    max_upscale: PositiveFloat = 4.0


class Output(_Strict):
    format: Literal["png", "jpeg"] = "png"
    name: str = DEFAULT_TEMPLATE
    png_compress_level: Annotated[int, Field(ge=0, le=9)] = 6
    jpeg_quality: Annotated[int, Field(ge=50, le=100)] = 95

    @field_validator("name")
    @classmethod
    def _template_ok(cls, value: str) -> str:
        check_template(value)
        return value


class Approval(_Strict):
    policy: Literal["always", "when_clean", "never"] = "always"


class Rule(_Strict):
    product: Product
    print_area: PrintArea
    checks: Checks = Checks()
    background: Background = Background()
    fit: Fit = Fit()
    output: Output = Output()
    approval: Approval = Approval()
    # Set by the loader from the file name; not written in the file.
    source: str = Field(default="", exclude=True)

    @property
    def id(self) -> str:
        return self.product.id or Path(self.source).stem

    def default_color(self) -> str:
        return self.product.default_color or self.product.colors[0]


def load_rule(path: Path) -> Rule:
    """Read and validate one rule file; mistakes become `file: key: what is wrong`."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{_shown(path)}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise ConfigError(f"{_shown(path)}: cannot be read ({exc.strerror})") from None
    try:
        rule = Rule.model_validate({**data, "source": str(path)})
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc, _shown(path))) from None
    if rule.product.id and rule.product.id != path.stem:
        raise ConfigError(
            f"{_shown(path)}: product.id: is {rule.product.id!r} but the file is named {path.name}; "
            f"rename the file to {rule.product.id}.toml or change the id"
        )
    return rule


def load_rules(folder: Path) -> dict[str, Rule]:
    """Every `*.toml` in `folder`; all mistakes are reported together."""
    rules: dict[str, Rule] = {}
    problems: list[str] = []
    for path in sorted(folder.glob("*.toml")):
        try:
            rules[path.stem] = load_rule(path)
        except ConfigError as exc:
            problems.append(str(exc))
    if problems:
        raise ConfigError("\n".join(problems))
    return rules


def _shown(path: Path) -> str:
    # "rules/mug.toml" reads better than an absolute path in a seller's terminal.
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name

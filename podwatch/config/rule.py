"""Product rules: the schema of one `rules/<product>.toml`, validated once, read everywhere.

A pure schema: it imports no check, font, model or term code. What the schema alone cannot
see (check names, fonts, model files, terms, boxes on the print area) is looked at by the
loader (rulebook.py) through the cross-checks in cross_checks.py.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, field_validator, model_validator

from podwatch.colors import is_known_color, order_color
from podwatch.config.names import DEFAULT_TEMPLATE, check_template
from podwatch.config.validation import Strict
from podwatch.text.content import DEFAULT_DATE_INPUTS, format_date

if TYPE_CHECKING:
    from podwatch.config.order import Order

PositiveInt = Annotated[int, Field(gt=0)]
PositiveFloat = Annotated[float, Field(gt=0)]
Share = Annotated[float, Field(ge=0, le=1)]


class Product(Strict):
    id: str | None = None
    name: str
    colors: list[str] = ["white"]
    default_color: str | None = None
    # Which outline the proof draws the artwork on.
    silhouette: Literal["tshirt", "mug", "poster", "canvas", "sticker", "phonecase", "tote", "plain"] = "plain"
    # Whether an order imported from a shop waits for the buyer's picture: "required" waits,
    # "optional" goes ahead with or without one, "none" prints text only.
    upload: Literal["required", "optional", "none"] = "required"


class PrintArea(Strict):
    width_in: PositiveFloat
    height_in: PositiveFloat
    dpi: PositiveInt
    bleed_in: Annotated[float, Field(ge=0)] = 0
    safe_margin_in: Annotated[float, Field(ge=0)] = 0
    # Canvas: the outer band that folds around the stretcher frame.
    wrap_in: Annotated[float, Field(ge=0)] = 0
    # fixed: always as written. either: a product sold both ways up (posters, canvas) prints
    # landscape art landscape, width and height swapped.
    orientation: Literal["fixed", "either"] = "fixed"

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

    @property
    def shape(self) -> str:
        """portrait, landscape or square: what the manifest and the proof call this print."""
        width, height = self.size_px
        return "landscape" if width > height else "portrait" if height > width else "square"

    def for_art(self, size: tuple[int, int]) -> PrintArea:
        """The area art of `size` pixels prints on: turned when the product comes either way up
        and the art's shape disagrees with the area's (square art keeps the area as written)."""
        width, height = size
        if self.orientation != "either" or width == height or (width > height) == (self.width_in > self.height_in):
            return self
        return self.model_copy(update={"width_in": self.height_in, "height_in": self.width_in})


class Box(Strict):
    """A rectangle on the print area, in inches from its top-left corner."""

    x: Annotated[float, Field(ge=0)] = 0
    y: Annotated[float, Field(ge=0)] = 0
    width: PositiveFloat
    height: PositiveFloat


class Transparency(str, Enum):
    REQUIRED = "required"  # e.g. kiss-cut stickers: the cut follows the artwork
    ALLOWED = "allowed"  # e.g. DTG shirts: transparent areas are not printed
    FORBIDDEN = "forbidden"  # e.g. posters: flattened onto the paper colour


LevelName = Literal["info", "warn", "fail"]
# Quality doubts are the seller's to decide: "hold" keeps the item in review/ whatever the approval
# policy. Rule files written before holds existed say "fail"; it means the same now.
QualityLevelName = Literal["info", "warn", "hold"]


class Checks(Strict):
    # Below min_dpi an upload is held for the seller; below reject_dpi it cannot be made at all.
    min_dpi: PositiveInt = 150
    warn_dpi: PositiveInt = 200
    # Unset: a third of min_dpi (50 for 150): each upload pixel then spans three times what the
    # product's viewer sees, the file holds a ninth of the pixels the minimum needs (900 x 1200 px
    # for an 18 x 24 in poster), and the print is a blur of blocks; see the README.
    reject_dpi: PositiveInt | None = None
    transparency: Transparency = Transparency.ALLOWED
    transparency_level: QualityLevelName = "warn"
    # Share of the artwork a `cover` fit may cut off before the seller is warned.
    max_crop: Share = 0.08
    crop_level: QualityLevelName = "warn"
    # Share of the print area a `contain` fit may leave empty before a note.
    max_empty: Share = 0.25
    # Registered check names to switch off for this product.
    disabled: list[str] = []
    # Buyer text against the garment: WCAG contrast ratio below which the proof warns.
    min_text_contrast: Annotated[float, Field(ge=1, le=21)] = 2.0
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
    quality_level: QualityLevelName = "warn"

    @field_validator("transparency_level", "crop_level", "quality_level", mode="before")
    @classmethod
    def _fail_means_hold(cls, value: object) -> object:
        return "hold" if value == "fail" else value

    @model_validator(mode="after")
    def _warn_not_below_min(self) -> Checks:
        if self.warn_dpi < self.min_dpi:
            raise ValueError(f"warn_dpi ({self.warn_dpi}) must not be lower than min_dpi ({self.min_dpi})")
        if self.reject_dpi is not None and self.reject_dpi >= self.min_dpi:
            raise ValueError(f"reject_dpi ({self.reject_dpi}) must be lower than min_dpi ({self.min_dpi})")
        return self

    @property
    def reject_floor(self) -> int:
        """The effective DPI below which an upload is refused: `reject_dpi`, else a third of min_dpi."""
        return self.reject_dpi if self.reject_dpi is not None else max(1, round(self.min_dpi / 3))


class Background(Strict):
    # keep: print as uploaded. remove: always cut out. auto: cut out unless already transparent.
    mode: Literal["keep", "remove", "auto"] = "keep"
    # solid: flat art on one colour. rembg: photos. auto: solid when the border is one colour.
    engine: Literal["auto", "rembg", "solid"] = "auto"
    # rembg model: a name (u2net, isnet-general-use, …) or a .onnx file in rembg's model folder.
    model: str = "u2net"
    alpha_matting: bool = False
    post_process_mask: bool = False
    # Flat-art engine: also clear enclosed areas of the background colour (the inside of an O).
    clear_enclosed: bool = False
    # Flat-art engine: RGB distance still counted as background; unset = measured from the border.
    tolerance: Annotated[int, Field(ge=1, le=200)] | None = None
    # Crop the cut-out to the artwork, so the fit scales the artwork and not the empty page around it.
    trim: bool = True
    # Colour that transparent areas are flattened onto when transparency is forbidden.
    flatten_onto: str = "white"
    # With mode = "keep": on a dark garment colour, flat art (a logo, lettering) on a plain light
    # background is cut out with the flat-art remover, so it does not print as a white box.
    # Photos are left as they are (they need rembg: mode = "auto", engine = "rembg").
    cut_on_dark: bool = False


class Fit(Strict):
    mode: Literal["contain", "cover"] = "contain"
    align: Literal["center", "top", "bottom", "left", "right"] = "center"
    # Never enlarge artwork beyond this factor (1.0 = never upscale).
    max_upscale: PositiveFloat = 4.0
    # Where the artwork goes, when not the whole print area: leaves room for buyer text.
    box: Box | None = None


class Output(Strict):
    format: Literal["png", "jpeg"] = "png"
    name: str = DEFAULT_TEMPLATE
    # Deflate level of PNG print files (podwatch/prepress/png.py), chosen by measurement
    # (benchmarks/png_export.py: corpus prints, lettering, a dither, line art). Against Pillow's
    # default PNG (level 6, every row filter), in share of its time / mean size / largest, zlib-ng
    # alone: level 2: 0.10 / 1.15x / 1.64x; 3: 0.11 / 1.08x / 1.18x; 4: 0.14 / 1.05x / 1.15x;
    # 5: 0.16 / 1.04x / 1.15x (Pillow's own level 4: 0.57 / 1.04x / 1.25x). At levels 1-4 the bands
    # of a photograph go to ISA-L instead (issue 17: 2.7-3.3x less CPU than zlib-ng 4 on poster and
    # canvas prints, files 1.16-1.24x Pillow's), flat art stays with zlib-ng at this level; 5-9 use
    # zlib-ng everywhere, for the smallest files.
    png_compress_level: Annotated[int, Field(ge=0, le=9)] = 4
    jpeg_quality: Annotated[int, Field(ge=50, le=100)] = 95

    @field_validator("name")
    @classmethod
    def _template_ok(cls, value: str) -> str:
        check_template(value)  # ValueError: reported with the file's other mistakes
        return value


class Preview(Strict):
    """`[preview]`: a clean picture to send the buyer before printing, `…_preview.jpg` beside the proof."""

    buyer: bool = True
    # About what a marketplace message shows without shrinking it again (Etsy, eBay, Shopify Inbox).
    long_side: Annotated[int, Field(ge=400, le=2000)] = 1000


class Approval(Strict):
    policy: Literal["always", "when_clean", "never"] = "always"


ColorChoice = str | dict[str, str]


class TextField(Strict):
    """One `[[text]]` field: where a piece of the buyer's text goes and how it may look."""

    key: Annotated[str, Field(pattern=r"^[^.\s]+(\.[^.\s]+)*$")]  # dotted path in the order JSON
    label: str = ""  # how findings and the proof name it; the key's last part when empty
    box: Box
    font: str = "sans"  # a bundled name (sans, serif, script, wide) or a font file
    fallback: bool = True  # words the font cannot draw use the bundled wide font
    color: ColorChoice = "black"
    stroke_pt: Annotated[float, Field(ge=0)] = 0
    stroke_color: ColorChoice = "white"
    align: Literal["left", "center", "right"] = "center"
    valign: Literal["top", "middle", "bottom"] = "middle"
    min_pt: PositiveFloat = 12
    max_pt: PositiveFloat = 72
    max_chars: PositiveInt | None = None
    max_lines: PositiveInt = 1
    transform: Literal["none", "upper", "lower", "title"] = "none"
    required: bool = True
    too_long: Literal["fail", "warn"] = "fail"
    # A date field: read with the first matching input format, printed with date_format.
    date_format: str | None = None
    date_input: list[str] = list(DEFAULT_DATE_INPUTS)

    @field_validator("color", "stroke_color")
    @classmethod
    def _colors_known(cls, value: ColorChoice) -> ColorChoice:
        names = [value] if isinstance(value, str) else list(value.values())
        if isinstance(value, dict) and "default" not in value:
            raise ValueError('a colour table needs a default, e.g. {default = "black", black = "white"}')
        unknown = [name for name in names if not is_known_color(name)]
        if unknown:
            raise ValueError(f"{unknown[0]!r} is not a colour name or #rrggbb")
        return value

    @field_validator("date_format")
    @classmethod
    def _date_format_works(cls, value: str | None) -> str | None:
        if value is not None:
            if "%" not in value:
                raise ValueError('needs strftime codes, e.g. "%B %-d, %Y" (May 1, 2024) or "%d.%m.%Y"')
            format_date(datetime(2024, 5, 1), value)  # ValueError on %-x it cannot fill
        return value

    @field_validator("date_input")
    @classmethod
    def _date_inputs(cls, value: list[str]) -> list[str]:
        if not value or any("%" not in pattern for pattern in value):
            raise ValueError('must list strptime formats, e.g. ["%Y-%m-%d", "%m/%d/%Y"]')
        return value

    @model_validator(mode="after")
    def _sizes(self) -> TextField:
        if self.min_pt > self.max_pt:
            raise ValueError(f"min_pt ({self.min_pt:g}) must not be larger than max_pt ({self.max_pt:g})")
        return self


class Rule(Strict):
    product: Product
    print_area: PrintArea
    checks: Checks = Checks()
    background: Background = Background()
    fit: Fit = Fit()
    output: Output = Output()
    approval: Approval = Approval()
    preview: Preview = Preview()
    text: list[TextField] = []
    # Set by the loader from the file name; not written in the file.
    source: str = Field(default="", exclude=True)

    @model_validator(mode="after")
    def _turns_without_boxes(self) -> Rule:
        if self.print_area.orientation == "either" and (self.text or self.fit.box is not None):
            raise ValueError(
                'print_area.orientation = "either" turns the print area for landscape art, but the [[text]] '
                'and [fit] box positions are fixed in inches: use orientation = "fixed" for this product'
            )
        return self

    def for_art(self, size: tuple[int, int]) -> Rule:
        """This rule with its print area turned to suit art of `size` pixels (see PrintArea.for_art)."""
        area = self.print_area.for_art(size)
        return self if area is self.print_area else self.model_copy(update={"print_area": area})

    @property
    def id(self) -> str:
        return self.product.id or Path(self.source).stem

    @property
    def file_label(self) -> str:
        """How messages name this rule's file: `rules/mug.toml`."""
        return f"rules/{Path(self.source).name}" if self.source else f"rules/{self.id}.toml"

    def color_for(self, order: Order) -> str:
        """The colour `order` prints on: its variant's colour, else this product's default."""
        return order_color(order.color, self.product.colors, self.default_color())

    def default_color(self) -> str:
        return self.product.default_color or self.product.colors[0]

"""The seller's folder tree and its `podwatch.toml` settings."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated

from pydantic import BeforeValidator, Field, ValidationError, model_validator

from podwatch.config.validation import Strict, describe_toml_error, describe_validation_error
from podwatch.errors import ConfigError


def _as_text(value: object) -> object:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class IntakeSettings(Strict):
    stability_seconds: Annotated[float, Field(ge=0)] = 5.0
    pair_timeout_minutes: Annotated[float, Field(gt=0)] = 60.0
    max_order_kilobytes: Annotated[int, Field(ge=1, le=100_000)] = 256
    min_free_megabytes: Annotated[float, Field(ge=0)] = 200.0

    @property
    def max_order_bytes(self) -> int:
        return self.max_order_kilobytes * 1024


class ImageSettings(Strict):
    # The pixels decoded at once (after a JPEG's shrink-on-load): they bound a worker's memory.
    max_megapixels: Annotated[float, Field(gt=0)] = 80.0

    @property
    def max_pixels(self) -> int:
        return int(self.max_megapixels * 1_000_000)


class ProofSettings(Strict):
    long_side: Annotated[int, Field(ge=400, le=4000)] = 1200
    jpeg_quality: Annotated[int, Field(ge=50, le=100)] = 85


class WorkerSettings(Strict):
    count: Annotated[int, Field(ge=1, le=64)] | None = None  # None: one per CPU core
    job_timeout_seconds: Annotated[float, Field(gt=0)] = 600.0


class WatchSettings(Strict):
    poll_seconds: Annotated[float, Field(ge=0)] = 0  # 0: the system's own change notifications
    rescan_minutes: Annotated[float, Field(gt=0)] = 3.0


class ProductionSettings(Strict):
    hook: str = ""
    hook_timeout_seconds: Annotated[float, Field(gt=0)] = 300.0
    hook_retries: Annotated[int, Field(ge=0)] = 5
    hook_retry_seconds: Annotated[float, Field(ge=0)] = 30.0


class LeaseSettings(Strict):
    # Longer than a sync client takes to carry a refreshed lease to the other computers.
    stale_seconds: Annotated[float, Field(gt=0)] = 180.0


class LogSettings(Strict):
    max_megabytes: Annotated[float, Field(gt=0)] = 10.0
    keep: Annotated[int, Field(ge=1)] = 10


class ShopProduct(Strict):
    """One line of the seller's shop mapping: which podwatch product a shop line is."""

    # Shops write ids as numbers or text; both are compared as text.
    sku: Annotated[str, BeforeValidator(_as_text)] | None = None
    listing_id: Annotated[str, BeforeValidator(_as_text)] | None = None
    title: Annotated[str, Field(min_length=1)] | None = None
    product: Annotated[str, Field(min_length=1)]  # a rule file's name, or "skip"

    @model_validator(mode="after")
    def _matches_something(self) -> ShopProduct:
        if self.sku is None and self.listing_id is None and self.title is None:
            raise ValueError("needs sku, listing_id or title to match shop lines on")
        return self


class ShopSettings(Strict):
    products: list[ShopProduct] = []
    fields: dict[str, str] = {}
    download_timeout_seconds: Annotated[float, Field(gt=0)] = 30.0
    download_max_megabytes: Annotated[float, Field(gt=0)] = 50.0
    download_retries: Annotated[int, Field(ge=0, le=10)] = 3


class ReviewSettings(Strict):
    serve: bool = False  # `podwatch run` serves the review desk too, as with --review
    port: Annotated[int, Field(ge=0, le=65535)] = 8765
    lan: bool = False  # to the local network (a phone), behind the key in the printed link


class Settings(Strict):
    intake: IntakeSettings = IntakeSettings()
    images: ImageSettings = ImageSettings()
    proof: ProofSettings = ProofSettings()
    workers: WorkerSettings = WorkerSettings()
    watch: WatchSettings = WatchSettings()
    production: ProductionSettings = ProductionSettings()
    logs: LogSettings = LogSettings()
    shop: ShopSettings = ShopSettings()
    review: ReviewSettings = ReviewSettings()
    lease: LeaseSettings = LeaseSettings()


SETTINGS_TEMPLATE = """\
# podwatch settings for this folder tree.
# Product rules live in rules/<product>.toml beside this file; edit them freely.
# A mistake here is reported when podwatch starts, with the key that is wrong.

[intake]
# How long a file must stay unchanged (size and time) before podwatch takes it.
# Sync tools write big files in pieces; 5 seconds is safe for Dropbox and Drive.
# `run --once` judges this by the file's modification time.
stability_seconds = 5
# How long an upload waits for its order JSON (or the other way round) before
# podwatch tells you about it (log, `podwatch status`). Nothing is ever thrown away.
pair_timeout_minutes = 60
# An order JSON larger than this is refused (to failed/, with the reason): real orders are a
# few KB, and a huge one would slow every check and fill the history.
max_order_kilobytes = 256
# With less free disk space than this, podwatch takes no new orders (and says
# so in the log and `podwatch status`) until there is room again.
min_free_megabytes = 200

[watch]
# 0: react to the system's change notifications (fast, no load while idle).
# On a network share (SMB, NFS) those often never arrive: set how often, in
# seconds, to look instead, e.g. 5. The same as `podwatch run --poll 5`.
poll_seconds = 0
# A full look at every folder this often, in case a notification was missed.
rescan_minutes = 3

[production]
# A command run for each print file that reaches production/, e.g. to upload it
# to your print partner. It runs in your shell, in this folder, with the order in
# environment variables: PODWATCH_FILE (full path), PODWATCH_ORDER_ID,
# PODWATCH_PRODUCT, PODWATCH_VARIANT, PODWATCH_QUANTITY, PODWATCH_SHA256,
# PODWATCH_ORDER_FILE (a file with the whole order: the buyer's words are never
# put in the environment or the command) and more (see the README). Exit 0 means
# done; anything else is logged and tried again later. No hook: no command.
# Single quotes around the command let it hold double quotes:
# hook = 'rclone copy "$PODWATCH_FILE" printpartner:incoming/'
hook_timeout_seconds = 300
hook_retries = 5
# Wait before the first retry; each later retry waits twice as long.
hook_retry_seconds = 30

[logs]
# .podwatch/logs/podwatch.log starts a new file past this size; this many old ones are kept.
max_megabytes = 10
keep = 10

[lease]
# One computer works on this folder at a time: the running one refreshes
# .podwatch/lease.json. Another computer finding it fresher than this many
# seconds refuses to start; an older one is taken over (the other computer
# stopped). Your computer's name is its host name, or PODWATCH_HOST.
stale_seconds = 180

[images]
# The most pixels podwatch decodes for one upload; larger ones are refused before
# they are opened, with the reason. A tiny file can unpack into an enormous picture
# ("decompression bomb"), and a worker's memory grows with the pixels: at 80 it
# stays under about 700 MB whatever the upload (a JPEG counts at the size it is
# decoded, up to 8 times smaller each way). A canvas is 65 megapixels.
max_megapixels = 80

[proof]
# Size of the proof picture on its long side, in pixels, and its JPEG quality.
long_side = 1200
jpeg_quality = 85

[review]
# The review desk: a page in your browser with every proof waiting in review/,
# its buyer's upload, a 100 % look at the print file, and Approve / Reject
# buttons that move the proof for you (see `podwatch review --help`).
# true: `podwatch run` serves it too, as `podwatch run --review` does.
serve = false
port = 8765
# true: serve it to this network too (your phone on the same Wi-Fi), behind a
# secret key in the link that podwatch prints. Only on a network you trust.
lan = false

[workers]
# How many uploads are worked on at once, each in its own process. Without a
# count, podwatch uses one per CPU core. A worker needs up to 500 MB for a
# t-shirt or poster and about 560 MB for a 24 x 30 in canvas: on a computer
# with little memory to spare, set a lower count.
# count = 2
# A job (one upload) still running after this many seconds is stopped and its
# order set aside in failed/ with the reason; the orders behind it flow on. A
# lone upload in `run --once` is worked on in podwatch's own process, unlimited.
job_timeout_seconds = 600

[shop]
# Order files straight from your shop, dropped into inbox/ (see the README):
# an Etsy "Order Items" CSV, an Etsy API receipt, a Shopify or WooCommerce
# order JSON. Each shop line becomes one order; a line is imported only once.
# Pictures the shop gives as a link are downloaded first: at most this many
# seconds per try and megabytes per file, tried again this many times.
download_timeout_seconds = 30
download_max_megabytes = 50
download_retries = 3

[shop.fields]
# The shop's label for a buyer's text -> the personalization key a rule prints.
# Labels are matched ignoring case. Other options (Color, Size) become the variant.
"Personalization" = "name"
"Personalisation" = "name"   # Etsy's label in the UK
# "Enter Name #1" = "name"
# "Date" = "date"

# Which podwatch product each shop line is; the first match wins. Match on
# sku, listing_id or title (a part of the listing title, any case). A line
# that matches nothing waits in the inbox and `podwatch status` shows the
# entry to add here. product = "skip" ignores lines that are not personalized.
# Remove the "#  " in front of these lines to use them:
#  [[shop.products]]
#  sku = "MUG-NAME-11"
#  product = "namemug"
#
#  [[shop.products]]
#  title = "gift card"
#  product = "skip"
"""




def load_settings(path: Path) -> Settings:
    if not path.exists():
        return Settings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return Settings.model_validate(data)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(describe_toml_error(exc, path.name)) from None
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc, path.name)) from None





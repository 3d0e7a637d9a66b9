"""Buyer pictures a shop gives as a link, fetched into the inbox beside their order JSON.

The link comes from a file in a shared folder, so nothing about it is trusted: https only (plain
http only to this computer), a few redirects at most, each checked the same way, a size cap, a
timeout, and the content must open as a picture. It is written under a hidden name and renamed
into place only when whole and checked, so an order is never taken with half a file. A failed
download is written into the order JSON (`download`), which then waits and is tried again later.
"""

from __future__ import annotations

import ipaddress
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from loguru import logger

from podwatch.config.settings import ShopSettings
from podwatch.files import atomic_output, move_no_clobber, write_text
from podwatch.intake.debris import is_debris

MAX_REDIRECTS = 3
# Waits before the next try after a failed one, doubling from this, never longer than the cap.
RETRY_SECONDS = 30.0
RETRY_CAP_SECONDS = 3600.0
_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif", "TIFF": ".tif", "HEIF": ".heic"}


class DownloadError(Exception):
    """A picture could not be fetched; the message says why, in the seller's words."""


def fetch_waiting(inbox: Path, shop: ShopSettings, now: float | None = None,
                  busy: Callable[[Path], bool] | None = None) -> int:
    """Try every download an order JSON in the inbox waits for and whose next try is due; an order
    JSON that is `busy` (queued to be taken) is left alone. Returns how many pictures arrived."""
    now = time.time() if now is None else now
    arrived = 0
    for sidecar in sorted(inbox.glob("*.json")) if inbox.is_dir() else []:
        if busy is not None and busy(sidecar):
            continue  # complete already (the seller dropped the picture): being taken, never rewritten
        order = _read(sidecar)
        downloads = order.get("download") if isinstance(order, dict) else None
        if is_debris(sidecar.name) or not isinstance(downloads, dict):
            continue
        for name, state in list(downloads.items()):
            if not _plain(name) or not isinstance(state, dict) or "url" not in state or "fetched" in state:
                continue  # a name with folders in it is never followed out of the inbox
            if (inbox / name).exists():
                continue
            if _number(state.get("next_try")) > now:
                continue
            try:
                arrived += _fetch_one(sidecar, order, name, state, shop)
            except Exception:  # a full disk, a file in use: this order waits, the others go on
                logger.exception("{}: downloading {} failed; it will be tried again", sidecar.name, name)
    return arrived


def _fetch_one(sidecar: Path, order: dict[str, Any], name: str, state: dict[str, Any], shop: ShopSettings) -> int:
    url = str(state["url"])
    settled = sidecar.stat().st_mtime  # the import gave the order its shop file's time
    try:
        suffix = fetch(url, sidecar.parent / f".{name}.download", shop)
    except DownloadError as exc:
        tries = int(_number(state.get("tries"))) + 1
        wait = min(RETRY_SECONDS * 2 ** (tries - 1), RETRY_CAP_SECONDS)
        state.update(tries=tries, error=str(exc), next_try=time.time() + wait,
                     next_try_at=time.strftime("%H:%M:%S", time.localtime(time.time() + wait)))
        logger.warning("{}: the picture for {} could not be downloaded ({}); trying again in {:.0f} s",
                       sidecar.name, name, exc, wait)
        _save(sidecar, order)
        return 0
    if not sidecar.exists():  # taken meanwhile with a picture the seller dropped: no second order
        (sidecar.parent / f".{name}.download").unlink(missing_ok=True)
        return 0
    # Named for what it really is (a .jpg link may hold a PNG), never over a file already there.
    final = move_no_clobber(sidecar.parent / f".{name}.download", sidecar.parent / (Path(name).stem + suffix)).name
    if final != name:
        order["files"] = [final if f == name else f for f in order.get("files") or []]
        order["download"][final] = order["download"].pop(name)
    order["download"][final] = {"url": url, "fetched": time.strftime("%Y-%m-%dT%H:%M:%S")}
    _save(sidecar, order)
    # Both were written whole by podwatch: nothing to wait for before the order is taken.
    for path in (sidecar, sidecar.parent / final):
        os.utime(path, (settled, settled))
    logger.info("{}: downloaded {} from {}", sidecar.name, final, urlsplit(url).hostname)
    return 1


def fetch(url: str, dest: Path, shop: ShopSettings) -> str:
    """Download `url` into `dest` (written atomically); the picture's suffix (`.png`)."""
    import urllib3

    timeout = shop.download_timeout_seconds
    retry = urllib3.Retry(total=shop.download_retries, redirect=False, backoff_factor=0.5,
                          status_forcelist=(429, 500, 502, 503, 504), raise_on_status=False)
    with urllib3.PoolManager(retries=retry, timeout=urllib3.Timeout(connect=timeout, read=timeout)) as pool:
        for _ in range(MAX_REDIRECTS + 1):
            _allowed(url)
            try:
                response = pool.request("GET", url, preload_content=False, redirect=False)
            except urllib3.exceptions.HTTPError as exc:
                raise DownloadError(_unreachable(url, exc, timeout)) from None
            if response.status in (301, 302, 303, 307, 308) and response.headers.get("Location"):
                response.release_conn()
                url = urljoin(url, response.headers["Location"])
                continue
            try:
                return _save_body(response, url, dest, shop)
            finally:
                response.release_conn()
    raise DownloadError(f"the link was redirected more than {MAX_REDIRECTS} times")


def _unreachable(url: str, exc: Exception, timeout: float) -> str:
    import urllib3

    reason = getattr(exc, "reason", exc)  # MaxRetryError wraps what went wrong on the last try
    # Checked first: urllib3 counts a refused connection as a kind of connect timeout.
    if isinstance(reason, urllib3.exceptions.NewConnectionError | urllib3.exceptions.NameResolutionError):
        return f"{_host(url)} could not be reached (is the link right, is this computer online?)"
    if isinstance(reason, urllib3.exceptions.TimeoutError):
        return f"{_host(url)} did not answer within {timeout:g} s"
    if isinstance(reason, urllib3.exceptions.SSLError):
        return f"{_host(url)} has no valid https certificate"
    return f"{_host(url)} broke off the connection ({type(reason).__name__})"


def _save_body(response: Any, url: str, dest: Path, shop: ShopSettings) -> str:
    import urllib3

    if response.status != 200:
        raise DownloadError(f"{_host(url)} answered {response.status} {response.reason or ''}".strip()
                            + (": the file is not there (any more)" if response.status in (404, 410) else ""))
    cap = int(shop.download_max_megabytes * 2**20)
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > cap:
        raise DownloadError(f"the file is {int(length) / 2**20:.1f} MB, over the {shop.download_max_megabytes:g} MB "
                            "limit ([shop] download_max_megabytes in podwatch.toml)")
    deadline = time.monotonic() + shop.download_timeout_seconds * 4
    size = 0
    try:
        with atomic_output(dest) as handle:
            for chunk in response.stream(64 * 1024):
                size += len(chunk)
                if size > cap:
                    raise DownloadError(f"the file is over the {shop.download_max_megabytes:g} MB limit "
                                        "([shop] download_max_megabytes in podwatch.toml)")
                if time.monotonic() > deadline:
                    raise DownloadError(f"{_host(url)} sent the file too slowly")
                handle.write(chunk)
    except urllib3.exceptions.HTTPError:
        raise DownloadError(f"{_host(url)} stopped sending the file half-way") from None
    return _picture_suffix(dest, url)


def _picture_suffix(path: Path, url: str) -> str:
    import pillow_heif
    from PIL import Image, UnidentifiedImageError

    pillow_heif.register_heif_opener()  # iPhone photos
    try:
        with Image.open(path) as image:
            suffix = _FORMATS.get(image.format or "")
    except (UnidentifiedImageError, OSError):
        suffix = None
    if suffix is None:
        path.unlink(missing_ok=True)
        raise DownloadError(f"what {_host(url)} sent is not a picture (a web page or an error message?)")
    return suffix


def _allowed(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and _loopback(parts.hostname or ""):
        return  # a test server or a local tool on this computer
    raise DownloadError(f"{url[:200]} is not an https:// link; podwatch downloads only over https")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _number(value: object) -> float:
    """A number podwatch wrote into the order JSON; anything else there counts as none."""
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0


def _plain(name: object) -> bool:
    return isinstance(name, str) and bool(name) and os.path.basename(name) == name and "\\" not in name \
        and not name.startswith(".")


def _host(url: str) -> str:
    return urlsplit(url).hostname or "the shop's server"


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_bytes().decode("utf-8-sig"))
    except (OSError, ValueError, RecursionError):
        return None


def _save(sidecar: Path, order: dict[str, Any]) -> None:
    write_text(sidecar, json.dumps(order, indent=2, ensure_ascii=False) + "\n")


def picture_reason(sidecar: Path) -> str | None:
    """Why an order imported from a shop waits for its picture, or None for any other order JSON."""
    order = _read(sidecar)
    shop = order.get("shop") if isinstance(order, dict) else None
    if not isinstance(shop, dict) or "line" not in shop:
        return None
    return (f"waiting for the buyer's picture (order {shop.get('order', '')} on {shop.get('name', 'the shop')}): "
            f"save it into the inbox as {sidecar.stem}.jpg (or .png, .heic …)")


def download_reason(sidecar: Path, missing: list[str]) -> str | None:
    """Why an imported order still waits for its pictures, or None when it waits for no download."""
    order = _read(sidecar)
    downloads = order.get("download") if isinstance(order, dict) else None
    if not isinstance(downloads, dict) or not all(name in downloads for name in missing):
        return None
    parts = []
    for name in missing:
        state = downloads[name] if isinstance(downloads[name], dict) else {}
        host = _host(str(state.get("url", "")))
        if "error" in state:
            parts.append(f"{name}: download from {host} failed {state.get('tries', 1)} time(s) ({state['error']}); "
                         f"next try at {state.get('next_try_at', 'the next run')}. Or drop the picture into the "
                         f"inbox as {name}")
        else:
            parts.append(f"{name}: to be downloaded from {host}")
    return "waiting for its picture(s): " + "; ".join(parts)

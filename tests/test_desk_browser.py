"""The review desk in a real browser (Playwright driving the system's Chromium) beside the real service."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import artwork, files_in, make_order
from running import Running, configure, ledger_rows, wait_for

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
# Chromium as Debian installs it; Playwright's own browser download is not used.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-default-apps", "--disable-sync"]


def _chromium() -> str | None:
    found = os.environ.get("PODWATCH_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    return found if found and Path(found).exists() else None


def _browser_or_skip():
    """A Chromium to drive, or a skip saying what is missing; in CI (PODWATCH_REQUIRE_BROWSER=1) a failure."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright, missing = None, "the playwright package is not installed (pip install -e '.[test]')"
    executable = _chromium()
    if sync_playwright is not None:
        missing = "" if executable else "no Chromium found (apt-get install -y chromium, or set PODWATCH_CHROMIUM)"
    if missing:
        if os.environ.get("PODWATCH_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests are required here but {missing}")
        pytest.skip(f"browser tests skipped: {missing}")
    return sync_playwright, executable


@pytest.fixture
def browser():
    sync_playwright, executable = _browser_or_skip()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def _shots(tmp_path: Path) -> Path:
    """Screenshots go to $PODWATCH_SCREENSHOTS when set (to look at them), else beside the test's folder."""
    folder = Path(os.environ.get("PODWATCH_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _text_only_order(root, order_id: str, name: str) -> None:
    order = {"order_id": order_id, "product": "namemug", "files": [], "customer": {"name": "Ana Lopez"},
             "personalization": {"name": name, "date": "2024-05-01"}}
    (root.inbox / f"{order_id}.json").write_text(json.dumps(order), encoding="utf-8")


def test_a_seller_decides_four_proofs_in_the_browser(root, browser, tmp_path):
    configure(root, intake={"stability_seconds": 0.2}, review={"port": 0})
    shots = _shots(tmp_path)
    for order_id in ("5001", "5002", "5003"):
        make_order(root, order_id, "sticker", artwork((1600, 1600)), personalization={"name": f"Sticker {order_id}"})
    _text_only_order(root, "5004", "Lnua")
    with Running(root, "--review") as service:
        url = wait_for(lambda: re.search(r"Review desk for .*: (http://127\.0\.0\.1:\d+/)", service.output()),
                       20, "the desk's link", service).group(1)
        wait_for(lambda: len(files_in(root.review)) == 4, 90, "four proofs in review/", service)
        proofs = {row.order_id: row.proof_file for row in ledger_rows(root)}
        page = browser.new_page(viewport=DESKTOP)
        page.goto(url)
        assert page.locator("h1").inner_text() == "4 proofs waiting"
        page.screenshot(path=str(shots / "queue.png"), full_page=True)

        # Approve with the button.
        page.goto(url + f"item/{proofs['5001']}")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(shots / "item-desktop.png"), full_page=False)
        page.click("#approve")
        page.wait_for_url(re.compile(r"/item/"))
        assert "Approved" in page.locator(".note").inner_text()
        assert (root.approved / proofs["5001"]).is_file()

        # Approve with the key.
        page.goto(url + f"item/{proofs['5002']}")
        page.keyboard.press("a")
        page.wait_for_url(re.compile(r"note="))
        assert (root.approved / proofs["5002"]).is_file()

        # Reject with a reason: r, type, Enter.
        page.goto(url + f"item/{proofs['5003']}")
        page.keyboard.press("r")
        page.keyboard.type("colours too dark for vinyl")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"note="))
        assert (root.rejected / proofs["5003"]).is_file()
        assert (root.rejected / f"{proofs['5003']}.txt").read_text().strip() == "colours too dark for vinyl"

        # Fix the buyer's typo: the service makes revision 2 from it.
        phone = browser.new_page(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
        phone.goto(url + f"item/{proofs['5004']}")
        phone.screenshot(path=str(shots / "item-phone.png"), full_page=True)
        phone.click("summary")
        phone.fill("input[name='text:name']", "Luna")
        phone.click("#remake")
        phone.wait_for_url(re.compile(r"note="))
        revised = wait_for(lambda: [r for r in ledger_rows(root, "5004") if r.revision == 2], 60, "revision 2",
                           service)[0]
        edited = json.loads(revised.order_json)
        assert edited["personalization"]["name"] == "Luna"
        assert edited["seller_edit"]["changes"] == {"name": {"from": "Lnua", "to": "Luna"}}  # the colour untouched
        # The ledger row comes first (the commit point), the proof is placed a moment after it.
        wait_for(lambda: (root.review / revised.proof_file).is_file(), 30, "the revised proof in review/", service)

        # The service handed both approvals over; the folders say the rest.
        wait_for(lambda: len(files_in(root.production, "500*_print*.png")) == 2, 30, "two print files", service)
        assert sorted(p.name[:4] for p in files_in(root.production, "500*.png")) == ["5001", "5002"]
        states = {row.order_id: row.state.value for row in ledger_rows(root) if row.revision == 1}
        assert states == {"5001": "production", "5002": "production", "5003": "rejected", "5004": "rejected"}

        page.goto(url + "search?q=luna")
        assert page.locator(".results li").count() == 1
        page.screenshot(path=str(shots / "search.png"), full_page=True)
        page.goto(url)
        page.screenshot(path=str(shots / "queue-after.png"), full_page=True)

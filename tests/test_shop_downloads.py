"""Shop orders whose pictures are links: Etsy receipts, Shopify with Customily, WooCommerce add-ons, and
downloads that go wrong, against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import time

import pytest
from conftest import files_in, run
from PIL import Image
from shops import Shop, ShopServer, etsy_csv, etsy_row, map_fields, map_products, write

from podwatch.cli.main import main
from podwatch.config.settings import ShopSettings
from podwatch.shops import download
from podwatch.shops.download import DownloadError, fetch

FIELDS = """
[[shop.products]]
sku = "MUG-PHOTO"
product = "namemug"

[[shop.products]]
title = "name mug"
product = "namemug"
"""


@pytest.fixture
def shop():
    with ShopServer() as server:
        yield server


@pytest.fixture
def fast(root):
    """The seller's mapping, with downloads that give up quickly."""
    map_products(root, FIELDS, download_timeout_seconds=0.5, download_max_megabytes=1, download_retries=1)
    map_fields(root, {"Name": "name", "Date": "date", "Name on mug": "name"})
    return root


def archived(root, order_id: str) -> dict:
    return json.loads(next(p for p in files_in(root.archive, f"{order_id}.json")).read_text(encoding="utf-8"))


def test_an_etsy_receipt_with_two_questions_and_a_file_question(fast, shop):
    receipt = {
        "receipt_id": 3301234567, "name": "Mia Chen", "message_from_buyer": "Gift for my mum, thank you!",
        "first_line": "4 Elm St", "city": "Austin", "zip": "78701",
        "transactions": [{
            "transaction_id": 4401234567, "listing_id": 1587452210, "title": "Photo name mug", "sku": "MUG-PHOTO",
            "quantity": 1,
            "variations": [
                {"property_id": 54, "value_id": None, "formatted_name": "Name", "formatted_value": "Mia, Leo & Kai"},
                {"property_id": 54, "value_id": None, "formatted_name": "Date", "formatted_value": "05/01/2024"},
                {"property_id": 54, "value_id": None, "formatted_name": "Upload your photo",
                 "formatted_value": shop.url("/files/photo-without-suffix")},
                {"property_id": 200, "value_id": 1, "formatted_name": "Color", "formatted_value": "White"},
            ],
        }],
    }
    write(fast.inbox / "receipt-3301234567.json", json.dumps({"count": 1, "results": [receipt]}))
    assert run(fast) == 0
    assert [p.name for p in files_in(fast.review)] == ["3301234567_namemug_White_1_proof.jpg"]
    order = archived(fast, "3301234567")
    assert order["personalization"] == {"name": "Mia, Leo & Kai", "date": "05/01/2024"}
    assert order["instructions"] == "Gift for my mum, thank you!" and order["customer"] == {"name": "Mia Chen"}
    assert order["files"] == ["3301234567.png"]  # named for what it is: the link had no suffix
    assert "Elm" not in json.dumps(order)
    assert shop.hits["/files/photo-without-suffix"] == 1
    with Image.open(files_in(fast.archive, "3301234567.png")[0]) as photo:
        assert photo.size == (1200, 1200)


def test_a_shopify_order_with_customily_properties_and_a_note(fast, shop):
    order = {"order": {
        "id": 5601234567890, "order_number": 1042, "name": "#1042", "note": "Please make the names gold",
        "customer": {"first_name": "Ava", "last_name": "Moreno", "email": "ava@example.com"},
        "shipping_address": {"address1": "9 Oak Ave", "zip": "10001"},
        "line_items": [{
            "id": 13001234567890, "product_id": 7001, "title": "Custom name mug", "variant_title": "White",
            "sku": "", "quantity": 2,
            "properties": [
                {"name": "Name", "value": "Ava"},
                {"name": "Name\u200b", "value": "Noah"},  # Customily makes a second "Name" label unique
                {"name": "_customily-production-url", "value": shop.url("/files/named.jpg")},
                {"name": "_customily-preview", "value": shop.url("/files/preview.png")},
                {"name": "_customily-personalization-id", "value": "a1b2c3"},
            ],
        }],
    }}
    write(fast.inbox / "shopify-1042.json", json.dumps(order))
    assert run(fast) == 0
    # The buyer's note is an instruction: the order waits in review whatever the policy.
    assert [p.name for p in files_in(fast.review)] == ["1042_namemug_White_1_proof.jpg"]
    kept = archived(fast, "1042")
    assert kept["personalization"] == {"name": "Ava", "name_2": "Noah"}
    assert (kept["instructions"], kept["quantity"], kept["variant"]) == ("Please make the names gold", 2, "White")
    assert kept["shop"]["hidden"] == {"customily-personalization-id": "a1b2c3"}
    assert kept["shop"]["customily-preview"].endswith("/files/preview.png")
    assert kept["files"] == ["1042.png"]  # a PNG behind a .jpg link
    assert shop.hits["/files/preview.png"] == 0  # a preview is never printed
    assert "Oak" not in json.dumps(kept) and "ava@example.com" not in json.dumps(kept)



def test_a_shopify_webhook_with_two_lines_a_plain_upload_field_and_only_the_orders_name(fast, shop):
    # The `orders/create` webhook body is the order itself; this shop numbers orders by name alone.
    order = {
        "id": 5601234567891, "name": "#1043", "note": None,
        "customer": {"first_name": "Ava", "last_name": "Moreno", "email": "ava@example.com"},
        "line_items": [
            {"id": 13001234567891, "product_id": 7002, "title": "Photo mug 11oz", "variant_title": "White",
             "sku": "MUG-PHOTO", "quantity": 1, "properties": [
                 {"name": "Name", "value": "Ava"},
                 {"name": "Date", "value": " "},  # left empty by the buyer
                 {"name": "Font", "value": "Script"},  # typed or chosen by the buyer: kept under its own name
                 {"name": "_app-id", "value": "x1"},
                 {"name": "Upload your photo", "value": shop.url("/files/photo.png")},
                 {"name": "_customily-preview", "value": shop.url("/files/preview.png")},
             ]},
            {"id": 13001234567892, "product_id": 7003, "title": "Custom name mug", "variant_title": "White",
             "sku": "", "quantity": 1, "properties": [{"name": "Name", "value": "Noah"}]},
        ],
    }
    write(fast.inbox / "webhook.json", json.dumps(order))

    assert run(fast) == 0

    first, second = archived(fast, "1043-1"), archived(fast, "1043-2")
    assert first["customer"] == second["customer"] == {"name": "Ava Moreno"}
    assert first["personalization"] == {"name": "Ava", "Font": "Script"}
    assert second["personalization"] == {"name": "Noah"}
    assert first["shop"] == {
        "name": "shopify", "order": "1043", "line": "13001234567891", "position": 1, "sku": "MUG-PHOTO",
        "listing_id": "7002", "title": "Photo mug 11oz", "file": "webhook.json", "hidden": {"app-id": "x1"},
        "customily-preview": shop.url("/files/preview.png")}
    assert (second["shop"]["position"], second["shop"]["listing_id"]) == (2, "7003")
    assert first["files"] == ["1043-1.png"] and shop.hits["/files/photo.png"] == 1
    assert second["files"] == [] and shop.hits["/files/preview.png"] == 0


def test_a_shopify_api_listing_of_orders_is_read_and_other_json_is_not_an_order(fast):
    # GET /orders.json lists them as {"orders": [...]}; a line without properties needs the order number.
    line = {"id": 13001234567893, "product_id": 7003, "title": "Custom name mug", "sku": "", "quantity": 1}
    write(fast.inbox / "orders.json", json.dumps({"orders": [{"order_number": 1044, "line_items": [line]}]}))
    write(fast.inbox / "cart.json", json.dumps({"line_items": [line]}))  # a cart: no number, nothing typed

    run(fast)

    # Imported (then failed for the name the mug needs, which this line does not give).
    imported = json.loads((fast.failed / "1044" / "1044.json").read_text(encoding="utf-8"))
    assert (imported["shop"]["name"], imported["shop"]["line"]) == ("shopify", "13001234567893")
    # The cart is no shop order: it waits in the inbox as any JSON without its upload does.
    assert (fast.inbox / "cart.json").is_file() and not (fast.failed / "cart").exists()



def test_a_picture_link_given_as_the_personalization_in_an_etsy_csv_is_downloaded(fast, shop):
    link = shop.url("/files/photo.png")
    row = etsy_row("3141592661", "4000000010", "Photo mug", "MUG-PHOTO", f"Name:Mia,Personalization:{link}")
    write(fast.inbox / "EtsySoldOrderItems.csv", etsy_csv([row]))
    assert run(fast) == 0
    order = archived(fast, "3141592661")
    assert order["files"] == ["3141592661.png"] and order["personalization"] == {"name": "Mia"}
    assert shop.hits["/files/photo.png"] == 1


def woo_order(shop, *uploads: str) -> dict:
    meta = [
        {"id": 1, "key": "pa_color", "value": "white", "display_key": "Color", "display_value": "White"},
        {"id": 2, "key": "Name on mug", "value": "Zoë", "display_key": "Name on mug", "display_value": "Zoë"},
        {"id": 3, "key": "_reduced_stock", "value": "1", "display_key": "_reduced_stock", "display_value": "1"},
    ] + [{"id": 10 + n, "key": f"Photo {n}", "value": shop.url(path), "display_key": f"Photo {n}",
          "display_value": f'<a href="{shop.url(path)}">photo</a>'} for n, path in enumerate(uploads, start=1)]
    return {"id": 727, "number": "727", "customer_note": "", "billing": {"first_name": "Zoë", "last_name": "Martin",
            "address_1": "1 Rue Haute", "email": "zoe@example.com"},
            "line_items": [{"id": 315, "name": "Photo name mug", "product_id": 93, "sku": "MUG-PHOTO", "quantity": 1,
                            "meta_data": meta}]}


def test_a_woocommerce_order_with_an_add_on_upload(fast, shop):
    upload = "/wp-content/uploads/product_addons_uploads/9f86d0a8/pet.jpg"
    write(fast.inbox / "woo-727.json", json.dumps(woo_order(shop, upload)))
    assert run(fast) == 0
    assert [p.name for p in files_in(fast.review)] == ["727_namemug_White_1_proof.jpg"]
    kept = archived(fast, "727")
    assert kept["personalization"] == {"name": "Zoë"} and kept["variant"] == "White"
    assert kept["files"] == ["727.png"] and kept["download"]["727.png"]["url"] == shop.url(upload)
    assert kept["customer"] == {"name": "Zoë Martin"} and "Rue" not in json.dumps(kept)
    assert shop.hits[upload] == 1


def test_a_failed_download_waits_with_its_reason_and_is_tried_again(fast, shop, capsys, monkeypatch):
    write(fast.inbox / "woo-727.json", json.dumps(woo_order(shop, "/files/photo.png", "/files/later.png")))
    assert run(fast) == 0
    # One of two pictures arrived: the order is not taken half-made.
    assert sorted(p.name for p in files_in(fast.inbox)) == ["727-1.png", "727.json"]
    assert files_in(fast.review) == []
    capsys.readouterr()
    main(["status", "--root", str(fast.path)])
    shown = capsys.readouterr().out
    assert "727-2.png: download from 127.0.0.1 failed 1 time(s) (127.0.0.1 answered 503" in shown

    assert run(fast) == 0  # not due yet: no new request before the wait is over
    assert shop.hits["/files/later.png"] == 2  # one try with one retry

    Shop.later_ready = True
    monkeypatch.setattr(download, "RETRY_SECONDS", 0.0)
    order = json.loads((fast.inbox / "727.json").read_text(encoding="utf-8"))
    order["download"]["727-2.png"]["next_try"] = time.time() - 1  # as if the wait were over
    (fast.inbox / "727.json").write_text(json.dumps(order), encoding="utf-8")
    assert run(fast) == 0
    assert [p.name for p in files_in(fast.review)] == ["727_namemug_White_1_proof.jpg",
                                                       "727_namemug_White_2_proof.jpg"]
    assert sorted(p.name for p in files_in(fast.archive, "727*")) == ["727-1.png", "727-2.png", "727.json"]


def test_a_product_that_takes_no_upload_never_waits_for_one(fast, shop):
    rule = (fast.rules / "namemug.toml").read_text(encoding="utf-8").replace('upload = "optional"', 'upload = "none"')
    (fast.rules / "textmug.toml").write_text(rule, encoding="utf-8")
    map_products(fast, '\n[[shop.products]]\nsku = "TEXT-MUG"\nproduct = "textmug"\n')
    order = woo_order(shop, "/files/photo.png")
    order["line_items"][0].update(sku="TEXT-MUG", name="Mug with your text")
    write(fast.inbox / "woo-727.json", json.dumps(order))
    assert run(fast) == 0
    assert [p.name for p in files_in(fast.review)] == ["727_textmug_White_1_proof.jpg"]
    assert shop.hits["/files/photo.png"] == 0


SETTINGS = ShopSettings(download_timeout_seconds=0.5, download_max_megabytes=1, download_retries=0)


@pytest.mark.parametrize(("path", "said"), [
    ("/files/slow.png", "did not answer within 0.5 s"),
    ("/files/missing.png", "answered 404 Not Found: the file is not there"),
    ("/files/page.png", "is not a picture"),
    ("/files/huge.png", "over the 1 MB limit"),
    ("/files/loop.png", "redirected more than 3 times"),
    ("/files/away.png", "is not an https:// link"),
])
def test_downloads_that_go_wrong_say_why(tmp_path, shop, path, said):
    with pytest.raises(DownloadError, match=said):
        fetch(shop.url(path), tmp_path / "picture", SETTINGS)
    assert list(tmp_path.iterdir()) == []  # nothing half-written is left


def test_a_redirect_is_followed_and_plain_http_is_only_for_this_computer(tmp_path, shop):
    assert fetch(shop.url("/files/redirect.png"), tmp_path / "picture", SETTINGS) == ".png"
    assert (tmp_path / "picture").read_bytes() == Shop.picture
    with pytest.raises(DownloadError, match="only over https"):
        fetch("http://cdn.customily.com/ExportFile/x.png", tmp_path / "other", SETTINGS)


def test_a_running_service_imports_a_shop_order_and_fetches_its_picture(fast, shop):
    from running import Running, configure, wait_for

    configure(fast, intake={"stability_seconds": 0.3})
    order = {"id": 9, "order_number": 1077, "note": "", "line_items": [{
        "id": 21, "product_id": 7001, "title": "Custom name mug", "variant_title": "White", "quantity": 1,
        "properties": [{"name": "Name", "value": "Ida"},
                       {"name": "_customily-production-url", "value": shop.url("/files/photo.png")}]}]}
    with Running(fast) as service:
        write(fast.inbox / "order-1077.json.part", json.dumps(order)).rename(fast.inbox / "order-1077.json")
        wait_for(lambda: files_in(fast.review), 60, "the proof", service)
    assert [p.name for p in files_in(fast.review)] == ["1077_namemug_White_1_proof.jpg"]
    assert [p.name for p in files_in(fast.archive / "shops")] == ["order-1077.json"]
    assert shop.hits["/files/photo.png"] == 1


def test_a_download_name_with_folders_in_it_is_never_followed(fast, shop):
    order = {"order_id": "666", "product": "namemug", "files": ["evil.png"],
             "download": {"../evil.png": {"url": shop.url("/files/photo.png")},
                          "evil.png": {"url": "https://127.0.0.1:1/nothing-listens-here.png"}}}
    write(fast.inbox / "666.json", json.dumps(order))
    assert download.fetch_waiting(fast.inbox, ShopSettings(download_timeout_seconds=0.5, download_retries=0)) == 0
    assert not (fast.path / "evil.png").exists() and shop.hits["/files/photo.png"] == 0


def test_a_server_that_is_not_there_is_named(tmp_path):
    with pytest.raises(DownloadError, match="127.0.0.1 could not be reached"):
        fetch("https://127.0.0.1:1/photo.png", tmp_path / "picture", SETTINGS)


def test_an_order_taken_while_its_picture_downloads_is_not_written_again(fast, shop, monkeypatch):
    order = {"order_id": "808", "product": "namemug", "files": ["808.png"],
             "download": {"808.png": {"url": shop.url("/files/photo.png")}}}
    sidecar = write(fast.inbox / "808.json", json.dumps(order))
    settings = ShopSettings(download_timeout_seconds=2, download_retries=0)
    assert download.fetch_waiting(fast.inbox, settings, busy=lambda path: path == sidecar) == 0
    assert shop.hits["/files/photo.png"] == 0  # queued to be taken: left alone

    real_fetch = download.fetch

    def taken_meanwhile(url, dest, shop_settings):
        suffix = real_fetch(url, dest, shop_settings)
        sidecar.rename(fast.path / "808.json")  # the service claims the order, the seller's picture with it
        return suffix

    monkeypatch.setattr(download, "fetch", taken_meanwhile)
    assert download.fetch_waiting(fast.inbox, settings) == 0
    assert list(fast.inbox.iterdir()) == []  # no second order JSON, no stray picture

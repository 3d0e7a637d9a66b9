"""Orders straight from the shop: Etsy, Shopify and WooCommerce files dropped into the inbox."""

from __future__ import annotations

import json
import os
import time

import pytest
from conftest import artwork, files_in, run
from running import configure, ledger_events, still_being_written
from shops import BRADYS, etsy_csv, etsy_row, map_fields, map_products, sample_etsy_rows, write

from podwatch.cli.main import main


def orders_in(folder) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in files_in(folder, "*.json")}


def status(root, capsys) -> dict:
    capsys.readouterr()
    main(["status", "--json", "--root", str(root.path)])
    return json.loads(capsys.readouterr().out)


def test_an_etsy_order_items_csv_becomes_one_order_per_line(root):
    map_products(root)
    csv_file = write(root.path / "EtsySoldOrderItems2024-5.csv", etsy_csv(sample_etsy_rows()))
    assert main(["import", str(csv_file), "--root", str(root.path)]) == 0

    orders = orders_in(root.inbox)
    # One line: the shop's order number; two lines: `-1`, `-2` in Transaction ID order; the gift card is skipped.
    assert sorted(orders) == ["3141592653", "3141592654-1", "3141592654-2", "3141592655"]
    bradys = orders["3141592653"]
    assert bradys["product"] == "namemug"
    assert bradys["personalization"] == {"name": BRADYS}  # commas, colons and line breaks intact
    assert bradys["customer"] == {"name": "Ana Reyes"}
    assert bradys["shop"] == {"name": "etsy", "order": "3141592653", "line": "4000000001", "position": 1,
                              "sku": "MUG-NAME-11", "listing_id": "1587452210",
                              "title": "Custom Family Name Mug 11oz", "file": "EtsySoldOrderItems2024-5.csv"}
    assert "Harbour" not in json.dumps(orders) and "97201" not in json.dumps(orders)  # no address copied
    assert bradys["files"] == []  # the name mug takes a photo only if there is one

    mug, shirt = orders["3141592654-1"], orders["3141592654-2"]
    assert (shirt["product"], shirt["variant"], shirt["personalization"]) == ("tshirt", "Black / L", {})
    assert "files" not in shirt  # a shirt needs the buyer's picture: it waits for 3141592654-2.jpg
    assert mug["personalization"] == {"name": "Love, Mom: forever"} and mug["variant"] == "White"
    assert orders["3141592655"]["personalization"] == {}  # "Not requested on this item."
    assert files_in(root.path / "archive" / "shops")[0].read_bytes() == csv_file.read_bytes()


def test_a_shop_csv_in_the_inbox_is_imported_once_and_a_late_photo_pairs_by_order_id(root, capsys):
    map_products(root)
    text = etsy_csv(sample_etsy_rows())
    write(root.inbox / "EtsySoldOrderItems2024-5.csv", text)
    assert run(root) == 1  # the Bradys' address is too long for a mug, and 3141592655 has no name

    assert [p.name for p in files_in(root.review)] == ["3141592654-1_namemug_White_1_proof.jpg"]
    failed = sorted(p.name for p in files_in(root.failed, "*.error.txt"))
    assert any("3141592653" in name for name in failed) and any("3141592655" in name for name in failed)
    assert [p.name for p in files_in(root.inbox)] == ["3141592654-2.json"]
    waiting = {w["name"]: w["reason"] for w in status(root, capsys)["waiting"]}
    assert "save it into the inbox as 3141592654-2.jpg" in waiting["3141592654-2.json"]
    assert [p.name for p in files_in(root.archive / "shops")] == ["EtsySoldOrderItems2024-5.csv"]

    artwork((4500, 5400)).save(root.inbox / "3141592654-2.jpg", quality=90)  # the buyer's photo, sent later
    assert run(root) == 0
    assert "3141592654-2_tshirt_Black-L_1_proof.jpg" in [p.name for p in files_in(root.review)]

    write(root.inbox / "EtsySoldOrderItems2024-5.csv", text)  # the next export overlaps: same lines again
    before = files_in(root.path)
    assert run(root) == 0
    assert files_in(root.inbox) == []
    added = sorted(set(files_in(root.path)) - set(before))
    assert [p.name for p in added if ".podwatch" not in p.parts] == ["EtsySoldOrderItems2024-5_r2.csv"]


def test_the_uk_export_is_recognised_by_its_header(root):
    map_products(root)
    rows = [etsy_row("5550001", "6660001", "Custom Family Name Mug 11oz", "MUG-NAME-11", "Personalisation:Oliver")]
    write(root.inbox / "EtsySoldOrderItems2024.csv", etsy_csv(rows, uk=True))
    assert run(root) == 0
    assert [p.name for p in files_in(root.review)] == ["5550001_namemug_white_1_proof.jpg"]
    archived = orders_in(root.archive)["5550001"]
    assert archived["personalization"] == {"name": "Oliver"}  # podwatch.toml maps the UK spelling too


def test_a_line_without_a_product_waits_with_the_mapping_to_add(root, capsys):
    rows = [etsy_row("7770001", "8880001", "Birth Flower Necklace", "NECK-01", "Personalization:June")]
    write(root.inbox / "EtsySoldOrderItems.csv", etsy_csv(rows))
    assert run(root) == 0
    assert [p.name for p in files_in(root.inbox)] == ["EtsySoldOrderItems.csv"]  # listed, not failed
    reason = {w["name"]: w["reason"] for w in status(root, capsys)["waiting"]}["EtsySoldOrderItems.csv"]
    assert '    [[shop.products]]\n    sku = "NECK-01"  # Birth Flower Necklace\n    product = "..."' in reason

    map_products(root, '\n[[shop.products]]\nsku = "NECK-01"\nproduct = "namemug"\n')
    assert run(root) == 0
    assert [p.name for p in files_in(root.review)] == ["7770001_namemug_white_1_proof.jpg"]
    assert files_in(root.inbox) == []


def test_etsy_orders_export_without_variations_is_refused_with_what_to_download(root):
    write(root.inbox / "EtsySoldOrders2024.csv", "Sale Date,Order ID,Buyer User ID,Number of Items\n05/09/24,1,2,1\n")
    assert run(root) == 0
    error = files_in(root.failed, "*.error.txt")[0].read_text(encoding="utf-8")
    assert "Order Items" in error and "EtsySoldOrders2024.csv" in error
    assert files_in(root.failed, "*.csv")[0].name == "EtsySoldOrders2024.csv"


def test_a_buyers_text_before_the_shops_own_choices_ends_at_them(root):
    map_products(root)
    rows = [
        etsy_row("9990001", "9990011", "Custom Family Name Mug 11oz", "MUG-NAME-11",
                 "Personalization:Anna, Ben: 2024,Primary color:Black"),
        etsy_row("9990002", "9990012", "Custom Family Name Mug 11oz", "MUG-NAME-11",
                 "Personalization:Eve, Kai,Handle:Pink"),  # a seller's own option, named by another row
        etsy_row("9990003", "9990013", "Custom Family Name Mug 11oz", "MUG-NAME-11", "Handle:Blue,Personalization:Jo"),
    ]
    csv_file = write(root.path / "EtsySoldOrderItems.csv", etsy_csv(rows))
    assert main(["import", str(csv_file), "--root", str(root.path)]) == 0
    orders = orders_in(root.inbox)
    assert (orders["9990001"]["personalization"], orders["9990001"]["variant"]) == ({"name": "Anna, Ben: 2024"}, "Black")
    assert (orders["9990002"]["personalization"], orders["9990002"]["variant"]) == ({"name": "Eve, Kai"}, "Pink")
    assert (orders["9990003"]["personalization"], orders["9990003"]["variant"]) == ({"name": "Jo"}, "Blue")


def test_a_shop_file_podwatch_trips_over_stays_and_the_other_orders_go_on(root, monkeypatch, capsys):
    from conftest import make_order

    from podwatch.shops import importer

    planned = importer.plan

    def trip(line, shop, rules, source):
        if source == "EtsySoldOrderItems.csv":
            raise RuntimeError("a bug in the mapping")
        return planned(line, shop, rules, source)

    monkeypatch.setattr(importer, "plan", trip)
    map_products(root)
    write(root.inbox / "EtsySoldOrderItems.csv", etsy_csv(sample_etsy_rows()))
    write(root.inbox / "EtsySoldOrderItems2.csv", etsy_csv([etsy_row("3141592677", "4000000025", "Gift card", "GIFT", "")]))
    make_order(root, "1234", product="sticker", image=artwork((1200, 1200)))
    capsys.readouterr()
    assert run(root) == 0
    assert [p.name for p in files_in(root.review)] == ["1234_sticker_white_1_proof.jpg"]
    assert [p.name for p in files_in(root.inbox)] == ["EtsySoldOrderItems.csv"]
    assert [p.name for p in files_in(root.archive / "shops")] == ["EtsySoldOrderItems2.csv"]  # the next file went on
    log = capsys.readouterr().err
    assert " EtsySoldOrderItems.csv: could not be imported; it stays in the inbox\nTraceback" in log
    assert "RuntimeError: a bug in the mapping" in log
    assert (" inbox/EtsySoldOrderItems.csv: could not be imported (RuntimeError: a bug in the mapping); "
            "see the log\n") in log


def test_the_shop_mapping_example_in_podwatch_toml_works_when_uncommented():
    import tomllib

    from podwatch.config.settings import SETTINGS_TEMPLATE, Settings

    text = SETTINGS_TEMPLATE.replace("\n#  ", "\n")
    products = Settings.model_validate(tomllib.loads(text)).shop.products
    assert [(p.sku, p.title, p.product) for p in products] == [("MUG-NAME-11", None, "namemug"),
                                                                 (None, "gift card", "skip")]


def test_a_mapping_to_a_product_without_a_rule_stops_podwatch_at_start(root, capsys):
    map_products(root, '\n[[shop.products]]\nsku = "MUG-NAME-11"\nproduct = "namemugg"\n')
    assert run(root) == 2
    said = capsys.readouterr().err
    assert "shop.products.0.product: 'namemugg' has no rule file (rules/namemugg.toml)" in said
    assert "namemug," in said
    for rule in (root.path / "rules").glob("*.toml"):  # a seller who cleared the rules folder
        rule.unlink()
    assert run(root) == 2
    assert "(rules/namemugg.toml). Known products: none, or \"skip\".\n" in capsys.readouterr().err


def test_a_mapping_that_matches_on_nothing_is_a_mistake(root, capsys):
    map_products(root, '\n[[shop.products]]\nproduct = "namemug"\n')
    assert run(root) == 2
    assert "needs sku, listing_id or title" in capsys.readouterr().err


def test_lines_matching_no_product_wait_with_one_entry_to_add_for_each(root, capsys):
    rows = [
        etsy_row("7770001", "8880001", "Birth Flower Necklace", "NECK-01", "Personalization:June"),
        etsy_row("7770002", "8880002", "Star Map Print", "", "", listing="1234567"),
        etsy_row("7770003", "8880003", "Tasse für Oma", "", "", listing=""),
    ]
    write(root.inbox / "EtsySoldOrderItems.csv", etsy_csv(rows))
    assert run(root) == 0
    reason = {w["name"]: w["reason"] for w in status(root, capsys)["waiting"]}["EtsySoldOrderItems.csv"]
    entry = '    [[shop.products]]\n    {}\n    product = "..."   # a rule name, or "skip"'
    assert reason == (
        "3 line(s) match no product in podwatch.toml: order 7770001 (Birth Flower Necklace); order 7770002 "
        "(Star Map Print); order 7770003 (Tasse für Oma). Add to podwatch.toml, then run podwatch again, or restart "
        "it if it runs as a service (the file is read again; lines already imported are not added twice):\n\n"
        + entry.format('sku = "NECK-01"  # Birth Flower Necklace') + "\n\n"
        + entry.format('listing_id = "1234567"  # Star Map Print') + "\n\n"
        + entry.format('title = "Tasse für Oma"') + "\n")


@pytest.mark.parametrize(("number", "line_id", "reason"), [
    (None, 1, "the order has no order_number or name; save the whole order JSON from Shopify"),
    (1045, None, "line 1 of order 1045 has no id; save the whole order JSON from Shopify"),
])
def test_a_shopify_order_without_a_number_goes_to_failed_saying_what_to_save(root, capsys, number, line_id, reason):
    line = {"id": line_id, "title": "Custom name mug", "properties": [{"name": "Name", "value": "Ava"}]}
    write(root.inbox / "shopify order.json", json.dumps({"order_number": number, "line_items": [line]}))
    assert run(root) == 0
    assert (root.failed / "shopify-order" / "shopify order.json").is_file()
    assert (root.failed / "shopify-order" / "shopify order.json.error.txt").read_text(encoding="utf-8") == (
        f"shopify order.json cannot be imported: {reason}.\nFix or export it again and drop it into the inbox; "
        "lines already imported are not added twice.\n")
    assert f" shopify order.json: {reason} (moved to failed/shopify-order)\n" in capsys.readouterr().err
    assert [e["kind"] for e in ledger_events(root)] == ["failed"]


def test_an_etsy_receipt_saved_on_its_own_is_read_like_one_in_a_list(root):
    map_products(root)
    receipt = {"receipt_id": 3301234568, "name": "Mia Chen", "transactions": [{
        "transaction_id": 4401234568, "listing_id": 1587452211, "title": "Custom Family Name Mug 11oz",
        "sku": "MUG-NAME-11", "quantity": 2,
        "variations": [{"property_id": 54, "formatted_name": "Personalization", "formatted_value": "Mia"},
                       {"property_id": 54, "formatted_name": "Nickname", "formatted_value": ""}]}]}
    receipt["transactions"][0]["variations"][0]["formatted_name"] = ""  # Etsy leaves the label out: Personalization
    source = write(root.path / "receipt.json", json.dumps(receipt))
    assert main(["import", str(source), "--root", str(root.path)]) == 0
    order = orders_in(root.inbox)["3301234568"]
    assert (order["personalization"], order["quantity"]) == ({"name": "Mia"}, 2)
    assert order["customer"] == {"name": "Mia Chen"}
    assert order["shop"] == {"name": "etsy", "order": "3301234568", "line": "4401234568", "position": 1,
                             "sku": "MUG-NAME-11", "listing_id": "1587452211", "title": "Custom Family Name Mug 11oz",
                             "file": "receipt.json"}


def test_a_woocommerce_export_of_two_orders_gives_one_order_per_line(root):
    map_products(root)

    def item(line_id: int, sku: str, name: str, product_id: int, *meta: tuple[str, str, str]) -> dict:
        return {"id": line_id, "name": name, "product_id": product_id, "sku": sku, "quantity": 1, "meta_data": [
            {"id": n, "key": key, "value": value, "display_key": shown, "display_value": value.title()}
            for n, (key, shown, value) in enumerate(meta)]}

    # An add-on that stores a list (a multi-select) has no text of its own to print.
    listed = {"id": 9, "key": "Extras", "value": ["gift box"], "display_key": "Extras", "display_value": "gift box"}
    orders = [
        {"id": 901, "number": "1001", "customer_note": " Gift, no price tag please ",
         "billing": {"first_name": "Zoë", "last_name": "Martin", "address_1": "1 Rue Haute"},
         "line_items": [
             item(41, "MUG-NAME-11", "Family mug", 93, ("personalization_1", "Personalization", "Zoë"),
                  ("pa_color", "Color", "white"), ("Gift wrap", "Gift wrap", " "),
                  ("_reduced_stock", "_reduced_stock", "1")),
             item(42, "", "Classic t-shirt", 94, ("pa_size", "Size", "xl")) | {"quantity": 3},
         ]},
        {"id": 902, "line_items": [
            item(43, "MUG-NAME-11", "Family mug", 93, ("Personalization", "Personalization", "Jo"))]},
    ]
    orders[0]["line_items"][0]["meta_data"].append(listed)
    source = write(root.path / "woo-export.json", json.dumps(orders))
    assert main(["import", str(source), "--root", str(root.path)]) == 0

    found = orders_in(root.inbox)
    assert sorted(found) == ["1001-1", "1001-2", "902"]  # an order without a number goes by its id
    mug, shirt = found["1001-1"], found["1001-2"]
    assert (mug["product"], mug["personalization"], mug["variant"]) == ("namemug", {"name": "Zoë"}, "White")
    assert mug["instructions"] == "Gift, no price tag please" and mug["customer"] == {"name": "Zoë Martin"}
    assert mug["shop"] == {"name": "woocommerce", "order": "1001", "line": "41", "position": 1, "sku": "MUG-NAME-11",
                           "listing_id": "93", "title": "Family mug", "file": "woo-export.json"}
    assert (shirt["product"], shirt["variant"], shirt["shop"]["position"], shirt["quantity"]) == ("tshirt", "Xl", 2, 3)
    assert found["902"]["personalization"] == {"name": "Jo"} and found["902"]["customer"] == {}


@pytest.mark.parametrize(("order", "reason"), [
    ({"line_items": [{"id": 41, "meta_data": []}]},
     "the order has no number or id; export the whole order from WooCommerce"),
    ({"number": "1002", "line_items": [{"name": "Family mug", "meta_data": []}]},
     "line 1 of order 1002 has no id; export the whole order again"),
])
def test_a_woocommerce_order_podwatch_cannot_place_goes_to_failed_saying_what_to_export(root, order, reason):
    write(root.inbox / "woo.json", json.dumps(order))
    assert run(root) == 0
    assert (root.failed / "woo" / "woo.json.error.txt").read_text(encoding="utf-8").startswith(
        f"woo.json cannot be imported: {reason}.\n")


def test_etsy_csv_lines_without_sku_variations_or_buyer_and_with_a_sellers_own_labels(root):
    map_products(root)
    rows = [etsy_row("3141592657", "4000000006", "Classic T-Shirt", "", "", quantity=2, listing="1587452299", buyer=""),
            # A seller's own wording of the personalization question; a choice written without its label.
            etsy_row("3141592659", "4000000008", "Classic T-Shirt", "", "Personalised message:Happy 40th, Dad"),
            etsy_row("3141592660", "4000000009", "Classic T-Shirt", "", "Black"),
            etsy_row("3141592665", "4000000013", "", "MUG-NAME-11", "Personalization:Jo")]  # no item name
    csv_file = write(root.path / "EtsySoldOrderItems.csv", etsy_csv(rows))
    assert main(["import", str(csv_file), "--root", str(root.path)]) == 0
    orders = orders_in(root.inbox)
    order = orders["3141592657"]
    assert (order["product"], order["variant"], order["quantity"], order["customer"]) == ("tshirt", "", 2, {})
    assert (order["shop"]["sku"], order["shop"]["listing_id"]) == ("", "1587452299")
    message = orders["3141592659"]
    assert (message["personalization"], message["variant"]) == ({"Personalised message": "Happy 40th, Dad"}, "")
    assert (orders["3141592660"]["personalization"], orders["3141592660"]["variant"]) == ({}, "Black")
    assert orders["3141592665"]["shop"]["title"] == ""


@pytest.mark.parametrize("missing", ["Order ID", "Transaction ID"])
def test_an_etsy_csv_row_without_its_ids_sends_the_file_to_failed(root, missing):
    row = etsy_row("3141592658", "4000000007", "Classic T-Shirt", "TEE", "")
    write(root.inbox / "EtsySoldOrderItems.csv", etsy_csv([row | {missing: ""}]))
    assert run(root) == 0
    error = (root.failed / "EtsySoldOrderItems" / "EtsySoldOrderItems.csv.error.txt").read_text(encoding="utf-8")
    assert error.startswith("EtsySoldOrderItems.csv cannot be imported: row 2 has no Order ID or Transaction ID; "
                            "download the export from Etsy again.\n")


def test_an_etsy_receipt_with_a_transaction_without_its_id_goes_to_failed(root):
    receipt = {"receipt_id": 3301234569, "transactions": [{"title": "Custom Family Name Mug 11oz", "variations": []}]}
    write(root.inbox / "receipt.json", json.dumps(receipt))
    assert run(root) == 0
    assert (root.failed / "receipt" / "receipt.json.error.txt").read_text(encoding="utf-8").startswith(
        "receipt.json cannot be imported: receipt 3301234569 has a transaction without a transaction_id; fetch it "
        "from Etsy again.\n")


def test_a_json_list_that_is_no_shop_order_is_left_to_the_inbox(root):
    write(root.inbox / "notes.json", json.dumps(["print it big", "thanks"]))
    assert run(root) == 0
    assert (root.inbox / "notes.json").is_file()  # an order JSON without its upload: it waits, listed by status


def test_the_lines_of_an_etsy_order_are_numbered_in_transaction_order_counted_not_spelled(root):
    map_products(root)
    rows = [etsy_row("3141592662", "1000000000", "Custom Family Name Mug 11oz", "MUG-NAME-11", "Personalization:Second"),
            etsy_row("3141592662", "999999999", "Custom Family Name Mug 11oz", "MUG-NAME-11", "Personalization:First")]
    csv_file = write(root.path / "EtsySoldOrderItems.csv", etsy_csv(rows))
    assert main(["import", str(csv_file), "--root", str(root.path)]) == 0
    orders = orders_in(root.inbox)
    assert orders["3141592662-1"]["personalization"] == {"name": "First"}
    assert orders["3141592662-2"]["personalization"] == {"name": "Second"}


def test_the_log_says_what_each_shop_file_gave(root, capsys):
    map_products(root)
    rows = [etsy_row("3141592663", "4000000011", "Custom Family Name Mug 11oz", "MUG-NAME-11", "Personalization:Ida"),
            etsy_row("3141592664", "4000000012", "Gift card", "GIFT", ""),
            etsy_row("3141592678", "4000000026", "Custom Family Name Mug 11oz", "MUG-NAME-11", "Personalization:Bo"),
            etsy_row("3141592679", "4000000027", "Gift card", "GIFT", "")]
    for said in ("2 new order(s), 2 skipped", "0 new order(s), 2 imported before, 2 skipped"):  # then again
        write(root.inbox / "EtsySoldOrderItems.csv", etsy_csv(rows))
        capsys.readouterr()
        run(root)
        assert f" EtsySoldOrderItems.csv: {said}; the file is kept in archive/shops/" in capsys.readouterr().err


def test_podwatch_import_prints_what_the_file_gave_and_what_waits(root, capsys):
    map_products(root)
    rows = [etsy_row("3141592666", "4000000014", "Custom Family Name Mug 11oz", "MUG-NAME-11", "Personalization:Ida"),
            etsy_row("3141592667", "4000000015", "Birth Flower Necklace", "NECK-01", "")]
    csv_file = write(root.path / "EtsySoldOrderItems.csv", etsy_csv(rows))
    capsys.readouterr()
    main(["import", str(csv_file), "--root", str(root.path)])
    printed = capsys.readouterr().out.splitlines()
    assert printed[:2] == ["EtsySoldOrderItems.csv: 1 new order(s), 1 without a product", "  inbox/3141592666.json"]


def test_an_imported_order_json_is_as_settled_as_its_shop_file_and_is_logged(root, capsys):
    map_products(root)
    rows = [etsy_row("3141592668", "4000000016", "Custom Family Name Mug 11oz", "MUG-NAME-11", "Personalization:Ida")]
    csv_file = write(root.path / "EtsySoldOrderItems.csv", etsy_csv(rows))
    os.utime(csv_file, (1_700_000_000, 1_700_000_000))  # exported a while ago
    capsys.readouterr()
    assert main(["import", str(csv_file), "--root", str(root.path)]) == 0
    assert (root.inbox / "3141592668.json").stat().st_mtime == 1_700_000_000
    assert " inbox/3141592668.json: order 3141592668 from etsy (namemug)\n" in capsys.readouterr().err


def test_an_import_interrupted_before_it_was_recorded_is_not_written_twice(root):
    map_products(root)
    rows = [etsy_row("3141592669", "4000000017", "Custom Family Name Mug 11oz", "MUG-NAME-11", "Personalization:Ida")]
    csv_file = write(root.path / "EtsySoldOrderItems.csv", etsy_csv(rows))
    assert main(["import", str(csv_file), "--root", str(root.path)]) == 0
    (root.local / "shop-lines.sqlite3").unlink()  # the power went before the line was recorded
    assert main(["import", str(csv_file), "--root", str(root.path)]) == 0
    assert sorted(p.name for p in root.inbox.iterdir()) == ["3141592669.json"]


def test_a_mapping_by_listing_id_gives_each_listing_its_own_product(root):
    map_products(root, '\n[[shop.products]]\nlisting_id = "111"\nproduct = "namemug"\n'
                       '\n[[shop.products]]\nlisting_id = "222"\nproduct = "nametee"\n')
    rows = [etsy_row("3141592670", "4000000018", "Name gift", "", "Personalization:Ida", listing="222"),
            etsy_row("3141592671", "4000000019", "Name gift", "", "Personalization:Bo", listing="111")]
    csv_file = write(root.path / "EtsySoldOrderItems.csv", etsy_csv(rows))
    assert main(["import", str(csv_file), "--root", str(root.path)]) == 0
    orders = orders_in(root.inbox)
    assert (orders["3141592670"]["product"], orders["3141592671"]["product"]) == ("nametee", "namemug")


def test_a_file_already_in_the_inbox_under_an_orders_name_is_kept_and_the_line_written_beside_it(root):
    map_products(root)
    rows = [etsy_row(order, line, "Custom Family Name Mug 11oz", "MUG-NAME-11", "Personalization:Ida")
            for order, line in (("3141592672", "4000000020"), ("3141592673", "4000000021"),
                                ("3141592674", "4000000022"))]
    there = {
        "3141592672.json": "{ half a file",  # not JSON: no sign it came from this line
        # The same shop's order, but another line of it (the seller wrote it by hand, or a shop re-used the number).
        "3141592673.json": json.dumps({"product": "namemug", "shop": {"name": "etsy", "line": "4000000099"}}),
        "3141592674.json": json.dumps({"product": "namemug", "personalization": {"name": "Bo"}}),  # no shop at all
    }
    for name, text in there.items():
        write(root.inbox / name, text)
    csv_file = write(root.path / "EtsySoldOrderItems.csv", etsy_csv(rows))
    assert main(["import", str(csv_file), "--root", str(root.path)]) == 0
    assert {name: (root.inbox / name).read_text(encoding="utf-8") for name in there} == there
    written = {p.name: json.loads(p.read_text(encoding="utf-8"))["shop"]["line"] for p in files_in(root.inbox, "*_r2.json")}
    assert written == {"3141592672_r2.json": "4000000020", "3141592673_r2.json": "4000000021",
                       "3141592674_r2.json": "4000000022"}


def test_shopify_app_data_among_the_buyers_answers_is_set_aside_and_an_unlabelled_answer_is_text(root):
    map_products(root)
    line = {"id": 13001234567899, "title": "Custom name mug", "sku": "MUG-NAME-11", "properties": [
        {"name": "Name", "value": "Ida"},
        {"name": "_cl_options", "value": "x1"},  # an app's own data, between the buyer's answers
        {"name": " ", "value": "est. 2019"},  # a field the app left without a label
        {"name": "Font", "value": "Script"},
    ]}
    write(root.inbox / "shopify order.json", json.dumps({"order_number": 1050, "line_items": [line]}))
    main(["import", str(root.inbox / "shopify order.json"), "--root", str(root.path)])
    order = orders_in(root.inbox)["1050"]
    assert order["personalization"] == {"Name": "Ida", "text": "est. 2019", "Font": "Script"}
    assert order["shop"]["hidden"] == {"cl_options": "x1"}


def test_a_hidden_copy_of_a_shop_file_is_left_alone(root):
    # A sync tool staging a download under a hidden name: any hidden file is ignored, shop files too.
    map_products(root)
    hidden = write(root.inbox / ".EtsySoldOrderItems2024-5.csv", etsy_csv(sample_etsy_rows()))
    given = hidden.read_bytes()
    assert run(root) == 0
    assert [p.name for p in root.inbox.iterdir()] == [hidden.name] and hidden.read_bytes() == given
    assert files_in(root.failed) == [] and not (root.archive / "shops").exists()


def test_a_shop_file_still_being_written_waits_for_the_next_run(root, capsys):
    configure(root, intake={"stability_seconds": 1})
    map_products(root)
    export = write(root.inbox / "EtsySoldOrderItems2024-5.csv", etsy_csv(sample_etsy_rows()))
    # A finished export of gift cards only, after it in name order: imported whatever the first one does.
    settled = write(root.inbox / "EtsySoldOrderItems2024-6.csv",
                    etsy_csv([etsy_row("3141592681", "4000000029", "Gift card", "GIFT", "")]))
    quiet_since = time.time() - 10
    os.utime(settled, (quiet_since, quiet_since))
    with still_being_written(export):  # the browser or the sync client still writing it
        assert run(root) == 0
    said = capsys.readouterr()
    assert [p.name for p in root.inbox.iterdir()] == [export.name]  # nothing imported from half a file
    assert "Not taken yet from inbox/: 1 still arriving, 0 waiting for their other half" in said.out
    assert " inbox/EtsySoldOrderItems2024-5.csv: still arriving\n" in said.err
    assert [e["kind"] for e in ledger_events(root)] == []
    assert [p.name for p in files_in(root.archive / "shops")] == [settled.name]
    os.utime(export, (quiet_since, quiet_since))  # finished a while ago: quiet for longer than stability_seconds
    assert run(root) == 1  # imported; the Bradys' address is too long for a mug, as in the first test
    assert "3141592654-2.json" in [p.name for p in root.inbox.iterdir()]


def test_a_variations_cell_without_labels_goes_where_the_seller_maps_variations(root):
    # An older listing's Variations cell holds the buyer's answer alone, with no `Label:` before it.
    map_products(root)
    map_fields(root, {"Variations": "name"})
    rows = [etsy_row("3141592675", "4000000023", "Custom Family Name Mug 11oz", "MUG-NAME-11", "Ida Maria")]
    csv_file = write(root.path / "EtsySoldOrderItems.csv", etsy_csv(rows))
    assert main(["import", str(csv_file), "--root", str(root.path)]) == 0
    order = orders_in(root.inbox)["3141592675"]
    assert (order["personalization"], order["variant"]) == ({"name": "Ida Maria"}, "")


def test_status_says_what_each_shop_file_in_the_inbox_will_give_and_changes_nothing(root, capsys):
    map_products(root)
    broken = etsy_row("3141592676", "4000000024", "Classic T-Shirt", "TEE", "") | {"Transaction ID": ""}
    write(root.inbox / "EtsySoldOrderItems2024-4.csv", etsy_csv([broken]))
    write(root.inbox / "EtsySoldOrderItems2024-5.csv", etsy_csv(sample_etsy_rows()))
    before = {p.name: p.read_bytes() for p in root.inbox.iterdir()}
    waiting = {w["name"]: w["reason"] for w in status(root, capsys)["waiting"]}
    assert waiting == {
        "EtsySoldOrderItems2024-4.csv": "cannot be imported: row 2 has no Order ID or Transaction ID; download the "
                                        "export from Etsy again",
        "EtsySoldOrderItems2024-5.csv": "an Etsy order items CSV: imported at the next run"}
    assert {p.name: p.read_bytes() for p in root.inbox.iterdir()} == before
    assert files_in(root.failed) == [] and files_in(root.archive) == []


def test_labels_the_seller_maps_are_the_buyers_text_in_any_case_and_behind_an_underscore(root):
    map_products(root)
    map_fields(root, {"Name on mug": "name", "Engraving": "date"})
    # Etsy: a mapped label without "Personalization" in it still holds commas and colons as typed.
    rows = [etsy_row("3141592680", "4000000028", "Custom Family Name Mug 11oz", "MUG-NAME-11",
                     "Color:White,NAME ON MUG:Love, Mom: forever")]
    csv_file = write(root.path / "EtsySoldOrderItems.csv", etsy_csv(rows))
    assert main(["import", str(csv_file), "--root", str(root.path)]) == 0
    # Shopify: a property the theme hides behind `_` is taken when the seller maps its label.
    line = {"id": 13001234567900, "title": "Custom name mug", "sku": "MUG-NAME-11",
            "properties": [{"name": "_Engraving", "value": "est. 2019"}, {"name": "_theme-id", "value": "t9"}]}
    write(root.path / "shopify order.json", json.dumps({"order_number": 1051, "line_items": [line]}))
    assert main(["import", str(root.path / "shopify order.json"), "--root", str(root.path)]) == 0
    orders = orders_in(root.inbox)
    assert (orders["3141592680"]["personalization"], orders["3141592680"]["variant"]) == (
        {"name": "Love, Mom: forever"}, "White")
    assert orders["1051"]["personalization"] == {"date": "est. 2019"}
    assert orders["1051"]["shop"]["hidden"] == {"theme-id": "t9"}


def test_podwatch_import_of_a_file_that_is_no_shop_order_says_which_files_it_reads(root, capsys):
    notes = write(root.path / "notes.csv", "Customer,Note\nAna,call back\n")
    capsys.readouterr()
    assert main(["import", str(notes), "--root", str(root.path)]) == 1
    assert capsys.readouterr().err == (
        "podwatch: notes.csv cannot be imported: it is not an order file podwatch knows (Etsy, Shopify, "
        "WooCommerce).\n")
    assert notes.read_text(encoding="utf-8") == "Customer,Note\nAna,call back\n" and files_in(root.inbox) == []


def test_an_imported_order_json_reads_as_a_person_would_write_it(root):
    # The seller opens it to check or fix a name: accents as typed, one key per line, indented.
    map_products(root)
    rows = [etsy_row("3141592682", "4000000030", "Custom Family Name Mug 11oz", "MUG-NAME-11",
                     "Personalization:Zoë & Seán")]
    csv_file = write(root.path / "EtsySoldOrderItems.csv", etsy_csv(rows))
    assert main(["import", str(csv_file), "--root", str(root.path)]) == 0
    text = (root.inbox / "3141592682.json").read_text(encoding="utf-8")
    assert text.startswith('{\n  "order_id": "3141592682",\n  "product": "namemug",\n') and text.endswith("\n}\n")
    assert '\n  "personalization": {\n    "name": "Zoë & Seán"\n  },\n' in text

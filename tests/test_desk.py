"""The review desk through Starlette's test client: every action is the seller's folder move, every refusal holds."""

from __future__ import annotations

import html
import json
import re
import shutil

import pytest
from conftest import artwork, files_in, make_order, run
from running import Running, configure, ledger_events, ledger_rows, wait_for
from starlette.testclient import TestClient

from podwatch.config.root import Root, init_root
from podwatch.desk.app import build
from podwatch.desk.serve import open_desk

LOCAL = "http://127.0.0.1:8765"


def _desk(root, lan=False):
    desk = open_desk(root.path, lan=lan)
    return desk, TestClient(build(desk), base_url=LOCAL, follow_redirects=False)


@pytest.fixture(scope="module")
def three_waiting(tmp_path_factory):
    """Three stickers waiting in review/: one clean, one with buyer instructions, one from a risky file
    name. Made once; each test gets its own copy of the folder tree."""
    made = tmp_path_factory.mktemp("desk") / "POD"
    init_root(made)
    root = Root(made)
    root.settings_file.write_text(root.settings_file.read_text().replace("stability_seconds = 5",
                                                                         "stability_seconds = 0"))
    make_order(root, "2001", "sticker", artwork((1600, 1600)), customer={"name": "Zoë Martin"},
               personalization={"name": "Pixel"})
    make_order(root, "2002", "sticker", artwork((1600, 1600)), instructions="please make the yellow brighter")
    make_order(root, "2003", "sticker", artwork((1600, 1600)), name="pokemon_pikachu")
    assert run(root) == 0
    return root


@pytest.fixture
def waiting(root, three_waiting):
    shutil.rmtree(root.path)
    shutil.copytree(three_waiting.path, root.path)
    return {row.order_id: row.proof_file for row in ledger_rows(root)}


def test_the_queue_lists_every_waiting_proof_oldest_first_with_counts_and_filters(root, waiting):
    _, client = _desk(root)
    page = client.get("/").text
    shown = re.findall(r'href="/item/([^"?]+)\?', page)
    assert shown == [waiting["2001"], waiting["2002"], waiting["2003"]]
    assert "3 proofs waiting" in page
    assert re.search(r"Clean <b>1</b>", page) and re.search(r"Instructions <b>1</b>", page)
    assert re.search(r"Risk <b>1</b>", page)
    risky = client.get("/?show=risk").text
    assert re.findall(r'href="/item/([^"?]+)\?', risky) == [waiting["2003"]]
    assert 'class="card held"' in risky  # held items stand out


def test_one_item_shows_proof_upload_zoom_text_instructions_and_findings(root, waiting):
    _, client = _desk(root)
    page = client.get(f"/item/{waiting['2002']}").text
    assert "please make the yellow brighter" in page
    assert f"/picture/original/{waiting['2002']}" in page and f"/picture/zoom/{waiting['2002']}" in page
    held = client.get(f"/item/{waiting['2003']}").text
    assert "pokemon" in held.lower() and "tag-risk" in held
    for kind in ("proof", "proof-thumb", "original", "original-thumb", "print-thumb", "zoom"):
        response = client.get(f"/picture/{kind}/{waiting['2001']}")
        assert response.status_code == 200 and response.headers["content-type"] == "image/jpeg", kind


def _token(client, path="/"):
    return re.search(r'name="token" value="([^"]+)"', client.get(path).text).group(1)


def _refusal(response) -> str:
    """What the desk says when it does not do something."""
    return html.unescape(re.search(r'<p class="refused">(.*?)</p>', response.text, re.S).group(1))


def test_approve_moves_the_proof_into_approved_and_a_run_hands_the_print_over(root, waiting):
    _, client = _desk(root)
    name = waiting["2001"]
    response = client.post(f"/item/{name}/approve", data={"token": _token(client, f"/item/{name}")})
    assert response.status_code == 303 and response.headers["location"].startswith(f"/item/{waiting['2002']}")
    assert (root.approved / name).is_file() and not (root.review / name).exists()
    assert "approved on the review desk" in ledger_events(root, "2001")[-1]["message"]
    assert run(root) == 0  # what a running service does within seconds
    assert [p.name for p in files_in(root.production, "2001_*")] and ledger_rows(root, "2001")[0].state == "production"


def test_reject_writes_the_reason_beside_the_proof_and_the_run_records_it(root, waiting):
    _, client = _desk(root)
    name = waiting["2003"]
    token = _token(client, f"/item/{name}")
    assert client.post(f"/item/{name}/reject", data={"token": token, "reason": "a Pokémon character"}).status_code == 303
    assert (root.rejected / name).is_file()
    assert (root.rejected / f"{name}.txt").read_text(encoding="utf-8") == "a Pokémon character\n"
    run(root)
    (row,) = ledger_rows(root, "2003")
    assert row.state == "rejected" and row.reason == "a Pokémon character"


def test_approve_every_clean_item_leaves_the_ones_that_need_a_look(root, waiting):
    _, client = _desk(root)
    assert client.post("/approve-clean", data={"token": _token(client)}).status_code == 303
    assert sorted(p.name for p in files_in(root.approved)) == [waiting["2001"]]
    assert sorted(p.name for p in files_in(root.review)) == sorted([waiting["2002"], waiting["2003"]])


def test_a_proof_moved_by_hand_leaves_the_queue_and_cannot_be_decided_twice(root, waiting):
    _, client = _desk(root)
    name = waiting["2001"]
    token = _token(client)
    (root.review / name).rename(root.approved / name)  # the seller, in Dropbox, meanwhile
    assert name not in client.get("/").text
    refused = client.post(f"/item/{name}/reject", data={"token": token, "reason": "x"})
    assert refused.status_code == 409 and _refusal(refused) == (
        f"{name} is no longer waiting in review/ (it is review); it was probably decided or moved meanwhile. "
        "Nothing was changed.")
    assert (root.approved / name).is_file() and not (root.rejected / name).exists()


def test_editing_the_buyers_text_makes_revision_2_from_the_same_upload(root):
    upload, _ = make_order(root, "3001", "namemug", artwork((1600, 1600)), personalization={"name": "Lnua"})
    assert run(root) == 0
    (first,) = ledger_rows(root, "3001")
    _, client = _desk(root)
    page = client.get(f"/item/{first.proof_file}").text
    assert 'name="text:name" value="Lnua"' in page
    token = _token(client, f"/item/{first.proof_file}")
    response = client.post(f"/item/{first.proof_file}/edit", data={"token": token, "text:name": "Luna"})
    assert response.status_code == 303
    (folder,) = [p for p in root.inbox.iterdir() if not p.name.startswith(".")]
    order = json.loads((folder / "order.json").read_text(encoding="utf-8"))
    assert order["personalization"]["name"] == "Luna" and order["files"] == [first.source]
    assert order["seller_edit"]["changes"] == {"name": {"from": "Lnua", "to": "Luna"}}
    archived = root.path / first.original
    assert (folder / first.source).read_bytes() == archived.read_bytes()
    assert (root.rejected / first.proof_file).is_file()  # the old proof cannot be approved by mistake
    assert run(root) == 0
    rows = {row.revision: row for row in ledger_rows(root, "3001")}
    assert rows[1].state == "rejected" and rows[2].state == "review"
    assert rows[2].proof_file.endswith("_r2.jpg") and (root.review / rows[2].proof_file).is_file()
    assert json.loads(rows[2].order_json)["personalization"]["name"] == "Luna"
    assert any(e["kind"] == "edited" and "Lnua" in e["message"] for e in ledger_events(root, "3001"))
    revised = client.get(f"/item/{rows[2].proof_file}").text
    assert "edited by the seller" in revised and "“Luna”" in revised


def test_picking_another_colour_makes_the_next_revision_in_that_colour(root):
    make_order(root, "3003", "tote", artwork((2000, 2000)), variant="natural")
    assert run(root) == 0
    (first,) = ledger_rows(root, "3003")
    _, client = _desk(root)
    page = client.get(f"/item/{first.proof_file}").text
    assert '<option value="natural" selected>' in page and '<option value="black">' in page
    response = client.post(f"/item/{first.proof_file}/edit", data={"token": _token(client, f"/item/{first.proof_file}"), "color": "black"})
    assert response.status_code == 303
    (folder,) = [p for p in root.inbox.iterdir() if not p.name.startswith(".")]
    order = json.loads((folder / "order.json").read_text(encoding="utf-8"))
    assert order["variant"] == "black" and order["seller_edit"]["changes"] == {
        "variant": {"from": "natural", "to": "black"}}
    assert run(root) == 0
    revised = [row for row in ledger_rows(root, "3003") if row.revision == 2][0]
    assert revised.variant == "black" and "black" in revised.proof_file


def test_an_edit_that_changes_nothing_is_refused(root):
    make_order(root, "3002", "namemug", artwork((1600, 1600)), personalization={"name": "Luna"})
    run(root)
    (row,) = ledger_rows(root, "3002")
    _, client = _desk(root)
    response = client.post(f"/item/{row.proof_file}/edit", data={"token": _token(client), "text:name": "Luna"})
    assert response.status_code == 400 and "Nothing was changed" in response.text
    assert (root.review / row.proof_file).is_file() and not [p for p in root.inbox.iterdir()]


def test_search_finds_by_order_id_buyer_name_and_buyer_text(root, waiting):
    _, client = _desk(root)
    for query in ("2001", "zoe martin", "PIXEL"):
        page = client.get("/search", params={"q": query}).text
        assert f"/item/{waiting['2001']}" in page and f"/item/{waiting['2002']}" not in page, query
    order = client.get("/order/2001").text
    assert waiting["2001"] in order and "review" in order


def test_thumbnails_are_made_once(root, waiting):
    desk, client = _desk(root)
    client.get(f"/picture/proof-thumb/{waiting['2001']}")
    (thumb,) = files_in(desk.cache / "thumbs")
    made = thumb.stat().st_mtime_ns
    client.get(f"/picture/proof-thumb/{waiting['2001']}")
    assert files_in(desk.cache / "thumbs") == [thumb] and thumb.stat().st_mtime_ns == made


def test_the_zoom_looks_at_the_artworks_edge_when_the_middle_is_empty(tmp_path):
    from PIL import Image, ImageDraw

    from podwatch.desk.pictures import ZOOM_PX, focus, zoom

    name_mug = Image.new("RGBA", (2700, 1050), (0, 0, 0, 0))
    ImageDraw.Draw(name_mug).rectangle((200, 300, 800, 700), fill=(20, 20, 20, 255))  # text on the left only
    x, y = focus(name_mug)
    assert 200 / 2700 < x < 830 / 2700 and 280 / 1050 < y < 720 / 1050
    name_mug.save(tmp_path / "print.png")
    crop = Image.open(zoom(tmp_path / "print.png", tmp_path / "cache"))
    assert crop.size == (ZOOM_PX, ZOOM_PX)
    assert crop.convert("L").getextrema()[0] < 60  # the dark ink is in view, at 100 %


def test_old_cached_pictures_are_cleared_and_nothing_else(tmp_path):
    import os

    from podwatch.desk.pictures import prune

    cache = tmp_path / "desk" / "thumbs"
    cache.mkdir(parents=True)
    old, fresh, other = cache / ("a" * 32 + ".jpg"), cache / ("b" * 32 + ".jpg"), cache / "keep-me.jpg"
    for path in (old, fresh, other):
        path.write_bytes(b"jpeg")
    os.utime(old, (0, 0))
    os.utime(other, (0, 0))
    assert prune(tmp_path / "desk", 60) == 1
    assert not old.exists() and fresh.exists() and other.exists()


def test_lan_prints_the_link_with_its_key_and_a_qr_code(root):
    import io

    from podwatch.desk.serve import DeskServer, bind

    desk = open_desk(root.path, lan=True)
    server = DeskServer(desk, bind(0, lan=True))
    port = server.port
    try:
        out = io.StringIO()
        server.announce(out, browser=False)
    finally:
        server.sock.close()
    text = out.getvalue()
    assert f":{port}/?key={desk.token}" in text and "keep it to yourself" in text
    assert "█" in text  # the QR code, drawn in the terminal


# Refusals.

def test_a_change_without_the_pages_token_is_refused(root, waiting):
    _, client = _desk(root)
    name = waiting["2001"]
    for data in ({}, {"token": "guessed"}):
        response = client.post(f"/item/{name}/approve", data=data)
        assert response.status_code == 403 and "did not come from the review desk" in response.text
    other_desk_token = _token(_desk(root)[1])  # another desk session's token is no good here either
    assert client.post(f"/item/{name}/approve", data={"token": other_desk_token}).status_code == 403
    assert client.post("/approve-clean", data={}).status_code == 403
    assert (root.review / name).is_file() and not files_in(root.approved)


def test_names_the_ledger_does_not_know_never_reach_the_disk(root, waiting):
    (root.review / "stray.jpg").write_bytes((root.review / waiting["2001"]).read_bytes())
    _, client = _desk(root)
    token = _token(client)
    assert client.get("/item/stray.jpg").status_code == 404
    assert client.get("/picture/proof/stray.jpg").status_code == 404
    response = client.post("/item/stray.jpg/approve", data={"token": token})
    assert response.status_code == 404 and (root.review / "stray.jpg").is_file()
    assert client.post(f"/item/{waiting['2001']}/delete", data={"token": token}).status_code == 404
    assert client.get(f"/picture/settings/{waiting['2001']}").status_code == 404
    assert client.get("/order/9999").status_code == 404


@pytest.mark.parametrize("path", [
    "/picture/proof/..%2F..%2Fpodwatch.toml", "/picture/proof/../../podwatch.toml",
    "/picture/original/..%2f.podwatch%2fledger.sqlite3", "/item/..%2Fpodwatch.toml",
    "/static/../../config/root.py", "/static/..%2F..%2Fconfig%2Froot.py", "/order/..%2F..%2Fpodwatch.toml",
])
def test_dot_dot_in_a_url_serves_nothing(root, waiting, path):
    _, client = _desk(root)
    response = client.get(path)
    # 405: the path reads as /item/{name}/{action}, which only answers POST; either way nothing is served.
    assert response.status_code in (404, 405), (path, response.status_code)
    assert "[intake]" not in response.text and "Root" not in response.text


def test_no_other_page_can_frame_the_desk(root, waiting):
    _, client = _desk(root)
    headers = client.get(f"/item/{waiting['2001']}").headers
    assert headers["x-frame-options"] == "DENY" and "frame-ancestors 'none'" in headers["content-security-policy"]


def test_only_the_loopback_name_is_answered_without_lan(root, waiting):
    desk = open_desk(root.path)
    client = TestClient(build(desk), base_url="http://evil.example:8765")
    response = client.get("/")
    assert response.status_code == 403 and "127.0.0.1" in response.text


def test_lan_refuses_every_request_without_the_key(root, waiting):
    desk, client = _desk(root, lan=True)
    name = waiting["2001"]
    for path in ("/", f"/item/{name}", f"/picture/proof/{name}", "/search?q=2001", "/static/desk.css"):
        response = client.get(path)
        assert response.status_code == 403 and "needs its key" in response.text, path
    assert client.get("/?key=wrong").status_code == 403
    assert client.post(f"/item/{name}/approve", data={"token": desk.token}).status_code == 403  # no key: no
    opened = client.get(f"/?key={desk.token}")
    assert opened.status_code == 200 and opened.cookies.get("podwatch_desk") == desk.token
    client.cookies.set("podwatch_desk", desk.token)
    assert client.get(f"/picture/proof/{name}").status_code == 200  # the phone's next requests carry the cookie
    assert client.post(f"/item/{name}/approve", data={"token": desk.token}).status_code == 303
    assert (root.approved / name).is_file()


# The desk beside the real service, over real HTTP on the loopback address.

def _http(url: str, form: dict | None = None) -> tuple[int, str]:
    import urllib.error
    import urllib.parse
    import urllib.request

    data = urllib.parse.urlencode(form).encode() if form is not None else None
    try:
        with urllib.request.urlopen(url, data=data, timeout=20) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_run_review_serves_the_desk_and_the_service_hands_an_approval_over_within_seconds(root):
    configure(root, intake={"stability_seconds": 0.2}, review={"port": 0})
    with Running(root, "--review") as service:
        url = wait_for(lambda: re.search(r"Review desk for .*: (http://127\.0\.0\.1:\d+/)", service.output()),
                       20, "the desk's link", service).group(1)
        make_order(root, "4001", "sticker", artwork((1600, 1600)))
        (proof,) = wait_for(lambda: files_in(root.review), 60, "the proof", service)
        status, page = _http(url + f"item/{proof.name}")
        assert status == 200 and "Approve" in page
        token = re.search(r'name="token" value="([^"]+)"', page).group(1)
        assert _http(url + f"item/{proof.name}/approve", {"token": "nope"})[0] == 403
        assert _http(url + f"item/{proof.name}/approve", {"token": token})[0] == 200  # redirected to the queue
        assert (root.approved / proof.name).is_file()
        wait_for(lambda: files_in(root.production, "4001_*.png"), 20, "the print file in production/", service)


def test_the_podwatch_toml_setting_serves_the_desk_with_the_service(root):
    configure(root, review={"serve": True, "port": 0})
    with Running(root) as service:
        url = wait_for(lambda: re.search(r"Review desk for .*: (http://127\.0\.0\.1:\d+/)", service.output()),
                       20, "the desk's link", service).group(1)
        assert _http(url)[0] == 200


def test_the_desk_is_served_on_loopback_only_without_lan(root):
    from podwatch.desk.serve import bind

    sock = bind(0, lan=False)
    try:
        assert sock.getsockname()[0] == "127.0.0.1"
    finally:
        sock.close()


def test_review_outside_a_podwatch_folder_and_on_a_busy_port_say_what_to_do(root, tmp_path, capsys):
    from podwatch.cli.main import main
    from podwatch.desk.serve import bind

    assert main(["review", "--root", str(tmp_path / "nowhere"), "--no-browser"]) == 2
    assert "podwatch init" in capsys.readouterr().err
    busy = bind(0, lan=False)
    try:
        port = str(busy.getsockname()[1])
        assert main(["review", "--root", str(root.path), "--port", port, "--no-browser"]) == 2
        assert f"cannot use port {port}" in capsys.readouterr().err
    finally:
        busy.close()
    assert main(["run", "--root", str(root.path), "--once", "--review"]) == 2


def test_a_held_low_resolution_poster_is_low_resolution_on_the_desk_not_a_risk(root):
    make_order(root, "2010", "poster", artwork((1200, 1600)), name="dog")  # 67 DPI: held for the seller
    assert run(root) == 0
    _, client = _desk(root)
    page = client.get("/").text
    assert re.search(r"Risk <b>0</b>", page), "a hold for resolution is not someone else's brand"
    (proof,) = [row.proof_file for row in ledger_rows(root)]
    assert re.findall(r'href="/item/([^"?]+)\?', client.get("/?show=quality").text) == [proof]
    assert "<b>HOLD</b>" in client.get(f"/item/{proof}").text


def test_the_desk_opened_first_moves_an_older_podwatchs_ledger_out_of_the_synced_folder(root):
    make_order(root, "2101", "sticker", artwork((1600, 1600)))
    assert run(root) == 0
    # As an older podwatch left it: the ledger inside the folder, no ledger on this computer.
    shutil.move(root.ledger, root.legacy_ledger)
    desk, client = _desk(root)
    assert not root.legacy_ledger.exists() and root.legacy_ledger.with_name("ledger.moved.sqlite3").exists()
    assert root.ledger.exists()
    assert "2101" in client.get("/").text


# What each decision leaves behind: the seller's words, the ledger's history, the next revision's order.


def _note(client, response) -> str:
    """The line the desk shows after an action (on the page it redirects to)."""
    page = client.get(response.headers["location"]).text
    return html.unescape(re.search(r'<p class="note" role="status">(.*?)</p>', page, re.S).group(1))


def test_each_desk_decision_is_in_the_history_of_its_own_item(root, waiting):
    _, client = _desk(root)
    rows = {row.order_id: row for row in ledger_rows(root)}
    for order_id, action in (("2001", "approve"), ("2003", "reject")):
        name = waiting[order_id]
        client.post(f"/item/{name}/{action}", data={"token": _token(client, f"/item/{name}"),
                                                    "reason": "a Pokémon character"})
    for order_id, said in (("2001", "approved on the review desk by "), ("2003", "rejected on the review desk by ")):
        event = ledger_events(root, order_id)[-1]
        assert (event["kind"], event["item_id"]) == ("desk", rows[order_id].id)
        assert event["message"].startswith(f"{waiting[order_id]} {said}")
    assert ledger_events(root, "2003")[-1]["message"].endswith(" (review desk): a Pokémon character")


def test_a_rejection_without_a_reason_writes_no_note_and_a_note_the_seller_wrote_is_kept(root, waiting):
    _, client = _desk(root)
    plain, noted = waiting["2001"], waiting["2003"]
    (root.rejected / f"{noted}.txt").write_text("not our design\n", encoding="utf-8")  # the seller, by hand

    token = _token(client, f"/item/{plain}")
    response = client.post(f"/item/{plain}/reject", data={"token": token, "reason": "  "})
    assert _note(client, response) == f"Rejected {plain}."
    response = client.post(f"/item/{noted}/reject", data={"token": token, "reason": "a Pokémon character"})
    assert _note(client, response) == f"Rejected {noted} (a Pokémon character)."

    assert (root.rejected / plain).is_file() and not (root.rejected / f"{plain}.txt").exists()
    assert ledger_events(root, "2001")[-1]["message"].endswith("(review desk)")
    assert (root.rejected / f"{noted}.txt").read_text(encoding="utf-8") == "not our design\n"


def test_a_proof_copied_into_approved_by_hand_is_not_overwritten_by_the_desk(root, waiting):
    _, client = _desk(root)
    name = waiting["2001"]
    shutil.copy2(root.review / name, root.approved / name)
    refused = client.post(f"/item/{name}/approve", data={"token": _token(client, f"/item/{name}")})
    assert refused.status_code == 409
    assert _refusal(refused) == (
        f"approved/{name} exists already; nothing was moved. Look in that folder: the proof may have been copied "
        "there by hand.")
    assert (root.review / name).is_file()


def test_approving_every_clean_item_goes_on_past_one_moved_by_hand_meanwhile(root, monkeypatch):
    from podwatch.desk import actions

    for order_id in ("4001", "4002"):
        make_order(root, order_id, "sticker", artwork((1600, 1600)))
    assert run(root) == 0
    first, second = (ledger_rows(root, order_id)[0].proof_file for order_id in ("4001", "4002"))
    look = actions.waiting

    def moved_meanwhile(folder, item):  # the seller, in Dropbox, while the desk goes down the queue
        if item.name == first:
            (root.review / first).rename(root.approved / first)
        return look(folder, item)

    monkeypatch.setattr(actions, "waiting", moved_meanwhile)
    _, client = _desk(root)
    client.post("/approve-clean", data={"token": _token(client)})
    assert (root.approved / second).is_file()


def test_an_edit_keeps_the_buyers_other_texts_and_the_size_in_the_variant(root):
    make_order(root, "3004", "tote", artwork((1200, 1200)), variant="natural / large",
               personalization={"name": "Lnua", "line 2": "Est. 2019"})
    assert run(root) == 0
    (first,) = ledger_rows(root, "3004")
    _, client = _desk(root)
    response = client.post(f"/item/{first.proof_file}/edit", data={
        "token": _token(client, f"/item/{first.proof_file}"), "text:name": "Luna", "text:line 2": "Est. 2019",
        "text:line 3": "", "color": "black"})
    assert response.status_code == 303

    (folder,) = [p for p in root.inbox.iterdir() if not p.name.startswith(".")]
    assert re.fullmatch(r"3004-edit-\d{8}-\d{6}", folder.name)
    order = json.loads((folder / "order.json").read_text(encoding="utf-8"))
    assert order["personalization"] == {"name": "Luna", "line 2": "Est. 2019"}
    assert order["variant"] == "black / large", "the size the buyer paid for stays"
    changes = {"name": {"from": "Lnua", "to": "Luna"}, "variant": {"from": "natural / large", "to": "black / large"}}
    edit = order["seller_edit"]
    assert edit["changes"] == changes and edit["from_proof"] == first.proof_file
    assert edit["by"].endswith(" (review desk)") and edit["at"][:4].isdigit()
    said = 'name: "Lnua" → "Luna"; variant: "natural / large" → "black / large"'
    assert (root.rejected / f"{first.proof_file}.txt").read_text(encoding="utf-8") == (
        f"Replaced: corrected on the review desk ({said}); a new revision is made.\n")
    event = ledger_events(root, "3004")[-1]
    assert (event["kind"], event["item_id"]) == ("edited", first.id)
    assert f"({said}); the next revision comes from inbox/{folder.name}" in event["message"]


def test_editing_a_name_only_order_keeps_it_without_files_and_its_colour(root):
    (root.inbox / "3005.json").write_text(json.dumps({
        "order_id": "3005", "product": "namemug", "variant": "white", "files": [],
        "personalization": {"name": "Lnua"}}), encoding="utf-8")
    assert run(root) == 0
    (first,) = ledger_rows(root, "3005")
    _, client = _desk(root)
    client.post(f"/item/{first.proof_file}/edit", data={
        "token": _token(client, f"/item/{first.proof_file}"), "text:name": "Luna", "text:date": "12.06.2024",
        "color": "white"})

    (folder,) = [p for p in root.inbox.iterdir() if not p.name.startswith(".")]
    order = json.loads((folder / "order.json").read_text(encoding="utf-8"))
    assert order["files"] == [] and [p.name for p in folder.iterdir()] == ["order.json"]
    assert order["variant"] == "white", "the colour the form showed is no change"
    assert order["seller_edit"]["changes"] == {
        "name": {"from": "Lnua", "to": "Luna"}, "date": {"from": "", "to": "12.06.2024"}}


def test_an_upload_gone_from_archive_cannot_be_edited_and_the_desk_says_what_to_do(root):
    make_order(root, "3006", "sticker", artwork((1600, 1600)), personalization={"name": "Lnua"})
    assert run(root) == 0
    (first,) = ledger_rows(root, "3006")
    (root.path / first.original).unlink()
    _, client = _desk(root)
    token = _token(client, f"/item/{first.proof_file}")
    refused = client.post(f"/item/{first.proof_file}/edit", data={"token": token, "text:name": "Luna"})
    assert refused.status_code == 409
    assert _refusal(refused) == (
        f"The upload {first.source} is no longer in archive/, so no new revision can be made from it. Ask the "
        "buyer for the file again, or drop it with its order JSON into inbox/.")
    assert (root.review / first.proof_file).is_file() and not list(root.inbox.iterdir())


@pytest.mark.parametrize(("field", "text", "said"), [
    ("name/../x", "Luna", "'name/../x' is not a field name the desk can write."),
    ("name", "L" * 501, "The text for name is 501 characters long; at most 500 are kept."),
    ("name", "Pixel", "Nothing was changed: edit a text or pick another colour first."),
])
def test_an_edit_the_desk_will_not_write_is_refused_and_says_why(root, waiting, field, text, said):
    _, client = _desk(root)
    name = waiting["2001"]
    token = _token(client, f"/item/{name}")
    refused = client.post(f"/item/{name}/edit", data={"token": token, f"text:{field}": text})
    assert refused.status_code == 400 and _refusal(refused) == said
    assert (root.review / name).is_file() and not [p for p in root.inbox.iterdir() if p.is_dir()]


def test_an_edited_text_of_500_characters_is_written(root, waiting):
    _, client = _desk(root)
    name = waiting["2001"]
    token = _token(client, f"/item/{name}")
    response = client.post(f"/item/{name}/edit", data={"token": token, "text:name": "L" * 500})
    assert response.status_code == 303


def test_an_edit_that_cannot_be_dropped_into_the_inbox_leaves_no_half_made_folder(root, waiting, monkeypatch):
    from podwatch.desk import actions

    def full_disk(_hidden, _visible):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(actions, "move_no_clobber", full_disk)
    _, client = _desk(root)
    name = waiting["2001"]
    token = _token(client, f"/item/{name}")
    with pytest.raises(OSError, match="No space left"):
        client.post(f"/item/{name}/edit", data={"token": token, "text:name": "Luna"})
    assert not [p for p in root.inbox.iterdir() if p.is_dir()]


def test_a_proof_that_leaves_review_while_the_desk_moves_it_is_refused(root, waiting, monkeypatch):
    from podwatch.desk import actions

    def gone(src, _dest):
        raise FileNotFoundError(src)  # the sync client took it between the desk's look and its move

    monkeypatch.setattr(actions, "move_exact", gone)
    _, client = _desk(root)
    name = waiting["2001"]
    refused = client.post(f"/item/{name}/approve", data={"token": _token(client, f"/item/{name}")})
    assert refused.status_code == 409 and _refusal(refused) == f"{name} left review/ meanwhile; nothing was moved."


def test_a_colour_picked_for_an_order_that_named_none_is_recorded_as_a_change_from_nothing(root):
    make_order(root, "3007", "tote", artwork((1200, 1200)))  # the proof shows the first colour, natural
    assert run(root) == 0
    (first,) = ledger_rows(root, "3007")
    _, client = _desk(root)
    token = _token(client, f"/item/{first.proof_file}")
    client.post(f"/item/{first.proof_file}/edit", data={"token": token, "color": "black"})
    (folder,) = [p for p in root.inbox.iterdir() if not p.name.startswith(".")]
    order = json.loads((folder / "order.json").read_text(encoding="utf-8"))
    assert order["variant"] == "black" and order["seller_edit"]["changes"] == {"variant": {"from": "", "to": "black"}}

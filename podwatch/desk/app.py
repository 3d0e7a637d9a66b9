"""The desk's web application (Starlette): pages, pictures and actions, behind the session token."""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Receive, Scope, Send

from podwatch.config.root import Root
from podwatch.config.rule import Rule
from podwatch.desk import actions, pictures, views
from podwatch.desk.records import Records
from podwatch.outputs.ledger import Ledger
from podwatch.running.lock import LOCK_FILE, holder

HERE = Path(__file__).parent
COOKIE = "podwatch_desk"
# No other site may frame the desk (a hidden Approve button under a decoy), pages are not cached, links
# carry no key away, and only the desk's own script, styles, pictures and forms are used.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; img-src 'self'; script-src 'self'; style-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}
PICTURE_KINDS = ("proof", "proof-thumb", "original", "original-thumb", "print-thumb", "zoom")


@dataclass
class Desk:
    """One desk server: its folder tree, the rules (for colours and printed text) and its session token."""

    root: Root
    rules: dict[str, Rule]
    token: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    lan: bool = False  # served to the network: every request needs the token
    rules_problem: str = ""  # a mistake in a rule file: the desk still works, without printed text
    notes: OrderedDict[str, str] = field(default_factory=OrderedDict)  # messages shown after a redirect

    @property
    def cache(self) -> Path:
        return self.root.state / "desk"

    def say(self, message: str) -> str:
        key = secrets.token_hex(6)
        self.notes[key] = message
        while len(self.notes) > 100:
            self.notes.popitem(last=False)
        return key


class Guard:
    """Refuses what the desk must never do: answer a request from another site's page (token on every
    change), a request for a host name other than the loopback one (DNS rebinding), or, with --lan,
    any request without the key from the printed link."""

    def __init__(self, app: ASGIApp, desk: Desk) -> None:
        self.app = app
        self.desk = desk

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request = Request(scope, receive)
        if self.desk.lan:
            key = request.query_params.get("key") or request.cookies.get(COOKIE) or ""
            if not secrets.compare_digest(key.encode(), self.desk.token.encode()):
                return await _refuse(scope, receive, send, 403, "This review desk needs its key: open the link "
                                     "(or scan the QR code) that `podwatch review --lan` printed in the terminal.")
        elif request.url.hostname not in ("127.0.0.1", "localhost"):
            return await _refuse(scope, receive, send, 403, "The review desk answers only at 127.0.0.1 "
                                 "(start it with --lan to use it from another device).")
        if request.method not in ("GET", "HEAD"):
            body = await request.body()
            sent = str((await request.form()).get("token") or "")
            if not secrets.compare_digest(sent.encode(), self.desk.token.encode()):
                return await _refuse(scope, receive, send, 403, "This request did not come from the review "
                                     "desk page (its token is missing or stale). Reload the page and try again.")
            receive = _replay(body)  # the body was read here; the page handler reads it again
        await self.app(scope, receive, send)


def _replay(body: bytes) -> Receive:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}
    return receive


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, message: str) -> None:
    await Response(message + "\n", status_code=status, media_type="text/plain; charset=utf-8")(scope, receive, send)


def build(desk: Desk) -> ASGIApp:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals.update(token=desk.token, tags_order=("risk", "low resolution", "quality", "instructions"))
    templates.env.filters["when"] = _when

    def page(request: Request, template: str, status: int = 200, **context: Any) -> Response:
        running = holder(desk.root.state / LOCK_FILE) is not None
        note = desk.notes.get(request.query_params.get("note", ""), "")
        base = {"root": desk.root.path, "running": running, "note": note, "rules_problem": desk.rules_problem}
        response = templates.TemplateResponse(request, template, {**base, **context}, status_code=status)
        if desk.lan and request.query_params.get("key"):
            response.set_cookie(COOKIE, desk.token, httponly=True, samesite="strict")
        response.headers.update(PAGE_HEADERS)
        return response

    def within(work):
        """Run `work(records, ledger)` in a worker thread with its own ledger connection (SQLite's rule)."""
        def call(*args: Any) -> Any:
            with Ledger(desk.root.ledger, desk.root.records) as ledger:
                return work(Records(desk.root, ledger), ledger, *args)
        return lambda *args: run_in_threadpool(call, *args)

    async def queue(request: Request) -> Response:
        items = await within(lambda records, _ledger: records.queue())()
        view = views.queue_view(items, request.query_params.get("show", "all"))
        return page(request, "queue.html", view=view, tags=views.tag_counts(items))

    async def item(request: Request) -> Response:
        name = request.path_params["name"]
        found = await within(_item_page)(name)
        if found is None:
            return page(request, "missing.html", 404, name=name)
        one, queue_items, revisions, events = found
        rule = desk.rules.get(one.row.product)
        following, before = views.neighbours(queue_items, name)
        current, offered = views.colors(one, rule)
        return page(
            request, "item.html", item=one, following=following, before=before, revisions=revisions,
            events=events, lines=views.text_lines(one, rule), color=current, colors=offered,
            position=next((n for n, i in enumerate(queue_items, 1) if i.name == name), None),
            total=len(queue_items), levels=views.level_counts(one.row.findings),
        )

    async def decide(request: Request) -> Response:
        name, action = request.path_params["name"], request.path_params["action"]
        form = await request.form()
        texts = {key[len("text:"):]: str(value) for key, value in form.items() if key.startswith("text:")}
        args = (name, action, str(form.get("reason") or ""), texts, str(form.get("color") or ""))
        try:
            message, following = await within(_act)(*args)
        except actions.Refused as refused:
            return page(request, "refused.html", refused.status, message=str(refused), name=name)
        target = f"/item/{following}" if following else "/"
        return RedirectResponse(f"{target}?note={desk.say(message)}", status_code=303)

    async def approve_clean(request: Request) -> Response:
        done = await within(lambda records, ledger: actions.approve_clean(desk.root, ledger, records))()
        message = f"Approved {len(done)} clean proof(s)." if done else "No clean proof was waiting."
        return RedirectResponse(f"/?note={desk.say(message)}", status_code=303)

    async def search(request: Request) -> Response:
        query = request.query_params.get("q", "").strip()[:200]
        found = await within(lambda records, _ledger: records.search(query))() if query else []
        return page(request, "search.html", query=query, found=found)

    async def order(request: Request) -> Response:
        order_id = request.path_params["order_id"]
        items, events = await within(lambda r, _l: (r.order_items(order_id), r.events(order_id)))()
        if not items:
            return page(request, "missing.html", 404, name=order_id)
        return page(request, "order.html", order_id=order_id, items=items, events=events)

    async def picture(request: Request) -> Response:
        kind, name = request.path_params["kind"], request.path_params["name"]
        if kind not in PICTURE_KINDS:
            return Response("No such picture kind.\n", 404, media_type="text/plain")
        x, y = _share(request.query_params.get("x")), _share(request.query_params.get("y"))  # None: look for it
        path = await within(_picture)(kind, name, x, y)
        if path is None:
            return Response(f"{name}: no such picture here.\n", 404, media_type="text/plain; charset=utf-8")
        return FileResponse(path, headers={"Cache-Control": "private, max-age=3600"})

    def _item_page(records: Records, _ledger: Ledger, name: str):
        one = records.by_name(name)
        if one is None:
            return None
        revisions = records.order_items(one.row.order_id)
        return one, records.queue(), revisions, records.events(one.row.order_id)

    def _act(records: Records, ledger: Ledger, name: str, action: str, reason: str, texts: dict, color: str):
        one = records.by_name(name)
        if one is None:
            raise actions.Refused(f"{name!r} is not a proof podwatch knows.", 404)
        queue_items = records.queue()
        following = views.after_decision(queue_items, name)
        if action == "approve":
            message = actions.approve(desk.root, ledger, one)
        elif action == "reject":
            message = actions.reject(desk.root, ledger, one, reason)
        elif action == "edit":
            shown, _offered = views.colors(one, desk.rules.get(one.row.product))
            message = actions.edit(desk.root, ledger, records, one, texts, "" if color == shown else color)
        else:
            raise actions.Refused(f"{action!r} is not something the desk does.", 404)
        return message, following

    def _picture(records: Records, _ledger: Ledger, kind: str, name: str, x: float | None,
                 y: float | None) -> Path | None:
        one = records.by_name(name)
        if one is None:
            return None
        if kind.startswith("proof"):
            source = one.proof
        elif kind.startswith("original"):
            source = None if one.text_only else records.stored(one.row.original)
        else:
            source = records.stored(one.row.print_file)
        if source is None:
            return None
        if kind == "proof":
            return source
        if kind == "zoom":
            return pictures.zoom(source, desk.cache / "zoom", x, y)
        wide = pictures.VIEW_PX if kind == "original" else pictures.THUMB_PX
        return pictures.thumbnail(source, desk.cache / "thumbs", wide)

    routes = [
        Route("/", queue),
        Route("/item/{name}", item),
        Route("/item/{name}/{action}", decide, methods=["POST"]),
        Route("/approve-clean", approve_clean, methods=["POST"]),
        Route("/search", search),
        Route("/order/{order_id}", order),
        Route("/picture/{kind}/{name}", picture),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    return Guard(Starlette(routes=routes), desk)


def _share(text: str | None) -> float | None:
    try:
        value = float(text) if text is not None else None
    except ValueError:
        return None
    return value if value is not None and 0.0 <= value <= 1.0 else None


def _when(stamp: str | None) -> str:
    """The ledger's ISO time stamps as people read them: `2026-11-30 20:04 UTC`."""
    return f"{stamp[:16].replace('T', ' ')} UTC" if stamp else ""

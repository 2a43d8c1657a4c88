"""The web face: FastAPI app with the staff page, the admin console and the JSON API over one Assistant.

``create_app()`` builds the app (tests run it under a real uvicorn); ``run()`` is ``bulletin-bot web``;
``start_in_thread()`` runs it beside the Telegram bot for ``serve --web``. Every asset is served from
``static/`` (no CDN: intranets have none), including the Swagger UI at ``/docs``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..assistant import Assistant
from ..config import Settings
from ..dialogue import Conversation
from ..errors import BulletinError, ConfigError
from ..usage import UsageLog, usage_path
from .auth import WEB_FILE, LoginLimiter, Principal, Sessions, WebStore
from .settings import WebSettings, is_loopback

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
SESSION_COOKIE = "bb_session"
MAX_CONVERSATIONS = 5000  # web sessions remembered for follow-ups; the oldest are forgotten first


class WebError(Exception):
    """An error the API returns as ``{"code", "message"}`` with an HTTP status."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers


class CachedAssistant:
    """The Assistant with an answer cache per index version, for the Conversation of the web face.

    Answers are frozen records and depend only on the question and the index, so a repeated question
    (the common case in an office) costs a dictionary look-up; an ingest or removal changes the
    version and with it the cache key.
    """

    def __init__(self, assistant: Assistant, size: int) -> None:
        self._assistant = assistant
        self._size = size
        self._cache: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._assistant, name)

    def ask(self, question: str) -> Any:
        if self._size <= 0:
            return self._assistant.ask(question)
        key = (str(self._assistant.snapshot().path), " ".join(question.split()))
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        answer = self._assistant.ask(question)
        with self._lock:
            self._cache[key] = answer
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return answer


@dataclass
class WebState:
    settings: Settings
    web: WebSettings
    assistant: Assistant
    store: WebStore
    usage: UsageLog
    sessions: Sessions
    limiter: LoginLimiter
    conversation: Conversation
    corpus_lock: threading.Lock = field(default_factory=threading.Lock)
    _chats: OrderedDict[tuple[str, str], None] = field(default_factory=OrderedDict)
    _chats_lock: threading.Lock = field(default_factory=threading.Lock)

    _accounts: tuple[float, bool] = (0.0, False)

    @property
    def open_mode(self) -> bool:
        """No users, no tokens and no SSO: on loopback everyone is a local admin (see ``run``).

        Whether accounts exist is read at most once a second (``web-user add`` in another process
        closes open mode within that second)."""
        if self.web.sso_header is not None:
            return False
        at, has = self._accounts
        now = time.monotonic()
        if now - at > 1.0:
            has = self.store.has_accounts()
            self._accounts = (now, has)
        return not has

    def chat_key(self, principal: Principal, session: str) -> tuple[str, str]:
        """One follow-up context per (user, page session); a user cannot continue someone else's."""
        key = (principal.name, session)
        with self._chats_lock:
            self._chats[key] = None
            self._chats.move_to_end(key)
            while len(self._chats) > MAX_CONVERSATIONS:
                old, _ = self._chats.popitem(last=False)
                self.conversation.forget(old)
        return key


class BodyLimit:
    """Refuse a request body over the limit before reading it (Content-Length), or as soon as a
    chunked body passes it. Uploads get the upload limit, everything else ``max_request_bytes``."""

    def __init__(self, app: ASGIApp, small: int, upload: int) -> None:
        self.app = app
        self.small = small
        self.upload = upload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        is_upload = scope["path"].rstrip("/") == "/api/issues" and scope["method"] == "POST"
        limit = self.upload if is_upload else self.small
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None:
            try:
                too_big = int(length) > limit
            except ValueError:
                too_big = True
            if too_big:
                await _too_large(send, limit, is_upload)
                return
        seen = 0
        exceeded = replaced = False

        async def limited() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    exceeded = True
                    raise _BodyTooLarge()
            return message

        async def guarded(message: Message) -> None:
            # Whatever the app made of the cut-off body (a parse error, say), the client is told 413.
            nonlocal replaced
            if exceeded:
                if message["type"] == "http.response.start" and not replaced:
                    replaced = True
                    await _too_large(send, limit, is_upload)
                return
            await send(message)

        try:
            await self.app(scope, limited, guarded)
        except _BodyTooLarge:
            if not replaced:
                await _too_large(send, limit, is_upload)


class _BodyTooLarge(Exception):
    pass


async def _too_large(send: Send, limit: int, upload: bool) -> None:
    what = "文件" if upload else "请求"
    body = JSONResponse(
        {"code": "too_large", "message": f"{what}太大：最多 {limit / 1e6:.1f} MB。"}, status_code=413
    ).body
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                        (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": body})


SECURITY_HEADERS = {
    # Everything comes from this server; no inline scripts, so corpus text can never become code.
    "content-security-policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none';"
    " frame-ancestors 'none'; form-action 'self'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}


def create_app(
    settings: Settings, assistant: Assistant | None = None, web: WebSettings | None = None
) -> FastAPI:
    """The web app over ``assistant`` (a new one from ``settings`` if not given)."""
    from . import api

    web = web or WebSettings.from_env()
    assistant = assistant or Assistant(settings)
    store = WebStore(Path(settings.index_dir) / WEB_FILE)
    state = WebState(
        settings=settings,
        web=web,
        assistant=assistant,
        store=store,
        usage=UsageLog(usage_path(Path(settings.index_dir))),
        sessions=Sessions(store.secret(), web.session_hours * 3600),
        limiter=LoginLimiter(web.login_attempts, web.login_window),
        conversation=Conversation(CachedAssistant(assistant, web.answer_cache), settings.context_ttl_seconds),
    )
    app = FastAPI(
        title="bulletin-bot",
        summary="简报问答 HTTP API：提问、检索、简报管理",
        description=(
            "Bearer tokens: `bulletin-bot web-token add NAME --role staff|admin`, then "
            "`Authorization: Bearer <token>`. Errors are `{\"code\": …, \"message\": …}`."
        ),
        version="1",
        docs_url=None,
        redoc_url=None,
    )
    app.state.web = state
    app.include_router(api.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    try:
        import swagger_ui_bundle

        app.mount("/assets/swagger", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="swagger")
    except ImportError:  # the docs page says what to install
        pass

    @app.exception_handler(WebError)
    async def _web_error(request: Request, exc: WebError) -> JSONResponse:
        return JSONResponse({"code": exc.code, "message": exc.message}, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for err in exc.errors()[:3]:
            where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            parts.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
        return JSONResponse({"code": "invalid_request", "message": "请求格式不对：" + "；".join(parts)}, 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: ("not_found", "没有这个地址。"), 405: ("method_not_allowed", "不支持这种请求方式。")}
        code, message = codes.get(exc.status_code, ("http_error", str(exc.detail)))
        return JSONResponse({"code": code, "message": message}, status_code=exc.status_code)

    @app.exception_handler(BulletinError)
    async def _bulletin(request: Request, exc: BulletinError) -> JSONResponse:
        if str(exc).startswith("no index in"):  # a new installation: nothing indexed, nothing in the corpus
            message = "还没有收录任何简报：请管理员在管理后台（/admin）上传第一期。"
            return JSONResponse({"code": "no_index", "message": message}, status_code=503)
        return JSONResponse({"code": "error", "message": str(exc)}, status_code=400)

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error on %s", request.url.path)
        return JSONResponse({"code": "internal", "message": f"服务器内部错误（{type(exc).__name__}），请联系管理员。"}, 500)

    def page(name: str) -> FileResponse:
        return FileResponse(STATIC / name, media_type="text/html; charset=utf-8", headers={"cache-control": "no-store"})

    @app.get("/", include_in_schema=False)
    def staff_page(request: Request) -> Response:
        if api.principal_of(request) is None:
            return RedirectResponse("/login", status_code=303)
        return page("index.html")

    @app.get("/admin", include_in_schema=False)
    def admin_page(request: Request) -> Response:
        who = api.principal_of(request)
        if who is None:
            return RedirectResponse("/login?next=/admin", status_code=303)
        if not who.is_admin:
            response = page("forbidden.html")
            response.status_code = 403
            return response
        return page("admin.html")

    @app.get("/login", include_in_schema=False)
    def login_page() -> Response:
        return page("login.html")

    @app.get("/docs", include_in_schema=False)
    def docs_page() -> Response:
        response = page("docs.html")
        response.headers["content-security-policy"] = (  # Swagger UI sets inline styles
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"
        )
        return response

    @app.get("/healthz", include_in_schema=False)
    def health() -> dict[str, Any]:
        return {"ok": True, "time": time.time()}

    return with_limits(app, settings, web)


def with_limits(app: FastAPI, settings: Settings, web: WebSettings) -> FastAPI:
    app.add_middleware(Guard, state=app.state.web)
    app.add_middleware(BodyLimit, small=web.max_request_bytes, upload=settings.max_upload_bytes + 1_000_000)
    return app


class Guard:
    """Security headers on every response, and in open mode only loopback Host names (DNS rebinding).

    Plain ASGI rather than ``@app.middleware``: Starlette's BaseHTTPMiddleware costs about a
    millisecond a request, which under load is most of a cached answer's time.
    """

    def __init__(self, app: ASGIApp, state: WebState) -> None:
        self.app = app
        self.state = state
        self._headers = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.state.open_mode:
            host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            if not is_loopback(name):
                await JSONResponse({"code": "forbidden", "message": "未配置用户时只能从本机访问。"}, 403)(
                    scope, receive, send
                )
                return
        api = scope["path"].startswith("/api/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers.extend(h for h in self._headers if h[0] not in present)
                if api and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def check_bind(host: str, state_store: WebStore, web: WebSettings) -> None:
    """Refuse a non-loopback address while nobody is configured (it would serve internal bulletins to all)."""
    if is_loopback(host):
        return
    if web.sso_header is None and not state_store.has_accounts():
        raise ConfigError(
            f"refusing to listen on {host} with no web users: add one with"
            " `bulletin-bot web-user add NAME --role admin --password-stdin` (or set BULLETIN_WEB_SSO_HEADER),"
            " or listen on 127.0.0.1"
        )


def _server(app: FastAPI, host: str, port: int) -> Any:
    import uvicorn

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: Any) -> None:
            # uvicorn waits for open requests before it stops, and an upload's request lasts as long as
            # its ingest: stop the ingest first (within a second, the index and corpus as they were).
            app.state.web.assistant.cancel()
            super().handle_exit(sig, frame)

    config = uvicorn.Config(
        # Forwarded headers are read by api.py itself, only from trusted proxies: uvicorn's own rewriting
        # would hide the proxy's address, which the SSO header check needs.
        app, host=host, port=port, log_level="warning", access_log=False, proxy_headers=False, timeout_keep_alive=30,
    )
    return Server(config)


def _prepare(settings: Settings, host: str, assistant: Assistant | None) -> FastAPI:
    web = WebSettings.from_env()
    store = WebStore(Path(settings.index_dir) / WEB_FILE)
    try:
        check_bind(host, store, web)
    finally:
        store.close()
    assistant = assistant or Assistant(settings)
    try:
        assistant.warm_up()  # index, model and tagger loaded before the first user waits
    except BulletinError as exc:  # an empty installation still starts, so that an admin can upload
        log.warning("%s; the web face starts anyway: upload an issue on /admin", exc)
    app = create_app(settings, assistant, web)
    if app.state.web.open_mode:
        log.warning(
            "no web users configured: everyone on this machine is admin; add users with `bulletin-bot web-user add`"
        )
    return app


def run(settings: Settings, host: str = "127.0.0.1", port: int = 8080, assistant: Assistant | None = None) -> int:
    """``bulletin-bot web``: serve until SIGINT/SIGTERM."""
    app = _prepare(settings, host, assistant)
    print(f"bulletin-bot web: http://{host}:{port}/  (API docs: /docs)", flush=True)
    _server(app, host, port).run()
    return 0


def serve_app(app: FastAPI, host: str = "127.0.0.1", port: int = 0) -> tuple[Any, threading.Thread, int]:
    """Run ``app`` under uvicorn in a thread; returns the server (set ``should_exit``), the thread and
    the port it listens on (``port=0``: a free one)."""
    server = _server(app, host, port)
    thread = threading.Thread(target=server.run, name="web", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    if not server.started:
        server.should_exit = True
        raise ConfigError(f"the web face could not listen on {host}:{port} (is the port in use?)")
    bound = server.servers[0].sockets[0].getsockname()[1]
    return server, thread, int(bound)


def start_in_thread(settings: Settings, host: str, port: int, assistant: Assistant) -> tuple[Any, threading.Thread]:
    """The web face beside the bot (``serve --web``): returns the server (set ``should_exit``) and its thread."""
    server, thread, bound = serve_app(_prepare(settings, host, assistant), host, port)
    log.warning("web face on http://%s:%d/", host, bound)
    return server, thread

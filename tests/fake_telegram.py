"""A real-HTTP fake of the Telegram Bot API for end-to-end tests.

The fake is a stdlib ``ThreadingHTTPServer`` bound to an ephemeral loopback port. A real
python-telegram-bot (PTB) ``Application`` talks to it over HTTP exactly as it would talk to
``api.telegram.org``; nothing in the bot is mocked. Point the bot at it with::

    with FakeBotAPI() as fake:
        app = (
            ApplicationBuilder()
            .token(fake.token)
            .base_url(f"{fake.root_url}/bot")
            .base_file_url(f"{fake.root_url}/file/bot")
            .build()
        )

Requests then arrive at ``ROOT/bot<token>/<method>`` and file downloads at
``ROOT/file/bot<token>/<file_path>``.

Tests inject updates from the test thread (``send_text``, ``send_document``, ``press_button``),
the bot receives them through ``getUpdates`` long polling, and every API call the bot makes is
recorded in ``calls`` so tests can assert on what the user would have seen (``sent``, ``edits``,
``actions``, ``wait_for`` ...).

Besides the happy path the fake reproduces the server-side checks that most often bite bots in
production, so that e2e tests fail the way Telegram would:

* HTML ``parse_mode`` is parsed with Telegram's tag whitelist; bad markup is a 400
  ``can't parse entities`` and the returned message carries the rendered text + entities.
* MarkdownV2 text with unescaped reserved characters that can never be markup (``.!-=+#{}``)
  is rejected, as Telegram does. Other MarkdownV2/Markdown text is passed through unparsed.
* Message text over 4096 UTF-16 code units (captions over 1024) and empty text are rejected.
* Editing a message to identical text + keyboard is a 400 ``message is not modified``.
* ``callback_data`` over 64 bytes is a 400 ``BUTTON_DATA_INVALID``.
* ``getFile`` for a file advertised as larger than 20 MB is a 400 ``file is too big``.
* A second concurrent ``getUpdates`` terminates the first with 409 Conflict, and ``getUpdates``
  while a webhook is set is a 409 as well.

Faults on demand: ``fail_next`` (the next N calls of a method answer a status, 429 with
``retry_after``), ``fail_for`` (every call for N seconds), ``lose_responses`` (carried out, then the
connection is reset instead of answered), ``drop_connections`` (reset without carrying the call out;
recorded with status 0) and ``outage`` (the port is closed for N seconds, so connections are refused).

Only the stdlib is used so the fake works in any test environment.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

__all__ = ["ApiError", "Call", "FakeBotAPI", "UploadedFile"]

#: Long-poll waits are capped so a forgotten ``timeout=50`` cannot stall a test run.
MAX_POLL_TIMEOUT = 10.0
#: Telegram refuses ``getFile`` for files above this size (cloud Bot API limit).
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64

# PTB form-encodes every scalar as a string ("123", "true"). Coercing the fields whose type is
# fixed by the Bot API lets tests write ``sent(chat_id=42)`` instead of juggling "42".
_INT_KEYS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "message_id",
        "message_thread_id",
        "reply_to_message_id",
        "user_id",
        "offset",
        "limit",
        "timeout",
        "cache_time",
        "max_connections",
    }
)
_BOOL_KEYS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "disable_content_type_detection",
        "show_alert",
        "drop_pending_updates",
        "allow_paid_broadcast",
    }
)
# Free-text fields are never JSON-decoded: a bot replying "[1, 2]" must be recorded verbatim.
_TEXT_KEYS = frozenset(
    {
        "text",
        "caption",
        "data",
        "query",
        "title",
        "description",
        "short_description",
        "url",
        "secret_token",
        "callback_query_id",
        "inline_message_id",
        "question",
        "explanation",
        "name",
    }
)
_INT_RE = re.compile(r"-?\d+")
_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{1,32})?(?![A-Za-z0-9_])")
# Telegram usernames are 5-32 chars of [A-Za-z0-9_]. The look-behind keeps e-mail addresses
# ("a@example.com") from turning into mentions while still allowing "简报@bot".
_MENTION_RE = re.compile(r"(?<![A-Za-z0-9_])@[A-Za-z0-9_]{5,32}(?![A-Za-z0-9_])")
#: Status returned by ``_handle_http`` for a call whose response is lost on purpose.
_LOST = -1
# MarkdownV2 characters that are never markup, so an unescaped one is always an error.
_MDV2_NEVER_MARKUP = frozenset(".!-=+#{}")


def _utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram uses for entity offsets and limits."""
    return len(text.encode("utf-16-le")) // 2


class ApiError(Exception):
    """Raised inside a method implementation to produce a Bot API error response."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        """The JSON body Telegram would send for this error."""
        body: dict[str, Any] = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request (e.g. the ``document`` of ``sendDocument``)."""

    filename: str | None
    content_type: str | None
    data: bytes

    def __repr__(self) -> str:  # the bytes can be megabytes; keep assertion output readable
        return (
            f"UploadedFile(filename={self.filename!r}, content_type={self.content_type!r}, "
            f"{len(self.data)} bytes)"
        )


@dataclass(frozen=True)
class Call:
    """One HTTP request the bot made.

    Attributes:
        method: Canonical Bot API method name (``"sendMessage"``) regardless of the case the
            client used; ``"downloadFile"`` for file downloads; the raw name for unknown methods.
        params: Decoded parameters (query string + body). File parts are :class:`UploadedFile`.
        time: ``time.monotonic()`` when the request arrived.
        status: HTTP status the fake answered with (200 on success).
        result: The ``result`` field of a successful response, else ``None``.
        lost: The call was carried out but its response was never sent (``lose_responses``).
    """

    method: str
    params: dict[str, Any]
    time: float
    status: int = 200
    result: Any = None
    lost: bool = False  # carried out, but the response was dropped (see ``lose_responses``)

    @property
    def ok(self) -> bool:
        """Whether the fake answered this call successfully."""
        return self.status == 200


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    advertised_size: int


@dataclass
class _Fault:
    status: int
    retry_after: int | None
    remaining: int  # calls left to fail; ignored for a timed fault
    duration: float | None = None  # a timed fault fails every call for this long...
    started: float | None = None  # ...from the first call it hits
    description: str | None = None


@dataclass
class _RenderedText:
    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Telegram-flavoured HTML parsing
# ---------------------------------------------------------------------------------------------

_ENTITY_ERROR = "Bad Request: can't parse entities: "
_HTML_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


class _TelegramHTML(HTMLParser):
    """Parses Bot API HTML into plain text + entities, raising on what Telegram rejects."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.pos = 0  # UTF-16 offset of the next character
        self.stack: list[tuple[str, int, dict[str, str | None]]] = []
        self.entities: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag not in _HTML_TAGS:
            raise ApiError(400, f'{_ENTITY_ERROR}Unsupported start tag "{tag}"')
        if tag == "span" and attributes.get("class") != "tg-spoiler":
            raise ApiError(400, f'{_ENTITY_ERROR}Unsupported start tag "span"')
        if tag == "tg-emoji" and not attributes.get("emoji-id"):
            raise ApiError(400, f"{_ENTITY_ERROR}Custom emoji identifier must be specified")
        self.stack.append((tag, self.pos, attributes))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            raise ApiError(400, f'{_ENTITY_ERROR}Unexpected end tag "{tag}"')
        open_tag, start, attributes = self.stack[-1]
        if open_tag != tag:
            raise ApiError(
                400,
                f'{_ENTITY_ERROR}Unmatched end tag, expected "</{open_tag}>", found "</{tag}>"',
            )
        self.stack.pop()
        length = self.pos - start
        # <pre><code class="language-x"> is one pre entity with a language, not two entities.
        if tag == "code" and self.stack and self.stack[-1][0] == "pre":
            language = (attributes.get("class") or "").removeprefix("language-")
            if language:
                self.stack[-1][2]["language"] = language
            return
        if length <= 0:
            return  # Telegram silently drops empty entities
        entity: dict[str, Any] = {"type": _HTML_TAGS[tag], "offset": start, "length": length}
        if tag == "a":
            href = attributes.get("href")
            if not href:
                return  # <a> without href renders as plain text
            entity["url"] = href
        elif tag == "tg-emoji":
            entity["custom_emoji_id"] = attributes["emoji-id"]
        elif tag == "pre" and attributes.get("language"):
            entity["language"] = attributes["language"]
        elif tag == "blockquote" and "expandable" in attributes:
            entity["type"] = "expandable_blockquote"
        self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)
        self.pos += _utf16_len(data)

    def render(self, source: str) -> _RenderedText:
        self.feed(source)
        self.close()
        if self.stack:
            raise ApiError(
                400,
                f'{_ENTITY_ERROR}Can\'t find end tag corresponding to start tag "{self.stack[-1][0]}"',
            )
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return _RenderedText("".join(self.chunks), self.entities)


def _check_markdown_v2(text: str) -> None:
    """Reject unescaped MarkdownV2 characters that can never be markup (Telegram's top 400)."""
    i, n = 0, len(text)
    in_code = in_pre = False
    while i < n:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if in_pre:
            if text.startswith("```", i):
                in_pre = False
                i += 3
            else:
                i += 1
            continue
        if in_code:
            in_code = ch != "`"
            i += 1
            continue
        if text.startswith("```", i):
            in_pre = True
            i += 3
            continue
        if ch == "`":
            in_code = True
        elif text.startswith("](", i):
            # Skip the link target: inside it only ")" and "\" need escaping.
            j = i + 2
            while j < n and text[j] != ")":
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            continue
        elif ch == "!" and text.startswith("![", i):
            pass  # custom emoji: ![👍](tg://emoji?id=...)
        elif ch in _MDV2_NEVER_MARKUP:
            raise ApiError(
                400,
                f"{_ENTITY_ERROR}Character '{ch}' is reserved and must be "
                "escaped with the preceding '\\'",
            )
        i += 1


def _render(text: str, parse_mode: Any, entities: Any) -> _RenderedText:
    """What Telegram would store for ``text`` sent with ``parse_mode`` / explicit ``entities``."""
    mode = str(parse_mode).lower() if parse_mode else ""
    if mode == "html":
        return _TelegramHTML().render(text)
    if mode == "markdownv2":
        _check_markdown_v2(text)
    # Markdown(V2) is echoed unparsed: tests assert on what the bot sent, not on rendering.
    return _RenderedText(text, list(entities) if isinstance(entities, list) else [])


# ---------------------------------------------------------------------------------------------
# Request body decoding
# ---------------------------------------------------------------------------------------------


def _decode_value(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if key in _INT_KEYS and _INT_RE.fullmatch(value):
        return int(value)
    if key in _BOOL_KEYS and value in ("true", "false"):
        return value == "true"
    if key not in _TEXT_KEYS:
        stripped = value.strip()
        if (stripped.startswith("{") and stripped.endswith("}")) or (
            stripped.startswith("[") and stripped.endswith("]")
        ):
            try:
                return json.loads(stripped)
            except ValueError:
                pass
    return value


def _header_params(header_value: str) -> tuple[str, dict[str, str]]:
    """Split ``type/sub; a="x"; b=y`` into the main value and its parameters.

    httpx writes multipart names/filenames as raw UTF-8 with HTML5 escaping (%22 for quotes),
    which :mod:`email` mangles; hence this small hand-rolled parser.
    """
    main, _, rest = header_value.partition(";")
    params: dict[str, str] = {}
    for match in re.finditer(r'([\w*-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)', rest):
        key, raw = match.group(1).lower(), match.group(2).strip()
        if raw.startswith('"'):
            raw = raw[1:-1].replace('\\"', '"').replace("\\\\", "\\")
            raw = raw.replace("%22", '"').replace("%0A", "\n").replace("%0D", "\r")
        if key.endswith("*"):  # RFC 5987: filename*=UTF-8''%E7%AE%80.pdf
            charset, _, encoded = raw.partition("''")
            raw = unquote(encoded, encoding=charset or "utf-8")
            key = key[:-1]
        params[key] = raw
    return main.strip().lower(), params


def _parse_multipart(body: bytes, boundary: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    delimiter = b"\r\n--" + boundary.encode("latin-1")
    # Prefixing CRLF makes the first delimiter look like all the others.
    for part in (b"\r\n" + body).split(delimiter)[1:]:
        if part.startswith(b"--"):
            break  # closing delimiter
        part = part.removeprefix(b"\r\n")
        raw_headers, _, data = part.partition(b"\r\n\r\n")
        headers: dict[str, str] = {}
        for line in raw_headers.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        _, disposition = _header_params(headers.get("content-disposition", ""))
        name = disposition.get("name")
        if name is None:
            continue
        if "filename" in disposition:
            result[name] = UploadedFile(disposition["filename"], headers.get("content-type"), data)
        else:
            result[name] = data.decode("utf-8", "replace")
    return result


def _read_body(handler: BaseHTTPRequestHandler) -> bytes:
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                handler.rfile.readline()
                break
            chunks.append(handler.rfile.read(size))
            handler.rfile.readline()
        return b"".join(chunks)
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length else b""


def _parse_params(handler: BaseHTTPRequestHandler, query: str, body: bytes) -> dict[str, Any]:
    """Merge query-string and body parameters; body wins, as on the real server."""
    raw: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    content_type, ct_params = _header_params(handler.headers.get("Content-Type", ""))
    if body:
        if content_type == "application/json":
            decoded = json.loads(body.decode("utf-8"))
            if not isinstance(decoded, dict):
                raise ApiError(400, "Bad Request: JSON body must be an object")
            raw.update(decoded)
        elif content_type == "multipart/form-data":
            raw.update(_parse_multipart(body, ct_params.get("boundary", "")))
        else:  # x-www-form-urlencoded, and the default when clients omit the header
            raw.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return {key: _decode_value(key, value) for key, value in raw.items()}


# ---------------------------------------------------------------------------------------------
# HTTP plumbing
# ---------------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a long-poll thread must never keep the test process alive
    # The default listen backlog of 5 makes the kernel reset some of ~100 simultaneous connections
    # (a burst of questions); Telegram's servers have no such limit.
    request_queue_size = 256

    def __init__(self, fake: FakeBotAPI, port: int = 0) -> None:
        self.fake = fake
        super().__init__(("127.0.0.1", port), _Handler)


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.0 closes the connection after each response, so no idle keep-alive threads linger
    # after stop(); httpx copes fine and loopback connects are cheap.
    protocol_version = "HTTP/1.0"
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 - name fixed by BaseHTTPRequestHandler
        self._dispatch()

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # keep pytest output clean; the call log is the diagnostic tool

    def _dispatch(self) -> None:
        url = urlsplit(self.path)
        try:
            body = _read_body(self)
            status, payload, content_type = self.server.fake._handle_http(self, url.path, url.query, body)
            if status == _LOST:
                # Processed, but the response never arrives: reset the connection (SO_LINGER 0 → RST).
                self.close_connection = True
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
        except Exception as exc:  # a bug in the fake must surface as a response, not a hang
            status = 500
            crash = {"ok": False, "error_code": 500, "description": f"fake crashed: {exc!r}"}
            payload = json.dumps(crash).encode()
            content_type = "application/json"
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (e.g. PTB cancelled a long poll on shutdown)


# ---------------------------------------------------------------------------------------------
# The fake
# ---------------------------------------------------------------------------------------------


class FakeBotAPI:
    """In-process HTTP fake of the Telegram Bot API.

    Use as a context manager (or call :meth:`start` / :meth:`stop`). All public methods are
    thread-safe: the HTTP server runs in its own threads while tests inject updates and inspect
    calls from the test thread.

    Args:
        token: The only token the fake accepts; any other gets HTTP 401 (PTB: ``InvalidToken``).
        bot_username: Username returned by ``getMe`` (and used for command entities).
        bot_id: User id of the bot.
    """

    def __init__(self, token: str = "123:TEST", bot_username: str = "bulletin_test_bot", bot_id: int = 999):
        self.token = token
        self.bot_username = bot_username
        self.bot_id = bot_id
        #: Every request received, in arrival order (including getUpdates polls and failures).
        self.calls: list[Call] = []
        #: Every update ever injected, including ones already confirmed by the bot.
        self.updates: list[dict[str, Any]] = []
        self.webhook_url = ""
        self.commands: dict[str, list[dict[str, Any]]] = {}

        self._lock = threading.RLock()
        # One condition for everything: injections and shutdown wake long polls.
        self._cond = threading.Condition(self._lock)
        self._pending: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._next_message_id: dict[int, int] = {}
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._chats: dict[int, dict[str, Any]] = {}
        self._files_by_id: dict[str, _StoredFile] = {}
        self._files_by_path: dict[str, _StoredFile] = {}
        self._callback_queries: set[str] = set()
        self._faults: dict[str, _Fault] = {}
        self._lose: dict[str, int] = {}
        self._drop: dict[str, int] = {}
        self._outage_trigger: tuple[str, int, float] | None = None
        self._port = 0
        self._offline = threading.Event()
        #: (start, end) monotonic times of each outage, for assertions.
        self.outages: list[tuple[float, float]] = []
        self._allowed_updates: list[str] = []
        self._poll_generation = 0
        self._stopping = False
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

        self._methods: dict[str, tuple[str, Callable[[dict[str, Any]], Any]]] = {}
        for name in (
            "getMe deleteWebhook setWebhook getWebhookInfo logOut close setMyCommands "
            "deleteMyCommands getMyCommands getUpdates sendMessage editMessageText "
            "editMessageReplyMarkup deleteMessage sendChatAction answerCallbackQuery "
            "sendDocument getFile"
        ).split():
            self._methods[name.lower()] = (name, getattr(self, f"_api_{name}"))

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> FakeBotAPI:
        """Bind an ephemeral loopback port and serve in a daemon thread."""
        if self._server is not None:
            return self
        self._stopping = False
        self._offline.clear()
        self._listen()
        return self

    def _listen(self) -> None:
        self._server = _Server(self, self._port)
        self._port = int(self._server.server_address[1])
        # A short poll interval keeps stop() (server.shutdown) fast.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="FakeBotAPI", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Release waiting long polls, stop serving and close the socket. Idempotent."""
        with self._cond:
            self._stopping = True
            self._offline.set()  # ends an outage early
            self._cond.notify_all()
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeBotAPI:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT``; only valid while started (the port stays the same across outages)."""
        if not self._port:
            raise RuntimeError("FakeBotAPI is not started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def base_url(self) -> str:
        """Value for ``ApplicationBuilder.base_url``."""
        return f"{self.root_url}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for ``ApplicationBuilder.base_file_url``."""
        return f"{self.root_url}/file/bot"

    # -- update injection ----------------------------------------------------------------------

    def send_text(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "User",
        username: str | None = None,
        entities: list[dict[str, Any]] | None = None,
    ) -> int:
        """Inject a text message from a user; returns its ``message_id``.

        ``chat_id`` defaults to ``user_id`` (private chat); for ``"group"``/``"supergroup"``
        pass the (negative) group id. Without explicit ``entities``, a leading ``/command``
        (optionally ``/command@bot``) gets a ``bot_command`` entity and ``@username``s get
        ``mention`` entities, as Telegram's clients would produce.
        """
        fields: dict[str, Any] = {"text": text}
        auto = self._auto_entities(text) if entities is None else entities
        if auto:
            fields["entities"] = auto
        return self._inject_message(user_id, chat_id, chat_type, first_name, username, fields)

    def send_document(
        self,
        user_id: int,
        data: bytes,
        file_name: str,
        mime_type: str = "application/octet-stream",
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "User",
        username: str | None = None,
        caption: str | None = None,
        file_size: int | None = None,
    ) -> int:
        """Inject a document message; returns its ``message_id``.

        The bytes are stored so ``getFile`` + download return them. ``file_size`` overrides the
        advertised size (e.g. simulate a 25 MB upload without allocating it); if it exceeds
        20 MB, ``getFile`` fails like Telegram's.
        """
        stored = self._store_file(data, "documents", file_name, file_size)
        fields: dict[str, Any] = {
            "document": {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_name": file_name,
                "mime_type": mime_type,
                "file_size": stored.advertised_size,
            }
        }
        if caption is not None:
            fields["caption"] = caption
            if caption_entities := self._auto_entities(caption):
                fields["caption_entities"] = caption_entities
        return self._inject_message(user_id, chat_id, chat_type, first_name, username, fields)

    def press_button(
        self,
        user_id: int,
        message_id: int,
        data: str,
        *,
        chat_id: int | None = None,
        first_name: str = "User",
        username: str | None = None,
    ) -> int:
        """Inject a ``callback_query`` for an inline button on a bot message; returns the update id.

        The query carries the message as it currently stands (after any edits), like Telegram.
        Raises ``KeyError`` if the bot never sent that message to the chat.
        """
        chat = user_id if chat_id is None else chat_id
        with self._cond:
            message = self._messages.get((chat, message_id))
            if message is None:
                raise KeyError(f"no message {message_id} in chat {chat}; known: {sorted(self._messages)}")
            query_id = str(next(self._callback_ids))
            self._callback_queries.add(query_id)
            query = {
                "id": query_id,
                "from": self._user(user_id, first_name, username),
                "message": json.loads(json.dumps(message)),  # snapshot, later edits don't leak in
                "chat_instance": f"ci{chat}",
                "data": data,
            }
            return self._enqueue({"callback_query": query})

    def inject_update(self, update: dict[str, Any]) -> int:
        """Inject a raw update (``update_id`` is assigned); escape hatch for unsupported types."""
        with self._cond:
            return self._enqueue(dict(update))

    # -- fault injection -----------------------------------------------------------------------

    def fail_next(
        self, method: str, *, status: int = 429, retry_after: int = 1, times: int = 1, description: str | None = None
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail with ``status``.

        429 answers carry ``parameters.retry_after`` (PTB raises ``RetryAfter``); other statuses
        get a generic description (PTB maps 400→BadRequest, 403→Forbidden, 401→InvalidToken,
        409→Conflict, others→NetworkError); ``description`` replaces that text (e.g. "Bad Request:
        can't parse entities: …"). ``"downloadFile"`` targets file downloads.
        """
        with self._lock:
            fault = _Fault(status, retry_after if status == 429 else None, times, description=description)
            self._faults[method.lower()] = fault

    def fail_for(self, method: str, seconds: float, *, status: int = 429, retry_after: int = 1) -> None:
        """Fail every call of ``method`` for ``seconds``, counted from the first call it hits.

        ``fail_for("sendMessage", 5, status=500)`` is "sendMessage answers 500 for 5 s".
        """
        with self._lock:
            retry = retry_after if status == 429 else None
            self._faults[method.lower()] = _Fault(status, retry, 0, duration=seconds)

    def lose_responses(self, method: str, times: int = 1) -> None:
        """Carry out the next ``times`` calls of ``method``, then reset the connection instead of answering.

        The message is delivered (it shows in :meth:`sent` and :meth:`bot_messages`), but the bot
        sees a connection reset: Telegram's "delivered, response lost".
        """
        with self._lock:
            self._lose[method.lower()] = times

    def drop_connections(self, method: str, times: int = 1) -> None:
        """Reset the connection of the next ``times`` calls of ``method`` *without* carrying them out.

        From the client this looks exactly like :meth:`lose_responses` (the request went out, a reset
        came back), which is why a bot cannot safely resend a message after either.
        """
        with self._lock:
            self._drop[method.lower()] = times

    def outage(self, seconds: float, *, after: tuple[str, int] | None = None) -> None:
        """Refuse every connection for ``seconds`` (the port is closed, then opened again).

        With ``after=(method, n)`` the outage starts right after the n-th call of ``method`` is
        answered (counted from now), e.g. ``after=("sendChatAction", 10)``: ten questions are being
        answered when the Bot API becomes unreachable. Requests already being served finish.
        """
        if after is None:
            self._start_outage(seconds)
            return
        method, n = after
        with self._lock:
            done = sum(1 for c in self.calls if c.method.lower() == method.lower())
            self._outage_trigger = (method.lower(), done + n, seconds)

    def _start_outage(self, seconds: float) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        started = time.monotonic()
        # Stop accepting and close the listening socket: new connections are refused (ECONNREFUSED).
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

        def back_online() -> None:
            self._offline.wait(max(0.0, started + seconds - time.monotonic()))
            with self._lock:
                ended = time.monotonic()
                if not self._stopping:
                    self._listen()
                self.outages.append((started, ended))  # after listening: a test may call at once

        threading.Thread(target=back_online, name="FakeBotAPI-outage", daemon=True).start()

    # -- inspection ----------------------------------------------------------------------------

    def calls_to(self, method: str, *, ok_only: bool = False) -> list[Call]:
        """Calls of one method (case-insensitive), optionally only successful ones."""
        wanted = method.lower()
        with self._lock:
            return [c for c in self.calls if c.method.lower() == wanted and (c.ok or not ok_only)]

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Params of successful ``sendMessage`` calls (optionally to one chat), oldest first.

        Failed attempts (e.g. an injected 429) are excluded: they never reached the user. Use
        :attr:`calls` to see them.
        """
        return self._params_of("sendMessage", chat_id)

    def edits(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Params of successful ``editMessageText`` calls (optionally in one chat)."""
        return self._params_of("editMessageText", chat_id)

    def documents(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Params of successful ``sendDocument`` calls.

        ``params["document"]`` is an :class:`UploadedFile` when the bot uploaded bytes.
        """
        return self._params_of("sendDocument", chat_id)

    def actions(self, chat_id: int | None = None) -> list[str]:
        """The ``action`` values of ``sendChatAction`` calls (e.g. ``["typing"]``)."""
        return [p.get("action", "") for p in self._params_of("sendChatAction", chat_id)]

    def texts(self, chat_id: int | None = None) -> list[str]:
        """Just the ``text`` of each successful ``sendMessage``."""
        return [p.get("text", "") for p in self.sent(chat_id)]

    def bot_messages(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Current state (after edits, minus deletions) of messages the bot sent, as Message dicts."""
        with self._lock:
            return [
                json.loads(json.dumps(m))
                for (chat, _), m in sorted(self._messages.items())
                if m.get("from", {}).get("id") == self.bot_id and (chat_id is None or chat == chat_id)
            ]

    def last_bot_message(self, chat_id: int) -> dict[str, Any]:
        """The newest message the bot sent to ``chat_id`` (current state); ``KeyError`` if none."""
        messages = self.bot_messages(chat_id)
        if not messages:
            raise KeyError(f"bot has sent nothing to chat {chat_id}")
        return messages[-1]

    @property
    def offline(self) -> bool:
        """True while an :meth:`outage` keeps the port closed."""
        with self._lock:
            return self._server is None and not self._stopping

    @property
    def poll_generation(self) -> int:
        """Grows with each ``getUpdates`` (and ``setWebhook``) that took over the long poll: a test waits
        for it to grow to know that its poll has reached the server and is waiting there."""
        with self._lock:
            return self._poll_generation

    def pending_updates(self) -> list[dict[str, Any]]:
        """Injected updates the bot has not confirmed yet (via a higher ``offset``)."""
        with self._lock:
            return list(self._pending)

    def clear_calls(self) -> None:
        """Forget recorded calls (state such as messages and files is kept)."""
        with self._lock:
            self.calls.clear()

    def summary(self, limit: int = 40) -> str:
        """Human-readable digest of recent non-polling calls, for assertion messages."""
        with self._lock:
            interesting = [c for c in self.calls if c.method != "getUpdates"]
            polls = len(self.calls) - len(interesting)
            pending = len(self._pending)
        lines = [f"{len(interesting)} calls (+{polls} getUpdates), {pending} update(s) pending:"]
        for call in interesting[-limit:]:
            shown = {k: v for k, v in call.params.items() if k not in ("reply_markup",)}
            text = repr(shown)
            if len(text) > 300:
                text = text[:300] + "…"
            lines.append(f"  [{call.status}] {call.method} {text}")
        return "\n".join(lines)

    # -- waiting -------------------------------------------------------------------------------

    def wait_for(self, predicate: Callable[[FakeBotAPI], bool], timeout: float = 20.0) -> None:
        """Block until ``predicate(self)`` is true, else raise ``AssertionError`` with :meth:`summary`.

        For a bot running in another thread or process. If the bot runs on *this* thread's event
        loop, blocking would starve it, so this raises ``RuntimeError``: use
        ``await fake.wait_for_async(...)`` there.
        """
        _refuse_inside_event_loop("wait_for")
        deadline = time.monotonic() + timeout
        while not predicate(self):
            if time.monotonic() >= deadline:
                raise AssertionError(f"condition not met within {timeout}s\n{self.summary()}")
            time.sleep(0.02)

    async def wait_for_async(self, predicate: Callable[[FakeBotAPI], bool], timeout: float = 20.0) -> None:
        """Like :meth:`wait_for` but yields to the event loop, for bots running on it."""
        deadline = time.monotonic() + timeout
        while not predicate(self):
            if time.monotonic() >= deadline:
                raise AssertionError(f"condition not met within {timeout}s\n{self.summary()}")
            await asyncio.sleep(0.02)

    def wait_sent(self, n: int, chat_id: int | None = None, timeout: float = 20.0) -> list[dict[str, Any]]:
        """Block until at least ``n`` messages were sent (to ``chat_id``); returns :meth:`sent`."""
        _refuse_inside_event_loop("wait_sent")
        self.wait_for(lambda f: len(f.sent(chat_id)) >= n, timeout)
        return self.sent(chat_id)

    async def wait_sent_async(
        self, n: int, chat_id: int | None = None, timeout: float = 20.0
    ) -> list[dict[str, Any]]:
        """Async :meth:`wait_sent`."""
        await self.wait_for_async(lambda f: len(f.sent(chat_id)) >= n, timeout)
        return self.sent(chat_id)

    # -- internals: state helpers --------------------------------------------------------------

    def _params_of(self, method: str, chat_id: int | None) -> list[dict[str, Any]]:
        with self._lock:
            return [
                c.params
                for c in self.calls
                if c.method == method and c.ok and (chat_id is None or c.params.get("chat_id") == chat_id)
            ]

    def _auto_entities(self, text: str) -> list[dict[str, Any]]:
        entities: list[dict[str, Any]] = []
        command_end = 0
        if match := _COMMAND_RE.match(text):
            command_end = match.end()
            entities.append({"type": "bot_command", "offset": 0, "length": _utf16_len(match.group())})
        for match in _MENTION_RE.finditer(text):
            if match.start() < command_end:
                continue  # the @bot suffix of /cmd@bot belongs to the command entity
            entities.append(
                {
                    "type": "mention",
                    "offset": _utf16_len(text[: match.start()]),
                    "length": _utf16_len(match.group()),
                }
            )
        return entities

    def _user(self, user_id: int, first_name: str, username: str | None) -> dict[str, Any]:
        user: dict[str, Any] = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": "zh-hans",
        }
        if username:
            user["username"] = username
        return user

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "BulletinTest",
            "username": self.bot_username,
        }

    def _chat(self, chat_id: int) -> dict[str, Any]:
        known = self._chats.get(chat_id)
        if known is not None:
            return dict(known)
        # A chat the bot writes to without ever hearing from it: infer the type from the id sign.
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": "User"}
        return {"id": chat_id, "type": "group", "title": f"Group {chat_id}"}

    def _new_message(self, chat_id: int, sender: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
        # Caller holds the lock. Ids are per chat and shared by user and bot, as in Telegram.
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": sender,
            **fields,
        }
        self._messages[(chat_id, message_id)] = message
        return message

    def _inject_message(
        self,
        user_id: int,
        chat_id: int | None,
        chat_type: str,
        first_name: str,
        username: str | None,
        fields: dict[str, Any],
    ) -> int:
        chat = user_id if chat_id is None else chat_id
        if chat_type != "private" and chat_id is None:
            raise ValueError(f"chat_type={chat_type!r} needs an explicit (negative) chat_id")
        user = self._user(user_id, first_name, username)
        with self._cond:
            if chat_type == "private":
                chat_info: dict[str, Any] = {"id": chat, "type": "private", "first_name": first_name}
                if username:
                    chat_info["username"] = username
            else:
                chat_info = {"id": chat, "type": chat_type, "title": f"Test {chat_type} {chat}"}
            self._chats[chat] = chat_info
            message = self._new_message(chat, user, fields)
            self._enqueue({"message": json.loads(json.dumps(message))})
            return int(message["message_id"])

    def _enqueue(self, body: dict[str, Any]) -> int:
        # Caller holds the condition's lock.
        update_id = next(self._update_ids)
        update = {"update_id": update_id, **body}
        self.updates.append(update)
        self._pending.append(update)
        self._cond.notify_all()
        return update_id

    def _store_file(
        self, data: bytes, folder: str, file_name: str | None, advertised: int | None
    ) -> _StoredFile:
        with self._lock:
            n = next(self._file_ids)
            suffix = ""
            if file_name and "." in file_name:
                suffix = "." + re.sub(r"[^A-Za-z0-9]", "", file_name.rsplit(".", 1)[1])[:10]
            stored = _StoredFile(
                file_id=f"FILE{n:06d}",
                file_unique_id=f"U{n:06d}",
                # ASCII-only path: real paths look like "documents/file_3.pdf", and it dodges
                # URL-quoting questions in the download route.
                file_path=f"{folder}/file_{n}{suffix}",
                data=bytes(data),
                advertised_size=len(data) if advertised is None else advertised,
            )
            self._files_by_id[stored.file_id] = stored
            self._files_by_path[stored.file_path] = stored
            return stored

    # -- internals: HTTP entry point -----------------------------------------------------------

    def _handle_http(
        self, handler: BaseHTTPRequestHandler, path: str, query: str, body: bytes
    ) -> tuple[int, bytes, str]:
        # PTB percent-quotes the whole download URL path, so the token arrives as "123%3ATEST".
        first, _, rest = unquote(path).lstrip("/").partition("/")
        if first == "file":
            token_part, _, file_path = rest.partition("/")
            return self._handle_download(token_part, file_path, query)
        if not first.startswith("bot"):
            # Telegram answers 404 for paths that are not /bot<token>/...
            return self._json(404, {"ok": False, "error_code": 404, "description": "Not Found"})

        token, method = first[3:], rest
        try:
            params = _parse_params(handler, query, body)
        except (ValueError, UnicodeDecodeError) as exc:
            params, parse_error = {}, exc
        else:
            parse_error = None

        known = self._methods.get(method.lower())
        name = known[0] if known else method
        status, result, payload = 200, None, {}
        try:
            if token != self.token:
                raise ApiError(401, "Unauthorized")
            if known is None:
                # Deliberately 400, not 404: PTB turns 404 into InvalidToken.
                raise ApiError(400, "Bad Request: method not found")
            if parse_error is not None:
                raise ApiError(400, f"Bad Request: can't parse request: {parse_error}")
            if self._take(self._drop, name):
                self._record(name, params, 0, None)
                return _LOST, b"", ""
            self._maybe_fail(name)
            result = known[1](params)
            payload = {"ok": True, "result": result}
        except ApiError as err:
            status, payload = err.status, err.payload()
        lost = status == 200 and self._maybe_lose(name)
        self._record(name, params, status, result, lost=lost)
        self._maybe_start_outage()
        if lost:
            return _LOST, b"", ""
        return self._json(status, payload)

    def _maybe_lose(self, method: str) -> bool:
        return self._take(self._lose, method)

    def _take(self, counts: dict[str, int], method: str) -> bool:
        with self._lock:
            left = counts.get(method.lower(), 0)
            if left <= 0:
                return False
            counts[method.lower()] = left - 1
            return True

    def _maybe_start_outage(self) -> None:
        with self._lock:
            trigger = self._outage_trigger
            if trigger is None:
                return
            method, count, seconds = trigger
            if sum(1 for c in self.calls if c.method.lower() == method) < count:
                return
            self._outage_trigger = None
        # Before this call's response is written: the bot's next request already meets a closed port.
        self._start_outage(seconds)

    def _handle_download(self, token_part: str, file_path: str, query: str) -> tuple[int, bytes, str]:
        params = {"file_path": file_path}
        try:
            if token_part != f"bot{self.token}":
                raise ApiError(401, "Unauthorized")
            self._maybe_fail("downloadFile")
            with self._lock:
                stored = self._files_by_path.get(file_path)
            if stored is None:
                raise ApiError(404, "Not Found")
        except ApiError as err:
            self._record("downloadFile", params, err.status, None)
            return self._json(err.status, err.payload())
        self._record("downloadFile", params, 200, len(stored.data))
        return 200, stored.data, "application/octet-stream"

    def _maybe_fail(self, method: str) -> None:
        with self._lock:
            fault = self._faults.get(method.lower())
            if fault is None:
                return
            if fault.duration is not None:
                now = time.monotonic()
                if fault.started is None:
                    fault.started = now
                if now - fault.started >= fault.duration:
                    del self._faults[method.lower()]
                    return
            elif fault.remaining <= 0:
                return
            else:
                fault.remaining -= 1
                if fault.remaining == 0:
                    del self._faults[method.lower()]
        if fault.status == 429:
            raise ApiError(
                429,
                f"Too Many Requests: retry after {fault.retry_after}",
                {"retry_after": fault.retry_after},
            )
        if fault.description:
            raise ApiError(fault.status, fault.description)
        phrases = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 409: "Conflict"}
        phrase = phrases.get(fault.status)
        if phrase is None:
            try:
                phrase = HTTPStatus(fault.status).phrase
            except ValueError:
                phrase = "Error"
        raise ApiError(fault.status, f"{phrase}: injected failure")

    def _record(self, method: str, params: dict[str, Any], status: int, result: Any, lost: bool = False) -> None:
        with self._lock:
            kept = result if status == 200 else None
            self.calls.append(Call(method, params, time.monotonic(), status, kept, lost))

    @staticmethod
    def _json(status: int, payload: dict[str, Any]) -> tuple[int, bytes, str]:
        return status, json.dumps(payload, ensure_ascii=False).encode("utf-8"), "application/json"

    # -- internals: validation helpers ---------------------------------------------------------

    @staticmethod
    def _require(params: dict[str, Any], key: str) -> Any:
        value = params.get(key)
        if value is None or value == "":
            raise ApiError(400, f"Bad Request: {key} is empty")
        return value

    def _chat_id(self, params: dict[str, Any]) -> int:
        chat_id = self._require(params, "chat_id")
        if not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat not found")  # "@channel" ids are not modelled
        return chat_id

    @staticmethod
    def _inline_markup(params: dict[str, Any]) -> dict[str, Any] | None:
        """Validate ``reply_markup``; return it only if inline (Telegram echoes only those)."""
        markup = params.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            return None  # reply keyboards / ForceReply are accepted but not part of the Message
        for row in markup["inline_keyboard"]:
            for button in row:
                if not button.get("text"):
                    raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup

    @staticmethod
    def _rendered_text(
        params: dict[str, Any], key: str = "text", limit: int = MAX_TEXT_LENGTH
    ) -> _RenderedText:
        rendered = _render(
            str(params.get(key, "")),
            params.get("parse_mode"),
            params.get("entities" if key == "text" else "caption_entities"),
        )
        if key == "text" and not rendered.text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if _utf16_len(rendered.text) > limit:
            what = "message is too long" if key == "text" else "message caption is too long"
            raise ApiError(400, f"Bad Request: {what}")
        return rendered

    def _editable(self, params: dict[str, Any]) -> dict[str, Any] | None:
        """The stored bot message an edit targets; ``None`` for inline-message edits."""
        if params.get("inline_message_id"):
            return None
        chat_id = self._chat_id(params)
        message_id = self._require(params, "message_id")
        message = self._messages.get((chat_id, message_id))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message["from"]["id"] != self.bot_id:
            raise ApiError(400, "Bad Request: message can't be edited")
        return message

    # -- Bot API methods (called from server threads with params decoded) ----------------------

    def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "BulletinTest",
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:  # noqa: N802
        with self._cond:
            self.webhook_url = ""
            if params.get("drop_pending_updates"):
                self._pending.clear()
        return True

    def _api_setWebhook(self, params: dict[str, Any]) -> bool:  # noqa: N802
        with self._cond:
            self.webhook_url = str(params.get("url", ""))
            if params.get("drop_pending_updates"):
                self._pending.clear()
            # An active long poll must learn it lost (Telegram answers it with 409).
            self._poll_generation += 1
            self._cond.notify_all()
        return True

    def _api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        with self._lock:
            return {
                "url": self.webhook_url,
                "has_custom_certificate": False,
                "pending_update_count": len(self._pending),
            }

    def _api_logOut(self, params: dict[str, Any]) -> bool:  # noqa: N802
        return True

    def _api_close(self, params: dict[str, Any]) -> bool:
        return True

    @staticmethod
    def _commands_key(params: dict[str, Any]) -> str:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps([scope, params.get("language_code") or ""], sort_keys=True)

    def _api_setMyCommands(self, params: dict[str, Any]) -> bool:  # noqa: N802
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise ApiError(400, "Bad Request: command description is empty or too long")
        with self._lock:
            self.commands[self._commands_key(params)] = commands
        return True

    def _api_deleteMyCommands(self, params: dict[str, Any]) -> bool:  # noqa: N802
        with self._lock:
            self.commands.pop(self._commands_key(params), None)
        return True

    def _api_getMyCommands(self, params: dict[str, Any]) -> list[dict[str, Any]]:  # noqa: N802
        with self._lock:
            return list(self.commands.get(self._commands_key(params), []))

    def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:  # noqa: N802
        offset = params.get("offset")
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = min(max(float(params.get("timeout") or 0), 0.0), MAX_POLL_TIMEOUT)
        allowed = params.get("allowed_updates")
        with self._cond:
            if self.webhook_url:
                raise ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first",
                )
            if isinstance(allowed, list):  # Telegram remembers the last non-null setting
                self._allowed_updates = [str(a) for a in allowed]
            # Telegram lets only the newest getUpdates live; an older waiting one gets 409.
            # This also frees server threads whose client already went away (PTB cancels the
            # in-flight poll on shutdown, then sends a final timeout=0 poll).
            self._poll_generation += 1
            generation = self._poll_generation
            self._cond.notify_all()
            if isinstance(offset, int):
                if offset < 0:  # negative offset: keep only the last |offset| updates
                    del self._pending[: max(len(self._pending) + offset, 0)]
                else:
                    self._pending = [u for u in self._pending if u["update_id"] >= offset]
            deadline = time.monotonic() + timeout
            while True:
                if self._stopping:
                    return []
                if generation != self._poll_generation:
                    raise ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; "
                        "make sure that only one bot instance is running",
                    )
                ready = [u for u in self._pending if self._is_allowed(u)][:limit]
                remaining = deadline - time.monotonic()
                if ready or remaining <= 0:
                    return json.loads(json.dumps(ready))
                self._cond.wait(remaining)

    def _is_allowed(self, update: dict[str, Any]) -> bool:
        if not self._allowed_updates:
            return True
        return any(key in update for key in self._allowed_updates)

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        chat_id = self._chat_id(params)
        rendered = self._rendered_text(params)
        markup = self._inline_markup(params)
        fields: dict[str, Any] = {"text": rendered.text}
        if rendered.entities:
            fields["entities"] = rendered.entities
        if markup is not None:
            fields["reply_markup"] = markup
        with self._lock:
            return json.loads(json.dumps(self._new_message(chat_id, self._bot_user(), fields)))

    def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any] | bool:  # noqa: N802
        rendered = self._rendered_text(params)
        markup = self._inline_markup(params)
        with self._lock:
            message = self._editable(params)
            if message is None:
                return True
            if "text" not in message:
                raise ApiError(400, "Bad Request: there is no text in the message to edit")
            # Omitting reply_markup in an edit removes the keyboard, so compare against None too.
            unchanged = (
                message["text"] == rendered.text
                and message.get("entities", []) == rendered.entities
                and message.get("reply_markup") == markup
            )
            if unchanged:
                raise ApiError(
                    400,
                    "Bad Request: message is not modified: specified new message content and reply "
                    "markup are exactly the same as a current content and reply markup of the message",
                )
            message["text"] = rendered.text
            message.pop("entities", None)
            if rendered.entities:
                message["entities"] = rendered.entities
            message.pop("reply_markup", None)
            if markup is not None:
                message["reply_markup"] = markup
            message["edit_date"] = int(time.time())
            return json.loads(json.dumps(message))

    def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any] | bool:  # noqa: N802
        markup = self._inline_markup(params)
        with self._lock:
            message = self._editable(params)
            if message is None:
                return True
            if message.get("reply_markup") == markup:
                raise ApiError(
                    400,
                    "Bad Request: message is not modified: specified new message content and reply "
                    "markup are exactly the same as a current content and reply markup of the message",
                )
            message.pop("reply_markup", None)
            if markup is not None:
                message["reply_markup"] = markup
            message["edit_date"] = int(time.time())
            return json.loads(json.dumps(message))

    def _api_deleteMessage(self, params: dict[str, Any]) -> bool:  # noqa: N802
        chat_id = self._chat_id(params)
        message_id = self._require(params, "message_id")
        with self._lock:
            if self._messages.pop((chat_id, message_id), None) is None:
                raise ApiError(400, "Bad Request: message to delete not found")
        return True

    def _api_sendChatAction(self, params: dict[str, Any]) -> bool:  # noqa: N802
        self._chat_id(params)
        action = params.get("action")
        valid = {
            "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
            "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
        }  # fmt: skip
        if action not in valid:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:  # noqa: N802
        query_id = str(self._require(params, "callback_query_id"))
        if len(str(params.get("text") or "")) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        with self._lock:
            if query_id not in self._callback_queries:
                raise ApiError(
                    400, "Bad Request: query is too old and response timeout expired or query ID is invalid"
                )
            # Each query may be answered once.
            self._callback_queries.discard(query_id)
        return True

    def _api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        chat_id = self._chat_id(params)
        document = params.get("document")
        if isinstance(document, UploadedFile):
            name = document.filename or "document"
            stored = self._store_file(document.data, "documents", name, None)
            mime = document.content_type or "application/octet-stream"
        elif isinstance(document, str) and document:
            with self._lock:
                existing = self._files_by_id.get(document)
            if existing is None:
                raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
            stored, name, mime = existing, existing.file_path.rsplit("/", 1)[-1], "application/octet-stream"
        else:
            raise ApiError(400, "Bad Request: there is no document in the request")
        fields: dict[str, Any] = {
            "document": {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_name": name,
                "mime_type": mime,
                "file_size": stored.advertised_size,
            }
        }
        if params.get("caption"):
            rendered = self._rendered_text(params, "caption", MAX_CAPTION_LENGTH)
            fields["caption"] = rendered.text
            if rendered.entities:
                fields["caption_entities"] = rendered.entities
        markup = self._inline_markup(params)
        if markup is not None:
            fields["reply_markup"] = markup
        with self._lock:
            return json.loads(json.dumps(self._new_message(chat_id, self._bot_user(), fields)))

    def _api_getFile(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        file_id = str(self._require(params, "file_id"))
        with self._lock:
            stored = self._files_by_id.get(file_id)
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if stored.advertised_size > MAX_DOWNLOAD_SIZE:
            raise ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.advertised_size,
            "file_path": stored.file_path,
        }


def _refuse_inside_event_loop(name: str) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise RuntimeError(
        f"FakeBotAPI.{name}() would block the running event loop (and the bot on it); "
        f"use `await fake.{name}_async(...)` instead"
    )

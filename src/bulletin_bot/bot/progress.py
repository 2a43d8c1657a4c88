"""Shows the Assistant's progress in Telegram by editing one status message."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from concurrent.futures import Future
from typing import Any, ClassVar

from telegram import Bot, Message
from telegram.error import TelegramError

from .render import esc

log = logging.getLogger(__name__)


class MessageProgress:
    """Shows the Assistant's progress by editing one message, at most once a second.

    The Assistant calls it from a worker thread; edits are handed to the event loop with
    ``run_coroutine_threadsafe``. ``settle()`` waits for edits still in flight, so the final
    summary is never overwritten by a late progress edit.
    """

    STAGES: ClassVar[dict[str, str]] = {"parse": "解析文件", "embed": "计算向量", "index": "写入索引"}

    def __init__(self, bot: Bot, message: Message, title: str, interval: float = 1.0) -> None:
        self._bot = bot
        self._chat_id = message.chat_id
        self._message_id = message.message_id
        self._loop = asyncio.get_running_loop()
        self._title = title
        self._interval = interval
        self._last = time.monotonic()
        self._last_text = ""
        self._stage = ""
        self._total = 0
        self._done = 0
        self._closed = False
        self._futures: list[Future[Any]] = []

    def stage(self, name: str, total: int) -> None:
        self._stage, self._total, self._done = name, total, 0
        self._maybe_edit()

    def advance(self, n: int = 1) -> None:
        self._done += n
        self._maybe_edit()

    def close(self) -> None:
        self._closed = True

    def _maybe_edit(self) -> None:
        now = time.monotonic()
        if self._closed or now - self._last < self._interval:
            return
        label = self.STAGES.get(self._stage, self._stage)
        count = f" {min(self._done, self._total)}/{self._total}" if self._total > 1 else ""
        text = f"⏳ 正在处理 {esc(self._title)}…\n{label}{count}"
        if text == self._last_text:
            return
        self._last, self._last_text = now, text
        self._futures.append(asyncio.run_coroutine_threadsafe(self._edit(text), self._loop))

    async def _edit(self, text: str) -> None:
        try:
            await self._bot.edit_message_text(text, self._chat_id, self._message_id)
        except TelegramError as exc:
            log.debug("progress edit failed: %s", exc)

    async def settle(self) -> None:
        self._closed = True
        for future in self._futures:
            with contextlib.suppress(Exception):  # _edit logs its own failures
                await asyncio.wrap_future(future)

    async def finish(self, text: str) -> None:
        """Replace the progress message with the outcome (a new message if the edit fails)."""
        await self.settle()
        try:
            await self._bot.edit_message_text(text, self._chat_id, self._message_id)
        except TelegramError as exc:
            log.warning("could not edit the progress message (%s); sending the outcome instead", exc)
            await self._bot.send_message(self._chat_id, text)

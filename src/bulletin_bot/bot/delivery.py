"""Delivery of every Bot API call: throttled, retried, queued behind 429s, never duplicated on purpose.

PTB passes each request except ``getUpdates`` through the application's rate limiter; ``Delivery``
is that limiter. Faults are told apart by what the server can have seen:

* **The server answered** with 429 (flood control): every request waits until ``retry_after`` has
  passed (one shared pause, so the queue drains in order), then is sent again.
* **The server answered** with 5xx: retried with exponential backoff (0.5 s, 1 s, 2 s, 4 s, then every 5 s,
  ±20 %).
* **The request never left** (connection refused, connect/pool timeout, broken while writing):
  retried with backoff, like 5xx.
* **The request was sent and no answer came** (read timeout, connection reset or closed before the
  response): Telegram may well have delivered the message. The Bot API has no idempotency key, so a
  second ``sendMessage`` would be a second message. Sends (``sendMessage``, ``sendDocument``, …) are
  therefore *not* resent: the call ends with :class:`DeliveryUnconfirmed`, which the error handler
  logs without telling the user anything. Idempotent calls (edits, commands, file look-ups) are retried.
  The trade: an answer is lost only when the request reached Telegram and Telegram dropped it before
  answering, which is rarer than a lost response; a duplicate would be certain in the common case.
* **400 "can't parse entities"**: the text is resent once as plain text (tags stripped).

Every call gives up after ``deadline`` seconds (:class:`DeliveryDropped`, logged). At most
``queue_limit`` calls wait at once; a call beyond that is dropped at once with a log line, so a
flood cannot pile up memory or minutes of stale replies.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import html
import logging
import random
import re
import time
import warnings
from collections.abc import Callable, Coroutine
from typing import Any

import httpx
from aiolimiter import AsyncLimiter
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

#: Not idempotent: a resend after a lost response would be a second message.
SENDS = frozenset(
    {"sendMessage", "sendDocument", "sendPhoto", "sendMediaGroup", "copyMessage", "forwardMessage", "sendPoll"}
)
#: One try: a "typing…" that arrives late is worse than none, and start-up calls have PTB's own
#: ``bootstrap_retries`` (an unreachable server at start-up must stop ``serve`` at once, not in 5 minutes).
ONE_SHOT = frozenset({"sendChatAction", "getMe", "deleteWebhook", "setWebhook", "setMyCommands", "logOut", "close"})
#: httpx errors raised before the whole request reached the server: always safe to resend.
_NOT_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.WriteError,
    httpx.WriteTimeout,
    httpx.LocalProtocolError,
    httpx.UnsupportedProtocol,
    httpx.ProxyError,
)
_TAG = re.compile(r"<[^>]*>")


class DeliveryError(NetworkError):
    """A Bot API call that was given up; the error handler logs it and tells nobody."""


class DeliveryUnconfirmed(DeliveryError):
    """The request reached the server but no response came back; not resent (see the module doc)."""


class DeliveryDropped(DeliveryError):
    """The call was dropped: the queue was full, or the deadline passed while retrying."""


def html_to_plain(text: str) -> str:
    """Telegram-HTML to plain text: tags removed, entities decoded (the fallback for a rejected markup)."""
    return html.unescape(_TAG.sub("", text))


def retry_after_seconds(exc: RetryAfter) -> float:
    """The wait Telegram asked for (read without PTB's int-vs-timedelta deprecation warning)."""
    period = getattr(exc, "_retry_after", None)
    if isinstance(period, dt.timedelta):
        return period.total_seconds()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def may_have_arrived(exc: NetworkError) -> bool:
    """Whether the server may have acted on a request that failed with ``exc``.

    PTB chains the httpx exception as ``__cause__``; an error built from a server response (5xx) has
    no httpx cause: the server answered, so it did not deliver.
    """
    cause = exc.__cause__
    if not isinstance(cause, httpx.HTTPError):
        return isinstance(cause, Exception) and not isinstance(cause, ValueError)
    return not isinstance(cause, _NOT_SENT)


class Delivery(BaseRateLimiter[int]):
    """The bot's rate limiter: Telegram's sending limits, one shared 429 pause, retries, a bounded queue.

    Args:
        deadline: seconds a call keeps being retried before it is dropped.
        queue_limit: calls that may wait at once; more are dropped with a log line.
        overall_per_second: Telegram's global limit for bots (about 30 messages a second).
        group_per_minute: Telegram's limit per group (20 a minute).
        backoff: first and largest delay between retries, in seconds.
    """

    def __init__(
        self,
        *,
        deadline: float = 300.0,
        queue_limit: int = 1000,
        overall_per_second: float = 30,
        group_per_minute: float = 20,
        backoff: tuple[float, float] = (0.5, 5.0),
    ) -> None:
        self.deadline = deadline
        self.queue_limit = queue_limit
        self.backoff = backoff
        self._overall = AsyncLimiter(overall_per_second, 1)
        self._group_rate = group_per_minute
        self._groups: dict[int, AsyncLimiter] = {}
        self._pause_until = 0.0
        self.waiting = 0
        #: Counters for tests and logs: retries by cause, and calls given up.
        self.retried: dict[str, int] = {}
        self.dropped = 0
        self.unconfirmed = 0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if self.waiting >= self.queue_limit:
            self.dropped += 1
            log.warning(
                "send queue full (%d calls waiting): dropped %s to chat %s", self.waiting, endpoint, data.get("chat_id")
            )
            raise DeliveryDropped(f"send queue full: {endpoint} dropped")
        self.waiting += 1
        try:
            return await self._deliver(callback, args, kwargs, endpoint, data)
        finally:
            self.waiting -= 1

    async def _wait_for_pause(self) -> None:
        while (left := self._pause_until - time.monotonic()) > 0:
            await asyncio.sleep(left)

    def _limiter(self, chat_id: Any) -> contextlib.AbstractAsyncContextManager[Any]:
        with contextlib.suppress(TypeError, ValueError):
            chat = int(chat_id)
            if chat < 0:
                group = self._groups.get(chat)
                if group is None:
                    group = self._groups[chat] = AsyncLimiter(self._group_rate, 60)
                return _Both(group, self._overall)
        return self._overall

    async def _deliver(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
    ) -> Any:
        started = time.monotonic()
        failures = 0
        plain = False
        chat = data.get("chat_id")
        while True:
            await self._wait_for_pause()
            async with self._limiter(chat):
                pass
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = retry_after_seconds(exc)
                self._pause_until = max(self._pause_until, time.monotonic() + wait + 0.05)
                delay, why = 0.0, f"429 retry after {wait:g}s"
            except BadRequest as exc:
                message = exc.message.lower()
                if "can't parse entities" in message and not plain and data.get("parse_mode") and "text" in data:
                    log.warning("Telegram rejected the HTML of a %s (%s): resending it as plain text", endpoint, exc)
                    data["text"] = html_to_plain(str(data["text"]))
                    data["parse_mode"] = None
                    plain = True
                    continue
                if failures and ("message is not modified" in message or "query is too old" in message):
                    return True  # an edit or button answer retried after a lost response: the first one counted
                raise
            except NetworkError as exc:  # 5xx, network errors and timeouts (TimedOut is a NetworkError)
                if endpoint in ONE_SHOT:
                    raise
                if endpoint in SENDS and may_have_arrived(exc):
                    self.unconfirmed += 1
                    log.warning(
                        "%s to chat %s: sent, but no response came (%s); not resent, as Telegram has most"
                        " likely delivered it",
                        endpoint,
                        chat,
                        exc,
                    )
                    raise DeliveryUnconfirmed(f"{endpoint}: no response ({exc})") from exc
                first, cap = self.backoff
                delay = min(cap, first * 2**failures) * random.uniform(0.8, 1.2)
                failures += 1
                why = str(exc) or type(exc).__name__
            kind = why.split(" ")[0]
            self.retried[kind] = self.retried.get(kind, 0) + 1
            if time.monotonic() + max(delay, self._pause_until - time.monotonic()) - started > self.deadline:
                self.dropped += 1
                log.error("gave up %s to chat %s after %.0fs: %s", endpoint, chat, time.monotonic() - started, why)
                raise DeliveryDropped(f"{endpoint} not delivered within {self.deadline:.0f}s: {why}")
            log.info("%s to chat %s failed (%s): retrying in %.1fs", endpoint, chat, why, delay)
            if delay:
                await asyncio.sleep(delay)


class _Both(contextlib.AbstractAsyncContextManager[Any]):
    """Acquire a group's limiter, then the overall one (as PTB's AIORateLimiter does)."""

    def __init__(self, first: AsyncLimiter, second: AsyncLimiter) -> None:
        self._first, self._second = first, second

    async def __aenter__(self) -> None:
        await self._first.acquire()
        await self._second.acquire()

    async def __aexit__(self, *exc: object) -> None:
        return None


__all__ = ["Delivery", "DeliveryDropped", "DeliveryError", "DeliveryUnconfirmed", "html_to_plain"]

"""Fast checks of the bot's delivery rules, id validation and first-build estimate (no network, no model).

The end-to-end fault table is in test_bot_production.py; these pin the decisions it rests on.
"""

from __future__ import annotations

import httpx
import pytest
from telegram.error import NetworkError, TimedOut

from bulletin_bot.bot.app import BuildProgress
from bulletin_bot.bot.delivery import html_to_plain, may_have_arrived
from bulletin_bot.bot.handlers import _parse_ids


def _wrapped(error: Exception | None, cls: type[NetworkError] = NetworkError) -> NetworkError:
    """A PTB error as PTB raises it: the httpx exception chained as __cause__ (none for a 5xx answer)."""
    try:
        if error is None:
            raise cls("Internal Server Error (500)")
        raise cls(f"httpx.{type(error).__name__}: {error}") from error
    except NetworkError as exc:
        return exc


@pytest.mark.parametrize(
    ("error", "cls", "arrived"),
    [
        (None, NetworkError, False),  # the server answered 5xx: it did not deliver
        (httpx.ConnectError("refused"), NetworkError, False),
        (httpx.ConnectTimeout("slow connect"), TimedOut, False),
        (httpx.PoolTimeout("pool"), TimedOut, False),
        (httpx.WriteError("broken pipe"), NetworkError, False),
        (httpx.ReadTimeout("no answer"), TimedOut, True),  # sent: Telegram may have delivered it
        (httpx.ReadError("reset"), NetworkError, True),
        (httpx.RemoteProtocolError("Server disconnected without sending a response."), NetworkError, True),
    ],
)
def test_only_a_request_that_may_have_arrived_is_never_resent(
    error: Exception | None, cls: type[NetworkError], arrived: bool
) -> None:
    assert may_have_arrived(_wrapped(error, cls)) is arrived


def test_plain_text_fallback_strips_tags_and_decodes_entities() -> None:
    html = '<b>2020年11月30日</b>\n<blockquote>«a &lt; b &amp; c»</blockquote><a href="x">链接</a><x'
    assert html_to_plain(html) == "2020年11月30日\n«a < b & c»链接<x"


def test_ids_must_be_ascii_int64_and_non_zero() -> None:
    assert _parse_ids(["4004", "-1001234567890", str(2**63 - 1), str(-(2**63)), "4004"]) == (
        [4004, -1001234567890, 2**63 - 1, -(2**63)],
        [],
    )
    bad = ["0", "-0", "1_000", "５５５", "+5", " 5", "5.0", "0x10", str(2**63), str(-(2**63) - 1), "1" * 20]
    assert _parse_ids(bad) == ([], bad)


def test_first_build_estimate_follows_the_embedding_progress() -> None:
    progress = BuildProgress([])
    assert progress.seconds_left() >= 1
    progress.stage("embed", 100)
    progress._stage_started -= 10  # ten seconds in…
    progress.advance(50)  # …and half done: about ten more
    assert 9 <= progress.seconds_left() <= 12
    progress.stage("index", 1)
    assert progress.seconds_left() == 1

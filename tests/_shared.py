"""Paths of the test data and a factory, for test modules to import (the fixtures live in conftest.py)."""

from __future__ import annotations

import os
from pathlib import Path

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


def make_assistant(index: Path, corpus: Path, **settings: object) -> Assistant:
    cache = os.environ.get("BULLETIN_VECTOR_CACHE")
    base = Settings(index_dir=index, corpus_dir=corpus, vector_cache=Path(cache) if cache else None)
    return Assistant(base.with_overrides(**settings))

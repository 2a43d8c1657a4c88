"""Paths of the test data and a factory, for test modules to import (the fixtures live in conftest.py)."""

from __future__ import annotations

import io
import logging
import os
import signal
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
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


def cli_in_process(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """``bulletin-bot ARGS`` through ``cli.main`` in this process: the same argv, exit code, stdout and stderr
    (log records included, as the CLI's own logging set-up prints them), without a cold start per call.

    For tests of what a command does; tests of the process boundary (signals, the entry point) spawn one.
    """
    from bulletin_bot import cli

    out, err = io.StringIO(), io.StringIO()
    saved_env, saved_stdin = dict(os.environ), sys.stdin
    saved_term = signal.getsignal(signal.SIGTERM)
    root = logging.getLogger()
    handlers = list(root.handlers)
    echo = logging.StreamHandler(err)
    echo.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    echo.setLevel(logging.INFO if {"-v", "--verbose"} & set(args) else logging.WARNING)
    if env is not None:
        os.environ.clear()
        os.environ.update(env)
    sys.stdin = io.StringIO(stdin or "")
    root.addHandler(echo)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = cli.main(list(args))
            except SystemExit as exc:  # argparse's usage errors
                code = exc.code if isinstance(exc.code, int) else 1
    finally:
        root.handlers[:] = handlers
        sys.stdin = saved_stdin
        signal.signal(signal.SIGTERM, saved_term)
        os.environ.clear()
        os.environ.update(saved_env)
    return subprocess.CompletedProcess(["bulletin-bot", *args], code, out.getvalue(), err.getvalue())

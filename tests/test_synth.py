"""Checks of the synthetic bulletin generator in bench/synth.py (layout, determinism, QA ground truth)."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
WS = re.compile(r"\s+")
QA_FIELDS = ["id", "question", "key", "answers", "kind"]
QA_DEV = ROOT / "tests" / "fixtures" / "qa_dev.jsonl"  # the hand-written dev questions, in the repo


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_synth", ROOT / "bench" / "synth.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses resolve string annotations through sys.modules
    spec.loader.exec_module(mod)
    return mod


synth = _load()


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("synth")
    synth.generate(60, d, seed=7)
    return d


@pytest.fixture(scope="module")
def corpus():
    return synth.build_corpus(60, seed=7)


def _width(line: str) -> float:
    return sum(0.5 * len(t) if t.isascii() else len(t) for t in re.findall(r"[0-9A-Za-z.%]+| |.", line))


def test_same_seed_gives_identical_files_and_another_seed_differs(tmp_path: Path) -> None:
    a = synth.generate(12, tmp_path / "a", seed=3)
    b = synth.generate(12, tmp_path / "b", seed=3)
    c = synth.generate(12, tmp_path / "c", seed=4)
    names = [p.name for p in a]
    assert names == [p.name for p in b]
    for name in names + ["truth.jsonl", "qa.jsonl", "qa_multi.jsonl"]:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert [p.read_bytes() for p in a] != [p.read_bytes() for p in c]


def test_writes_the_requested_number_of_issue_files(out: Path) -> None:
    files = sorted(out.glob("issue-*.txt"))
    assert [p.name for p in files] == [f"issue-{i:04d}.txt" for i in range(1, 61)]
    truth = _jsonl(out / "truth.jsonl")
    assert [t["file"] for t in truth] == [p.name for p in files]
    assert all(3 <= t["article_count"] <= 10 for t in truth)
    assert all(2 <= len(t["sections"]) <= 4 for t in truth)
    assert len({t["publisher"] for t in truth}) >= 5
    assert len({t["date"][:4] for t in truth}) >= 4


def test_issue_text_has_the_pdf_extraction_layout(out: Path) -> None:
    for t in _jsonl(out / "truth.jsonl"):
        text = (out / t["file"]).read_text(encoding="utf-8")
        lines = text.rstrip(" \n").split("\n")
        assert all(x == "" for x in lines[1::2]), f"{t['file']}: every printed line is followed by a blank line"
        printed = lines[0::2]
        assert printed[0].startswith(" "), "the first page starts with a space"
        y, m, d = (int(x) for x in t["date"].split("-"))
        masthead = next(x for x in printed if "编 " in x)
        assert masthead.strip() == f"{t['publisher']}编 {y} 年 {m} 月 {d} 日"
        if t["number_shown"]:
            assert any(x.strip().startswith(t["number"].replace("年第", " 年第 ").replace("期", " 期").lstrip())
                       for x in printed[:3])
        n_titled = sum(1 for s in t["sections"] for a in s["articles"] if a["title"])
        toc = [x for x in printed if x.startswith("●")]
        assert len(toc) == (n_titled if t["toc"] else 0)
        for s in t["sections"]:
            assert sum(1 for x in printed if x.strip() == f"【{s['name']}】") == (2 if t["toc"] else 1)
        assert text.count("供稿）") == t["article_count"]
        assert re.search(r"\d{4} 年 \d{1,2} 月", text), "numbers are spaced from CJK"
        heads = [i for i, x in enumerate(printed) if x.strip() == f"【{t['sections'][0]['name']}】"]
        body = printed[heads[-1]:]  # after the TOC, whose lines may lose a space
        assert not [x for x in body if re.search(r"[\u4e00-\u9fff]\d|\d[\u4e00-\u9fff]", x)]
        assert max(_width(x) for x in printed) <= 32.5, "body lines are wrapped at about 30 characters"
        page_starts = [x for x in printed[1:] if x.startswith(" ") or re.fullmatch(r"— \d+ —", x)]
        assert len(page_starts) >= len(printed) // 24
        for label, value in t["distribution"].items():
            assert (f"{label}：" in text) == bool(value)
        flat = WS.sub("", text)
        for title in t["article_titles"]:
            assert WS.sub("", title) in flat


def test_qa_rows_have_the_dev_format(out: Path) -> None:
    dev_fields = list(json.loads(QA_DEV.read_text(encoding="utf-8").splitlines()[0]))
    qa = _jsonl(out / "qa.jsonl")
    assert dev_fields == QA_FIELDS
    assert all(list(q) == QA_FIELDS for q in qa)
    assert len({q["id"] for q in qa}) == len(qa)
    assert {q["kind"] for q in qa} == {"when", "who", "number", "what", "unanswerable"}
    for q in qa:
        if q["kind"] == "unanswerable":
            assert q["key"] is None and q["answers"] == []
            continue
        assert q["key"] and not WS.search(q["key"]) and q["answers"]
        assert not any(WS.search(a) for a in q["answers"])
        if q["kind"] == "when":
            assert re.fullmatch(r"\d{4}年(\d{1,2}月(\d{1,2}日)?)?", q["answers"][0]), q


def test_every_qa_key_occurs_in_exactly_the_article_named_by_the_truth(out: Path, corpus) -> None:
    truth = _jsonl(out / "truth.jsonl")
    owner = {qid: (t["file"], a["id"]) for t in truth for s in t["sections"] for a in s["articles"]
             for qid in a["qa_ids"]}
    segments = {k: v for segs in corpus.segments for k, v in segs.items()}
    files = {t["file"]: WS.sub("", (out / t["file"]).read_text(encoding="utf-8")) for t in truth}
    for aid, seg in segments.items():  # the segments are the file's own text, in order
        assert seg in files[aid.split("#")[0] + ".txt"]
    qa = _jsonl(out / "qa.jsonl")
    answerable = [q for q in qa if q["key"]]
    assert len(answerable) >= 2 * len(truth)
    for q in answerable:
        file, aid = owner[q["id"]]
        assert q["key"] in files[file]
        assert [k for k, v in segments.items() if q["key"] in v] == [aid], q
    flat_all = "".join(files.values())
    for q in qa:
        if q["kind"] == "unanswerable":
            for place in synth.HELD_OUT_PLACES + synth.HELD_OUT_UNITS:
                assert place not in flat_all


def test_multi_issue_questions_list_every_matching_article(out: Path, corpus) -> None:
    multi = _jsonl(out / "qa_multi.jsonl")
    assert {m["kind"] for m in multi} == {"list", "person", "time"}
    refs = {}
    for t in _jsonl(out / "truth.jsonl"):
        for s in t["sections"]:
            for a in s["articles"]:
                refs[a["id"]] = a
    segments = {k: v for segs in corpus.segments for k, v in segs.items()}
    for m in multi:
        assert set(m) >= {"id", "question", "kind", "expected_items", "answers"}
        assert m["expected_items"] == [refs[r]["ref"] for r in m["refs"]]
        if m["kind"] == "person":
            name = re.match(r"(?:哪些简报文章提到了)?(.+?)(?:参加了|出席过|？)", m["question"]).group(1)
            assert sorted(k for k, v in segments.items() if name in v) == sorted(m["refs"])
        if m["kind"] == "time":
            y, mo = (int(x) for x in re.match(r"(\d{4})年(\d{1,2})月", m["question"]).groups())
            for r in m["refs"]:
                assert refs[r]["facts"]["date"].startswith(f"{y}-{mo:02d}")


def test_relative_dates_and_this_year_months_appear(out: Path) -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in out.glob("issue-*.txt"))
    assert re.search(r"(?<![年\d ]) ?\d{1,2} 月 \d{1,2} 日", WS.sub(" ", text))
    assert "今年 " in text
    assert "——" in text  # experience subtitles


def test_cli_prints_a_one_line_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert synth.main(["5", str(tmp_path), "--seed", "2"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and "5 issues" in lines[0]
    assert len(list(tmp_path.glob("issue-*.txt"))) == 5


@pytest.mark.slow
def test_a_thousand_issues_come_with_their_questions() -> None:
    # How long generation takes is a benchmark's business (bench/), not a unit test's.
    c = synth.build_corpus(1000, seed=0)
    assert len(c.issues) == 1000 and len(c.qa) > 3000

"""The part-of-speech tagger and jieba's dictionary load from caches; damaged caches are rebuilt."""

from __future__ import annotations

import marshal
import tempfile
from pathlib import Path

import jieba.posseg
import pytest

from bulletin_bot.index import postag
from bulletin_bot.index.sparse import Tokenizer, corpus_terms
from bulletin_bot.ingest.chunk import sentences
from bulletin_bot.ingest.parse import parse_file

SEED = Path(__file__).resolve().parents[1] / "corpus" / "2021-01-08-党史工作动态.txt"
QUESTIONS = [
    "万州区委何时听取党史汇报",
    "徐赛声什么时候去璧山调研",
    "2019年12月18日，王俊在大渡口区出席了哪个会议？",
    "Who chaired the meeting in Wanzhou on 2020-11-30?",
    "全市共有426处革命遗址，12支宣讲小分队 ABC-3.5 x\r\ny",
]


@pytest.fixture(scope="module")
def seed_texts() -> tuple[dict[str, str], list[str]]:
    bulletin = parse_file(SEED)
    texts = [a.title for _, a in bulletin.articles()]
    for _, article in bulletin.articles():
        for paragraph in article.paragraphs:
            texts.extend(paragraph[s:e] for s, e in sentences(paragraph))
    return corpus_terms(bulletin), texts + QUESTIONS


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> postag.Tables:
    """The tables built once from jieba.posseg (≈ 1 s) and read back from their cache file."""
    folder = str(tmp_path_factory.mktemp("posseg"))
    postag.load_tables(folder)
    return postag.load_tables(folder)


@pytest.fixture
def quick_rebuild(built: postag.Tables, monkeypatch: pytest.MonkeyPatch) -> postag.Tables:
    monkeypatch.setattr(postag, "_build", lambda: built)
    return built


def test_tagger_tags_exactly_as_jieba_posseg(
    seed_texts: tuple[dict[str, str], list[str]], built: postag.Tables
) -> None:
    terms, texts = seed_texts
    ours = Tokenizer(terms)
    reference_tok = Tokenizer(terms)
    reference = jieba.posseg.POSTokenizer(tokenizer=reference_tok._jieba)
    tagger = postag.Tagger(ours._jieba, built)
    for text in texts:
        assert tagger.lcut(text) == [(p.word, p.flag) for p in reference.lcut(text)], text
    # a word added after the first cut gets its tag, as with jieba
    for tok in (ours, reference_tok):
        tok.add_words({"莫恭明": "person"})
    assert ("莫恭明", "nr") in tagger.lcut("区委书记莫恭明主持")
    assert tagger.lcut("区委书记莫恭明主持") == [
        (p.word, p.flag) for p in reference.lcut("区委书记莫恭明主持")
    ]


@pytest.mark.parametrize(
    "damage",
    [b"", b"not marshal at all", marshal.dumps({"a": 1}), marshal.dumps((1, {}, {}, {}, {}, {}))],
    ids=["empty", "garbage", "wrong-type", "old-format"],
)
def test_damaged_tag_cache_is_rebuilt(tmp_path: Path, damage: bytes, quick_rebuild: postag.Tables) -> None:
    good = postag.load_tables(str(tmp_path))
    path = postag.cache_path(str(tmp_path))
    path.write_bytes(damage)
    again = postag.load_tables(str(tmp_path))
    assert again.word_tag.parts() == good.word_tag.parts() and again.emit == good.emit
    assert postag._tables(marshal.loads(path.read_bytes())) is not None  # rewritten whole


def test_unwritable_tag_cache_still_tags(tmp_path: Path, quick_rebuild: postag.Tables) -> None:
    missing = tmp_path / "no-such-dir"
    tables = postag.load_tables(str(missing))
    assert tables.word_tag.get("北京", "x") == "ns"


def test_damaged_jieba_cache_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = Tokenizer().cut("万州区委常委会专题听取全区党史工作情况汇报")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(Tokenizer, "_base", None)
    (tmp_path / "jieba.cache").write_bytes(b"\x00damaged")
    assert Tokenizer().cut("万州区委常委会专题听取全区党史工作情况汇报") == before
    freq, total = marshal.loads((tmp_path / "jieba.cache").read_bytes())  # jieba rewrote it
    assert freq["党史"] > 0 and total > 0


def test_word_tags_answer_as_jiebas_table(built: postag.Tables) -> None:
    table = jieba.posseg.dt.word_tag_tab
    tags = built.word_tag
    assert len(tags) == len(table)
    for word in list(table)[::97]:
        assert tags.get(word, "x") == table[word]
    for word in ("莫恭明主持", "不是一个词吧", "qwerty"):
        assert tags.get(word, "x") == table.get(word, "x") == "x"
    clashing = postag.WordTags.build({"甲": "n", "乙": "v"})
    assert clashing.get("甲", "x") == "n" and clashing.get("丙", "x") == "x"

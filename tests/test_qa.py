"""The answer step on questions as people type them: the issue's own examples, each a general mechanism."""

from __future__ import annotations

import json
import re
import tomllib

import pytest

from bulletin_bot.assistant import Assistant
from bulletin_bot.model import Decision
from bulletin_bot.qa import rank
from bulletin_bot.qa.lexicon import LEXICON, lexicon
from bulletin_bot.qa.question import normalise


def test_lexicon_loads_and_every_list_is_non_empty() -> None:
    data = tomllib.loads(LEXICON.read_text("utf-8"))
    lex = lexicon()
    assert set(lex.kind_order) == set(data["kinds"]["order"])
    assert all(lex.kinds[k] for k in lex.kind_order)
    assert "赴" in lex.synonyms("去") and "召开" in lex.synonyms("开")
    assert all(len(g) >= 2 for g in lex.verb_groups)


def test_shipped_weights_name_every_feature_and_a_threshold() -> None:
    data = json.loads(rank.WEIGHTS.read_text("utf-8"))
    assert set(data["features"]) == set(rank.FEATURE_NAMES)
    assert 0.0 < data["threshold"] < 1.0 and data["fit"]["script"] == "bench/fit_ranker.py"
    assert all(reason for reason in rank.FEATURES.values())


def test_traditional_full_width_and_particles_are_normalised() -> None:
    assert normalise("萬州區委何時聽取黨史匯報") == "万州区委何时听取党史汇报"
    assert normalise("万州区委啥时候听的党史汇报啊") == "万州区委什么时候听的党史汇报"
    assert normalise("ＡＢＣ１２３？") == "ABC123？"


@pytest.mark.parametrize(
    "question",
    ["萬州區委何時聽取黨史匯報", "万州区委啥时候听的党史汇报啊", "万州区委何时听取党史汇报"],
)
def test_everyday_phrasings_get_the_date(seed_assistant: Assistant, question: str) -> None:
    answer = seed_assistant.ask(question)
    assert answer.answered and answer.short == "2020年11月30日", answer.answer


def test_a_mistyped_name_is_corrected_and_said(seed_assistant: Assistant) -> None:
    answer = seed_assistant.ask("徐赛声什么时候去璧山调研")
    assert answer.answered, answer.answer
    assert any("徐塞声" in note for note in answer.notes)
    assert answer.hits[0].chunk.citation.article_title.startswith("市委党史研究室主任徐塞声赴璧山")


def test_a_contradicting_year_is_said_not_hidden(seed_assistant: Assistant) -> None:
    answer = seed_assistant.ask("2019年万州区委常委会什么时候听取党史工作汇报")
    assert answer.answered and answer.short == "2020年11月30日"
    assert any("不是2019年" in note for note in answer.notes)


def test_an_english_question_is_told_the_bulletins_are_chinese(seed_assistant: Assistant) -> None:
    answer = seed_assistant.ask("When did the Wanzhou district committee hear the party history report?")
    assert not answer.answered and answer.decision == Decision.NOT_CHINESE
    assert "中文" in answer.answer and answer.hits


def test_spans_are_whole_words_and_numbers(seed_assistant: Assistant) -> None:
    answer = seed_assistant.ask("组建了多少支党史宣讲小分队？")
    if answer.answered and answer.short and re.search(r"\d", answer.short):
        assert not answer.short.endswith("小分"), answer.short
    for q in ("全国共有几个地方党史部门获评先进单位？", "万州区委何时听取党史汇报"):
        a = seed_assistant.ask(q)
        assert "。。" not in a.answer and "依据：「" not in (a.short or "")


def test_a_name_no_bulletin_prints_is_refused_as_a_fact(seed_assistant: Assistant) -> None:
    answer = seed_assistant.ask("上海市委党史研究室主任是谁？")
    assert not answer.answered
    for question in ("Smith是谁？", "<img src=x onerror=alert(1)>是谁？"):
        answer = seed_assistant.ask(question)
        assert not answer.answered and answer.decision == Decision.UNKNOWN_NAME, question


def test_a_fact_the_article_does_not_print_is_refused_not_guessed(seed_assistant: Assistant) -> None:
    # The article on the reading contest is found, but it states no cost: the calibrated score, fitted
    # with questions asked again without their article, refuses rather than answering a number.
    answer = seed_assistant.ask("读书分享决赛一共花了多少经费")
    assert not answer.answered and answer.decision == Decision.REFUSED
    assert answer.hits and "读书分享" in answer.hits[0].chunk.citation.article_title


def test_the_qa_package_has_no_import_cycles() -> None:
    """Module-level imports between our modules form no cycle (TYPE_CHECKING imports aside)."""
    import ast
    from pathlib import Path

    root = Path(rank.__file__).resolve().parents[1]  # src/bulletin_bot
    graph: dict[str, set[str]] = {}
    for path in root.rglob("*.py"):
        mod = ".".join(path.relative_to(root.parent).with_suffix("").parts).removesuffix(".__init__")
        pkg = mod if path.name == "__init__.py" else mod.rsplit(".", 1)[0]
        deps = graph.setdefault(mod, set())
        for node in ast.parse(path.read_text("utf-8")).body:  # module level only
            if isinstance(node, ast.ImportFrom) and node.level:
                base = pkg.rsplit(".", node.level - 1)[0] if node.level > 1 else pkg
                if node.module:
                    deps.add(f"{base}.{node.module}")
                else:  # from . import a, b
                    deps.update(f"{base}.{alias.name}" for alias in node.names)
    seen: dict[str, int] = {}

    def visit(m: str, stack: list[str]) -> None:
        if seen.get(m) == 1:
            raise AssertionError("import cycle: " + " -> ".join(stack + [m]))
        if seen.get(m) == 2 or m not in graph:
            return
        seen[m] = 1
        for d in graph[m]:
            visit(d, stack + [m])
        seen[m] = 2

    for m in sorted(graph):
        if m.startswith("bulletin_bot.qa"):
            visit(m, [])


def test_a_relative_year_is_read_against_the_issue_date_and_roles_must_agree() -> None:
    assert rank.asked_years("去年村集体经济收入有多少", (), "2024-08-12") == ("去年", "2023年")
    assert rank.asked_years("2019年开了几次会", ("2019",), None) == ("2019年",)
    s = "12月18日，市委党史研究室主任徐塞声赴璧山区调研。"
    assert rank.role_agreement(s, s.find("徐塞声"), "璧山区委党史研究室主任") == 0.0  # another office's head
    assert rank.role_agreement(s, s.find("徐塞声"), "党史研究室主任") == 1.0
    s = "会议由党委书记张三主持。"
    assert rank.role_agreement(s, s.find("张三"), "西南大学党委书记") == 0.5  # the title without its qualifier


def test_a_note_ending_in_a_bracket_is_still_a_sentence_before_the_evidence() -> None:
    from bulletin_bot.qa.answerer import _join

    assert _join("2020年11月30日", "简报记载的是2020年11月30日（不是2019年）", "依据：「…。」") == (
        "2020年11月30日。简报记载的是2020年11月30日（不是2019年）。依据：「…。」"
    )
    # A bracketed note alone needs no 。 after it, and no mark is ever doubled.
    assert _join("徐塞声", "（按“徐塞声”理解）", "依据：「…。」") == "徐塞声。（按“徐塞声”理解）依据：「…。」"
    assert "。。" not in _join("答。", "。依据")

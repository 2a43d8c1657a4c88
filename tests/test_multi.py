"""Questions across issues: time scopes, 期号, people, the same event in several places, follow-ups."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from _shared import QA_MULTI, make_assistant  # noqa: F401

from bulletin_bot.assistant import Assistant
from bulletin_bot.dialogue import Conversation
from bulletin_bot.evaluate import run
from bulletin_bot.listing import parse_scope
from bulletin_bot.progress import NoProgress

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import synth  # noqa: E402


def test_multi_issue_question_set_meets_the_targets(multi_assistant: Assistant) -> None:  # noqa: F811
    summary = run(multi_assistant, QA_MULTI, NoProgress())
    assert summary["questions"] >= 20
    assert summary["list_recall"] >= 0.9
    assert summary["answer_accuracy"] >= 0.9


def test_scopes_resolve_dates_numbers_and_relative_words(multi_assistant: Assistant) -> None:  # noqa: F811
    snap = multi_assistant.snapshot()
    month = parse_scope("2020年12月有哪些党史活动？", snap)
    assert month is not None and (month.start, month.end) == ("2020-12", "2020-12")
    number = parse_scope("2021年第2期有哪些文章？", snap)
    assert number is not None and number.issue_ids and len(number.issue_ids) == 1
    assert snap.issues[number.issue_ids[0]].date == "2021-02-05"
    latest = parse_scope("最新一期简报讲了什么？", snap)
    assert latest is not None and latest.issue_ids and snap.issues[latest.issue_ids[0]].date == "2023-05-20"
    last_year = parse_scope("去年万州区有哪些党史工作？", snap)
    assert last_year is not None and last_year.start == "2022" and "2023-05-20" in (last_year.note or "")


def test_people_are_listed_by_date_with_their_role(multi_assistant: Assistant) -> None:  # noqa: F811
    answer = multi_assistant.ask("徐光煦参加了哪些活动？")
    assert answer.kind == "person" and len(answer.items) == 4
    dates = [h.chunk.citation.issue_date for h in answer.hits]
    assert dates == sorted(dates)
    assert any("副主任徐光煦" in line for line in answer.lines)
    who = multi_assistant.ask("潘洵是谁？")
    assert who.short == "西南大学党委副书记潘洵"


def test_same_event_elsewhere_is_pointed_to(multi_assistant: Assistant) -> None:  # noqa: F811
    answer = multi_assistant.ask("江北区委何时听取党史工作汇报？")
    assert answer.short == "2021年1月12日"
    assert any(t.startswith("万州区委常委会") for t in answer.also)
    titles = [h.chunk.citation.article_title for h in answer.hits]
    assert titles[0].startswith("江北区委常委会") and any(t.startswith("涪陵区委常委会") for t in titles)
    listed = multi_assistant.ask("哪些区县委常委会听取了党史工作汇报？")
    assert [t[:2] for t in listed.items] == ["万州", "涪陵", "江北"]


def test_follow_up_reuses_the_question_and_context_expires(multi_assistant: Assistant) -> None:  # noqa: F811
    chat = Conversation(multi_assistant, ttl_seconds=60)
    chat.ask("a", "万州区委何时听取党史汇报")
    follow = chat.ask("a", "那涪陵呢？")
    assert follow.rewritten == "涪陵区委何时听取党史汇报" and follow.short == "2020年12月31日"
    source = chat.ask("a", "出处？")
    assert source.kind == "source" and source.article is not None and "周少政" in source.article.text
    assert chat.ask("b", "出处？").kind != "source"  # another chat has no context
    short = Conversation(multi_assistant, ttl_seconds=0.01)
    short.ask("a", "万州区委何时听取党史汇报")
    time.sleep(0.05)
    assert short.ask("a", "那涪陵呢？").rewritten is None


def test_a_question_ending_in_ne_is_not_a_follow_up(multi_assistant: Assistant) -> None:  # noqa: F811
    chat = Conversation(multi_assistant)
    chat.ask("a", "万州区委何时听取党史汇报")
    answer = chat.ask("a", "大渡口区委书记是谁呢？")
    assert answer.rewritten is None and answer.short == "王俊"


@pytest.mark.slow
def test_synthetic_issues_cross_issue_questions(tmp_path: Path) -> None:
    """Generated issues (other publishers, people recurring across years): lists, people, time scopes."""
    corpus = tmp_path / "corpus"
    synth.generate(12, corpus, seed=5)
    assistant = make_assistant(tmp_path / "index", corpus)
    summary = run(assistant, corpus / "qa_multi.jsonl", NoProgress())
    assert summary["list_recall"] >= 0.9

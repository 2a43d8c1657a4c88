"""Fast checks of the bot's HTML rendering, message splitting, rate limiter and SQLite store."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bulletin_bot.bot import render
from bulletin_bot.bot.store import BotStore, RateLimiter, StoredHit
from bulletin_bot.errors import QuestionError
from bulletin_bot.model import Answer, Chunk, Citation, Decision, Evidence, Hit, Kind, Span

CITATION = Citation(
    "2021-01-08-abc",
    "党史工作动态",
    "2021年第1期",
    "2021-01-08",
    "中共重庆市委党史研究室",
    "工作动态",
    "万州区委常委会专题听取<全区>党史工作情况汇报",
    "万州区党史和地方志研究室",
    9,
)


def hit(text: str, article_no: int = 6, citation: Citation = CITATION) -> Hit:
    return Hit(Chunk(citation, article_no, 0, 0, len(text), text), 1.0)


class _Balanced(HTMLParser):
    """Counts open tags; Telegram rejects unbalanced markup."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag


def balanced(html_text: str) -> bool:
    parser = _Balanced()
    parser.feed(html_text)
    parser.close()
    return not parser.stack


def test_answer_has_bold_span_marked_quote_and_escaped_citation() -> None:
    evidence = "2020年11月30日，市委常委、万州区委书记莫恭明主持召开区委常委会 <b>&"
    h = hit(evidence)
    answer = Answer(
        "q", True, "2020年11月30日。依据：…", (h,), Kind.WHEN, Decision.ANSWERED, "2020年11月30日",
        Span("2020年11月30日", 0, 11, Kind.WHEN), Evidence(evidence, h, 0, len(evidence)),
    )
    html_text = render.answer_html(answer)
    assert html_text.startswith("<b>2020年11月30日</b>\n<blockquote><u><b>2020年11月30日</b></u>，市委常委")
    assert "&lt;b&gt;&amp;</blockquote>" in html_text
    assert (
        "1. 《党史工作动态》2021年第1期（2021-01-08）·【工作动态】·万州区委常委会专题听取&lt;全区&gt;"
        in html_text
    )
    assert balanced(html_text)


def test_span_resolved_from_a_shorter_date_still_highlights_its_tail() -> None:
    evidence = "12月15日，市委党史研究室组织召开2020年工作务虚会。"
    h = hit(evidence)
    answer = Answer(
        "q", True, "x", (h,), Kind.WHEN, Decision.ANSWERED, "2020年12月15日",
        Span("2020年12月15日", 0, 6, Kind.WHEN), Evidence(evidence, h, 0, len(evidence)),
    )
    assert "<u><b>12月15日</b></u>，市委" in render.answer_html(answer)


def test_not_found_lists_each_article_once() -> None:
    other = Citation(**{**vars(CITATION), "article_title": "另一篇"})
    answer = Answer("q", False, "简报中没有找到…", (hit("a"), hit("b"), hit("c", 7, other)))
    html_text = render.answer_html(answer)
    assert "没有找到能回答这个问题的内容" in html_text
    assert "1. " in html_text and "2. " in html_text and "3. " not in html_text


def test_long_article_is_split_between_paragraphs_under_the_limit() -> None:
    paragraphs = [f"第{n}段。" + "党史工作&<要求>。" * 90 for n in range(12)] + ["超长一句" * 1500]
    article = {"title": "标题<1>", "subtitle": "——副题", "source": "某单位", "text": "\n".join(paragraphs)}
    parts = render.article_messages(article, vars(CITATION))
    assert len(parts) > 3
    for part in parts:
        assert render.utf16_len(part) <= render.MAX_MESSAGE
        assert balanced(part) and "&<" not in part
    assert parts[0].startswith("<b>标题&lt;1&gt;</b>\n——副题")
    assert parts[-1].endswith(f"<i>（{len(parts)}/{len(parts)}）</i>")
    body = re.sub(r"<i>（\d+/\d+）</i>|\n", "", "".join(p.split("</i>\n", 1)[-1] for p in parts))
    assert body.count("第11段") == 1 and body.count("超长一句") == 1500  # nothing lost or repeated


def test_fit_trims_at_line_boundaries() -> None:
    text = "\n".join(f"<b>{n}</b> " + "字" * 100 for n in range(100))
    fitted = render.fit(text)
    assert render.utf16_len(fitted) <= render.MAX_MESSAGE and fitted.endswith("\n…") and balanced(fitted)


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("the question is empty", "请直接输入"),
        ("the question is too long (1200 characters; at most 1000)", "1000 字以内"),
        ("the question has no words (only symbols or emoji)", "请用文字提问"),
    ],
)
def test_question_errors_become_polite_chinese(reason: str, expected: str) -> None:
    assert expected in render.question_error(QuestionError(reason))


def test_rate_limiter_is_a_sliding_window_that_warns_once() -> None:
    limiter = RateLimiter(3, window=60)
    assert [limiter.check(1, t)[0] for t in (0, 1, 2)] == [True, True, True]
    assert limiter.check(1, 3) == (False, 57, True)
    assert limiter.check(1, 4)[2] is False  # told once per window
    assert limiter.check(2, 4)[0] is True  # per user
    assert limiter.check(1, 60.5)[0] is True  # the first slot has slid out


def test_store_keeps_access_questions_and_button_passages(tmp_path: Path) -> None:
    store = BotStore(tmp_path / "sub" / "bot.sqlite")
    store.set_access(7, True, 1)
    store.set_access(-100, True, 1)
    store.set_access(7, False, 1)
    assert store.access() == (frozenset({-100}), frozenset({7}))
    qid = store.log_question(7, 7, "谁？", False, "没有找到", [StoredHit.from_hit(hit("段落"))])
    store.log_question(8, -100, "何时？", True, "12月", [])
    chat, answered, hits = store.hits_for(qid) or (0, True, [])
    assert (chat, answered, hits[0].issue_id, hits[0].text) == (7, False, "2021-01-08-abc", "段落")
    assert Citation(**hits[0].citation) == CITATION
    stats = store.stats()
    assert (stats.questions, stats.answered, stats.users, stats.chats) == (2, 1, 2, 2)
    assert [q for _, _, q in store.unanswered()] == ["谁？"]
    store.close()

"""Telegram HTML for answers, passages, articles and lists; everything from the corpus is escaped.

Telegram refuses messages over 4,096 characters. The limit counts the text after the markup is
parsed, but the budget here is taken on the HTML source (an upper bound), so a message that fits
here always fits there.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from typing import Any

from ..errors import QuestionError
from ..model import Answer, Citation, Decision, Hit
from ..render import citation_text, issue_label
from .store import StoredHit

MAX_MESSAGE = 4096
PASSAGE_CHARS = 300  # a passage shown under 「更多结果」 or /search
SUMMARY_CHARS = 300  # the bold short answer when there is no span


def esc(text: object) -> str:
    return html.escape(str(text), quote=False)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def trim(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def fit(html_text: str, limit: int = MAX_MESSAGE) -> str:
    """Cut an HTML message at a line boundary so that it fits; used where splitting makes no sense.

    Cutting only between lines keeps the markup balanced as long as no tag spans lines, which holds
    for everything built here except blockquotes, which are therefore kept on one line.
    """
    if utf16_len(html_text) <= limit:
        return html_text
    tail = "\n…"
    kept: list[str] = []
    used = utf16_len(tail)
    for line in html_text.split("\n"):
        size = utf16_len(line) + 1
        if used + size > limit:
            break
        kept.append(line)
        used += size
    return "\n".join(kept) + tail


def cite(c: Citation | dict[str, Any]) -> str:
    citation = c if isinstance(c, Citation) else Citation(**c)
    return esc(citation_text(citation))


def _highlight(evidence: str, span: str | None) -> str:
    """The proving sentence with the short answer underlined (or, failing an exact match, its tail:
    a span 「2020年12月15日」 resolved from a sentence that says only 「12月15日」)."""
    if span:
        for candidate in (span.strip("《》“”\"'"), *(span[i:] for i in range(1, max(len(span) - 1, 1)))):
            if len(candidate) >= 2 and candidate in evidence:
                before, _, after = evidence.partition(candidate)
                return f"{esc(before)}<u><b>{esc(candidate)}</b></u>{esc(after)}"
    return esc(evidence)


def _unique_articles(hits: Iterable[Hit]) -> list[Hit]:
    seen: set[tuple[str, int]] = set()
    out = []
    for hit in hits:
        key = (hit.chunk.citation.issue_id, hit.chunk.article_no)
        if key not in seen:
            seen.add(key)
            out.append(hit)
    return out


def answer_html(answer: Answer, max_citations: int = 3) -> str:
    """Short answer in bold, the proving sentence quoted with the answer marked, numbered sources."""
    if not answer.answered:
        return not_found_html(answer)
    head = answer.short or answer.answer
    lines = [f"<i>（理解为：{esc(answer.rewritten)}）</i>"] if answer.rewritten else []
    if answer.decision == Decision.SENTENCE:
        lines.append("<i>没有找到简短的答案，以下是原文中最相关的句子：</i>")
    if answer.lines:  # list answers: the head without the inline list, then one item a line
        head = answer.title or answer.short or ""
    if answer.decision != Decision.SENTENCE or not answer.evidence:
        lines.append(f"<b>{esc(trim(head, SUMMARY_CHARS))}</b>")
    lines += [f"• {esc(trim(item, 200))}" for item in list(answer.lines or answer.items)[:30]]
    lines += [f"<i>{esc(note)}</i>" for note in answer.notes]
    if answer.also:
        lines.append("另见：" + "；".join(f"《{esc(t)}》" for t in answer.also))
    if answer.evidence and (answer.decision == Decision.SENTENCE or answer.evidence.sentence.strip() != head.strip()):
        printed = answer.evidence.sentence[answer.span.start : answer.span.end] if answer.span else None
        quote = _highlight(trim(answer.evidence.sentence.replace("\n", " "), 1200), printed)
        lines.append(f"<blockquote>{quote}</blockquote>")
    sources = _unique_articles(answer.hits)[: 10 if answer.kind in ("list", "person") else max_citations]
    if sources:
        lines.append("<i>出处：</i>")
        lines += [f"{n}. {cite(h.chunk.citation)}" for n, h in enumerate(sources, 1)]
    return fit("\n".join(lines))


def not_found_html(answer: Answer) -> str:
    lines = ["抱歉，现有简报中没有找到能回答这个问题的内容。"]
    closest = _unique_articles(answer.hits)[:3]
    if closest:
        lines.append("<i>最接近的文章：</i>")
        lines += [f"{n}. {cite(h.chunk.citation)}" for n, h in enumerate(closest, 1)]
        lines.append("可以换个说法再问，或点「更多结果」看相关段落。")
    return fit("\n".join(lines))


def passages_html(title: str, hits: Sequence[StoredHit | Hit], start: int = 1) -> str:
    """Numbered passages, each with its citation and a trimmed quote."""
    lines = [f"<b>{esc(title)}</b>"]
    for n, hit in enumerate(hits, start):
        if isinstance(hit, Hit):
            citation: Citation | dict[str, Any] = hit.chunk.citation
            text = hit.chunk.text
        else:
            citation, text = hit.citation, hit.text
        lines.append(f"{n}. {cite(citation)}")
        lines.append(f"<blockquote>{esc(trim(text.replace(chr(10), ' '), PASSAGE_CHARS))}</blockquote>")
    return fit("\n".join(lines))


def article_messages(
    article: dict[str, Any], citation: dict[str, Any] | None, limit: int = MAX_MESSAGE
) -> list[str]:
    """The full article as one or more messages, split between paragraphs (long paragraphs between
    sentences), with the title and source on the first."""
    head = [f"<b>{esc(article['title'])}</b>"]
    if article.get("subtitle"):
        head.append(esc(article["subtitle"]))
    if citation:
        head.append(f"<i>{cite(citation)}</i>")
    elif article.get("source"):
        head.append(f"<i>（{esc(article['source'])}供稿）</i>")
    pieces: list[str] = []
    for paragraph in str(article.get("text") or "").split("\n"):
        paragraph = paragraph.strip()
        if paragraph:
            pieces.extend(_split_long(esc(paragraph), limit - 100))
    budget = limit - 40  # room for the 「（2/3）」 footer
    messages: list[str] = []
    current = "\n".join(head) + "\n"
    for piece in pieces:
        if utf16_len(current) + utf16_len(piece) + 2 > budget and current.strip():
            messages.append(current.rstrip())
            current = ""
        current += ("\n" if current else "") + piece + "\n"
    if current.strip():
        messages.append(current.rstrip())
    if len(messages) > 1:
        messages = [f"{m}\n<i>（{i}/{len(messages)}）</i>" for i, m in enumerate(messages, 1)]
    return messages


def _split_long(escaped: str, limit: int) -> list[str]:
    """An escaped paragraph in parts of at most ``limit``, cut after 。！？； where possible."""
    if utf16_len(escaped) <= limit:
        return [escaped]
    parts: list[str] = []
    current = ""
    for sentence in re.findall(r"[^。！？；]*[。！？；]?", escaped):
        if not sentence:
            continue
        while utf16_len(sentence) > limit:  # one enormous sentence: cut anywhere but inside an entity
            cut = limit
            amp = sentence.rfind("&", 0, cut)
            if amp != -1 and ";" not in sentence[amp:cut]:
                cut = amp
            if current:
                parts.append(current)
                current = ""
            parts.append(sentence[:cut])
            sentence = sentence[cut:]
        if utf16_len(current) + utf16_len(sentence) > limit:
            parts.append(current)
            current = ""
        current += sentence
    if current:
        parts.append(current)
    return parts


def issues_html(issues: Sequence[Any], show_ids: bool = True) -> str:
    if not issues:
        return "索引里还没有简报。"
    lines = [f"<b>已收录 {len(issues)} 期简报</b>（新的在前）："]
    for n, i in enumerate(issues, 1):
        ident = f" · <code>{esc(i.id)}</code>" if show_ids else ""
        lines.append(f"{n}. {esc(issue_name(i))} · {i.articles} 篇{ident}")
    return fit("\n".join(lines))


def issue_name(i: Any) -> str:
    """《刊名》期号（日期） for an IssueInfo, the same wording as the citations."""
    return issue_label(Citation(i.id, i.title, i.number, i.date, i.publisher, "", "", None, None))


def toc_html(issue: Any, articles: Sequence[dict[str, Any]]) -> str:
    lines = [f"<b>最新一期：{esc(issue_name(issue))}</b>"]
    if issue.publisher:
        lines.append(esc(issue.publisher))
    section = None
    for a in articles:
        if a["section"] != section:
            section = a["section"]
            lines.append(f"\n<b>【{esc(section)}】</b>")
        flag = "（短讯）" if a.get("brief") else ""
        lines.append(f"• {esc(a['title'])}{flag}")
    return fit("\n".join(lines))


def date_range(issues: Sequence[Any]) -> str:
    dates = sorted(i.date for i in issues if i.date)
    if not dates:
        return ""
    return dates[0] if dates[0] == dates[-1] else f"{dates[0]} 至 {dates[-1]}"


def question_error(exc: QuestionError) -> str:
    """check_question's English reason as a polite Chinese reply."""
    reason = str(exc)
    if "empty" in reason:
        return "请直接输入您的问题，例如：「某区委何时听取党史工作汇报？」"
    if "too long" in reason:
        m = re.search(r"at most (\d+)", reason)
        return f"问题太长了，请精简到 {m.group(1) if m else '1000'} 字以内再问。"
    if "no words" in reason:
        return "没看懂这条消息 🙂 请用文字提问，例如：「读书分享决赛评出几个一等奖？」"
    return f"这个问题无法处理：{esc(reason)}"


def ingest_summary(report: Any, sections: dict[str, list[tuple[str, int]]]) -> str:
    """What an upload or reindex changed. ``sections``: issue id → [(section, article count)]."""
    lines = []
    for info in report.added:
        lines.append(f"✅ <b>已加入索引：{esc(issue_name(info))}</b>")
        if info.publisher:
            lines.append(f"编印：{esc(info.publisher)}")
        lines.append(f"日期：{esc(info.date or '不详')}　期号：{esc(info.number or '不详')}")
        parts = sections.get(info.id) or []
        if parts:
            lines.append("栏目：" + "、".join(f"{esc(name)}（{count} 篇）" for name, count in parts))
        lines.append(f"共 {info.articles} 篇文章，{info.chunks} 个检索段落。")
    if report.replaced:
        lines.append("替换了旧版本：" + "、".join(f"<code>{esc(r)}</code>" for r in report.replaced))
    for _issue_id, kept, other, why in getattr(report, "kept", []):  # two files of one issue
        lines.append(f"ℹ️ 同一期有两个文件：保留 {esc(kept)}，未采用 {esc(other.rsplit('/', 1)[-1])}（{esc(why)}）")
    if report.unchanged and not report.added:
        lines.append("ℹ️ 这期简报已收录（文件内容相同），没有重复添加，索引未改动。")
    for name, reason in report.failed:
        lines.append(f"⚠️ 跳过 {esc(name.rsplit('/', 1)[-1])}：{esc(reason)}")
    lines.append(f"索引现有 {report.issues} 期、{report.chunks} 个段落（用时 {report.seconds:.1f} 秒）。")
    return fit("\n".join(lines))

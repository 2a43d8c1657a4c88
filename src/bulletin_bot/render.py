"""Plain-text rendering of citations and answers shared by the CLI and the chat REPL."""

from __future__ import annotations

from .model import Answer, Citation, Decision


def issue_label(c: Citation) -> str:
    """《党史工作动态》2021年第1期（2021-01-08）, degrading gracefully when the masthead lacks parts."""
    if c.issue_title:
        name = f"《{c.issue_title}》"
    else:  # no title in the masthead: name the publisher, and keep it apart from the date
        name = f"{c.publisher or '简报'} "
    if c.issue_number and c.issue_date:
        return f"{name}{c.issue_number}（{c.issue_date}）"
    return f"{name}{c.issue_number or ''}{c.issue_date or ''}".strip()


def citation_text(c: Citation) -> str:
    source = f"（{c.source}供稿）" if c.source else ""
    return f"{issue_label(c)}·【{c.section}】·{c.article_title}{source}"


def answer_text(answer: Answer) -> str:
    """The terminal form of an answer: short answer, proving sentence, numbered citations."""
    lines = []
    if answer.kind == "source" and answer.article is not None:
        a = answer.article
        lines.append(f"【{a.section}】{a.title}" + (f"\n{a.subtitle}" if a.subtitle else ""))
        lines.append(a.text)
        lines.append(f"出处：{citation_text(answer.hits[0].chunk.citation)}")
        return "\n".join(lines)
    if answer.rewritten:
        lines.append(f"（理解为：{answer.rewritten}）")
    if answer.answered and answer.lines:
        head = answer.title or answer.short or ""
        lines.append(f"答：{head}")
        lines.extend(f"  {n}. {item}" for n, item in enumerate(answer.lines, 1))
        lines.extend(f"说明：{note}" for note in answer.notes)
        lines.append("出处：")
        lines.extend(f"  [{n}] {citation_text(h.chunk.citation)}" for n, h in enumerate(answer.hits[:10], 1))
        return "\n".join(lines)
    if answer.answered:
        if answer.decision == Decision.SENTENCE and answer.evidence:
            lines.append(f"答（原文句子，未能提取简短答案）：「{answer.evidence.sentence}」")
        else:
            head = answer.short or answer.answer
            lines.append(f"答：{head}")
            if answer.evidence and answer.evidence.sentence != head:
                lines.append(f"依据：「{answer.evidence.sentence}」")
        if answer.also:
            lines.append("另见：" + "；".join(f"《{t}》" for t in answer.also))
        lines.extend(f"说明：{note}" for note in answer.notes)
        lines.append("出处：")
    else:
        lines.append(answer.answer)
        lines.extend(f"说明：{note}" for note in answer.notes)
        if answer.hits:
            lines.append("相关文章：")
    for n, hit in enumerate(answer.hits[:5 if answer.answered else 3], 1):
        lines.append(f"  [{n}] {citation_text(hit.chunk.citation)}")
    return "\n".join(lines)

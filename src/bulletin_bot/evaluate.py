"""``bulletin-bot eval``: retrieval and answer quality on a question file (qa_dev.jsonl format)."""

from __future__ import annotations

import json
import math
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import BulletinError
from .ingest.text import nospace
from .model import Answer, Decision
from .squad_eval import add_em_f1, report_lines


@dataclass
class Case:
    id: str
    question: str
    key: str | None
    answers: list[str]
    kind: str
    expected_items: list[str] = field(default_factory=list)
    context: list[str] = field(default_factory=list)  # earlier questions in the same chat (follow-ups)


@dataclass
class Outcome:
    case: Case
    answer: Answer
    rank: int | None  # 0-based rank of the first citation holding the key
    correct: bool
    seconds: float
    recall: float | None = None  # list questions: share of the expected items the answer lists
    short_ok: bool = False  # the short answer itself is a gold answer (not only somewhere in the reply)


def load_cases(path: Path) -> list[Case]:
    cases = []
    try:
        lines = path.read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BulletinError(f"{path}: cannot read question file ({exc})") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            cases.append(
                Case(
                    id=str(row.get("id", n)),
                    question=str(row["question"]),
                    key=row.get("key"),
                    answers=[str(a) for a in row.get("answers") or []],
                    kind=str(row.get("kind", "other")),
                    expected_items=[str(a) for a in row.get("expected_items") or []],
                    context=[str(c) for c in row.get("context") or []],
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise BulletinError(f"{path}:{n}: not a question record ({type(exc).__name__}: {exc})") from None
    if not cases:
        raise BulletinError(f"{path}: no questions in the file")
    return cases


def judge(case: Case, answer: Answer, seconds: float) -> Outcome:
    rank = None
    if case.key:
        key = nospace(case.key)
        for i, hit in enumerate(answer.hits[:5]):
            if key in nospace(hit.chunk.text) or key in nospace(hit.chunk.citation.article_title):
                rank = i
                break
    recall = None
    if case.expected_items:
        listed = [nospace(t) for t in answer.items] + [nospace(h.chunk.citation.article_title) for h in answer.hits]
        texts = [nospace(h.chunk.text) for h in answer.hits]

        def found(item: str) -> bool:
            item = nospace(item).rstrip("…")
            return any(item in t or (len(t) >= 6 and t in item) for t in listed) or any(item in t for t in texts)

        recall = sum(found(i) for i in case.expected_items) / len(case.expected_items)
        return Outcome(case, answer, rank if case.key else (0 if recall else None), recall >= 0.9, seconds, recall)
    if case.key is None:
        return Outcome(case, answer, rank, not answer.answered, seconds, short_ok=not answer.answered)
    # "Holds the fact": the short answer or its proving sentence states a gold answer.
    text = nospace(answer.answer + (answer.evidence.sentence if answer.evidence else ""))
    correct = answer.answered and (not case.answers or any(nospace(a) in text for a in case.answers))
    short_ok = answer.answered and short_matches(answer.short, case.answers)
    return Outcome(case, answer, rank, correct, seconds, short_ok=short_ok)


def short_matches(short: str | None, answers: list[str]) -> bool:
    """The short answer is a gold answer, allowing a few characters of context around it
    (「12支」 for 「12支宣讲小分队」) but not a whole sentence."""
    if not short:
        return False
    s = nospace(short).strip("。，；《》“”")
    for gold in answers:
        g = nospace(gold).strip("。，；《》“”")
        if g and (s == g or (g in s and len(s) <= len(g) + 6) or (s in g and len(s) >= 0.6 * len(g))):
            return True
    return False


def summarise(outcomes: list[Outcome]) -> dict[str, Any]:
    lists = [o for o in outcomes if o.recall is not None]
    answerable = [o for o in outcomes if o.case.key is not None or o.recall is not None]
    unanswerable = [o for o in outcomes if o.case.key is None and o.recall is None]
    n = len(answerable) or 1
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by_kind[o.case.kind].append(o)
    times = sorted(o.seconds for o in outcomes)
    return {
        "questions": len(outcomes),
        "answerable": len(answerable),
        "hit@1": sum(o.rank == 0 for o in answerable) / n,
        "hit@3": sum(o.rank is not None and o.rank < 3 for o in answerable) / n,
        "mrr": sum(1 / (o.rank + 1) for o in answerable if o.rank is not None) / n,
        "answer_accuracy": sum(o.correct for o in answerable) / n,
        "short_accuracy": sum(o.short_ok for o in answerable if o.recall is None)
        / (sum(1 for o in answerable if o.recall is None) or 1),
        "refused_answerable": sum(not o.answer.answered for o in answerable),
        "answered_wrong": sum(o.answer.answered and not o.correct for o in answerable),
        "unanswerable": len(unanswerable),
        "refusal_rate": (sum(not o.answer.answered for o in unanswerable) / len(unanswerable)) if unanswerable else None,
        "list_questions": len(lists),
        "list_recall": round(sum(o.recall or 0 for o in lists) / len(lists), 3) if lists else None,
        "p50_ms": round(statistics.median(times) * 1000, 1) if times else None,
        # nearest rank: the smallest time at or above 95 % of the questions
        "p95_ms": round(sorted(times)[max(0, math.ceil(len(times) * 0.95) - 1)] * 1000, 1) if times else None,
        "by_kind": {
            kind: {
                "n": len(items),
                "correct": sum(o.correct for o in items),
                "short": sum(o.short_ok for o in items),
                "hit@1": sum(o.rank == 0 for o in items if o.case.key) / max(1, sum(1 for o in items if o.case.key)),
            }
            for kind, items in sorted(by_kind.items())
        },
        "failures": [
            {
                "id": o.case.id,
                "question": o.case.question,
                "kind": o.case.kind,
                "expected": o.case.answers or (["(refusal)"] if o.case.key is None else []),
                "key": o.case.key,
                "answered": o.answer.answered,
                "answer": o.answer.answer,
                "short": o.answer.short,
                "key_rank": o.rank,
                "recall": o.recall,
            }
            for o in outcomes
            if not o.correct or not o.short_ok or (o.case.key is not None and o.rank != 0)
        ],
    }


def _ask(assistant: Any, question: str) -> Answer:
    """One question of a set; a malformed one (empty, too long) counts as refused, it does not end the run."""
    try:
        return assistant.ask(question)
    except BulletinError as exc:
        return Answer(question, False, str(exc), (), decision=Decision.REFUSED, why=str(exc))


def run(assistant: Any, path: Path, progress: Any) -> dict[str, Any]:
    from .dialogue import Conversation

    cases = load_cases(path)
    assistant.snapshot()  # build or load the index before timing questions
    _ask(assistant, cases[0].question)  # warm the model
    outcomes = []
    progress.stage("eval", len(cases))
    for n, case in enumerate(cases):
        if case.context:
            chat = Conversation(assistant)
            for earlier in case.context:
                chat.ask(n, earlier)
            started = time.perf_counter()
            answer = chat.ask(n, case.question)
            outcomes.append(judge(case, answer, time.perf_counter() - started))
            progress.advance()
            continue
        started = time.perf_counter()
        answer = _ask(assistant, case.question)
        outcomes.append(judge(case, answer, time.perf_counter() - started))
        progress.advance()
    progress.close()
    summary = summarise(outcomes)
    add_em_f1(summary, outcomes, path)  # EM/F1 of the short answer, article hits (squad_eval.py)
    return summary


def format_report(s: dict[str, Any]) -> str:
    lines = [f"{'kind':<14}{'n':>4}{'correct':>9}{'short':>7}{'hit@1':>8}"]
    for kind, row in s["by_kind"].items():
        lines.append(f"{kind:<14}{row['n']:>4}{row['correct']:>9}{row['short']:>7}{row['hit@1']:>8.2f}")
    if s["failures"]:
        lines.append("failures:")
        for f in s["failures"]:
            got = f"[{f['short']}] {f['answer']}" if f["answered"] else "(refused) " + f["answer"]
            lines.append(f"  {f['id']} [{f['kind']}] {f['question']}")
            lines.append(f"      expected {' / '.join(f['expected'])}; key rank {f['key_rank']}; got: {got[:90]}")
    refusal = "n/a" if s["refusal_rate"] is None else f"{s['refusal_rate']:.2f}"
    if s.get("list_questions"):
        lines.append(f"list questions {s['list_questions']}  list recall {s['list_recall']:.3f}")
    lines.append(
        f"questions {s['questions']}  answerable {s['answerable']}  hit@1 {s['hit@1']:.3f}  hit@3 {s['hit@3']:.3f}"
        f"  MRR {s['mrr']:.3f}  holds the fact {s['answer_accuracy']:.3f}  short answer {s['short_accuracy']:.3f}"
    )
    lines.append(
        f"unanswerable {s['unanswerable']}  refusal rate {refusal}  refused-but-answerable {s['refused_answerable']}"
        f"  answered-wrong {s['answered_wrong']}  latency p50 {s['p50_ms']} ms p95 {s['p95_ms']} ms"
    )
    return "\n".join(lines + report_lines(s))

"""EM/F1 next to hit@k in ``bulletin-bot eval``, and scoring a SQuAD/CMRC-format JSON file directly.

The scored string is the product's short answer (``short`` when the Answer has it, else ``span``, else
the answer text; empty when refused), judged with the official CMRC 2018 definition
(``squad_metrics``) against every gold answer of an answerable question.
"""

from __future__ import annotations

import json
import tempfile
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

from .errors import BulletinError
from .ingest.text import nospace
from .squad_metrics import calc_em_score, calc_f1_score


def short_answer(answer: Any) -> str:
    """What EM/F1 score: the short answer, or '' for a refusal."""
    if not answer.answered:
        return ""
    return answer.short or ""


def _gold_articles(path: Path | None) -> dict[str, tuple[str, str]]:
    """Question id -> (article title, issue date) for rows that name them (questions made by ``squad.py``)."""
    out: dict[str, tuple[str, str]] = {}
    if path is None:
        return out
    for n, line in enumerate(Path(path).read_text("utf-8").splitlines(), 1):
        try:
            row = json.loads(line) if line.strip() else {}
        except json.JSONDecodeError:
            continue
        if isinstance(row, dict) and row.get("title") and row.get("issue_date"):
            out[str(row.get("id", n))] = (nospace(str(row["title"])), str(row["issue_date"]))
    return out


def _article_rank(answer: Any, gold: tuple[str, str]) -> int | None:
    """0-based rank of the first citation from the gold article (title and issue date), within the top 5."""
    for i, hit in enumerate(answer.hits[:5]):
        c = hit.chunk.citation
        if nospace(c.article_title) == gold[0] and c.issue_date == gold[1]:
            return i
    return None


def add_article_hits(summary: dict[str, Any], outcomes: list[Any], path: Path | None) -> None:
    """Article-level hit@1/hit@3 (the gold passage's article cited, whichever of its chunks) when the rows say."""
    gold = _gold_articles(path)
    judged = [(o, _article_rank(o.answer, gold[o.case.id])) for o in outcomes if o.case.id in gold]
    if not judged:
        return
    n = len(judged)
    summary["article_hit@1"] = round(sum(r == 0 for _, r in judged) / n, 4)
    summary["article_hit@3"] = round(sum(r is not None and r < 3 for _, r in judged) / n, 4)
    refused = [r for o, r in judged if not o.answer.answered]
    summary["refused_with_gold_article_first"] = sum(r == 0 for r in refused)
    by_kind: dict[str, list[int | None]] = defaultdict(list)
    for o, r in judged:
        by_kind[o.case.kind].append(r)
    for kind, ranks in by_kind.items():
        summary["by_kind"].setdefault(kind, {})["article_hit@1"] = round(
            sum(r == 0 for r in ranks) / len(ranks), 4
        )


def add_em_f1(summary: dict[str, Any], outcomes: list[Any], path: Path | None = None) -> None:
    """Add EM/F1 in percent, overall and per kind, over answerable questions that have gold answers."""
    add_article_hits(summary, outcomes, path)
    scored = [o for o in outcomes if o.case.key is not None and o.case.answers and o.recall is None]
    summary["predictions"] = {o.case.id: short_answer(o.answer) for o in outcomes}
    if not scored:
        summary["em"] = summary["f1"] = None
        return
    by_kind: dict[str, list[tuple[int, float, bool]]] = defaultdict(list)
    total: list[tuple[int, float, bool]] = []
    for o in scored:
        pred = summary["predictions"][o.case.id]
        row = (
            calc_em_score(o.case.answers, pred),
            calc_f1_score(o.case.answers, pred),
            not o.answer.answered,
        )
        by_kind[o.case.kind].append(row)
        total.append(row)

    def pct(rows: list[tuple[int, float, bool]], i: int) -> float:
        return round(100.0 * sum(r[i] for r in rows) / len(rows), 2)

    summary["em"], summary["f1"] = pct(total, 0), pct(total, 1)
    summary["em_f1_questions"] = len(total)
    summary["em_f1_refused"] = sum(r[2] for r in total)
    for kind, rows in by_kind.items():
        summary["by_kind"].setdefault(kind, {}).update(
            {"em": pct(rows, 0), "f1": pct(rows, 1), "refused": sum(r[2] for r in rows)}
        )


def report_lines(s: dict[str, Any]) -> list[str]:
    """The per-kind EM/F1 table and the totals line for the text report (nothing when not scored)."""
    if s.get("em") is None:
        return []
    art = "article_hit@1" in s
    lines = [f"{'kind':<14}{'n':>5}{'EM':>7}{'F1':>7}{'hit@1':>7}{'art@1' if art else '':>7}{'refused':>9}"]
    for kind, row in s["by_kind"].items():
        if "em" in row:
            a = f"{row['article_hit@1']:>7.2f}" if "article_hit@1" in row else " " * 7
            lines.append(
                f"{kind:<14}{row['n']:>5}{row['em']:>7.1f}{row['f1']:>7.1f}{row['hit@1']:>7.2f}{a}{row['refused']:>9}"
            )
    n = s["em_f1_questions"]
    lines.append(
        f"EM {s['em']:.1f}  F1 {s['f1']:.1f}  (official CMRC 2018 definition, {n} questions with gold answers;"
        f" refused {s['em_f1_refused']} = {s['em_f1_refused'] / n:.1%})"
    )
    if art:
        lines.append(
            f"gold article cited first {s['article_hit@1']:.3f}, in the top 3 {s['article_hit@3']:.3f};"
            f" refused with the gold article first {s['refused_with_gold_article_first']}"
        )
    return lines


def run_squad(
    settings: Any,
    path: Path,
    progress: Any,
    *,
    index_dir: Path | None = None,
    corpus_dir: Path | None = None,
    limit: int | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Convert a SQuAD-format file into issues, index them (a temporary index unless given) and score it.

    A given index that already holds the same issues is reused as is: ingest skips unchanged files. With
    ``limit``, only the questions of ``limit`` passages are asked; a given index or corpus still gets every
    passage, so its issues stay the same whatever the subset.
    """
    from .assistant import Assistant
    from .evaluate import run
    from .squad import convert, load_squad, subset, write_questions

    every = load_squad(path)
    chosen = subset(every, limit, seed)
    passages = every if (index_dir or corpus_dir) else chosen
    with tempfile.TemporaryDirectory(prefix="bulletin-squad-") as tmp:
        corpus = corpus_dir or Path(tmp) / "corpus"
        if corpus.is_dir() and any(not p.name.startswith("issue-") for p in corpus.iterdir() if p.is_file()):
            raise BulletinError(
                f"{corpus}: holds files other than converted issues; give an empty or new --corpus"
            )
        for old in corpus.glob("issue-*.txt"):
            old.unlink()
        files, rows = convert(passages, corpus)
        keep = {p.id for p in chosen}
        rows = [r for r in rows if r["passage"] in keep]
        questions = Path(tmp) / "questions.jsonl"
        write_questions(rows, questions)
        assistant = Assistant(
            replace(settings, index_dir=index_dir or Path(tmp) / "index", corpus_dir=corpus), progress
        )
        assistant.ingest(files, skip_bad=True)
        summary = run(assistant, questions, progress)
    summary["squad"] = {
        "file": str(path),
        "passages": len(chosen),
        "issues": len(files),
        "corpus": str(corpus_dir) if corpus_dir else None,
        "index": str(index_dir) if index_dir else None,
    }
    return summary


def write_predictions(summary: dict[str, Any], path: str | None) -> None:
    """Move the per-question short answers out of the summary; write them (official format) when asked."""
    import json

    predictions = summary.pop("predictions", None)
    if path and predictions is not None:
        Path(path).write_text(json.dumps(predictions, ensure_ascii=False, indent=1), "utf-8")

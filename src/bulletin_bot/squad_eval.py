"""EM/F1 next to hit@k in ``bulletin-bot eval``, and scoring a SQuAD/CMRC-format JSON file directly.

The scored string is the product's short answer (``short`` when the Answer has it, else ``span``, else
the answer text; empty when refused), judged with the official CMRC 2018 definition
(``squad_metrics``) against every gold answer of an answerable question.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

from .errors import BulletinError
from .squad_metrics import calc_em_score, calc_f1_score


def short_answer(answer: Any) -> str:
    """What EM/F1 score: the short answer, or '' for a refusal."""
    if not answer.answered:
        return ""
    return getattr(answer, "short", None) or answer.span or answer.answer or ""


def add_em_f1(summary: dict[str, Any], outcomes: list[Any]) -> None:
    """Add EM/F1 in percent, overall and per kind, over answerable questions that have gold answers."""
    scored = [o for o in outcomes if o.case.key is not None and o.case.answers and o.recall is None]
    summary["predictions"] = {o.case.id: short_answer(o.answer) for o in outcomes}
    if not scored:
        summary["em"] = summary["f1"] = None
        return
    by_kind: dict[str, list[tuple[int, float, bool]]] = defaultdict(list)
    total: list[tuple[int, float, bool]] = []
    for o in scored:
        pred = summary["predictions"][o.case.id]
        row = (calc_em_score(o.case.answers, pred), calc_f1_score(o.case.answers, pred), not o.answer.answered)
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
    lines = [f"{'kind':<14}{'n':>5}{'EM':>7}{'F1':>7}{'hit@1':>7}{'refused':>9}"]
    for kind, row in s["by_kind"].items():
        if "em" in row:
            lines.append(
                f"{kind:<14}{row['n']:>5}{row['em']:>7.1f}{row['f1']:>7.1f}{row['hit@1']:>7.2f}{row['refused']:>9}"
            )
    n = s["em_f1_questions"]
    lines.append(
        f"EM {s['em']:.1f}  F1 {s['f1']:.1f}  (official CMRC 2018 definition, {n} questions with gold answers;"
        f" refused {s['em_f1_refused']} = {s['em_f1_refused'] / n:.1%})"
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

    A given index that already holds the same issues is reused as is: ingest skips unchanged files.
    """
    from .assistant import Assistant
    from .evaluate import run
    from .squad import convert, load_squad, subset, write_questions

    passages = subset(load_squad(path), limit, seed)
    with tempfile.TemporaryDirectory(prefix="bulletin-squad-") as tmp:
        corpus = corpus_dir or Path(tmp) / "corpus"
        if corpus.is_dir() and any(not p.name.startswith("issue-") for p in corpus.iterdir() if p.is_file()):
            raise BulletinError(f"{corpus}: holds files other than converted issues; give an empty or new --corpus")
        for old in corpus.glob("issue-*.txt"):
            old.unlink()
        files, rows = convert(passages, corpus)
        questions = Path(tmp) / "questions.jsonl"
        write_questions(rows, questions)
        assistant = Assistant(replace(settings, index_dir=index_dir or Path(tmp) / "index", corpus_dir=corpus), progress)
        assistant.ingest(files, skip_bad=True)
        summary = run(assistant, questions, progress)
    summary["squad"] = {
        "file": str(path),
        "passages": len(passages),
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

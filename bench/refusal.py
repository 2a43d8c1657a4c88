"""Refusal trade-off: sweep the answerer's thresholds over question sets, count both kinds of error.

    python bench/refusal.py INDEX:QA.jsonl [INDEX:QA.jsonl ...]

For each (minimum coverage, minimum dense similarity) it reports, summed over the sets:
answered-wrong (an answerable question answered with no accepted answer, or an unanswerable one
answered at all) and refused-but-answerable. Prints a Markdown table.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bulletin_bot import answer
from bulletin_bot.assistant import Assistant
from bulletin_bot.config import Settings
from bulletin_bot.evaluate import judge, load_cases

COVERAGE = (0.3, 0.4, 0.5, 0.6, 0.7)
DENSE = (0.75, 0.80, 0.85)


def main() -> None:
    sets = []
    for arg in sys.argv[1:]:
        index, qa = arg.split(":", 1)
        assistant = Assistant(Settings(index_dir=Path(index), corpus_dir=Path(index) / "none"))
        assistant.snapshot()
        sets.append((assistant, load_cases(Path(qa))))
    print("| min coverage | min similarity | answered wrong | of which unanswerable answered | refused but answerable |")
    print("|---|---|---|---|---|")
    for coverage in COVERAGE:
        for dense in DENSE:
            answer.MIN_COVERAGE, answer.MIN_DENSE = coverage, dense
            wrong = unanswerable_answered = refused = 0
            for assistant, cases in sets:
                for case in cases:
                    if case.expected_items:
                        continue
                    outcome = judge(case, assistant.ask(case.question), 0.0)
                    if case.key is None:
                        unanswerable_answered += outcome.answer.answered
                        wrong += outcome.answer.answered
                    elif not outcome.answer.answered:
                        refused += 1
                    elif not outcome.correct:
                        wrong += 1
            mark = " **(chosen)**" if (coverage, dense) == (0.5, 0.80) else ""
            print(f"| {coverage} | {dense}{mark} | {wrong} | {unanswerable_answered} | {refused} |", flush=True)


if __name__ == "__main__":
    main()

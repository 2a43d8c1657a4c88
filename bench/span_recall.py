"""How often the gold answer is among the typed candidate spans, when retrieval found it.

    python bench/span_recall.py QA.jsonl --index DIR --corpus DIR [--json OUT] [--misses N]

For every question whose gold answer is printed in the top retrieved passage, it asks whether some
candidate span (``rank.candidates``, as bench/fit_ranker.py collects them) matches a gold answer:
``match`` is the fit's label (``short_matches``: a few characters of context allowed), ``exact`` is
the official CMRC EM. The ranker can only choose among candidates, so this is the extractors' ceiling.
Reported per question kind (the analysed kind), with the misses for reading.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from bulletin_bot.assistant import Assistant
from bulletin_bot.config import Settings
from bulletin_bot.evaluate import load_cases, short_matches
from bulletin_bot.ingest.text import nospace
from bulletin_bot.qa import rank
from bulletin_bot.qa.question import analyse
from bulletin_bot.squad_metrics import calc_em_score


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("qa", type=Path)
    p.add_argument("--index", type=Path, required=True)
    p.add_argument("--corpus", type=Path, required=True)
    p.add_argument("--json", type=Path)
    p.add_argument("--misses", type=int, default=0, help="print this many misses per kind")
    args = p.parse_args()
    assistant = Assistant(Settings(index_dir=args.index, corpus_dir=args.corpus))
    searcher = assistant.searcher()
    rows = []
    for case in load_cases(args.qa):
        if not case.answers:
            continue
        q = analyse(case.question, searcher.snapshot)
        hits = searcher.search(q.text, rank.PASSAGES)
        if not hits or not any(nospace(a) in nospace(hits[0].chunk.text) for a in case.answers):
            continue
        cands = rank.candidates(q, hits, searcher)
        spans = [c for c in cands if c.found is not None]
        match = any(short_matches(c.found.text, case.answers) for c in spans)  # type: ignore[union-attr]
        exact = any(calc_em_score(case.answers, c.found.text) for c in spans)  # type: ignore[union-attr]
        gold_sent = [c for c in cands if c.found is None and any(nospace(a) in nospace(c.sentence) for a in case.answers)]
        rows.append({
            "id": case.id, "question": case.question, "kind": q.kind.value, "answers": case.answers,
            "match": match, "exact": exact, "n_spans": len(spans),
            "gold_sentence": gold_sent[0].sentence if gold_sent else None,
            "spans_in_gold_sentence": sorted({c.found.text for c in spans  # type: ignore[union-attr]
                                              if gold_sent and c.sentence == gold_sent[0].sentence})[:12],
        })
    by: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by[r["kind"]].append(r)
        by["ALL"].append(r)
    print(f"{'kind':<8}{'n':>5}{'match':>8}{'exact':>8}{'spans':>8}")
    for kind in sorted(by, key=lambda k: (k == "ALL", k)):
        rs = by[kind]
        n = len(rs)
        print(f"{kind:<8}{n:>5}{sum(r['match'] for r in rs) / n:>8.3f}{sum(r['exact'] for r in rs) / n:>8.3f}"
              f"{sum(r['n_spans'] for r in rs) / n:>8.1f}")
    if args.misses:
        for kind in sorted(by):
            if kind == "ALL":
                continue
            for r in [r for r in by[kind] if not r["match"]][: args.misses]:
                print(f"- [{kind}] {r['question']} gold={r['answers'][:2]}\n    S: {r['gold_sentence']}\n"
                      f"    spans: {r['spans_in_gold_sentence']}")
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), "utf-8")


if __name__ == "__main__":
    main()

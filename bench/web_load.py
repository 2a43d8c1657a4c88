"""Load on the web face's HTTP API: a real `bulletin-bot web` server process, concurrent POST /api/ask.

    python bench/web_load.py [--index DIR] [--requests 200] [--clients 20] [--latency-clients 10]

1. Builds (or reuses) an index of the bundled corpus and starts `bulletin-bot web` on 127.0.0.1 with a
   fresh API token, in its own process (the load generator must not share its GIL).
2. Asks every question of tests/fixtures/qa_dev.jsonl once, one at a time, and keeps those answered
   with a gold answer: the reference.
3. Correctness under load: ``--requests`` questions from ``--clients`` concurrent clients; every answer
   must equal the reference JSON.
4. Latency at ``--latency-clients`` concurrent clients and at one (p50/p95/max, requests per second), with the
   server's answer cache on (the default) and off (``BULLETIN_WEB_ANSWER_CACHE=0``, every request runs the
   whole answer step).

Prints a JSON summary last.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from bulletin_bot.web.auth import WEB_FILE, WebStore

os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(index: Path, corpus: Path, cache: bool) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "BULLETIN_WEB_ANSWER_CACHE": "1024" if cache else "0"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bulletin_bot.cli", "web", "--port", str(port), "--index", str(index),
         "--corpus", str(corpus), "-q"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not start in 300 s")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (robust to other load on the machine, unlike wall time)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def reference(url: str, token: str, qa: list[dict]) -> dict[str, dict]:
    """One question at a time: the answers that contain a gold answer, keyed by question."""
    out = {}
    with httpx.Client(base_url=url, headers={"authorization": f"Bearer {token}"}, timeout=120) as c:
        for item in qa:
            data = c.post("/api/ask", json={"question": item["question"]}).json()
            if data.get("answered") and any(a in data.get("answer", "") for a in item.get("answers", [])):
                data.pop("session", None)
                out[item["question"]] = data
    return out


async def load(url: str, token: str, questions: list[str], clients: int, total: int) -> tuple[list[float], list[dict], float]:
    """``total`` POST /api/ask spread over ``clients`` concurrent clients, each with its own connection."""
    latencies: list[float] = []
    answers: list[dict] = []
    jobs: asyncio.Queue[str] = asyncio.Queue()
    for n in range(total):
        jobs.put_nowait(questions[n % len(questions)])

    async def client(n: int) -> None:
        async with httpx.AsyncClient(base_url=url, headers={"authorization": f"Bearer {token}"}, timeout=300) as c:
            while not jobs.empty():
                question = jobs.get_nowait()
                started = time.perf_counter()
                r = await c.post("/api/ask", json={"question": question, "session": f"c{n}-{len(answers)}"})
                latencies.append(time.perf_counter() - started)
                data = r.json()
                data.pop("session", None)
                answers.append({"question": question, "status": r.status_code, "data": data})

    started = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(clients)))
    return latencies, answers, time.perf_counter() - started


def summary(latencies: list[float], seconds: float) -> dict[str, float]:
    ms = sorted(x * 1000 for x in latencies)
    return {
        "requests": len(ms),
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 1),
        "max_ms": round(ms[-1], 1),
        "rps": round(len(ms) / seconds, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, help="index folder to use (default: a temporary one)")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--qa", type=Path, default=ROOT / "tests" / "fixtures" / "qa_dev.jsonl")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--latency-clients", type=int, default=10)
    parser.add_argument("--latency-requests", type=int, default=300)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bb-webload-"))
    index = args.index or tmp / "index"
    store = WebStore(index / WEB_FILE)
    token = store.add_token("web-load", "staff")
    store.close()
    qa = [json.loads(line) for line in args.qa.read_text("utf-8").splitlines() if line.strip()]
    result: dict[str, object] = {"cpus": len(os.sched_getaffinity(0)), "load_average": os.getloadavg()[0]}
    try:
        for cache in (True, False):
            proc, url = start_server(index, args.corpus, cache)
            try:
                ref = reference(url, token, qa)
                questions = list(ref)
                name = "cached" if cache else "uncached"
                lat, answers, secs = asyncio.run(load(url, token, questions, args.clients, args.requests))
                wrong = [a for a in answers if a["status"] != 200 or a["data"] != ref[a["question"]]]
                result[f"correctness_{name}"] = {
                    "requests": len(answers), "clients": args.clients, "questions": len(questions),
                    "correct": len(answers) - len(wrong), **summary(lat, secs),
                }
                print(f"correctness, {name}: {len(answers) - len(wrong)}/{len(answers)} correct from {args.clients}"
                      f" clients ({len(questions)} distinct questions)", flush=True)
                for a in wrong[:5]:
                    print("  wrong:", a["question"], a["status"], str(a["data"])[:200], flush=True)
                cpu = cpu_seconds(proc.pid)
                lat, _, secs = asyncio.run(
                    load(url, token, questions, args.latency_clients, args.latency_requests)
                )
                cpu_ms = round((cpu_seconds(proc.pid) - cpu) * 1000 / len(lat), 1)
                result[f"latency_{name}"] = {"clients": args.latency_clients, **summary(lat, secs), "server_cpu_ms": cpu_ms}
                print(f"latency, {name}: {result[f'latency_{name}']}", flush=True)
                cpu = cpu_seconds(proc.pid)
                lat, _, secs = asyncio.run(load(url, token, questions, 1, 100))
                cpu_ms = round((cpu_seconds(proc.pid) - cpu) * 1000 / len(lat), 1)
                result[f"latency_{name}_1_client"] = {"clients": 1, **summary(lat, secs), "server_cpu_ms": cpu_ms}
                print(f"latency, {name}, 1 client: {result[f'latency_{name}_1_client']}", flush=True)
            finally:
                stop(proc)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(result, ensure_ascii=False))
    ok = all(
        isinstance(v, dict) and v["correct"] == v["requests"] for k, v in result.items() if k.startswith("correctness")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

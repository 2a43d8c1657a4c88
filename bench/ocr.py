"""OCR benchmark: a scanned copy of the bundled issue against its text PDF.

    python bench/ocr.py [--dpi 170] [--work /tmp/ocr-bench] [--no-eval]

1. Renders tests/fixtures/bulletin-2021-01.pdf to an image-only PDF (tests/fixtures/make_scanned.py).
2. Parses it (OCR of all pages) and reports wall and CPU seconds, per page too.
3. Compares with the text PDF: same sections and articles (titles compared without spaces, which
   a scan does not carry between Chinese phrases, and within 10% edit distance), and character accuracy = 1 − CER, the edit
   distance between the concatenated body texts (titles, subtitles, paragraphs, sources) over the
   length of the text PDF's.
4. Unless --no-eval: indexes each PDF alone and runs `bulletin-bot eval tests/fixtures/qa_dev.jsonl`.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from bulletin_bot.ingest.ocr import char_accuracy, structure_differences
from bulletin_bot.ingest.parse import parse_file
from bulletin_bot.ingest.text import nospace
from bulletin_bot.model import Bulletin

TEXT_PDF = ROOT / "tests" / "fixtures" / "bulletin-2021-01.pdf"
QA = ROOT / "tests" / "fixtures" / "qa_dev.jsonl"


def _make_scanned():
    spec = importlib.util.spec_from_file_location(
        "make_scanned", ROOT / "tests" / "fixtures" / "make_scanned.py"
    )
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def body_text(b: Bulletin) -> str:
    parts: list[str] = []
    for _, a in b.articles():
        parts += [a.title if not a.brief else "", a.subtitle or "", *a.paragraphs, a.source or ""]
    return nospace("".join(parts))


def evaluate(pdf: Path, work: Path) -> dict:
    corpus, index = work / "corpus", work / "index"
    corpus.mkdir(parents=True, exist_ok=True)
    (corpus / pdf.name).write_bytes(pdf.read_bytes())
    base = [sys.executable, "-m", "bulletin_bot.cli"]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    opts = ["--index", str(index), "--corpus", str(corpus), "-q"]
    subprocess.run(
        [*base, "ingest", *opts, "--rebuild", str(corpus)], check=True, env=env, capture_output=True
    )
    out = subprocess.run(
        [*base, "eval", *opts, str(QA), "--json"], check=True, env=env, capture_output=True, text=True
    )
    return json.loads(out.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dpi", type=int, default=170)
    ap.add_argument("--work", type=Path, default=Path("/tmp/ocr-bench"))
    ap.add_argument("--no-eval", action="store_true")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    scanned = _make_scanned().scan_pdf(args.work / f"bulletin-2021-01-scan{args.dpi}.pdf", dpi=args.dpi)
    print(f"scan: {scanned} ({scanned.stat().st_size // 1024} KB, {args.dpi} dpi)")

    pages: list[tuple[float, float]] = []
    marks = [time.perf_counter(), time.process_time()]

    def on_page(done: int, total: int) -> None:
        now = (time.perf_counter(), time.process_time())
        if done:
            pages.append((now[0] - marks[0], now[1] - marks[1]))
        marks[:] = now

    wall, cpu = time.perf_counter(), time.process_time()
    got = parse_file(scanned, on_page=on_page)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    ref = parse_file(TEXT_PDF)
    diffs = structure_differences(ref, got)
    accuracy = char_accuracy(body_text(ref), body_text(got))
    print(
        f"pages: {len(pages)}, OCR+parse: {wall:.1f} s wall, {cpu:.1f} s CPU (load {os.getloadavg()[0]:.1f})"
    )
    print("per page (wall/CPU s): " + ", ".join(f"{w:.1f}/{c:.1f}" for w, c in pages))
    print(f"same sections and articles as the text PDF: {not diffs}")
    print(f"articles: {sum(len(s.articles) for s in got.sections)} (text PDF {len(ref.articles())})")
    print(f"character accuracy (1 - CER over {len(body_text(ref))} body characters): {accuracy:.4f}")
    for line in diffs:
        print(f"  {line}")
    exact = [(a.title, b.title) for (_, a), (_, b) in zip(ref.articles(), got.articles(), strict=False)]
    print(f"titles exactly equal: {sum(x == y for x, y in exact)}/{len(exact)}")
    if args.no_eval:
        return
    for label, pdf in (("text PDF", TEXT_PDF), ("scanned PDF", scanned)):
        report = evaluate(pdf, args.work / label.replace(" ", "-"))
        keys = ("hit@1", "hit@3", "mrr", "answer_accuracy", "refusal_rate")
        summary = {k: report.get(k) for k in keys if k in report} or report
        print(f"eval {label}: {json.dumps(summary, ensure_ascii=False)}")


if __name__ == "__main__":
    main()

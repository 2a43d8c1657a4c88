"""CMRC 2018 / DRCD as bulletin issues: fetch the data, convert it, check that the parser keeps it whole.

Usage::

    python bench/cmrc.py prepare [--from GIT_DIR_OR_FOLDER] [--to DIR]
    python bench/cmrc.py convert SRC.json|dev|train|trial OUTDIR [--questions Q.jsonl] [--limit N] [--seed S]
                         [--per-issue 10] [--first-day 2018-03-01] [--no-check]

Data (never committed; keep it outside the repository):

- CMRC 2018, https://github.com/ymcui/cmrc2018, folder ``squad-style-data/``: ``cmrc2018_train.json``
  (about 10k questions; over 4 MB), ``cmrc2018_dev.json`` (3,219 questions, 848 passages),
  ``cmrc2018_trial.json`` (1,002 questions, 256 passages) and the official ``cmrc2018_evaluate.py``. Licence CC-BY-SA-4.0
  (the repository's LICENCE): attribute the authors (Cui et al., EMNLP 2019) and share derived data
  alike. The converted issues are derived data: they stay under that licence and out of this repository.
- DRCD (traditional characters), https://github.com/DRCKnowledgeTeam/DRCD: ``DRCD_training.json``,
  ``DRCD_dev.json`` (3,524 questions, 1,000 passages), ``DRCD_test.json`` (3,493 questions); CC-BY-SA-3.0
  (its README).

``prepare`` copies those files from a clone (or a bare git directory: read with ``git show HEAD:path``)
into ``BULLETIN_CMRC_DIR`` (default ``~/.cache/bulletin-bot/cmrc2018``); ``convert dev OUTDIR`` then
reads ``$BULLETIN_CMRC_DIR/cmrc2018_dev.json``. ``convert`` writes ``OUTDIR/issue-NNNN.txt`` (10
passages an issue) and the questions (default ``OUTDIR-qa.jsonl`` beside the folder, never inside it,
so ``ingest OUTDIR`` sees only issues), parses every issue back and prints how many passages came back
whole. Standard library plus this package.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bulletin_bot.squad import PER_ISSUE, check_issues, convert, load_squad, subset, write_questions

FILES = {
    "cmrc2018": ("squad-style-data/", ["cmrc2018_train.json", "cmrc2018_dev.json", "cmrc2018_trial.json",
                                       "cmrc2018_evaluate.py"], "LICENCE"),
    "drcd": ("", ["DRCD_training.json", "DRCD_dev.json", "DRCD_test.json"], "README.md"),
}  # fmt: skip
SHORT = {"train": "cmrc2018_train.json", "dev": "cmrc2018_dev.json", "trial": "cmrc2018_trial.json"}


def data_dir() -> Path:
    return Path(os.environ.get("BULLETIN_CMRC_DIR") or Path.home() / ".cache/bulletin-bot/cmrc2018")


def _read(source: Path, path: str) -> bytes | None:
    if (source / path).is_file():
        return (source / path).read_bytes()
    if (source / "HEAD").is_file():  # a bare git directory (a mirror without a work tree)
        out = subprocess.run(
            ["git", "--git-dir", str(source), "show", f"HEAD:{path}"], capture_output=True, check=False
        )
        return out.stdout if out.returncode == 0 else None
    return None


def cmd_prepare(args: argparse.Namespace) -> int:
    target = Path(args.to) if args.to else data_dir()
    if not args.source:
        print(
            __doc__.split("Data (never committed; keep it outside the repository):")[1]
            .split("``prepare``")[0]
            .strip()
        )
        print(f"\nclone a repository above, then: python bench/cmrc.py prepare --from CLONE [--to {target}]")
        return 0
    source = Path(args.source)
    target.mkdir(parents=True, exist_ok=True)
    copied = 0
    for dataset, (folder, names, licence) in FILES.items():
        found = [(name, data) for name in names if (data := _read(source, folder + name)) is not None]
        if not found:
            continue
        notice = _read(source, licence)
        if notice is not None:
            found.append((f"{licence}.{dataset}", notice))  # the licence travels with the data
        for name, data in found:
            (target / name).write_bytes(data)
            print(f"{target / name} ({len(data):,} bytes)")
        copied += len(found)
    if not copied:
        print(f"{source}: no CMRC 2018 or DRCD files found", file=sys.stderr)
        return 1
    missing = [n for n in SHORT.values() if not (target / n).exists()]
    if missing:
        print(f"not in {target} (a snapshot without large files lacks them): {', '.join(missing)}")
    print(f"export BULLETIN_CMRC_DIR={target}")
    return 0


def cmd_convert(args: argparse.Namespace) -> int:
    src = Path(args.src)
    if not src.exists() and args.src in SHORT:
        src = data_dir() / SHORT[args.src]
    if not src.exists():
        print(
            f"{src}: no such file (run `python bench/cmrc.py prepare`, or set BULLETIN_CMRC_DIR)",
            file=sys.stderr,
        )
        return 1
    out = Path(args.outdir)
    for old in out.glob("issue-*.txt"):
        old.unlink()  # a smaller --limit must not leave the issues of an earlier run behind
    passages = subset(load_squad(src), args.limit, args.seed)
    files, rows = convert(
        passages,
        out,
        per_issue=args.per_issue,
        first_day=date.fromisoformat(args.first_day),
        split=args.split,
    )
    qpath = (
        Path(args.questions)
        if args.questions
        else out.parent / f"{out.name.removesuffix('-corpus')}-qa.jsonl"
    )
    write_questions(rows, qpath)
    asked = sum(len(p.qas) for p in passages)
    skipped = f" ({asked - len(rows)} without a question or an answer skipped)" if asked > len(rows) else ""
    print(
        f"{len(passages)} passages → {len(files)} issues in {out}; {len(rows)} questions → {qpath}{skipped}"
    )
    if not args.no_check:
        r = check_issues(files, passages, args.per_issue)
        print(
            f"parsed back: {r.one_article_each}/{r.passages} passages one article with their title; text exact "
            f"{r.exact}/{r.passages} ({r.exact / r.passages:.1%}), identical up to whitespace "
            f"{r.same_without_spaces}/{r.passages} ({r.same_without_spaces / r.passages:.1%})"
        )
        for line in r.failures[:10]:
            print("  " + line)
        return 0 if r.one_article_each == r.passages and r.same_without_spaces == r.passages else 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("prepare", "download"):
        p = sub.add_parser(
            name, help="where the data comes from; copy it from a clone into BULLETIN_CMRC_DIR"
        )
        p.add_argument(
            "--from", dest="source", help="a clone or bare git directory of ymcui/cmrc2018 or DRCD"
        )
        p.add_argument("--to", help="target folder (default $BULLETIN_CMRC_DIR)")
        p.set_defaults(func=cmd_prepare)
    p = sub.add_parser("convert", help="SQuAD-format JSON → bulletin issues + questions JSONL")
    p.add_argument("src", help="a SQuAD-format JSON file, or dev/train/trial in $BULLETIN_CMRC_DIR")
    p.add_argument("outdir")
    p.add_argument("--questions", help="questions JSONL (default OUTDIR-qa.jsonl, OUTDIR's -corpus cut)")
    p.add_argument("--limit", type=int, help="keep N passages, drawn with --seed")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--per-issue", type=int, default=PER_ISSUE)
    p.add_argument("--first-day", default="2018-03-01", help="date of the first issue; one issue a week")
    p.add_argument("--split", default="", help="a label put in every question row (train, dev, …)")
    p.add_argument("--no-check", action="store_true", help="skip parsing the issues back")
    p.set_defaults(func=cmd_convert)
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())

